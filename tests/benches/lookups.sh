#!/usr/bin/env bash
# Bulk lookups against the sandbox (a separate process), one run of each, wall times:
#   1. 1,000 ASAPP ids, sandbox latency 50 ms, no limit on its side, --rate 1000:
#      the default concurrency against --concurrency 1 of the same binary.
#   2. The same ids, the sandbox limiting ASAPP to 100 requests/s, the client at its default
#      (ASAPP's documented 100/s): wall time against the ideal 10 s, ids lost, share of 429s.
# Needs GNU time. Run from the repository root: tests/benches/lookups.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
bench_start
bin=$BIN tmp=$TMP
seq 1 1000 | sed 's/^/crm-bench-/' > "$tmp/ids"

serve() { # extra sandbox flags...
    sandbox_serve "$tmp" --size 3000 "$@"
}
wall() { # command... -> seconds
    /usr/bin/time -f '%e' -o "$tmp/t" "$@" > /dev/null 2> "$tmp/err" || true
    cat "$tmp/t"
}

serve --latency asapp:50ms
concurrent=$(wall "$bin" list --provider asapp --external-ids-from "$tmp/ids" --rate 1000 --format ndjson)
sequential=$(wall "$bin" list --provider asapp --external-ids-from "$tmp/ids" --rate 1000 --concurrency 1 --format ndjson)
sandbox_stop

serve --latency asapp:50ms --rate-limit asapp:100
/usr/bin/time -f '%e' -o "$tmp/t" "$bin" -v --log-format json list --provider asapp \
    --external-ids-from "$tmp/ids" --format ndjson > /dev/null 2> "$tmp/log" || true
limited=$(cat "$tmp/t")
sandbox_stop
python3 - "$concurrent" "$sequential" "$limited" "$tmp/log" <<'PY'
import json, sys
concurrent, sequential, limited = map(float, sys.argv[1:4])
statuses = []
for line in open(sys.argv[4]):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    if "status" in event and event.get("message") in ("response", "error response"):
        statuses.append(event["status"])
failed = sum(1 for line in open(sys.argv[4]) if "lookups failed" in line)
print(f"1,000 ASAPP ids, 50 ms latency, --rate 1000: default concurrency {concurrent:.2f} s, "
      f"--concurrency 1 {sequential:.2f} s: {sequential / concurrent:.1f}x faster")
print(f"sandbox limited to 100/s: {limited:.2f} s = {limited / 10:.2f}x the ideal 10 s; "
      f"{len(statuses)} requests, {statuses.count(429)} answered 429 "
      f"({100 * statuses.count(429) / max(len(statuses), 1):.1f}%); ids lost: {'some' if failed else 'none'}")
PY
