//! Fix recipes of the Send/Sync and `'static` families over the recorded fixture streams:
//! each diagnostic is matched with the built-in rulebook, the rule's `[[fix]]` recipes run on
//! the fixture's own source (read from `tests/fixtures`) with a package context built like
//! the fixture's `Cargo.toml`, and the proposal is checked: its kind, its applicability and
//! the lines it writes. That the edits compile is proven by `scripts/try-fix-sendsync`.
//! `lock_held_across_await` is our own source check: its diagnostics are made by running the
//! check on the fixture source, as the tool does.

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;

use cargo_explain_async::context::{PackageContext, Runtime, TokioDep};
use cargo_explain_async::diagnostic::{classify, Diagnostic, Event, Line};
use cargo_explain_async::fix::{self, Applicability, Fix, Input, Proposal, Sources};
use cargo_explain_async::matching::find;
use cargo_explain_async::rules::Rulebook;

/// The fixture workspace's files, named as rustc names them (relative to `tests/fixtures`),
/// and manifests as the recorded streams spell them (`[ROOT]/…/Cargo.toml`).
struct Fixtures;

impl Sources for Fixtures {
    fn read(&self, file: &str) -> Option<Arc<str>> {
        let rel = file.strip_prefix("[ROOT]/").unwrap_or(file);
        std::fs::read_to_string(common::fixtures_dir().join(rel))
            .ok()
            .map(Arc::from)
    }
}

/// A package like the fixtures' `Cargo.toml`: `tokio = { workspace = true }` is the
/// workspace's `features = ["full"]`.
fn package(runtimes: &[Runtime]) -> PackageContext {
    PackageContext {
        name: "fixture".into(),
        runtimes: runtimes.to_vec(),
        tokio: runtimes.contains(&Runtime::Tokio).then(|| TokioDep {
            req: "1".into(),
            features: vec!["full".into()],
            default_features: true,
        }),
        in_workspace: true,
        trpl_run_only: false,
    }
}

fn tokio() -> PackageContext {
    package(&[Runtime::Tokio])
}

/// One explained diagnostic and what its rule's recipes propose.
struct Proposed {
    rule: String,
    line: usize,
    diagnostic: Diagnostic,
    captures: BTreeMap<String, String>,
    proposal: Option<Proposal>,
}

fn diagnostics_of(stream: &[u8]) -> Vec<Diagnostic> {
    stream
        .split_inclusive(|b| *b == b'\n')
        .filter_map(|raw| match classify(Line { raw }) {
            Event::Diagnostic(d) => Some(*d),
            _ => None,
        })
        .collect()
}

fn propose_all(diagnostics: Vec<Diagnostic>, package: &PackageContext) -> Vec<Proposed> {
    let book = Rulebook::builtin().unwrap();
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(finding) = find(&book, &d) else {
            continue;
        };
        let rule = book.rule(finding.rule);
        let input = Input {
            diagnostic: &d,
            captures: &finding.captures,
            package: Some(package),
            sources: &Fixtures,
        };
        let proposal = fix::propose(&rule.fix_recipes, &input);
        let line = d.user_span().unwrap().line_start;
        out.push(Proposed {
            rule: rule.id.clone(),
            line,
            captures: finding.captures.clone(),
            diagnostic: d,
            proposal,
        });
    }
    out
}

/// The proposals for a member's recorded stream.
fn proposals(member: &str, package: &PackageContext) -> Vec<Proposed> {
    let stream = std::fs::read(common::streams_dir().join(format!("{member}.jsonl"))).unwrap();
    propose_all(diagnostics_of(&stream), package)
}

/// The one proposal for the diagnostic of `rule` on `line`.
fn at<'p>(all: &'p [Proposed], rule: &str, line: usize) -> &'p Proposed {
    let found: Vec<&Proposed> = all
        .iter()
        .filter(|p| p.rule == rule && p.line == line)
        .collect();
    assert!(!found.is_empty(), "no `{rule}` finding on line {line}");
    found[0]
}

/// The edits, asserting the applicability.
fn edits(p: &Proposed, applicability: Applicability) -> &Fix {
    match &p.proposal {
        Some(Proposal::Edits(fix)) => {
            assert_eq!(fix.applicability, applicability, "{}", fix.title);
            fix
        }
        other => panic!("{} line {}: expected edits, got {other:?}", p.rule, p.line),
    }
}

