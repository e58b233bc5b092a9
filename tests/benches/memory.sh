#!/usr/bin/env bash
# Peak memory of `conversations list` streaming every Autocalls conversation of a sandbox,
# at 10x the data: the ratio shows whether output streams in constant memory.
# Needs GNU time (/usr/bin/time). Run from the repository root: tests/benches/memory.sh
set -euo pipefail
cargo build --quiet --release -p conversations-cli
bin=target/release/conversations
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

peak_kib() { # size format
    local ready="$tmp/ready-$1"
    "$bin" sandbox serve --port 0 --size "$1" --ready-file "$ready" >/dev/null &
    local pid=$!
    for _ in $(seq 1 200); do [ -s "$ready" ] && break; sleep 0.05; done
    local url
    url=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["autocalls_base_url"])' "$ready")
    AUTOCALLS_API_KEY=sandbox-autocalls-key AUTOCALLS_BASE_URL="$url" \
        /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" list --provider autocalls --page-size 100 --format "$2" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    cat "$tmp/rss"
}

for format in ndjson csv table; do
    small=$(peak_kib 3000 "$format")
    large=$(peak_kib 30000 "$format")
    python3 -c "import sys; s,l=int(sys.argv[1]),int(sys.argv[2]); print(f'memory ($format): 2,000 conversations {s} KiB peak, 20,000 conversations {l} KiB peak, ratio {l/s:.2}')" "$small" "$large"
done
