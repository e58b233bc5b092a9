# What the benchmark scripts share; source it: `. "$(dirname "$0")/lib.sh"`. Defines functions
# only: a script runs nothing of it until it calls one.

# bench_build: a release build of the CLI (skipped when BIN is set: a binary to measure);
# sets BIN to the binary's absolute path (in CARGO_TARGET_DIR when that is set).
bench_build() {
    if [ -z "${BIN:-}" ]; then
        cargo build --quiet --release -p conversations-cli
        BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/conversations
    fi
}

# bench_start: bench_build, then a scratch folder TMP, removed on exit after the background
# jobs (the sandbox) are stopped and the script's own `bench_cleanup`, if it defines one, ran.
bench_start() {
    bench_build
    TMP=$(mktemp -d)
    SERVER=
    trap bench_exit EXIT
}
bench_exit() {
    if declare -F bench_cleanup >/dev/null; then bench_cleanup; fi
    local schema
    for schema in ${BENCH_SCHEMAS:-}; do
        psql -q "$PG" -c "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true
    done
    # shellcheck disable=SC2046 # one pid a word
    kill $(jobs -p) 2>/dev/null || true
    rm -rf "$TMP"
}

# sandbox_serve DIR [sandbox serve flags...]: `$BIN sandbox serve` on a free port in the
# background (its output in DIR/serve.log), waited for until it listens (bounded: the script
# fails, printing that log, if the server dies first). Sets SERVER to its pid and exports the
# base URLs and the sandbox's default credentials for both providers.
sandbox_serve() {
    local dir=$1
    shift
    rm -f "$dir/ready"
    "$BIN" sandbox serve --port 0 --ready-file "$dir/ready" "$@" >"$dir/serve.log" 2>&1 &
    SERVER=$!
    # The server writes the ready file once it listens.
    until [ -s "$dir/ready" ]; do
        kill -0 "$SERVER" 2>/dev/null || { cat "$dir/serve.log"; exit 1; }
        sleep 0.1
    done
    AUTOCALLS_BASE_URL=$(sed -n 's/.*"autocalls_base_url":"\([^"]*\)".*/\1/p' "$dir/ready")
    ASAPP_BASE_URL=$(sed -n 's/.*"asapp_base_url":"\([^"]*\)".*/\1/p' "$dir/ready")
    export AUTOCALLS_BASE_URL AUTOCALLS_API_KEY=sandbox-autocalls-key
    export ASAPP_BASE_URL ASAPP_API_ID=sandbox-asapp-id ASAPP_API_SECRET=sandbox-asapp-secret
}

# autocalls_sandbox SIZE: bench_start, then sandbox_serve in TMP with SIZE conversations, and
# ASAPP's credentials unset: the environment of a benchmark of Autocalls alone.
autocalls_sandbox() {
    bench_start
    sandbox_serve "$TMP" --size "$1"
    unset ASAPP_API_ID ASAPP_API_SECRET
}

# pg_schemas SCHEMA...: creates each schema in PG (the script sets it), dropped again on exit.
pg_schemas() {
    local schema
    for schema in "$@"; do
        psql -q "$PG" -c "CREATE SCHEMA $schema" >/dev/null
        BENCH_SCHEMAS="${BENCH_SCHEMAS:-} $schema"
    done
}

# sandbox_stop: stops the server sandbox_serve started last.
sandbox_stop() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=
}

# cpu DIR NAME COMMAND...: runs COMMAND (stdout to DIR/out-NAME) under GNU time, appends its
# CPU seconds (user + system) to DIR/NAME and writes its output's line count to DIR/lines-NAME.
cpu() {
    local dir=$1 name=$2
    shift 2
    /usr/bin/time -f '%U %S' -o "$dir/t" "$@" >"$dir/out-$name"
    awk '{ print $1 + $2 }' "$dir/t" >>"$dir/$name"
    wc -l <"$dir/out-$name" >"$dir/lines-$name"
}

# median_of FILE: the median of the numbers in FILE, one a line.
median_of() {
    sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# median VALUE...: the median of its arguments.
median() {
    printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# now: the wall clock, in seconds. elapsed START END: END - START.
now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

# ratio A B: A / B, to two decimals. per_second COUNT SECONDS: a rate, to the unit.
ratio() { echo "$1 / $2" | bc -l | xargs printf '%.2f'; }
per_second() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
