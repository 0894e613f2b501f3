#!/usr/bin/env bash
# Re-record every fixture stream with a nightly compiler and report what that changes for the
# rulebook: which markers stop being explained, and which near misses or controls start
# getting explanations. tests/streams is never written.
#
#   scripts/nightly-streams.sh                       # every member of the fixtures workspace
#   scripts/nightly-streams.sh rc_held_across_await unused_future   # only these
#   scripts/nightly-streams.sh --report tests/fixtures/notes/nightly-$(date +%F).md
#   scripts/nightly-streams.sh --replay-only     # compare the streams already recorded
#
# Environment:
#   NIGHTLY_TOOLCHAIN    rustup toolchain to record with (default `nightly`)
#   NIGHTLY_STREAMS_DIR  where the streams go (default target/nightly-streams; must not be
#                        tests/streams)
#   CARGO_TARGET_DIR     the fixtures' target dir for that toolchain (default
#                        target/nightly-fixtures, so the shared stable one stays untouched)
#   EXPLAIN_ASYNC        the tool to replay with (default target/debug/cargo-explain-async,
#                        built with the stable toolchain when missing)
#
# Recording is scripts/record-streams.sh run under RUSTUP_TOOLCHAIN=$NIGHTLY_TOOLCHAIN with
# STREAMS_DIR pointing at the scratch directory (same normalisation, same clippy members).
# Each stream is then replayed with `--from <stream> --format json`; an explained diagnostic
# counts at its first primary span in a workspace file (following macro expansions), as the
# replay tests count it. Markers of the source checks (rules whose code is `explain_async::…`)
# are not compared: cargo's streams never carry them.
#
# Exit status: 0 when nightly changes nothing, 1 when a marker stops firing or something new
# is explained, 2 on usage errors.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
toolchain="${NIGHTLY_TOOLCHAIN:-nightly}"
out_dir="${NIGHTLY_STREAMS_DIR:-$repo_root/target/nightly-streams}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$repo_root/target/nightly-fixtures}"
tool="${EXPLAIN_ASYNC:-$repo_root/target/debug/cargo-explain-async}"

report=""
record=1
members=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --report) report="${2:?--report needs a file}"; shift 2 ;;
        --report=*) report="${1#--report=}"; shift ;;
        --replay-only) record=0; shift ;;
        -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "error: unknown option $1" >&2; exit 2 ;;
        *) members+=("$1"); shift ;;
    esac
done

mkdir -p "$out_dir"
if [ "$(realpath "$out_dir")" = "$(realpath "$repo_root/tests/streams")" ]; then
    echo "error: NIGHTLY_STREAMS_DIR must not be tests/streams" >&2
    exit 2
fi
if ! rustup run "$toolchain" rustc --version >/dev/null 2>&1; then
    echo "error: no rustup toolchain \`$toolchain\` (rustup toolchain install $toolchain --component clippy)" >&2
    exit 2
fi
if [ -z "${EXPLAIN_ASYNC:-}" ] && [ ! -x "$tool" ]; then
    (cd "$repo_root" && env -u RUSTUP_TOOLCHAIN cargo build --quiet)
fi

if [ "$record" -eq 1 ]; then
    echo "recording with $(rustup run "$toolchain" rustc --version) into ${out_dir#"$repo_root"/}" >&2
    # CARGO=cargo: when this script runs under cargo, $CARGO names stable's cargo binary,
    # which would bypass rustup's toolchain choice.
    RUSTUP_TOOLCHAIN="$toolchain" CARGO=cargo STREAMS_DIR="$out_dir" \
        "$repo_root/scripts/record-streams.sh" ${members[@]+"${members[@]}"} >&2
fi

python3 - "$repo_root" "$out_dir" "$tool" "$toolchain" "$report" ${members[@]+"${members[@]}"} <<'PY'
import json, os, re, subprocess, sys

repo, out_dir, tool, toolchain, report = sys.argv[1:6]
only = sys.argv[6:]
fixtures = os.path.join(repo, "tests", "fixtures")
stable_dir = os.path.join(repo, "tests", "streams")

rules = json.loads(subprocess.run([tool, "--list-rules", "--format", "json"],
                                  check=True, capture_output=True, text=True).stdout)
lint_ids = {r["id"] for r in rules if any(c.startswith("explain_async::") for c in r["codes"])}

def is_user_path(name):
    return bool(name) and not name.startswith(("/", "\\", "<", "["))

