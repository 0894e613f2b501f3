#!/usr/bin/env bash
# Reruns every benchmark in BENCHMARKS.md and writes the raw results to target/bench/results/.
#
#   scripts/bench.sh            # everything (about 15-25 minutes on 2 cores)
#   RUNS=5 scripts/bench.sh     # fewer hyperfine runs per command
#   SKIP_AXUM=1 scripts/bench.sh  # skip the mid-size project (needs crates.io the first time)
#   ONLY="throughput instructions memory" scripts/bench.sh   # only these sections
#     (sections: throughput instructions memory rules startup overhead)
#
# Needs: hyperfine, valgrind (callgrind), GNU time (/usr/bin/time), and for the peers
# `cargo install clippy-sarif cargo-action-fmt` (skipped when absent).
# Generated streams, rule directories and the scratch project live under target/bench/ and
# are never committed.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
runs="${RUNS:-10}"
bench="$repo/target/bench"
out="$bench/results"
mkdir -p "$out"

say() { printf '\n== %s\n' "$*"; }
want() { [ -z "${ONLY:-}" ] || [[ " $ONLY " == *" $1 "* ]]; }

say "machine"
{
    date -u '+%Y-%m-%d %H:%M UTC'
    uname -srm
    grep -m1 'model name' /proc/cpuinfo || true
    echo "cores: $(nproc)"
    free -g | sed -n 2p
    rustc --version
    echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

say "build (release)"
cargo build --release --bin cargo-explain-async --examples
bin="$repo/target/release/cargo-explain-async"
floor="$repo/target/release/examples/floor"
gen="$repo/target/release/examples/gen_stream"
gen_rules="$repo/target/release/examples/gen_rules"

say "streams"
"$gen" --messages 60000 --out "$bench/stream.jsonl"
"$gen" --messages 30000 --out "$bench/stream-half.jsonl"
"$gen" --messages 3000 --out "$bench/small.jsonl"
stream="$bench/stream.jsonl"
explained=$("$bin" --from "$stream" --format json | grep -c '"explain_async"' || true)
echo "explained diagnostics in the stream: $explained of 60000" | tee "$out/stream.txt"

# Every format the binary offers (read from --help, so new formats are measured too).
mapfile -t formats < <("$bin" --help | sed -n '/--format <FORMAT>/,/default:/p' |
    sed -n 's/^ *- \([a-z]*\):.*/\1/p')
echo "formats: ${formats[*]}"

peers=()
command -v clippy-sarif >/dev/null && peers+=(clippy-sarif)
command -v cargo-action-fmt >/dev/null && peers+=(cargo-action-fmt)

if want throughput; then
say "throughput: each format vs the floor and the peers (hyperfine, $runs runs)"
cmds=(-n floor "$floor < $stream > /dev/null"
      -n floor-reserialize "$floor --reserialize < $stream > /dev/null")
for f in "${formats[@]}"; do
    cmds+=(-n "$f" "$bin --from $stream --format $f --color never > /dev/null")
done
for p in "${peers[@]}"; do
    cmds+=(-n "$p" "$p < $stream > /dev/null")
done
hyperfine --warmup 1 --runs "$runs" --export-json "$out/throughput.json" \
    --export-markdown "$out/throughput.md" "${cmds[@]}"

fi

if want instructions; then
say "instructions (callgrind; repeatable): 3,000 and 9,000 messages"
# Fixed costs (start-up, the rulebook, first use of each code's RegexSet) weigh heavily on a
# small stream, so the per-message ratio is taken from the difference between two sizes.
"$gen" --messages 9000 --out "$bench/medium.jsonl"
small="$bench/small.jsonl"
medium="$bench/medium.jsonl"
ir() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
{
    printf 'command\tinstr_3000\tinstr_9000\tratio_3000\tmarginal_ratio\n'
    f3=$(ir "$floor" < "$small"); f9=$(ir "$floor" < "$medium")
    printf 'floor\t%s\t%s\t1.00\t1.00\n' "$f3" "$f9"
    row() { # name instr3 instr9
        printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" \
            "$(echo "scale=2; $2 / $f3" | bc)" "$(echo "scale=2; ($3 - $2) / ($f9 - $f3)" | bc)"
    }
    for f in "${formats[@]}"; do
        row "$f" "$(ir "$bin" --from "$small" --format "$f" --color never)" \
            "$(ir "$bin" --from "$medium" --format "$f" --color never)"
    done
    for p in "${peers[@]}"; do
        row "$p" "$(ir "$p" < "$small")" "$(ir "$p" < "$medium")"
    done
    printf 'start-up (--from /dev/null)\t%s\n' "$(ir "$bin" --from /dev/null)"
    printf 'start-up (--version)\t%s\n' "$(ir "$bin" --version)"
} | tee "$out/instructions.tsv"
fi

if want memory; then
say "peak memory (GNU time, max RSS in KB) on 30,000 and 60,000 messages"
{
    printf 'command\tmax_rss_kb_30k\tmax_rss_kb_60k\n'
    rss() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }
    printf 'floor\t%s\t%s\n' "$(rss "$floor" < "$bench/stream-half.jsonl")" "$(rss "$floor" < "$stream")"
    for f in "${formats[@]}"; do
        printf '%s\t%s\t%s\n' "$f" \
            "$(rss "$bin" --from "$bench/stream-half.jsonl" --format "$f" --color never)" \
            "$(rss "$bin" --from "$stream" --format "$f" --color never)"
    done
    for p in "${peers[@]}"; do
        printf '%s\t%s\t%s\n' "$p" "$(rss "$p" < "$bench/stream-half.jsonl")" "$(rss "$p" < "$stream")"
    done
} | tee "$out/memory.tsv"

