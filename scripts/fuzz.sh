#!/usr/bin/env bash
# cargo-fuzz (libFuzzer) over every target in fuzz/, nightly only, never in CI.
#
#   scripts/fuzz.sh                 # seed the corpora, run every target for 600 s
#   scripts/fuzz.sh 60 stream fix   # 60 s each, only these targets
#
# Needs `cargo install cargo-fuzz` and the nightly toolchain (`cargo +nightly`). Corpora are
# seeded from the recorded streams, the rule files and the fixture sources into
# fuzz/corpus/<target> (not committed); crashes land in fuzz/artifacts/<target>. For each
# target the script prints libFuzzer's last status line (executions, coverage, corpus) and
# whether anything was found; BENCHMARKS.md records the figures of the last full run.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${1:-600}"
shift || true
targets=("$@")
if [ "${#targets[@]}" -eq 0 ]; then
    targets=(stream matcher rules renderers source_checks fix)
fi

seed() {
    local dir="fuzz/corpus/$1"
    mkdir -p "$dir"
    case "$1" in
    stream | renderers)
        for f in tests/streams/*.jsonl tests/streams/drift/*.jsonl; do
            cp "$f" "$dir/$(basename "$f")"
        done
        ;;
    matcher)
        # One recorded diagnostic per file, with its fixture source after a NUL byte.
        python3 - "$dir" <<'PY'
import json, os, sys, hashlib
out = sys.argv[1]
for name in sorted(os.listdir("tests/streams")):
    if not name.endswith(".jsonl"):
        continue
    for line in open(os.path.join("tests/streams", name), "rb"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if value.get("reason") != "compiler-message":
            continue
        spans = [s for s in value["message"]["spans"] if s.get("is_primary")]
        source = b""
        if spans:
            path = os.path.join("tests/fixtures", spans[0]["file_name"])
            if os.path.isfile(path):
                source = open(path, "rb").read()
        data = line.rstrip(b"\n") + b"\0" + source
        digest = hashlib.sha1(data).hexdigest()[:16]
        open(os.path.join(out, digest), "wb").write(data)
PY
        ;;
    rules)
        cp explanations/*.md "$dir/"
        ;;
    source_checks)
        find tests/fixtures -path tests/fixtures/target -prune -o -name '*.rs' -print |
            while read -r f; do cp "$f" "$dir/$(echo "$f" | tr '/' '_')"; done
        cp examples/python-habits/src/main.rs "$dir/python-habits.rs"
        ;;
    fix)
        for f in tests/fixtures/rc_held_across_await/src/main.rs examples/python-habits/src/main.rs; do
            { printf '\003\020\040\001\200\200\002\300\010\003'; cat "$f"; } > "$dir/$(echo "$f" | tr '/' '_')"
        done
        ;;
    esac
}

for target in "${targets[@]}"; do
    seed "$target"
    log="fuzz/last-$target.log"
    echo "== $target ($seconds s)"
    status=0
    cargo +nightly fuzz run "$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=4096 -max_len=1048576 >"$log" 2>&1 || status=$?
    grep -E '^#[0-9]+' "$log" | tail -1 || true
    if [ "$status" -ne 0 ] || ls "fuzz/artifacts/$target"/* >/dev/null 2>&1; then
        echo "   FOUND something (exit $status): see $log and fuzz/artifacts/$target"
    else
        echo "   nothing found"
    fi
done
