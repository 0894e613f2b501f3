//! The stream reader and classifier: any bytes as cargo's stdout, through every renderer at
//! once. Never panics; the json output keeps one line per input line, and every line that
//! was not explained is byte-identical.
#![no_main]

use cargo_explain_async::context::NoProject;
use cargo_explain_async::output::Sink;
use cargo_explain_async::render::format::{renderer, Format, Settings};
use cargo_explain_async::render::RenderContext;
use cargo_explain_async::rules::Rulebook;
use cargo_explain_async::stream::process;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, Mutex, OnceLock};

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

fuzz_target!(|data: &[u8]| {
    let formats = [
        Format::Human,
        Format::Short,
        Format::Json,
        Format::Github,
        Format::Sarif,
        Format::Gitlab,
    ];
    let outs: Vec<Shared> = formats.iter().map(|_| Shared::default()).collect();
    let mut sinks: Vec<Sink> = formats
        .iter()
        .zip(&outs)
        .map(|(f, out)| {
            let settings = Settings {
                ctx: RenderContext { color: true },
                paths: None,
                step_summary: None,
            };
            Sink::new(renderer(*f, settings), Box::new(out.clone()), false)
        })
        .collect();
    process(data, book(), &NoProject, &mut sinks).unwrap();
    let json = outs[2].0.lock().unwrap().clone();
    let lines_in = data.split_inclusive(|b| *b == b'\n').count();
    let lines_out = json.split_inclusive(|b| *b == b'\n').count();
    assert_eq!(lines_in, lines_out, "json keeps one line per input line");
    for (a, b) in data
        .split_inclusive(|b| *b == b'\n')
        .zip(json.split_inclusive(|b| *b == b'\n'))
    {
        if !b.windows(15).any(|w| w == b"\"explain_async\"") {
            let a_body = a.strip_suffix(b"\n").unwrap_or(a);
            let b_body = b.strip_suffix(b"\n").unwrap_or(b);
            assert_eq!(a_body, b_body, "an unexplained line is passed through unchanged");
        }
    }
    for (i, out) in outs.iter().enumerate().skip(4) {
        let doc = out.0.lock().unwrap().clone();
        let value: serde_json::Value =
            serde_json::from_slice(&doc).expect("sarif and gitlab are one JSON document");
        if i == 4 {
            assert_eq!(value["version"], "2.1.0");
        } else {
            assert!(value.is_array());
        }
    }
});
