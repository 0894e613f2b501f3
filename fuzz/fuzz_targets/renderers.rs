//! Every renderer over arbitrary items: the input is a stream of JSON lines (seeded with
//! recorded streams). Properties: the github log carries no workflow command but ours (each
//! `::` command line is one of `::group::`, `::endgroup::`, `::error `, `::warning `,
//! `::notice `, `::stop-commands::` or the matching resume token), and the SARIF and GitLab
//! documents are valid JSON of the right shape with one result per reported diagnostic.
#![no_main]

use std::sync::{Arc, Mutex, OnceLock};

use cargo_explain_async::context::NoProject;
use cargo_explain_async::output::Sink;
use cargo_explain_async::render::format::{renderer, Format, Settings};
use cargo_explain_async::render::RenderContext;
use cargo_explain_async::rules::Rulebook;
use cargo_explain_async::stream::process;
use libfuzzer_sys::fuzz_target;

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn book() -> &'static Rulebook {
    static BOOK: OnceLock<Rulebook> = OnceLock::new();
    BOOK.get_or_init(|| Rulebook::builtin().unwrap())
}

fn run(format: Format, data: &[u8]) -> Vec<u8> {
    let out = Shared::default();
    let settings = Settings {
        ctx: RenderContext { color: false },
        paths: None,
        step_summary: Some(Box::new(Vec::new())),
    };
    let mut sinks = vec![Sink::new(renderer(format, settings), Box::new(out.clone()), false)];
    process(data, book(), &NoProject, &mut sinks).unwrap();
    let bytes = out.0.lock().unwrap().clone();
    bytes
}

fuzz_target!(|data: &[u8]| {
    let github = run(Format::Github, data);
    let text = String::from_utf8_lossy(&github);
    let mut fence: Option<String> = None;
    for line in text.lines() {
        // The runner trims leading white space (.NET's TrimStart) before looking for `::`.
        let trimmed = line.trim_start();
        if let Some(token) = &fence {
            if trimmed == format!("::{token}::") {
                fence = None;
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix("::stop-commands::") {
            fence = Some(rest.to_string());
            continue;
        }
        if trimmed.starts_with("::") {
            assert!(
                ["::group::", "::endgroup::", "::error ", "::warning ", "::notice "]
                    .iter()
                    .any(|p| trimmed.starts_with(p)),
                "a workflow command that is not ours: {line}"
            );
        }
    }
    let sarif: serde_json::Value =
        serde_json::from_slice(&run(Format::Sarif, data)).expect("sarif is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(sarif["runs"][0]["results"].is_array());
    let gitlab: serde_json::Value =
        serde_json::from_slice(&run(Format::Gitlab, data)).expect("gitlab is JSON");
    for issue in gitlab.as_array().expect("gitlab is an array") {
        assert!(issue["fingerprint"].is_string() && issue["location"]["path"].is_string());
    }
});