/// The fixture file with the fix applied.
fn fixed(fix: &Fix, file: &str) -> String {
    let text = Fixtures.read(file).unwrap();
    let mine: Vec<_> = fix.edits.iter().filter(|e| e.file == file).collect();
    assert!(!mine.is_empty(), "no edit of {file}");
    fix::apply(&text, mine).unwrap()
}

fn in_words(p: &Proposed) -> (&str, Vec<&str>) {
    match &p.proposal {
        Some(Proposal::InWords { text, lines }) => (
            text.as_str(),
            lines.iter().map(|l| l.text.as_str()).collect(),
        ),
        other => panic!("{} line {}: expected words, got {other:?}", p.rule, p.line),
    }
}

/// The same recipes again, by name (a recipe later in the rule's list).
fn run_recipe(p: &Proposed, names: &[&str], package: &PackageContext) -> Option<Proposal> {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let input = Input {
        diagnostic: &p.diagnostic,
        captures: &p.captures,
        package: Some(package),
        sources: &Fixtures,
    };
    fix::propose(&names, &input)
}

#[test]
fn every_rule_of_the_family_has_recipes_that_exist() {
    let book = Rulebook::builtin().unwrap();
    for id in [
        "rc_held_across_await",
        "refcell_borrow_held_across_await",
        "std_mutex_guard_held_across_await",
        "boxed_error_held_across_await",
        "non_send_held_across_await",
        "non_send_captured_by_spawn",
        "non_send_returned_from_spawn",
        "non_sync_held_across_await",
        "async_block_may_outlive_function",
        "borrowed_value_in_spawned_task",
        "reference_escapes_into_spawned_task",
        "clippy_await_holding_lock",
        "clippy_await_holding_refcell_ref",
        "clippy_future_not_send",
        "lock_held_across_await",
        "non_send_moved_to_blocking_thread",
        "local_executor_in_spawned_task",
        "std_guard_temporary_held_across_await",
        "local_borrowed_for_caller_lifetime",
        "closure_future_borrows_argument",
        "async_closure_given_to_fn_bound",
        "borrow_escapes_async_block",
        "non_send_held_in_async_trait_method",
        "shared_ref_to_non_sync_held_across_await",
        "non_send_trait_object_in_task",
    ] {
        let rule = book.get(id).unwrap();
        assert!(!rule.fix_recipes.is_empty(), "{id} has no [[fix]]");
        for r in &rule.fix_recipes {
            assert!(fix::recipes::exists(r), "{id}: {r}");
        }
    }
}

#[test]
fn rc_held_across_await_becomes_arc() {
    let all = proposals("rc_held_across_await", &tokio());
    let file = "rc_held_across_await/src/main.rs";
    let case1 = edits(
        at(&all, "rc_held_across_await", 14),
        Applicability::MachineApplicable,
    );
    assert_eq!(
        case1.title,
        "Share `request_count` with `Arc` instead of `Rc`"
    );
    let out = fixed(case1, file);
    assert!(out.contains("        let request_count = Arc::new(0u32);\n"));
    // The other case still names `Rc`: the import stays and `Arc` is added beside it.
    assert!(
        out.contains("use std::rc::Rc;\nuse std::sync::Arc;\n"),
        "{out}"
    );
    let case2 = edits(
        at(&all, "rc_held_across_await", 29),
        Applicability::MachineApplicable,
    );
    assert!(fixed(case2, file).contains("    let visit_log = Arc::new(vec![page]);\n"));
}

#[test]
fn rc_under_other_runtimes_becomes_arc_the_same_way() {
    for (member, runtime, line) in [
        ("runtime__smol_spawn_send", Runtime::Smol, 7),
        ("runtime__trpl_spawn_send", Runtime::Trpl, 8),
        ("runtime__futures_pool_send", Runtime::Futures, 11),
    ] {
        let all = proposals(member, &package(&[runtime]));
        let fix = edits(
            at(&all, "rc_held_across_await", line),
            Applicability::MachineApplicable,
        );
        let out = fixed(fix, &format!("{member}/src/main.rs"));
        assert!(
            out.contains("let request_count = Arc::new(0u32);"),
            "{member}: {out}"
        );
        assert!(
            out.contains("use std::sync::Arc;\n") && !out.contains("use std::rc::Rc;"),
            "{member}: {out}"
        );
        assert!(
            fix.edits.iter().all(|e| !e.replacement.contains("tokio")),
            "{member}: {:?}",
            fix.edits
        );
    }
}