def user_span(message):
    primary = next((s for s in message.get("spans", []) if s.get("is_primary")), None)
    span = primary
    while span is not None:
        if is_user_path(span.get("file_name", "")):
            return span
        exp = span.get("expansion")
        span = exp and exp.get("span")
    return primary

def texts(m):
    """The words rules match on: the message, every child's message, every span label."""
    out = [m["message"]]
    out += [s["label"] for s in m.get("spans", []) if s.get("label")]
    for c in m.get("children", []):
        out += texts(c)
    return out

def replay(path):
    """(file, line, rule) of every explained diagnostic, and every diagnostic's key/message."""
    run = subprocess.run([tool, "--from", path, "--format", "json"], capture_output=True)
    found, messages = set(), []
    for raw in run.stdout.decode("utf-8", "replace").splitlines():
        try:
            msg = json.loads(raw)
        except ValueError:
            continue
        if msg.get("reason") != "compiler-message":
            continue
        m = msg["message"]
        span = user_span(m)
        where = (span["file_name"], span["line_start"]) if span else ("?", 0)
        code = (m.get("code") or {}).get("code") or ""
        messages.append((where, code, texts(m)))
        if "explain_async" in msg:
            found.add((where[0], where[1], msg["explain_async"]["rule"]))
    return found, messages

def markers(member):
    out = set()
    src = os.path.join(fixtures, member, "src")
    for root, _, files in os.walk(src):
        for f in sorted(files):
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, fixtures).replace(os.sep, "/")
            with open(path, encoding="utf-8") as fh:
                for i, line in enumerate(fh, 1):
                    if "// explain-async: " in line:
                        for rid in line.split("// explain-async: ", 1)[1].split():
                            if not rid.startswith("allow(") and rid not in lint_ids:
                                out.add((rel, i, rid))
    return out

members = only or sorted(f[:-6] for f in os.listdir(out_dir) if f.endswith(".jsonl"))
version = subprocess.run(["rustup", "run", toolchain, "rustc", "--version"],
                         capture_output=True, text=True).stdout.strip()
lost, gained, wording = [], [], []
for member in members:
    nightly_path = os.path.join(out_dir, member + ".jsonl")
    if not os.path.exists(nightly_path):
        lost.append(f"`{member}`: no nightly stream recorded")
        continue
    expected = markers(member)
    found, nightly_msgs = replay(nightly_path)
    for (f, l, r) in sorted(expected - found):
        lost.append(f"`{r}` at {f}:{l}")
    for (f, l, r) in sorted(found - expected):
        gained.append(f"`{r}` at {f}:{l} (member `{member}`)")
    stable_path = os.path.join(stable_dir, member + ".jsonl")
    if os.path.exists(stable_path):
        _, stable_msgs = replay(stable_path)
        old, new = {}, {}
        for table, msgs in ((old, stable_msgs), (new, nightly_msgs)):
            for w, c, t in msgs:
                table.setdefault((w, c), []).extend(t)
        for key in sorted(set(old) | set(new)):
            a, b = old.get(key, []), new.get(key, [])
            gone = [t for t in a if t not in b]
            came = [t for t in b if t not in a]
            if gone or came:
                (f, l), code = key
                wording.append((f"{f}:{l}", code, "; ".join(gone) or None, "; ".join(came) or None))

def cell(text):
    if text is None:
        return "(none)"
    text = text.split("\n", 1)[0].replace("|", "\\|")
    return text if len(text) <= 120 else text[:117] + "..."

lines = [f"# Nightly streams: {version}", "",
         f"{len(members)} fixture members re-recorded with `{toolchain}` by "
         "`scripts/nightly-streams.sh` and replayed through the tool.", ""]
lines += ["## Markers no longer explained", ""] + ([f"- {x}" for x in lost] or ["None."]) + [""]
lines += ["## Explanations that are new (near misses, controls, unmarked lines)", ""]
lines += ([f"- {x}" for x in gained] or ["None."]) + [""]
lines += ["## Words that differ from the recorded stable stream (messages, children, labels)", ""]
if wording:
    lines += ["| where | code | stable | nightly |", "|---|---|---|---|"]
    lines += [f"| {w} | {c or '-'} | {cell(a)} | {cell(b)} |" for w, c, a, b in wording]
else:
    lines += ["None."]
text = "\n".join(lines) + "\n"
sys.stdout.write(text)
if report:
    with open(report, "w", encoding="utf-8") as fh:
        fh.write(text)
sys.exit(1 if lost or gained else 0)
PY
