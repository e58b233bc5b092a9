#!/usr/bin/env bash
# `conversations sync` into PostgreSQL over TLS against the same sync without it, and each
# against `conversations list --format ndjson > file`, on one sandbox holding SIZE
# conversations (2/3 of them Autocalls: 150,000 gives 100,000), release build, RUNS rounds of
# the three side by side (medians reported; the machine's load moves all three alike). Both
# syncs go to the same server (PG, which must accept both: TLS on, hostssl and host lines),
# each into an empty schema of its own: `sslmode=require` (TLS; -v shows the cipher) and
# `sslmode=disable`.
#
#   tests/benches/sync_tls.sh        # SIZE=150000, RUNS=5, PG=postgres://postgres@127.0.0.1:5432/test
set -euo pipefail
cd "$(dirname "$0")/../.."
SIZE=${SIZE:-150000}
RUNS=${RUNS:-5}
PG=${PG:-${CONVERSATIONS_TEST_PG:-postgres://postgres@127.0.0.1:5432/test}}
SCHEMA=bench_tls_$$

. tests/benches/lib.sh
autocalls_sandbox "$SIZE"
WORK=$TMP

sep() { case "$PG" in *\?*) echo '&' ;; *) echo '?' ;; esac; }

TLS_TO="$PG$(sep)sslmode=require"
PLAIN_TO="$PG$(sep)sslmode=disable"
# Say what each connection is, once (from the server's pg_stat_ssl; --status on the empty
# schema logs it, then says no sync wrote there).
pg_schemas "${SCHEMA}_tls" "${SCHEMA}_plain"
"$BIN" -v sync --status --schema "${SCHEMA}_tls" --to "$TLS_TO" 2>&1 >/dev/null \
    | grep -o 'encryption=.*' | sed 's/^/sslmode=require: /' || true
"$BIN" -v sync --status --schema "${SCHEMA}_plain" --to "$PLAIN_TO" 2>&1 >/dev/null \
    | grep -o 'encryption=.*' | sed 's/^/sslmode=disable: /' || true

list_t=(); tls_t=(); plain_t=()
for round in $(seq "$RUNS"); do
    t=$(now)
    "$BIN" list --provider autocalls --page-size 100 --format ndjson >"$WORK/all.ndjson"
    list_t+=("$(elapsed "$t" "$(now)")")

    # Alternate which sync goes first, so neither always meets a warmer server.
    for which in $([ $((round % 2)) -eq 1 ] && echo "tls plain" || echo "plain tls"); do
        psql -q "$PG" -c "SET client_min_messages = warning; DROP SCHEMA ${SCHEMA}_$which CASCADE; CREATE SCHEMA ${SCHEMA}_$which" >/dev/null
        to=$([ "$which" = tls ] && echo "$TLS_TO" || echo "$PLAIN_TO")
        t=$(now)
        "$BIN" sync --provider autocalls --page-size 100 --schema "${SCHEMA}_$which" --to "$to" >"$WORK/$which.txt"
        d=$(elapsed "$t" "$(now)")
        if [ "$which" = tls ]; then tls_t+=("$d"); else plain_t+=("$d"); fi
    done
done
list_s=$(median "${list_t[@]}")
tls_s=$(median "${tls_t[@]}")
plain_s=$(median "${plain_t[@]}")
records=$(wc -l <"$WORK/all.ndjson")

echo "records: $records Autocalls conversations (sandbox --size $SIZE), pages of 100; median of $RUNS rounds"
printf 'list --format ndjson > file        %6.2f s  %7s records/s  (baseline)  [%s]\n' "$list_s" "$(per_second "$records" "$list_s")" "${list_t[*]}"
printf 'sync, sslmode=disable (no TLS)     %6.2f s  %7s records/s  list/sync %s  [%s]\n' "$plain_s" "$(per_second "$records" "$plain_s")" "$(ratio "$list_s" "$plain_s")" "${plain_t[*]}"
printf 'sync, sslmode=require (TLS)        %6.2f s  %7s records/s  list/sync %s  [%s]\n' "$tls_s" "$(per_second "$records" "$tls_s")" "$(ratio "$list_s" "$tls_s")" "${tls_t[*]}"
printf 'TLS / no TLS: %s (target <= 1.15)\n' "$(echo "$tls_s / $plain_s" | bc -l | xargs printf '%.3f')"
cat "$WORK/plain.txt" "$WORK/tls.txt"