#[test]
fn refcell_borrows_end_before_the_await() {
    let all = proposals("refcell_borrow_held_across_await", &tokio());
    let file = "refcell_borrow_held_across_await/src/main.rs";
    assert_eq!(all.len(), 4, "two diagnostics per case");
    for p in all.iter().filter(|p| p.line == 15) {
        let fix = edits(p, Applicability::MachineApplicable);
        assert_eq!(
            fix.title,
            "Release the borrow `jobs` before the `.await` and take it again after"
        );
        let out = fixed(fix, file);
        assert!(out.contains(
            "        {\n            let mut jobs = pending_jobs.borrow_mut();\n            jobs.push(1);\n        }\n        pause().await;\n        let mut jobs = pending_jobs.borrow_mut();\n        jobs.push(2);\n"
        ), "{out}");
    }
    for p in all.iter().filter(|p| p.line == 26) {
        let fix = edits(p, Applicability::MachineApplicable);
        let out = fixed(fix, file);
        assert!(out.contains("        pause().await;\n        let level = settings.borrow();\n        println!(\"level: {level}\");\n"), "{out}");
    }
}

#[test]
fn std_mutex_guards_are_released_or_made_async() {
    let all = proposals("std_mutex_guard_held_across_await", &tokio());
    let file = "std_mutex_guard_held_across_await/src/main.rs";
    let p = at(&all, "std_mutex_guard_held_across_await", 13);
    let fix = edits(p, Applicability::MaybeIncorrect);
    let out = fixed(fix, file);
    assert!(out.contains(
        "        {\n            let mut counts = hit_counts.lock().unwrap();\n            counts.push(1);\n        }\n        pause().await;\n        let mut counts = hit_counts.lock().unwrap();\n        counts.push(2);\n"
    ), "{out}");
    // The second recipe of the rule: tokio's mutex.
    let Some(Proposal::Edits(fix)) = run_recipe(p, &["async_mutex"], &tokio()) else {
        panic!("async_mutex declined")
    };
    assert_eq!(fix.applicability, Applicability::MaybeIncorrect);
    let out = fixed(&fix, file);
    assert!(out.starts_with(&Fixtures.read(file).unwrap()[..out.find("use std::sync").unwrap()]));
    assert!(
        out.contains("use std::sync::Arc;\nuse tokio::sync::Mutex;\n"),
        "{out}"
    );
    assert!(
        out.contains("let mut counts = hit_counts.lock().await;"),
        "{out}"
    );
}

#[test]
fn async_mutex_is_the_runtimes_own() {
    for (member, runtimes, mutex, line) in [
        (
            "runtime__async_std_spawn_send",
            vec![Runtime::AsyncStd],
            "async_std::sync::Mutex",
            19,
        ),
        (
            "runtime__smol_mutex_send",
            vec![Runtime::Smol],
            "smol::lock::Mutex",
            7,
        ),
        (
            "runtime__futures_pool_mutex_send",
            vec![Runtime::Futures],
            "futures::lock::Mutex",
            13,
        ),
    ] {
        let pkg = package(&runtimes);
        let all = proposals(member, &pkg);
        let p = at(&all, "std_mutex_guard_held_across_await", line);
        // The rule's first recipe releases the guard, whatever the runtime.
        let file = format!("{member}/src/main.rs");
        let relock = edits(p, Applicability::MaybeIncorrect);
        assert!(fixed(relock, &file).contains(
            "        let mut counts = hit_counts.lock().unwrap();\n        counts.push(2);"
        ));
        let Some(Proposal::Edits(fix)) = run_recipe(p, &["async_mutex"], &pkg) else {
            panic!("{member}: async_mutex declined")
        };
        let out = fixed(&fix, &file);
        assert!(
            out.contains(&format!("use std::sync::Arc;\nuse {mutex};\n")),
            "{member}: {out}"
        );
        assert!(
            out.contains("let mut counts = hit_counts.lock().await;"),
            "{member}: {out}"
        );
        assert!(!out.contains("tokio"), "{member}: {out}");
    }
    // trpl has no async mutex of its own (and the package no `futures` to name).
    let trpl = package(&[Runtime::Trpl]);
    let all = proposals("runtime__smol_mutex_send", &trpl);
    let p = at(&all, "std_mutex_guard_held_across_await", 7);
    assert_eq!(run_recipe(p, &["async_mutex"], &trpl), None);
    let Some(Proposal::InWords { text, .. }) = run_recipe(p, &["guard_in_words"], &trpl) else {
        panic!()
    };
    assert!(text.contains("no async mutex"), "{text}");
}

