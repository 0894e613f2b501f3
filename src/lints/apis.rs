//! What the source checks know about std, runtime and reqwest APIs: blocking functions by
//! full path, the few types whose methods block, how values of those types are made, and the
//! runtimes' functions that return futures. Data only: [`super::walker`] follows the types
//! through local bindings, and the checks in [`super::checks`] ask.

/// A blocking function, by full path (after `use` resolution), with its async twin.
pub struct BlockingFn {
    pub path: &'static str,
    /// What to use instead: Rust code (`tokio::fs::read(..).await`), or, when words are
    /// needed, a phrase with its code already in backticks. [`help_code`] tells them apart.
    pub twin: &'static str,
}

/// A twin as it reads in a help line: code gets backticks, a phrase already has them.
pub fn help_code(twin: &str) -> String {
    if twin.contains('`') {
        twin.to_string()
    } else {
        format!("`{twin}`")
    }
}

const fn f(path: &'static str, twin: &'static str) -> BlockingFn {
    BlockingFn { path, twin }
}

const SPAWN_BLOCKING: &str = "tokio::task::spawn_blocking";

/// Free functions and associated functions that block the calling thread.
pub const BLOCKING_FNS: &[BlockingFn] = &[
    f("std::thread::sleep", "tokio::time::sleep(..).await"),
    f("std::thread::park", "a `tokio::sync::Notify`, awaited"),
    f(
        "std::thread::park_timeout",
        "a `tokio::sync::Notify`, awaited",
    ),
    f("std::fs::read", "tokio::fs::read(..).await"),
    f(
        "std::fs::read_to_string",
        "tokio::fs::read_to_string(..).await",
    ),
    f("std::fs::write", "tokio::fs::write(..).await"),
    f("std::fs::read_dir", "tokio::fs::read_dir(..).await"),
    f("std::fs::copy", "tokio::fs::copy(..).await"),
    f("std::fs::rename", "tokio::fs::rename(..).await"),
    f("std::fs::remove_file", "tokio::fs::remove_file(..).await"),
    f("std::fs::remove_dir", "tokio::fs::remove_dir(..).await"),
    f(
        "std::fs::remove_dir_all",
        "tokio::fs::remove_dir_all(..).await",
    ),
    f("std::fs::create_dir", "tokio::fs::create_dir(..).await"),
    f(
        "std::fs::create_dir_all",
        "tokio::fs::create_dir_all(..).await",
    ),
    f("std::fs::metadata", "tokio::fs::metadata(..).await"),
    f(
        "std::fs::symlink_metadata",
        "tokio::fs::symlink_metadata(..).await",
    ),
    f("std::fs::canonicalize", "tokio::fs::canonicalize(..).await"),
    f("std::fs::hard_link", "tokio::fs::hard_link(..).await"),
    f("std::fs::read_link", "tokio::fs::read_link(..).await"),
    f(
        "std::fs::set_permissions",
        "tokio::fs::set_permissions(..).await",
    ),
    f("std::fs::exists", "tokio::fs::try_exists(..).await"),
    f("std::fs::File::open", "tokio::fs::File::open(..).await"),
    f("std::fs::File::create", "tokio::fs::File::create(..).await"),
    f(
        "std::fs::File::create_new",
        "tokio::fs::File::create_new(..).await",
    ),
    f(
        "std::net::TcpStream::connect",
        "tokio::net::TcpStream::connect(..).await",
    ),
    f(
        "std::net::TcpStream::connect_timeout",
        "tokio::time::timeout(.., tokio::net::TcpStream::connect(..)).await",
    ),
    f("reqwest::blocking::get", "reqwest::get(..).await"),
    f(
        "futures::executor::block_on",
        "`.await` on the future itself",
    ),
    f(
        "futures_executor::block_on",
        "`.await` on the future itself",
    ),
    f("pollster::block_on", "`.await` on the future itself"),
];

/// The function with this full path, if it blocks.
pub fn blocking_fn(path: &str) -> Option<&'static BlockingFn> {
    BLOCKING_FNS.iter().find(|b| b.path == path)
}

/// Types we follow through local bindings, because some of their methods block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    StdTcpListener,
    /// `std::sync::mpsc::channel()`'s `(Sender, Receiver)` pair.
    StdChannel,
    StdReceiver,
    StdJoinHandle,
    StdCommand,
    StdChild,
    StdStdin,
    ReqwestClientBuilder,
    ReqwestClient,
    ReqwestRequest,
}

