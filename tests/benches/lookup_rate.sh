#!/usr/bin/env bash
# Does a client keep to a rate? Against `conversations sandbox serve` (a separate process):
#   1. IDS (3,000) ASAPP lookups, the sandbox limiting ASAPP to 100 requests/s (its token
#      bucket, burst 100), the client at its default rate (ASAPP's documented 100/s): answers
#      429 (target <= 1%) and wall time against the ideal IDS/100 s.
#   2. RATE_IDS (100) lookups at `--rate 10`, the sandbox not limiting: the most requests sent
#      within any one second (target 10) and wall time against the ideal RATE_IDS/10 s.
# Requests are read from the client's own log (-v --log-format json: one event per attempt,
# with its status and latency; its send time is the event's time less the latency, to within
# a millisecond or two: a window may show one request more than the client let go in it).
# BASELINE_BIN=path/to/an/older/conversations runs the same against that build in the same
# run (e.g. a `cargo build --release` of the commit before, in a `git worktree`).
#
#   tests/benches/lookup_rate.sh             # IDS=3000 RATE_IDS=100 LATENCY=0ms
set -euo pipefail
cd "$(dirname "$0")/../.."
IDS=${IDS:-3000}
RATE_IDS=${RATE_IDS:-100}
LATENCY=${LATENCY:-0ms}

. tests/benches/lib.sh
bench_start
WORK=$TMP
seq 1 "$IDS" | sed 's/^/crm-rate-/' >"$WORK/ids"
seq 1 "$RATE_IDS" | sed 's/^/crm-rate-/' >"$WORK/rate-ids"

serve() { # sandbox flags...: a fresh sandbox (a full bucket) for each run
    sandbox_stop
    sandbox_serve "$WORK" --size 3000 --latency "asapp:$LATENCY" "$@"
}
lookups() { # binary ids-file log [flags...] -> wall seconds
    local bin=$1 ids=$2 log=$3
    shift 3
    local t
    t=$(date +%s.%N)
    "$bin" -v --log-format json list --provider asapp --external-ids-from "$ids" \
        --format ndjson "$@" >/dev/null 2>"$log" || true
    echo "$(date +%s.%N) - $t" | bc -l
}
report() { # label log wall ideal-seconds
    python3 - "$@" <<'PY'
import json, sys
from datetime import datetime
label, log, wall, ideal = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
sent, statuses, failed = [], [], 0
for line in open(log):
    try:
        event = json.loads(line)
    except ValueError:
        failed += "lookups failed" in line
        continue
    if "attempt" not in event or "latency_ms" not in event:
        continue
    at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).timestamp()
    sent.append(at - event["latency_ms"] / 1000)
    statuses.append(event.get("status"))
sent.sort()
busiest, first = 0, 0
for i, t in enumerate(sent):
    while t - sent[first] >= 1.0:
        first += 1
    busiest = max(busiest, i + 1 - first)
n, limited = len(statuses), statuses.count(429)
print(f"{label}: {n} requests, {limited} answered 429 ({100 * limited / max(n, 1):.2f}%), "
      f"busiest second {busiest} requests, {wall:.2f} s = {wall / ideal:.2f}x the ideal "
      f"{ideal:.0f} s; ids lost: {'some' if failed else 'none'}")
PY
}

bins=("$BIN")
[ -z "${BASELINE_BIN:-}" ] || bins+=("$BASELINE_BIN")
echo "ASAPP lookups against conversations sandbox serve (latency $LATENCY)"
for bin in "${bins[@]}"; do
    name=$([ "$bin" = "$BIN" ] && echo "this build" || echo "baseline $bin")
    serve --rate-limit asapp:100
    wall=$(lookups "$bin" "$WORK/ids" "$WORK/limited.log")
    report "$name, $IDS lookups, server limit 100/s, default rate" "$WORK/limited.log" "$wall" \
        "$(echo "$IDS / 100" | bc -l)"
    serve
    wall=$(lookups "$bin" "$WORK/rate-ids" "$WORK/rate.log" --rate 10)
    report "$name, $RATE_IDS lookups, --rate 10" "$WORK/rate.log" "$wall" \
        "$(echo "$RATE_IDS / 10" | bc -l)"
done