#[test]
fn async_mutex_turns_on_tokios_sync_feature() {
    let member = "runtime__tokio_mutex_without_sync";
    let pkg = PackageContext {
        tokio: Some(TokioDep {
            req: "1".into(),
            features: vec!["macros".into(), "rt".into(), "rt-multi-thread".into()],
            default_features: false,
        }),
        ..package(&[Runtime::Tokio])
    };
    let all = proposals(member, &pkg);
    let p = at(&all, "std_mutex_guard_held_across_await", 6);
    let Some(Proposal::Edits(fix)) = run_recipe(p, &["async_mutex"], &pkg) else {
        panic!("async_mutex declined")
    };
    assert!(
        fix.title.ends_with("(and turn on tokio's `sync` feature)"),
        "{}",
        fix.title
    );
    let manifest = fixed(&fix, &format!("[ROOT]/{member}/Cargo.toml"));
    assert!(manifest.contains(r#"tokio = { version = "1", default-features = false, features = ["macros", "rt", "rt-multi-thread", "sync"] }"#), "{manifest}");
    let out = fixed(&fix, &format!("{member}/src/main.rs"));
    assert!(
        out.contains("use std::sync::Arc;\nuse tokio::sync::Mutex;\n"),
        "{out}"
    );
}

#[test]
fn boxed_errors_get_send_and_sync() {
    let all = proposals("boxed_error_held_across_await", &tokio());
    let fix = edits(
        at(&all, "boxed_error_held_across_await", 20),
        Applicability::MachineApplicable,
    );
    assert_eq!(
        fix.title,
        "Declare `load_profile`'s error as `Box<dyn Error + Send + Sync>`"
    );
    let out = fixed(fix, "boxed_error_held_across_await/src/main.rs");
    assert!(out.contains(
        "async fn load_profile(user_id: u64) -> Result<String, Box<dyn Error + Send + Sync>> {"
    ));
}

#[test]
fn other_non_send_values_are_explained_in_words() {
    // (A futures-only package cannot name `tokio::` as this fixture does: see the unit tests.)
    for (runtime, spawner) in [
        (Runtime::Tokio, "tokio::task::spawn_local"),
        (Runtime::Smol, "smol::LocalExecutor"),
        (Runtime::AsyncStd, "async_std::task::spawn_local"),
        (Runtime::Trpl, "trpl::join"),
    ] {
        let all = proposals("non_send_held_across_await", &package(&[runtime]));
        let (text, lines) = in_words(at(&all, "non_send_held_across_await", 21));
        assert!(
            text.starts_with("`cursor` (`*const u8`) is not `Send`"),
            "{text}"
        );
        assert!(text.contains(spawner), "{runtime:?}: {text}");
        assert_eq!(
            lines,
            [
                "        let cursor: *const u8 = buffer.as_ptr();",
                "        pause().await;"
            ]
        );
        let (text, _) = in_words(at(&all, "non_send_held_across_await", 31));
        assert!(text.contains("`device` (`DeviceHandle`)"), "{text}");
    }
}

#[test]
fn captured_and_returned_rcs_become_arcs() {
    let all = proposals("non_send_captured_by_spawn", &tokio());
    let fix = edits(
        at(&all, "non_send_captured_by_spawn", 10),
        Applicability::MachineApplicable,
    );
    let out = fixed(fix, "non_send_captured_by_spawn/src/main.rs");
    assert!(
        out.contains("use std::sync::Arc;\n") && !out.contains("Rc"),
        "{out}"
    );
    assert!(out.contains("let app_config = Arc::new(String::from(\"prod\"));"));

    let all = proposals("non_send_returned_from_spawn", &tokio());
    let file = "non_send_returned_from_spawn/src/main.rs";
    let block = edits(
        at(&all, "non_send_returned_from_spawn", 13),
        Applicability::MachineApplicable,
    );
    assert_eq!(
        block.title,
        "Make the task's result an `Arc` instead of an `Rc`"
    );
    assert!(fixed(block, file).contains("tokio::spawn(async { Arc::new(42u32) });"));
    let func = edits(
        at(&all, "non_send_returned_from_spawn", 18),
        Applicability::MachineApplicable,
    );
    assert_eq!(
        func.title,
        "Return an `Arc` instead of an `Rc` from `build_report`"
    );
    let out = fixed(func, file);
    assert!(
        out.contains(
            "async fn build_report() -> Arc<String> {\n    Arc::new(String::from(\"report\"))\n}"
        ),
        "{out}"
    );
}

#[test]
fn a_cell_in_a_sync_future_becomes_an_atomic() {
    let all = proposals("non_sync_held_across_await", &tokio());
    let fix = edits(
        at(&all, "non_sync_held_across_await", 16),
        Applicability::MachineApplicable,
    );
    let out = fixed(fix, "non_sync_held_across_await/src/main.rs");
    assert!(
        out.contains("        let beats = AtomicU32::new(0u32);\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "        beats.store(beats.load(Ordering::Relaxed) + 1, Ordering::Relaxed);\n"
        ),
        "{out}"
    );
    assert!(!out.contains("use std::cell::Cell;"), "{out}");
}

#[test]
fn async_blocks_take_ownership() {
    let all = proposals("async_block_may_outlive_function", &tokio());
    let file = "async_block_may_outlive_function/src/main.rs";
    for (line, var, expect) in [
        (
            8,
            "user_id",
            "    tokio::spawn(async move { // explain-async",
        ),
        (
            16,
            "service_name",
            "    let handle = tokio::spawn(async move { // explain-async",
        ),
    ] {
        let fix = edits(
            at(&all, "async_block_may_outlive_function", line),
            Applicability::MachineApplicable,
        );
        assert_eq!(
            fix.title,
            format!("Move `{var}` into the async block (`async move`)")
        );
        assert!(fixed(fix, file).contains(expect));
    }
}

#[test]
fn borrowed_values_are_moved_or_copied_into_the_task() {
    let all = proposals("borrowed_value_in_spawned_task", &tokio());
    let fix = edits(
        at(&all, "borrowed_value_in_spawned_task", 7),
        Applicability::MachineApplicable,
    );
    let out = fixed(fix, "borrowed_value_in_spawned_task/src/main.rs");
    assert!(
        out.contains("    let to_notify = recipients; // explain-async"),
        "{out}"
    );
    assert!(out.contains("        for address in &to_notify {"), "{out}");

    let all = proposals("reference_escapes_into_spawned_task", &tokio());
    let file = "reference_escapes_into_spawned_task/src/main.rs";
    let this = edits(
        at(&all, "reference_escapes_into_spawned_task", 12),
        Applicability::MachineApplicable,
    );
    let out = fixed(this, file);
    assert!(
        out.contains(
            "        let channel = self.channel.clone();\n        tokio::spawn(async move {"
        ),
        "{out}"
    );
    assert!(
        out.contains("println!(\"listening on {}\", channel);"),
        "{out}"
    );
    let name = edits(
        at(&all, "reference_escapes_into_spawned_task", 20),
        Applicability::MachineApplicable,
    );
    assert!(fixed(name, file)
        .contains("fn greet_later(name: &str) {\n    let name = name.to_owned();\n"));
}

#[test]
fn clippy_lints_get_the_guard_recipes() {
    let all = proposals("clippy_await_holding_lock", &tokio());
    let file = "clippy_await_holding_lock/src/main.rs";
    let p = at(&all, "clippy_await_holding_lock", 7);
    let fix = edits(p, Applicability::MaybeIncorrect);
    let out = fixed(fix, file);
    assert!(out.contains("    tokio::time::sleep(Duration::from_millis(1)).await;\n    let mut log = visits.lock().unwrap(); // explain-async: clippy_await_holding_lock\n    log.push(user);\n"), "{out}");
    let Some(Proposal::Edits(fix)) = run_recipe(p, &["async_mutex"], &tokio()) else {
        panic!("async_mutex declined")
    };
    let out = fixed(&fix, file);
    assert!(out.contains("use tokio::sync::Mutex;\n"), "{out}");
    assert!(out.contains("let mut log = visits.lock().await;"), "{out}");

    let all = proposals("clippy_await_holding_refcell_ref", &tokio());
    let fix = edits(
        at(&all, "clippy_await_holding_refcell_ref", 7),
        Applicability::MaybeIncorrect,
    );
    let out = fixed(fix, "clippy_await_holding_refcell_ref/src/main.rs");
    assert!(out.contains("    tokio::time::sleep(Duration::from_millis(1)).await;\n    let mut items = cart.borrow_mut();"), "{out}");

    let all = proposals("clippy_future_not_send", &tokio());
    let fix = edits(
        at(&all, "clippy_future_not_send", 8),
        Applicability::MachineApplicable,
    );
    let out = fixed(fix, "clippy_future_not_send/src/main.rs");
    assert!(
        out.contains("    let shared = Arc::new(keys);\n") && out.contains("use std::sync::Arc;\n"),
        "{out}"
    );
}

#[test]
fn async_lock_guards_of_our_source_check() {
    use cargo_explain_async::lints::{analyze_source, emit};
    let member = "lock_held_across_await";
    let file = format!("{member}/src/main.rs");
    let text = Fixtures.read(&file).unwrap();
    let report = analyze_source(&text, false).unwrap();
    let origin = emit::PackageTarget {
        package_id: format!("path+file://[ROOT]/{member}#0.0.0"),
        manifest_path: format!("[ROOT]/{member}/Cargo.toml"),
        target: serde_json::json!({"kind": ["bin"], "crate_types": ["bin"], "name": member,
            "src_path": format!("[ROOT]/{member}/src/main.rs"), "edition": "2021",
            "doc": true, "doctest": false, "test": true}),
    };
    let lines: Vec<u8> = report
        .findings
        .iter()
        .flat_map(|f| {
            format!(
                "{}\n",
                emit::compiler_message(f, &file, &text, &origin, false)
            )
            .into_bytes()
        })
        .collect();
    let all = propose_all(diagnostics_of(&lines), &tokio());
    assert_eq!(all.len(), 2);
    let fix = edits(
        at(&all, "lock_held_across_await", 15),
        Applicability::MaybeIncorrect,
    );
    assert_eq!(
        fix.title,
        "Take the lock `cache` after the `.await` instead of before it"
    );
    let out = fixed(fix, &file);
    assert!(out.contains("    let price = fetch_price(\"ACME\").await;\n    let mut cache = prices.lock().await; // explain-async: lock_held_across_await\n    cache.push(price);\n"), "{out}");
    // The guard is read in the condition of the `if` that awaits: said in words.
    let (words, quoted) = in_words(at(&all, "lock_held_across_await", 21));
    assert!(
        words.starts_with("end the lock `settings` before the `.await`"),
        "{words}"
    );
    assert_eq!(
        quoted[0],
        "    let settings = config.read().await; // explain-async: lock_held_across_await"
    );
}

/// The rules whose recipes this file covers.
const FAMILY: &[&str] = &[
    "rc_held_across_await",
    "refcell_borrow_held_across_await",
    "std_mutex_guard_held_across_await",
    "boxed_error_held_across_await",
    "non_send_held_across_await",
    "non_send_captured_by_spawn",
    "non_send_returned_from_spawn",
    "non_sync_held_across_await",
    "async_block_may_outlive_function",
    "borrowed_value_in_spawned_task",
    "reference_escapes_into_spawned_task",
    "clippy_await_holding_lock",
    "clippy_await_holding_refcell_ref",
    "clippy_future_not_send",
    "lock_held_across_await",
];

/// Files under a workspace root, named as rustc names them (relative) or absolute.
struct Root(std::path::PathBuf);

impl Sources for Root {
    fn read(&self, file: &str) -> Option<Arc<str>> {
        let path = std::path::Path::new(file);
        let path = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.0.join(path)
        };
        std::fs::read_to_string(path).ok().map(Arc::from)
    }
}

/// One round of `scripts/try-fix-sendsync` (not a test on its own): reads the live cargo
/// stream `TRY_FIX_STREAM` of the workspace copy at `TRY_FIX_ROOT`, runs the recipes of the
/// first diagnostic of this family that gets edits (the rule's, or `TRY_FIX_RECIPES`), writes
/// the edited files back, and reports what it did to `TRY_FIX_REPORT` (JSON lines).
#[test]
#[ignore = "driven by scripts/try-fix-sendsync"]
fn try_fix_round() {
    use cargo_explain_async::context::ProjectContext;
    let (Ok(stream), Ok(root), Ok(report)) = (
        std::env::var("TRY_FIX_STREAM"),
        std::env::var("TRY_FIX_ROOT"),
        std::env::var("TRY_FIX_REPORT"),
    ) else {
        return;
    };
    let root = std::path::PathBuf::from(root);
    let recipes: Option<Vec<String>> = std::env::var("TRY_FIX_RECIPES")
        .ok()
        .filter(|s| !s.is_empty())
        .map(|s| s.split(',').map(str::to_string).collect());
    let manifest = root.join("Cargo.toml").to_string_lossy().into_owned();
    let args = vec![
        "--manifest-path".to_string(),
        manifest,
        "--offline".to_string(),
    ];
    let metadata = cargo_explain_async::cargo::metadata::load(&args, false).unwrap();
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).ok();
    let project = ProjectContext::new(&metadata, lock.as_deref());
    let book = Rulebook::builtin().unwrap();
    let sources = Root(root.clone());
    let mut out = String::new();
    let mut stream = std::fs::read(&stream).unwrap();
    // Our source checks' findings, as the tool injects them into the stream.
    let lints = cargo_explain_async::lints::workspace::run(&metadata, &args, &root, false, 2);
    let mut lint_lines = String::new();
    for line in &lints.lines {
        lint_lines.push_str(line);
        lint_lines.push('\n');
    }
    if let Ok(path) = std::env::var("TRY_FIX_LINTS") {
        std::fs::write(path, &lint_lines).unwrap();
    }
    stream.extend_from_slice(lint_lines.as_bytes());
    let dry = std::env::var("TRY_FIX_DRY").is_ok_and(|v| v == "1");
    for d in diagnostics_of(&stream) {
        let Some(finding) = find(&book, &d) else {
            continue;
        };
        let rule = book.rule(finding.rule);
        if !FAMILY.contains(&rule.id.as_str()) {
            continue;
        }
        let package = d.package_id.as_deref().and_then(|id| project.package(id));
        let input = Input {
            diagnostic: &d,
            captures: &finding.captures,
            package,
            sources: &sources,
        };
        let names = recipes.clone().unwrap_or_else(|| rule.fix_recipes.clone());
        let line = d.user_span().map_or(0, |s| s.line_start);
        match fix::propose(&names, &input) {
            Some(Proposal::Edits(f)) if !dry => {
                let mut files: Vec<&str> = f.edits.iter().map(|e| e.file.as_str()).collect();
                files.sort_unstable();
                files.dedup();
                for file in &files {
                    let text = sources.read(file).unwrap();
                    let new =
                        fix::apply(&text, f.edits.iter().filter(|e| e.file == *file)).unwrap();
                    let path = std::path::Path::new(file);
                    let path = if path.is_absolute() {
                        path.to_path_buf()
                    } else {
                        root.join(path)
                    };
                    std::fs::write(path, new).unwrap();
                }
                out.push_str(
                    &serde_json::json!({
                        "kind": "edits", "rule": rule.id, "line": line, "message": d.rustc.message,
                        "title": f.title, "applicability": f.applicability.as_str(), "files": files,
                    })
                    .to_string(),
                );
                out.push('\n');
                std::fs::write(&report, out).unwrap();
                return;
            }
            Some(Proposal::Edits(f)) => {
                out.push_str(&serde_json::json!({
                    "kind": "would-edit", "rule": rule.id, "line": line, "message": d.rustc.message,
                    "title": f.title,
                }).to_string());
                out.push('\n');
            }
            Some(Proposal::InWords { text, .. }) => {
                out.push_str(&serde_json::json!({
                    "kind": "words", "rule": rule.id, "line": line, "message": d.rustc.message, "text": text,
                }).to_string());
                out.push('\n');
            }
            None => {
                out.push_str(
                    &serde_json::json!({
                        "kind": "none", "rule": rule.id, "line": line, "message": d.rustc.message,
                    })
                    .to_string(),
                );
                out.push('\n');
            }
        }
    }
    std::fs::write(&report, out).unwrap();
}

