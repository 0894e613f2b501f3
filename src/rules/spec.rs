//! The shape of a rule: what its front matter may say, and the compiled form the matcher
//! uses. Parsing text into these types lives in `parse.rs`; this module only describes them.

use super::pattern::Pattern;
use serde::Deserialize;

/// Diagnostic levels a rule can ask for. `any` matches every level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    Error,
    Warning,
    Note,
    Help,
    Any,
}

impl Level {
    /// Whether a rustc level string (`"error"`, `"warning"`, …) satisfies this condition.
    pub fn accepts(self, rustc_level: &str) -> bool {
        match self {
            Level::Any => true,
            Level::Error => rustc_level == "error" || rustc_level.starts_with("error:"),
            Level::Warning => rustc_level == "warning",
            Level::Note => rustc_level == "note",
            Level::Help => rustc_level == "help",
        }
    }
}

/// One string or a list of strings (for `code`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The TOML front matter as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub id: String,
    pub title: String,
    pub summary: String,
    #[serde(default)]
    pub priority: i32,
    #[serde(rename = "match")]
    pub conditions: MatchSpec,
    #[serde(default)]
    pub links: Vec<Link>,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub context: ContextSpec,
    #[serde(default)]
    pub cascade: CascadeSpec,
    /// `[[fix]]` entries: the recipes (see `src/fix/recipes`) that compute this rule's fix
    /// in the user's own code, tried in order; the first that applies wins.
    #[serde(default)]
    pub fix: Vec<FixSpec>,
}

/// One `[[fix]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixSpec {
    /// The recipe's name (`rc_to_arc`, `append_await`, …).
    pub recipe: String,
}

/// The `[cascade]` table: follow-up errors this rule's mistake drags in. Once the rule fires,
/// later diagnostics of the same package that match `rules` (ids of other rules) or
/// `messages` (regexes on the message) get no explanation of their own: this one covers them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CascadeSpec {
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub messages: Vec<String>,
}

/// The `[context]` table: what a rule needs from the project (see `src/context.rs`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    /// Tokio features the fix needs; placeholders allowed (`"{module}"`). Gives the rule the
    /// captures `{tokio_toml}` (the `Cargo.toml` line to write) and `{tokio_cargo_add}`.
    #[serde(default)]
    pub tokio_features: Vec<String>,
}

/// The `[match]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchSpec {
    pub level: Level,
    #[serde(default)]
    pub code: Option<OneOrMany>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub children: Vec<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Regex on the source lines rustc quotes under the spans of the diagnostic and its
    /// children (whole lines, primary spans first): tells `tokio::spawn(async move {` from
    /// `thread::spawn(move || {` when rustc's words are the same.
    #[serde(default)]
    pub source: Option<String>,
}

/// A "read more" link.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// Where a rule came from: compiled into the binary, or a user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    File(std::path::PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Builtin => f.write_str("built-in"),
            Origin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The body sections every rule has, in this order: the one spelling of their headings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Python,
    Rust,
    Fix,
}

impl Section {
    /// Every section, in the order a rule file writes them.
    pub const ALL: [Section; 3] = [Section::Python, Section::Rust, Section::Fix];

    /// The heading as written after `## ` in a rule file and shown to users.
    pub const fn heading(self) -> &'static str {
        match self {
            Section::Python => "In Python terms",
            Section::Rust => "What Rust is telling you",
            Section::Fix => "Fix",
        }
    }
}

/// A Markdown body split into its three required sections.
#[derive(Debug, Clone)]
pub struct Body {
    pub python: String,
    pub rust: String,
    pub fix: String,
}

/// A validated, compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub summary: String,
    pub priority: i32,
    pub level: Level,
    /// Empty: any code (or none). Otherwise the diagnostic's code must be one of these.
    pub codes: Vec<String>,
    pub message: Option<Pattern>,
    pub children: Vec<Pattern>,
    pub labels: Vec<Pattern>,
    pub source: Option<Pattern>,
    pub links: Vec<Link>,
    pub deprecated: bool,
    /// Tokio features the fix needs (templates over the rule's captures).
    pub tokio_features: Vec<String>,
    /// Rule ids whose findings this rule's mistake explains (see [`CascadeSpec`]).
    pub cascade_rules: Vec<String>,
    /// Messages of follow-up diagnostics this rule's mistake explains.
    pub cascade_messages: Vec<Pattern>,
    /// Names of the fix recipes to try, in order (`[[fix]]`).
    pub fix_recipes: Vec<String>,
    pub body: Body,
    pub origin: Origin,
}

impl Rule {
    /// How many conditions the rule states; a tie-breaker for "most specific wins".
    /// How rules that both match are ranked: higher `priority`, then more conditions, then
    /// the smaller id (so results are deterministic). Greater is more specific.
    pub fn specificity(&self) -> (i64, usize, std::cmp::Reverse<&str>) {
        (
            i64::from(self.priority),
            self.condition_count(),
            std::cmp::Reverse(self.id.as_str()),
        )
    }

    pub fn condition_count(&self) -> usize {
        usize::from(!self.codes.is_empty())
            + usize::from(self.message.is_some())
            + self.children.len()
            + self.labels.len()
            + usize::from(self.source.is_some())
    }

    /// The first link's URL, if any.
    pub fn url(&self) -> Option<&str> {
        self.links.first().map(|l| l.url.as_str())
    }
}
