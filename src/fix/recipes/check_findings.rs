//! Test support for the recipes of source-check rules: runs the real check on a source text,
//! emits its finding as the `compiler-message` line the tool would print, and matches that
//! line against the built-in rulebook, so a recipe is tested on exactly what it would be given
//! (spans, labels, the rule's captures).

use std::collections::BTreeMap;

use crate::context::{PackageContext, Runtime, TokioDep};
use crate::diagnostic::{classify, Diagnostic, Event, Line};
use crate::fix::{Input, MemorySources};
use crate::lints::emit::{compiler_message, PackageTarget};
use crate::rules::Rulebook;

/// The file name findings are reported in.
pub const FILE: &str = "src/main.rs";

/// One finding of a check, as the fix stage sees it.
pub struct Case {
    pub diagnostic: Diagnostic,
    pub captures: BTreeMap<String, String>,
    pub sources: MemorySources,
}

/// The `nth` finding of `check` in `src`, matched by its rule.
pub fn case(src: &str, check: &str, nth: usize) -> Case {
    let report = crate::lints::analyze_source(src, false).expect("the source parses");
    let finding = report
        .findings
        .iter()
        .filter(|f| f.check.id() == check)
        .nth(nth)
        .unwrap_or_else(|| panic!("no finding {nth} of {check}: {:?}", report.findings));
    let origin = PackageTarget {
        package_id: "path+file:///w/app#0.0.0".into(),
        manifest_path: "/w/app/Cargo.toml".into(),
        target: serde_json::json!({"name": "app", "kind": ["bin"], "src_path": "/w/app/src/main.rs"}),
    };
    let line = format!("{}\n", compiler_message(finding, FILE, src, &origin, false));
    let Event::Diagnostic(diagnostic) = classify(Line {
        raw: line.as_bytes(),
    }) else {
        panic!("not a diagnostic: {line}");
    };
    let book = Rulebook::builtin().expect("the rulebook loads");
    let found = crate::matching::find(&book, &diagnostic).expect("a rule explains it");
    assert_eq!(book.rule(found.rule).id, check);
    Case {
        diagnostic: *diagnostic,
        captures: found.captures,
        sources: MemorySources::default().with(FILE, src),
    }
}

impl Case {
    /// The recipe's input, with `package` as the project context.
    pub fn input<'a>(&'a self, package: Option<&'a PackageContext>) -> Input<'a> {
        Input {
            diagnostic: &self.diagnostic,
            captures: &self.captures,
            package,
            sources: &self.sources,
        }
    }
}

/// A package depending on these runtimes (tokio with `full` when it is one of them).
pub fn package(runtimes: Vec<Runtime>) -> PackageContext {
    let tokio = runtimes.contains(&Runtime::Tokio).then(|| TokioDep {
        req: "1".into(),
        features: vec!["full".into()],
        default_features: true,
    });
    PackageContext {
        name: "app".into(),
        runtimes,
        tokio,
        in_workspace: false,
        trpl_run_only: false,
    }
}
