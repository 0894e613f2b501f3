#!/usr/bin/env bash
# Two builds of cargo-explain-async against each other and the parse floor on one stream:
# whole-process CPU (user + sys) and peak RSS per format, alternating, ROUNDS rounds.
#
#   scripts/bench-compare.sh OLD_BINARY [NEW_BINARY]
#
# NEW_BINARY defaults to target/release/cargo-explain-async. Builds the floor and the stream
# generator (release) and the 60,000-message stream under target/bench/ when missing.
# Prints one line per run (`who format user sys max_rss_kb`) and the medians at the end.
# When `clippy-sarif` is on PATH it runs in every round too (`peer sarif`, reading the stream
# on stdin), so SARIF is compared with it in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
old="${1:?usage: scripts/bench-compare.sh OLD_BINARY [NEW_BINARY]}"
new="${2:-target/release/cargo-explain-async}"
rounds="${ROUNDS:-3}"
stream=target/bench/stream.jsonl
floor=target/release/examples/floor
if [ ! -x "$floor" ] || [ ! -x target/release/examples/gen_stream ]; then
    cargo build --release --examples
fi
mkdir -p target/bench
[ -f "$stream" ] || target/release/examples/gen_stream --messages 60000 --out "$stream"
runs=$(mktemp)
trap 'rm -f "$runs"' EXIT
for _ in $(seq "$rounds"); do
    /usr/bin/time -o "$runs" -a -f "floor - %U %S %M" "$floor" < "$stream" > /dev/null 2>&1
    if command -v clippy-sarif > /dev/null; then
        /usr/bin/time -o "$runs" -a -f "peer sarif %U %S %M" clippy-sarif < "$stream" > /dev/null
    fi
    for f in human short json github sarif gitlab; do
        /usr/bin/time -o "$runs" -a -f "old $f %U %S %M" "$old" --from "$stream" --format "$f" > /dev/null
        /usr/bin/time -o "$runs" -a -f "new $f %U %S %M" "$new" --from "$stream" --format "$f" > /dev/null
    done
done
cat "$runs"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median CPU seconds (user+sys), x floor:"
awk '{ cpu[$1" "$2] = cpu[$1" "$2] " " ($3 + $4) }
     END { for (k in cpu) print k, cpu[k] }' "$runs" | sort |
while read -r who f values; do
    median=$(tr ' ' '\n' <<< "$values" | grep . | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    echo "$who $f $median"
done | awk '$1 == "floor" { fl = $3 } { who[NR] = $1 " " $2; m[NR] = $3 }
     END { for (i = 1; i <= NR; i++) printf "%-14s %6.2f s  %5.2fx\n", who[i], m[i], m[i] / fl }'
