#!/usr/bin/env bash
# Peak memory of `conversations list --format ndjson` over ONE Autocalls page of RECORDS
# records (a server ignoring per_page), as a ratio to the body's size; the body limit is
# raised to allow it. A small Python server on 127.0.0.1 serves the page (Content-Length set).
# Needs GNU time (/usr/bin/time). Run from the repository root:
#   tests/benches/big_page.sh                 # RECORDS=1000000, the release build of this tree
#   BIN=/path/to/conversations tests/benches/big_page.sh   # another build, same data
set -euo pipefail
RECORDS=${RECORDS:-1000000}
if [ -z "${BIN:-}" ]; then
    cargo build --quiet --release -p conversations-cli
    BIN=target/release/conversations
fi
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$tmp"' EXIT

python3 - "$RECORDS" "$tmp/body.json" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write('{"data":[')
    for i in range(n):
        if i:
            f.write(",")
        f.write('{"id":"c-%07d","assistant_id":"a-%d","assistant_name":"Sales","type":"api",'
                '"variables":{},"message_count":%d,"total_cost":0.0123,"ai_enabled":true,'
                '"created_at":"2025-06-30 17:45:12","updated_at":"2025-06-30 17:50:17"}'
                % (i, i % 12, i % 40))
    f.write('],"path":"/api/user/conversations","per_page":100,"next_cursor":null,"prev_cursor":null}')
EOF

python3 - "$tmp/body.json" "$tmp/port" <<'EOF' &
import http.server, sys
body = open(sys.argv[1], "rb").read()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
EOF
for _ in $(seq 1 600); do [ -s "$tmp/port" ] && break; sleep 0.05; done
bytes=$(stat -c %s "$tmp/body.json")
# Builds from before the body limit have no flag (and no limit).
limit=()
if "$BIN" list --help | grep -q -- --max-body-size; then limit=(--max-body-size 1GiB); fi
AUTOCALLS_API_KEY=bench-key-0123456789 AUTOCALLS_BASE_URL="http://127.0.0.1:$(cat "$tmp/port")/api" \
    /usr/bin/time -f '%M' -o "$tmp/rss" "$BIN" list --provider autocalls --format ndjson \
    "${limit[@]}" > "$tmp/out"
lines=$(wc -l < "$tmp/out")
python3 -c "import sys; b,k,l=int(sys.argv[1]),int(sys.argv[2]),int(sys.argv[3]); print(f'one page of {l:,} records: body {b/2**20:.0f} MiB, peak {k/1024:.0f} MiB, ratio {k*1024/b:.2f}x')" \
    "$bytes" "$(cat "$tmp/rss")" "$lines"
