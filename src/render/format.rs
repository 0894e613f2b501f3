//! The output formats: their names on the command line, what each needs, and the one factory
//! that makes a format's renderer. Adding a format is one file in `render/` plus one variant
//! and one line in each `match` here.

use std::io::Write;

use clap::ValueEnum;

use super::github::Github;
use super::gitlab::Gitlab;
use super::human::Human;
use super::json::Json;
use super::sarif::Sarif;
use super::short::Short;
use super::{PathContext, RenderContext, Renderer};

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// rustc's messages unchanged, explanations beneath (default).
    Human,
    /// One line per diagnostic (pre-commit, narrow logs).
    Short,
    /// cargo's JSON stream with explanations added (editors, scripts).
    Json,
    /// GitHub Actions workflow commands (annotations), with a readable log.
    Github,
    /// A SARIF 2.1.0 log (GitHub code scanning), written whole at the end.
    Sarif,
    /// A GitLab Code Quality report, written whole at the end.
    Gitlab,
}

impl Format {
    /// The formats that report findings at repository-relative paths.
    pub fn needs_paths(self) -> bool {
        matches!(self, Format::Github | Format::Sarif | Format::Gitlab)
    }

    /// The formats that show rustc's `rendered` text to a person (so rustc's own colors are
    /// worth asking cargo for).
    pub fn shows_rendered(self) -> bool {
        matches!(self, Format::Human | Format::Github)
    }

    /// The formats that may append a Markdown summary to `$GITHUB_STEP_SUMMARY`.
    pub fn writes_step_summary(self) -> bool {
        self == Format::Github
    }
}

/// What a renderer is made with.
pub struct Settings {
    pub ctx: RenderContext,
    /// Workspace and repository roots: the caller gives them to the formats that
    /// [`Format::needs_paths`] (`None` there would mean paths relative to `.`).
    pub paths: Option<PathContext>,
    /// Where the github format appends its step summary, when it may.
    pub step_summary: Option<Box<dyn Write>>,
}

/// The renderer for `format`.
pub fn renderer(format: Format, settings: Settings) -> Box<dyn Renderer> {
    let Settings {
        ctx,
        paths,
        step_summary,
    } = settings;
    let paths = move || paths.unwrap_or_else(|| PathContext::new(".", "."));
    match format {
        Format::Human => Box::new(Human::new(ctx)),
        Format::Short => Box::new(Short::new(ctx)),
        Format::Json => Box::new(Json),
        Format::Github => Box::new(Github::new(ctx, paths(), step_summary)),
        Format::Sarif => Box::new(Sarif::new(paths())),
        Format::Gitlab => Box::new(Gitlab::new(paths())),
    }
}