/// Calls that make a value of a known type (`Result`s are looked through by the caller).
pub fn constructor(path: &str) -> Option<Known> {
    Some(match path {
        "std::net::TcpListener::bind" => Known::StdTcpListener,
        "std::sync::mpsc::channel" | "std::sync::mpsc::sync_channel" => Known::StdChannel,
        "std::thread::spawn" => Known::StdJoinHandle,
        "std::process::Command::new" => Known::StdCommand,
        "std::io::stdin" => Known::StdStdin,
        "reqwest::blocking::Client::new" => Known::ReqwestClient,
        "reqwest::blocking::Client::builder" | "reqwest::blocking::ClientBuilder::new" => {
            Known::ReqwestClientBuilder
        }
        _ => return None,
    })
}

/// Type names (in annotations and parameters) of known types.
pub fn type_named(path: &str) -> Option<Known> {
    Some(match path {
        "std::net::TcpListener" => Known::StdTcpListener,
        "std::sync::mpsc::Receiver" => Known::StdReceiver,
        "std::thread::JoinHandle" => Known::StdJoinHandle,
        "std::process::Command" => Known::StdCommand,
        "std::process::Child" => Known::StdChild,
        "std::io::Stdin" | "std::io::StdinLock" => Known::StdStdin,
        "reqwest::blocking::Client" => Known::ReqwestClient,
        _ => return None,
    })
}

/// The type of `receiver.method(..)` when it is known again (builders).
pub fn after_method(ty: Known, method: &str) -> Option<Known> {
    use Known::*;
    Some(match (ty, method) {
        (
            StdCommand,
            "arg" | "args" | "env" | "envs" | "env_remove" | "env_clear" | "current_dir" | "stdin"
            | "stdout" | "stderr",
        ) => StdCommand,
        (StdCommand, "spawn") => StdChild,
        (StdStdin, "lock") => StdStdin,
        (ReqwestClientBuilder, "build") => ReqwestClient,
        (ReqwestClientBuilder, _) => ReqwestClientBuilder,
        (ReqwestClient, "get" | "post" | "put" | "patch" | "delete" | "head" | "request") => {
            ReqwestRequest
        }
        (
            ReqwestRequest,
            "header" | "headers" | "body" | "json" | "form" | "query" | "timeout" | "basic_auth"
            | "bearer_auth" | "version" | "multipart",
        ) => ReqwestRequest,
        _ => return None,
    })
}

/// A method that blocks on a value of a known type: the type's full path (the API is
/// `<type>::<method>`) and the async twin (code, or a phrase with its code in backticks).
pub fn blocking_method(ty: Known, method: &str) -> Option<(&'static str, &'static str)> {
    use Known::*;
    Some(match (ty, method) {
        (StdTcpListener, "accept") => (
            "std::net::TcpListener",
            "tokio::net::TcpListener::accept(..).await",
        ),
        (StdTcpListener, "incoming") => (
            "std::net::TcpListener",
            "`tokio::net::TcpListener::accept(..).await` in a loop",
        ),
        (StdReceiver, "recv" | "recv_timeout" | "iter") => (
            "std::sync::mpsc::Receiver",
            "a `tokio::sync::mpsc` channel and `rx.recv().await`",
        ),
        (StdJoinHandle, "join") => ("std::thread::JoinHandle", SPAWN_BLOCKING),
        (StdCommand, "output") => (
            "std::process::Command",
            "tokio::process::Command::output(..).await",
        ),
        (StdCommand, "status") => (
            "std::process::Command",
            "tokio::process::Command::status(..).await",
        ),
        (StdChild, "wait" | "wait_with_output") => (
            "std::process::Child",
            "tokio::process::Child::wait(..).await",
        ),
        (StdStdin, "read_line" | "read_to_string" | "read_to_end" | "lines") => (
            "std::io::Stdin",
            "`tokio::io::stdin()` with `AsyncBufReadExt::read_line(..).await`",
        ),
        (ReqwestRequest, "send") => (
            "reqwest::blocking::RequestBuilder",
            "the async `reqwest::Client` and `.send().await`",
        ),
        (ReqwestClient, "execute") => (
            "reqwest::blocking::Client",
            "the async `reqwest::Client` and `.execute(..).await`",
        ),
        _ => return None,
    })
}

