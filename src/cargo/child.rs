//! The running cargo: its stdout as a buffered reader, and the two ways a run ends with it
//! (waited for, or stopped because the run could not be set up). Cargo is never left behind.

use std::io::{self, BufReader};
use std::process::Child;

use crate::error::Error;
use crate::exit;

/// A started cargo.
pub struct Cargo {
    child: Child,
}

impl Cargo {
    pub fn new(child: Child) -> Self {
        Cargo { child }
    }

    /// Cargo's stdout, read as it arrives. Empty if it was already taken (it is piped when
    /// cargo is started by [`Invocation`](super::Invocation), so this does not happen).
    pub fn stdout(&mut self) -> BufReader<Box<dyn io::Read + Send>> {
        let out: Box<dyn io::Read + Send> = match self.child.stdout.take() {
            Some(out) => Box::new(out) as Box<dyn io::Read + Send>,
            None => Box::new(io::empty()),
        };
        BufReader::new(out)
    }

    /// Waits for cargo and returns its exit status as ours (128+N when killed by signal N).
    pub fn wait(&mut self) -> Result<u8, Error> {
        let status = self.child.wait().map_err(Error::Child)?;
        Ok(exit::from_status(status))
    }

    /// Ends cargo early (our setup failed after it started) and reaps it.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