#[test]
fn issue13_send_classes_get_their_fixes() {
    let tokio = tokio();
    // A temporary guard: its owned result is bound first, in the argument and the scrutinees.
    let all = proposals("std_guard_temporary_held_across_await", &tokio);
    let file = "std_guard_temporary_held_across_await/src/main.rs";
    let out = fixed(
        edits(
            at(&all, "std_guard_temporary_held_across_await", 12),
            Applicability::MachineApplicable,
        ),
        file,
    );
    assert!(
        out.contains("        let len = names.read().unwrap().len();\n        store(len).await;\n")
    );
    let out = fixed(
        edits(
            at(&all, "std_guard_temporary_held_across_await", 29),
            Applicability::MachineApplicable,
        ),
        file,
    );
    assert!(out.contains(
        "        let popped = queue.lock().unwrap().pop();\n        if let Some(job) = popped {\n"
    ));
    // The Rc a blocking closure captures becomes an Arc; a raw pointer is said in words.
    let all = proposals("non_send_moved_to_blocking_thread", &tokio);
    let out = fixed(
        edits(
            at(&all, "non_send_moved_to_blocking_thread", 12),
            Applicability::MachineApplicable,
        ),
        "non_send_moved_to_blocking_thread/src/main.rs",
    );
    assert!(out.contains("    let shared_payload = Arc::new(payload);\n"));
    let (text, _) = in_words(at(&all, "non_send_moved_to_blocking_thread", 21));
    assert!(text.contains("captures a `*const u8`"), "{text}");
    // A one-thread executor: drive it where it was made.
    let all = proposals("local_executor_in_spawned_task", &tokio);
    let (text, lines) = in_words(at(&all, "local_executor_in_spawned_task", 14));
    assert!(text.starts_with("`local_jobs` is a `LocalSet`"), "{text}");
    assert!(text.contains("spawn_local"), "{text}");
    assert!(lines.contains(&"        local_jobs.run_until(async { 1 }).await;"));
    let (text, _) = in_words(at(&all, "local_executor_in_spawned_task", 29));
    assert!(text.starts_with("`pool` is a `LocalPool`"), "{text}");
    // Lifetimes: the bound to write, the closure to write.
    let all = proposals("local_borrowed_for_caller_lifetime", &tokio);
    let (text, _) = in_words(at(&all, "local_borrowed_for_caller_lifetime", 25));
    assert!(
        text.contains("`'a` is a lifetime its caller picks"),
        "{text}"
    );
    let all = proposals("closure_future_borrows_argument", &tokio);
    let (text, _) = in_words(at(&all, "closure_future_borrows_argument", 36));
    assert!(text.starts_with("write an async closure"), "{text}");
    let all = proposals("async_closure_given_to_fn_bound", &tokio);
    let (_, lines) = in_words(at(&all, "async_closure_given_to_fn_bound", 30));
    assert!(
        lines.contains(&"    F: FnOnce(&mut Conn) -> Fut,"),
        "{lines:?}"
    );
    let all = proposals("borrow_escapes_async_block", &tokio);
    let (text, _) = in_words(at(&all, "borrow_escapes_async_block", 10));
    assert!(text.starts_with("do not point `label`"), "{text}");
    // `#[async_trait]`: the Rc becomes an Arc.
    let all = proposals("non_send_held_in_async_trait_method", &tokio);
    let out = fixed(
        edits(
            at(&all, "non_send_held_in_async_trait_method", 16),
            Applicability::MachineApplicable,
        ),
        "non_send_held_in_async_trait_method/src/main.rs",
    );
    assert!(out.contains("let recent_keys = Arc::new(vec![key]);"));
    // A trait object: its `+ Send` spelling, and where it is declared.
    let all = proposals("non_send_trait_object_in_task", &tokio);
    let (text, lines) = in_words(at(&all, "non_send_trait_object_in_task", 23));
    assert!(
        text.starts_with("write `Box<dyn Notifier + Send>`"),
        "{text}"
    );
    assert!(lines.contains(&"fn make_notifier() -> Box<dyn Notifier> {"));
    let (text, _) = in_words(at(&all, "non_send_trait_object_in_task", 31));
    assert!(
        text.starts_with("write `Box<dyn Fn(u32) + Send>`"),
        "{text}"
    );
}