/// Functions of the runtimes and of reqwest that return a future, by full path (after `use`
/// resolution), and whether that future is *lazy*: all of its work waits for the first poll.
/// Every `async fn` is lazy. Timers are not: `tokio::time::sleep(d)` (a plain `fn` returning
/// `Sleep`, tokio 1.54 `src/time/sleep.rs`) fixes its deadline when it is called, so two sleeps
/// made together and then awaited one by one take the longer of the two, not the sum.
/// async-std's `task::sleep` is an `async fn`, so its clock starts at the first poll.
pub const FUTURE_FNS: &[(&str, bool)] = &[
    // tokio 1.54: each of these is an `async fn`.
    ("tokio::fs::read", true),
    ("tokio::fs::read_to_string", true),
    ("tokio::fs::write", true),
    ("tokio::fs::read_dir", true),
    ("tokio::fs::copy", true),
    ("tokio::fs::rename", true),
    ("tokio::fs::remove_file", true),
    ("tokio::fs::remove_dir", true),
    ("tokio::fs::remove_dir_all", true),
    ("tokio::fs::create_dir", true),
    ("tokio::fs::create_dir_all", true),
    ("tokio::fs::metadata", true),
    ("tokio::fs::canonicalize", true),
    ("tokio::fs::try_exists", true),
    ("tokio::fs::File::open", true),
    ("tokio::fs::File::create", true),
    ("tokio::net::TcpStream::connect", true),
    ("tokio::net::TcpListener::bind", true),
    ("tokio::net::UdpSocket::bind", true),
    ("tokio::net::lookup_host", true),
    ("tokio::signal::ctrl_c", true),
    ("tokio::task::yield_now", true),
    ("tokio::time::sleep", false),
    ("tokio::time::sleep_until", false),
    // smol 2.0: `Timer::after` fixes its deadline when made; `smol::fs` is async-fs's
    // `async fn`s.
    ("smol::Timer::after", false),
    ("smol::fs::read", true),
    ("smol::fs::read_to_string", true),
    ("smol::fs::write", true),
    ("smol::net::TcpStream::connect", true),
    // async-std 1.13: `async fn`s, `task::sleep` included.
    ("async_std::task::sleep", true),
    ("async_std::fs::read", true),
    ("async_std::fs::read_to_string", true),
    ("async_std::fs::write", true),
    ("async_std::fs::File::open", true),
    ("async_std::fs::File::create", true),
    ("async_std::net::TcpStream::connect", true),
    // trpl 0.3: `sleep` and `read_to_string` are tokio's; `get` is its own `async fn`.
    ("trpl::sleep", false),
    ("trpl::read_to_string", true),
    ("trpl::get", true),
    // reqwest 0.12: `pub async fn get`.
    ("reqwest::get", true),
];

/// Whether the function at this full path returns a future: `Some(lazy)` (see
/// [`FUTURE_FNS`]).
pub fn future_fn(path: &str) -> Option<bool> {
    FUTURE_FNS
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, lazy)| *lazy)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every help line reads as text with code spans: backticks balanced, never doubled, and
    /// no code span that starts with an English word.
    #[test]
    fn every_twin_reads_well_in_a_help_line() {
        let methods = [
            (Known::StdTcpListener, "accept"),
            (Known::StdTcpListener, "incoming"),
            (Known::StdReceiver, "recv"),
            (Known::StdJoinHandle, "join"),
            (Known::StdCommand, "output"),
            (Known::StdChild, "wait"),
            (Known::StdStdin, "read_line"),
            (Known::ReqwestRequest, "send"),
            (Known::ReqwestClient, "execute"),
        ];
        let twins = BLOCKING_FNS.iter().map(|b| b.twin).chain(
            methods
                .iter()
                .filter_map(|(k, m)| blocking_method(*k, m).map(|t| t.1)),
        );
        for twin in twins {
            let help = help_code(twin);
            assert_eq!(help.matches('`').count() % 2, 0, "{help}");
            assert!(!help.contains("``"), "{help}");
            for span in help.split('`').skip(1).step_by(2) {
                let first = span.split(' ').next().unwrap_or_default();
                assert!(
                    !matches!(first, "a" | "an" | "the" | "use"),
                    "words inside a code span: {help}"
                );
            }
        }
        assert_eq!(
            help_code("`.await` on the future itself"),
            "`.await` on the future itself"
        );
        assert_eq!(
            help_code("tokio::fs::read(..).await"),
            "`tokio::fs::read(..).await`"
        );
    }
}
