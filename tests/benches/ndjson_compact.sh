#!/usr/bin/env bash
# What NDJSON's one-line-per-record costs (issue 20): `--format ndjson` compacts each record's
# `raw` when it came with whitespace (RawJson::compact), and looks at every record to know.
# Baseline in the same run, on the same data: `--format json`, which writes `raw` as received
# and looks at nothing. Two servers:
#   - the sandbox as it is (compact JSON): the cost of looking;
#   - the same pages pretty-printed (indent=2) by a small Python proxy in front of it (the
#     proxy's CPU is not counted): the cost of compacting every record.
# Runs are interleaved and repeated; the median CPU (user + system) of each is reported.
# Needs GNU time (/usr/bin/time). Run from the repository root: tests/benches/ndjson_compact.sh
set -euo pipefail
RUNS=${RUNS:-5}
SIZE=${SIZE:-150000}          # both providers; two thirds are Autocalls records
cargo build --quiet --release -p conversations-cli
bin=target/release/conversations
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

ready="$tmp/ready"
"$bin" sandbox serve --port 0 --size "$SIZE" --ready-file "$ready" >/dev/null &
for _ in $(seq 1 6000); do [ -s "$ready" ] && break; sleep 0.05; done
compact=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["autocalls_base_url"])' "$ready")
export AUTOCALLS_API_KEY=sandbox-autocalls-key

# The pretty-printing proxy: every page of the sandbox, re-serialized with indent=2 (key
# order kept), on a port it writes to $tmp/proxy-port.
python3 - "$compact" "$tmp/proxy-port" <<'PY' &
import json, sys, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
upstream, port_file = sys.argv[1], sys.argv[2]
prefix = "/api"
class Pretty(BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path[len(prefix):] if self.path.startswith(prefix) else self.path
        req = urllib.request.Request(upstream + path, headers={"Authorization": self.headers["Authorization"]})
        with urllib.request.urlopen(req) as r:
            body = json.dumps(json.loads(r.read()), indent=2, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Pretty)
open(port_file + ".tmp", "w").write(str(server.server_address[1]))
import os; os.rename(port_file + ".tmp", port_file)
server.serve_forever()
PY
for _ in $(seq 1 6000); do [ -s "$tmp/proxy-port" ] && break; sleep 0.05; done
pretty="http://127.0.0.1:$(cat "$tmp/proxy-port")/api"

cpu() { # name base-url format -> appends user+sys seconds to $tmp/name
    /usr/bin/time -f '%U %S' -o "$tmp/t" env AUTOCALLS_BASE_URL="$2" \
        "$bin" list --provider autocalls --page-size 100 --format "$3" > "$tmp/out-$1"
    awk '{ print $1 + $2 }' "$tmp/t" >> "$tmp/$1"
}
median() { sort -n "$tmp/$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for _ in $(seq 1 "$RUNS"); do
    cpu compact-json "$compact" json
    cpu compact-ndjson "$compact" ndjson
    cpu pretty-json "$pretty" json
    cpu pretty-ndjson "$pretty" ndjson
done
# Same number of records either way.
records=$(wc -l < "$tmp/out-compact-ndjson")
[ "$records" = "$(wc -l < "$tmp/out-pretty-ndjson")" ]
python3 - "$records" "$(median compact-json)" "$(median compact-ndjson)" "$(median pretty-json)" "$(median pretty-ndjson)" <<'PY'
import sys
n = int(sys.argv[1]); cj, cn, pj, pn = map(float, sys.argv[2:])
print(f"CPU over {n:,} Autocalls records (median of runs):")
print(f"  compact server: --format json {cj:.2f} s, --format ndjson {cn:.2f} s   ratio ndjson/json {cn / cj:.2f}")
print(f"  pretty server:  --format json {pj:.2f} s, --format ndjson {pn:.2f} s   ratio ndjson/json {pn / pj:.2f}")
PY
