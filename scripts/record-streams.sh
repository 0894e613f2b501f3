#!/usr/bin/env bash
# Re-record the `cargo check --message-format=json` streams replayed by the fast test layer.
#
#   scripts/record-streams.sh                # every member of the fixtures workspace
#   scripts/record-streams.sh rc_held_across_await unused_future   # only these
#
# For each fixture member this runs, from tests/fixtures:
#   cargo check -p <member> --message-format=json
# (exit status ignored: most fixtures fail on purpose; `cargo clean -p <member>` first so rustc
# really runs) and writes tests/streams/<member>.jsonl.
# Members named `clippy_*` exercise clippy's async lints: they are recorded with
#   cargo clippy -p <member> --message-format=json
# instead (what `cargo explain-async --clippy` runs).
# A few members are also recorded with --message-format=json-diagnostic-rendered-ansi into
# tests/streams/ansi/<member>.jsonl.
#
# Normalisation (plain substring replacement of the JSON-encoded path, longest first, so no
# regex metacharacters are involved and the JSON stays valid; every line is re-parsed):
#   absolute path of tests/fixtures  -> [ROOT]
#   $CARGO_HOME (default ~/.cargo)   -> [CARGO_HOME]
#   $(rustc --print sysroot)         -> [SYSROOT]
# Only lines that belong to the member itself (by package_id) and the final `build-finished`
# line are kept; compiler-artifact lines of tokio, futures and other dependencies are dropped.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fixtures_dir="$repo_root/tests/fixtures"
# STREAMS_DIR: write elsewhere (scripts/nightly-streams.sh records into a scratch directory).
streams_dir="${STREAMS_DIR:-$repo_root/tests/streams}"
ansi_members=(rc_held_across_await unused_future control__sync_mismatch)

cargo_bin="${CARGO:-cargo}"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
sysroot="$(rustc --print sysroot)"

# Member directory names, sorted, as cargo expands the `members` glob of tests/fixtures.
all_members() {
    "$cargo_bin" metadata --no-deps --format-version 1 \
        --manifest-path "$fixtures_dir/Cargo.toml" | python3 -c '
import json, os, sys
dirs = (os.path.basename(os.path.dirname(p["manifest_path"])) for p in json.load(sys.stdin)["packages"])
print("\n".join(sorted(dirs)))
'
}

# An assignment, so that `set -e` stops the script when cargo metadata fails.
member_list="$(all_members)"
mapfile -t known <<<"$member_list"
if [ "$#" -gt 0 ]; then
    members=("$@")
    for m in "${members[@]}"; do
        found=0
        for k in "${known[@]}"; do [ "$k" = "$m" ] && found=1 && break; done
        if [ "$found" -eq 0 ]; then
            echo "error: \`$m\` is not a member of the fixtures workspace (no tests/fixtures/$m/Cargo.toml)" >&2
            exit 2
        fi
    done
else
    members=("${known[@]}")
fi

# normalise <member>  (stdin: raw cargo JSON stream, stdout: filtered and normalised)
normalise() {
    python3 -c '
import json, os, sys
from urllib.parse import unquote, urlparse

member, fixtures, cargo_home, sysroot = sys.argv[1:5]
member_dir = os.path.join(fixtures, member)

def variants(path):
    out = {path}
    try:
        out.add(os.path.realpath(path))
    except OSError:
        pass
    return out

pairs = []
for path, placeholder in ((fixtures, "[ROOT]"), (cargo_home, "[CARGO_HOME]"), (sysroot, "[SYSROOT]")):
    for p in variants(path.rstrip("/")):
        # the form the path takes inside a JSON string literal
        pairs.append((json.dumps(p)[1:-1], placeholder))
pairs.sort(key=lambda pair: len(pair[0]), reverse=True)
member_dirs = {os.path.realpath(member_dir), member_dir}

def belongs_to_member(msg):
    pid = msg.get("package_id") or ""
    if not pid.startswith("path+file://"):
        return False
    path = unquote(urlparse(pid.split("#", 1)[0]).path)
    return path in member_dirs or os.path.realpath(path) in member_dirs

for raw in sys.stdin:
    line = raw.rstrip("\n")
    if not line.strip():
        continue
    msg = json.loads(line)
    if msg.get("reason") != "build-finished" and not belongs_to_member(msg):
        continue
    for needle, placeholder in pairs:
        line = line.replace(needle, placeholder)
    json.loads(line)  # still valid JSON
    sys.stdout.write(line + "\n")
' "$1" "$fixtures_dir" "$cargo_home" "$sysroot"
}

# record <member> <message-format> <output file>
record() {
    local member=$1 format=$2 out=$3 raw err status subcommand=check
    case "$member" in clippy_*) subcommand=clippy ;; esac
    raw="$(mktemp)"
    err="$(mktemp)"
    status=0
    # Force rustc to run again: for a fresh crate cargo replays its cached diagnostics, whose
    # `rendered` text keeps the format of the run that compiled it (e.g. a short rendering
    # from an earlier `--message-format=short` run would end up in the json stream).
    (cd "$fixtures_dir" && "$cargo_bin" clean --quiet -p "$member")
    (cd "$fixtures_dir" && "$cargo_bin" "$subcommand" -p "$member" --message-format="$format") \
        >"$raw" 2>"$err" || status=$?
    # 0 = clean, 101 = compile errors (expected for most fixtures); anything else is cargo
    # itself failing (bad manifest, network, ...), which must not be recorded as a stream.
    if [ "$status" -ne 0 ] && [ "$status" -ne 101 ]; then
        cat "$err" >&2
        rm -f "$raw" "$err"
        echo "error: cargo $subcommand -p $member exited with $status" >&2
        exit 1
    fi
    mkdir -p "$(dirname "$out")"
    normalise "$member" <"$raw" >"$out.tmp"
    mv "$out.tmp" "$out"
    rm -f "$raw" "$err"
    printf '%-55s exit %3s  %s\n' "$member" "$status" "${out#"$repo_root"/}"
}

for member in "${members[@]}"; do
    record "$member" json "$streams_dir/$member.jsonl"
    for a in "${ansi_members[@]}"; do
        if [ "$a" = "$member" ]; then
            record "$member" json-diagnostic-rendered-ansi "$streams_dir/ansi/$member.jsonl"
        fi
    done
done
