#!/usr/bin/env bash
# CPU of `conversations list --provider autocalls --format ndjson` over every Autocalls record
# of a sandbox (>= 100,000), against two baselines on the same data in the same run:
#   - a bare reqwest loop parsing each page into serde_json::Value and writing every item as
#     one JSON line (tests/benches/bare_ndjson.rs, same runtime flavor and output buffer);
#   - a Python `requests` loop doing the same (tests/benches/bare_ndjson.py), in a virtual
#     environment this script makes (target/bench-venv) and fills from PyPI.
# Then the CLI's peak memory at 1,000,000 records against 10,000.
# Runs are interleaved and repeated; the median CPU (user + system) of each is reported.
# Needs GNU time (/usr/bin/time). Run from the repository root: tests/benches/decode_cpu.sh
set -euo pipefail
RUNS=${RUNS:-7}
SIZE=${SIZE:-200000}          # both providers; two thirds are Autocalls records
. "$(dirname "$0")/lib.sh"
bench_start
cargo build --quiet --release -p conversations-tests --example bare_ndjson
bin=$BIN
bare=target/release/examples/bare_ndjson
venv=target/bench-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet requests
fi
tmp=$TMP

sandbox_serve "$tmp" --size "$SIZE"
for _ in $(seq 1 "$RUNS"); do
    cpu "$tmp" cli "$bin" list --provider autocalls --page-size 100 --format ndjson
    cpu "$tmp" bare "$bare"
    cpu "$tmp" python "$venv/bin/python" tests/benches/bare_ndjson.py
done
sandbox_stop
records=$(cat "$tmp/lines-cli")
[ "$records" = "$(cat "$tmp/lines-bare")" ] && [ "$records" = "$(cat "$tmp/lines-python")" ]
cli=$(median_of "$tmp/cli"); bare_cpu=$(median_of "$tmp/bare"); py=$(median_of "$tmp/python")
python3 - "$records" "$cli" "$bare_cpu" "$py" <<'PY'
import sys
n, cli, bare, py = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"decode CPU over {n:,} Autocalls records (median of runs):")
print(f"  conversations list --format ndjson  {cli:.2f} s")
print(f"  bare reqwest -> Value -> JSON lines {bare:.2f} s   ratio cli/bare   {cli / bare:.2f}")
print(f"  Python requests -> JSON lines       {py:.2f} s   python/cli       {py / cli:.2f}x more CPU")
PY

peak() { # size -> KiB
    sandbox_serve "$tmp" --size "$1"
    /usr/bin/time -f '%M' -o "$tmp/rss" "$bin" list --provider autocalls --page-size 100 --format ndjson >/dev/null
    sandbox_stop
    cat "$tmp/rss"
}
small=$(peak 15000)     # 10,000 Autocalls records
large=$(peak 1500000)   # 1,000,000 Autocalls records
python3 -c "import sys; s,l=int(sys.argv[1]),int(sys.argv[2]); print(f'peak memory: 10,000 records {s} KiB, 1,000,000 records {l} KiB, ratio {l/s:.2f}')" "$small" "$large"