fi

if want rules; then
say "rule scaling: in-process (divan), matching per diagnostic with 0/10/100/500 extra rules"
cargo bench --bench matching 2>&1 | tee "$out/matching.txt"

say "rule scaling: whole process on the 3,000-message stream, json"
cmds=()
for n in 0 10 100 500; do
    "$gen_rules" "$n" "$bench/rules-$n" 2>/dev/null
    cmds+=(-n "rules-$n" "$bin --from $small --format json --rules $bench/rules-$n > /dev/null")
done
hyperfine --warmup 2 --runs "$runs" --export-markdown "$out/rules.md" "${cmds[@]}"

fi

if want startup; then
say "start-up"
hyperfine -N --warmup 5 --runs 100 --export-markdown "$out/startup.md" \
    -n version "$bin --version" -n list-rules "$bin --list-rules" \
    -n list-rules-json "$bin --list-rules --format json"

fi

overhead() { # name manifest file-to-touch
    local name=$1 manifest=$2 touch_file=$3 target="$bench/target-$1"
    CARGO_TARGET_DIR="$target" cargo check --manifest-path "$manifest" >/dev/null 2>&1 || true
    say "wrapper overhead on $name: no-op build"
    CARGO_TARGET_DIR="$target" hyperfine -i --warmup 3 --runs $((runs * 3)) \
        --export-markdown "$out/overhead-$name-noop.md" \
        -n "cargo check" "cargo check --manifest-path $manifest" \
        -n "cargo explain-async" "$bin --manifest-path $manifest"
    say "wrapper overhead on $name: after touching $touch_file"
    CARGO_TARGET_DIR="$target" hyperfine -i --warmup 1 --runs "$runs" \
        --prepare "touch $touch_file" \
        --export-markdown "$out/overhead-$name-touch.md" \
        -n "cargo check" "cargo check --manifest-path $manifest" \
        -n "cargo explain-async" "$bin --manifest-path $manifest"
}

if want overhead; then
overhead python-habits "$repo/examples/python-habits/Cargo.toml" \
    "$repo/examples/python-habits/src/main.rs"

if [ -z "${SKIP_AXUM:-}" ]; then
    # A mid-size real async service: axum + tokio + serde + tracing, built from crates.io.
    app="$bench/axum-app"
    mkdir -p "$app/src"
    cat > "$app/Cargo.toml" <<'TOML'
[package]
name = "axum-app"
version = "0.0.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
axum = "0.8"
tokio = { version = "1", features = ["full"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tower-http = { version = "0.6", features = ["trace", "cors"] }
tracing = "0.1"
tracing-subscriber = "0.3"
TOML
    cat > "$app/src/main.rs" <<'RS'
use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

#[derive(Clone, Default)]
struct AppState {
    items: Arc<RwLock<HashMap<u64, Item>>>,
}

#[derive(Clone, Serialize, Deserialize)]
struct Item {
    id: u64,
    name: String,
}

async fn list(State(state): State<AppState>) -> Json<Vec<Item>> {
    Json(state.items.read().await.values().cloned().collect())
}

async fn one(State(state): State<AppState>, Path(id): Path<u64>) -> Option<Json<Item>> {
    state.items.read().await.get(&id).cloned().map(Json)
}

async fn create(State(state): State<AppState>, Json(item): Json<Item>) -> Json<Item> {
    let unused_counter = 0; // one warning, so the check has a diagnostic to pass through
    state.items.write().await.insert(item.id, item.clone());
    Json(item)
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt::init();
    let app = Router::new()
        .route("/items", get(list).post(create))
        .route("/items/{id}", get(one))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(AppState::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
RS
    overhead axum-app "$app/Cargo.toml" "$app/src/main.rs"
fi

fi

say "done: results in $out"
