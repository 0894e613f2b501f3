//! The parse floor for the throughput benchmarks (BENCHMARKS.md): the least any tool that
//! understands cargo's JSON stream must do. Reads stdin line by line, parses each line as a
//! `cargo_metadata::Message` (lines that are not JSON become `TextLine`, as cargo_metadata's
//! own stream parser does) and writes the line back to stdout.
//!
//! ```text
//! cargo run --release --example floor < stream.jsonl > /dev/null
//! cargo run --release --example floor -- --reserialize < stream.jsonl > /dev/null
//! ```
//!
//! By default the original bytes are written back (the strict floor: no serializer cost);
//! with `--reserialize` the parsed message is serialized again instead.

use std::io::{self, BufRead, BufWriter, Write};

use cargo_metadata::Message;

fn main() -> io::Result<()> {
    let reserialize = std::env::args().any(|a| a == "--reserialize");
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut buf = Vec::with_capacity(64 * 1024);
    let mut parsed = 0usize;
    loop {
        buf.clear();
        if input.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let content = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let message = serde_json::from_slice::<Message>(content)
            .unwrap_or_else(|_| Message::TextLine(String::from_utf8_lossy(content).into_owned()));
        parsed += usize::from(!matches!(message, Message::TextLine(_)));
        if reserialize {
            serde_json::to_writer(&mut out, &message)?;
            out.write_all(b"\n")?;
        } else {
            out.write_all(&buf)?;
        }
    }
    out.flush()?;
    eprintln!("floor: {parsed} messages parsed");
    Ok(())
}
