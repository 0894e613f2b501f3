//! Where the output goes: the sinks (a renderer and its writer), stdout behind one lock and a
//! buffer, the `--output` file written to a temporary file and renamed into place (so it is
//! never half written), `$GITHUB_STEP_SUMMARY`, and the broken-pipe policy (a closed stdout
//! is quiet; a failed `--output` file is an error and leaves no file behind).

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::Error;
use crate::exit;
use crate::render::format::{renderer, Format, Settings};
use crate::render::{Item, PathContext, RenderContext, Renderer};

/// One destination: a renderer and where it writes.
pub struct Sink {
    renderer: Box<dyn Renderer>,
    out: Box<dyn Write>,
    /// Flush after every item (live runs, editors); off for saved files (throughput).
    flush_each: bool,
    /// The first write error; after it the sink is skipped (broken pipe: quiet).
    error: Option<io::Error>,
}

impl Sink {
    pub fn new(renderer: Box<dyn Renderer>, out: Box<dyn Write>, flush_each: bool) -> Self {
        Sink {
            renderer,
            out,
            flush_each,
            error: None,
        }
    }

    /// Renders one item, unless an earlier write failed.
    pub fn emit(&mut self, item: &Item<'_>) {
        if self.error.is_some() {
            return;
        }
        let mut result = self.renderer.item(item, &mut self.out);
        if result.is_ok() && self.flush_each {
            result = self.out.flush();
        }
        if let Err(e) = result {
            self.error = Some(e);
        }
    }

    /// Ends the document (summaries, whole-document formats) and flushes.
    pub fn finish(&mut self) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self
            .renderer
            .finish(&mut self.out)
            .and_then(|()| self.out.flush())
        {
            self.error = Some(e);
        }
    }

    /// The write error that stopped this sink, if any.
    pub fn error(&self) -> Option<&io::Error> {
        self.error.as_ref()
    }

    /// Whether this sink has stopped for good.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

/// What a run writes to: the sinks, and the `--output` file being written, if any.
pub struct Outputs {
    pub sinks: Vec<Sink>,
    pending: Option<(PathBuf, PendingFile)>,
}

/// How the run wants its output.
pub struct Plan<'a> {
    pub format: Format,
    pub ctx: RenderContext,
    /// Repository-relative paths for the formats that need them.
    pub paths: Option<PathContext>,
    pub output: Option<&'a Path>,
    /// Flush stdout after every item (live runs and piped input), so explanations appear as
    /// soon as their diagnostic arrives.
    pub flush_each: bool,
}

impl Outputs {
    /// The chosen format on stdout, or with `--output`, the human format on stdout and the
    /// chosen format in a temporary file next to FILE (renamed into place by
    /// [`Outputs::finish`]).
    pub fn open(plan: Plan<'_>) -> Result<Self, Error> {
        // One lock for the whole run and a buffer in front of it: `Stdout` alone is
        // line-buffered and takes its lock on every write, which dominated the json format's
        // profile. Live runs still flush after every item (`flush_each`).
        let stdout: Box<dyn Write> =
            Box::new(io::BufWriter::with_capacity(64 * 1024, io::stdout().lock()));
        let Some(path) = plan.output else {
            let settings = Settings {
                ctx: plan.ctx,
                paths: plan.paths,
                step_summary: if plan.format.writes_step_summary() {
                    open_step_summary()
                } else {
                    None
                },
            };
            let sink = Sink::new(renderer(plan.format, settings), stdout, plan.flush_each);
            return Ok(Outputs {
                sinks: vec![sink],
                pending: None,
            });
        };
        let (pending, file) = PendingFile::create(path)?;
        let terminal = Settings {
            ctx: plan.ctx,
            paths: None,
            step_summary: None,
        };
        let document = Settings {
            ctx: RenderContext { color: false },
            paths: plan.paths,
            step_summary: None,
        };
        Ok(Outputs {
            sinks: vec![
                Sink::new(renderer(Format::Human, terminal), stdout, plan.flush_each),
                Sink::new(
                    renderer(plan.format, document),
                    Box::new(io::BufWriter::new(file)),
                    false,
                ),
            ],
            pending: Some((path.to_path_buf(), pending)),
        })
    }

    /// Puts the `--output` file in place (or reports why it could not be written) and
    /// returns `code`. A failed stdout write (closed pipe) is quiet.
    pub fn finish(self, code: u8) -> Result<u8, Error> {
        let Outputs { sinks, pending } = self;
        if let (Some((path, _)), Some(file_sink)) = (&pending, sinks.get(1)) {
            if let Some(e) = file_sink.error() {
                return Err(Error::Output {
                    path: path.clone(),
                    source: io::Error::new(e.kind(), e.to_string()),
                });
            }
        }
        // Closes the file (its writer was flushed when the sink finished) before the rename.
        drop(sinks);
        if let Some((_, pending)) = pending {
            pending.commit()?;
        }
        Ok(code)
    }
}

/// The broken-pipe policy for output written straight to stdout (`--explain`,
/// `--list-rules`): a closed pipe is success, any other failure an error.
pub fn finish_stdout(result: io::Result<()>) -> Result<u8, Error> {
    match result {
        Ok(()) => Ok(exit::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(exit::SUCCESS),
        Err(e) => Err(Error::Child(e)),
    }
}

/// `$GITHUB_STEP_SUMMARY`, opened for appending, when set.
fn open_step_summary() -> Option<Box<dyn Write>> {
    let path = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|p| !p.is_empty())?;
    match std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        Ok(file) => Some(Box::new(file)),
        Err(e) => {
            crate::say::warning(&format!(
                "cannot write the step summary {}: {e}",
                Path::new(&path).display()
            ));
            None
        }
    }
}

/// An `--output` file being written: a temporary file in the same directory, renamed over
/// the real one when the run completes, removed otherwise (also when dropped early).
struct PendingFile {
    temp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl PendingFile {
    fn create(dest: &Path) -> Result<(Self, File), Error> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        let temp = dir.join(format!(".{name}.explain-async-{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(|source| Error::Output {
            path: dest.to_path_buf(),
            source,
        })?;
        let pending = PendingFile {
            temp,
            dest: dest.to_path_buf(),
            done: false,
        };
        Ok((pending, file))
    }

    fn commit(mut self) -> Result<(), Error> {
        self.done = true;
        std::fs::rename(&self.temp, &self.dest).map_err(|source| {
            let _ = std::fs::remove_file(&self.temp);
            Error::Output {
                path: self.dest.clone(),
                source,
            }
        })
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}
