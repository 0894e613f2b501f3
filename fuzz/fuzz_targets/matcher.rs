//! The matcher and the fix stage over arbitrary diagnostics: the input is one JSON line
//! (seeded with recorded compiler messages), optionally followed by a NUL byte and the text
//! of the file its primary span names. Never panics; captured text carries no control
//! character into our titles; every proposed edit applies to the file it names.
#![no_main]

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use cargo_explain_async::context::{PackageContext, Project};
use cargo_explain_async::diagnostic::{classify, Diagnostic, Event, Line};
use cargo_explain_async::fix::{self, MemorySources, Proposal, Sources};
use cargo_explain_async::matching::{Matcher, Verdict};
use cargo_explain_async::rules::Rulebook;
use libfuzzer_sys::fuzz_target;

fn book() -> &'static Rulebook {
    static BOOK: OnceLock<Rulebook> = OnceLock::new();
    BOOK.get_or_init(|| Rulebook::builtin().unwrap())
}

struct Files(MemorySources);

impl Project for Files {
    fn package(&self, _: &Diagnostic) -> Option<&PackageContext> {
        None
    }
    fn notes(&self, _: &[String]) -> Vec<String> {
        Vec::new()
    }
    fn sources(&self) -> &dyn Sources {
        &self.0
    }
}

fuzz_target!(|data: &[u8]| {
    let (line, file) = match data.iter().position(|b| *b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let Event::Diagnostic(d) = classify(Line { raw: line }) else {
        return;
    };
    let mut sources = MemorySources(BTreeMap::new());
    if let (Some(span), Some(file)) = (d.user_span(), file) {
        let text = String::from_utf8_lossy(file);
        sources.0.insert(span.file_name.clone(), Arc::from(text.as_ref()));
    }
    let project = Files(sources);
    let mut verdict = Matcher::new(book()).judge(&d, &project);
    fix::attach(&mut verdict, &d, &project);
    if let Verdict::Explained(e) = &verdict {
        assert!(!e.title.chars().any(|c| c.is_control()), "control character in a title");
        if let Some(Proposal::Edits(f)) = &e.proposal {
            for edit in &f.edits {
                let text = project.0.read(&edit.file).expect("an edit names a file we have");
                assert!(edit.start <= edit.end && edit.end <= text.len());
                assert!(text.is_char_boundary(edit.start) && text.is_char_boundary(edit.end));
            }
        }
    }
});
