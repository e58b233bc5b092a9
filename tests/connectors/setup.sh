#!/usr/bin/env bash
# Creates the Python virtual environments the connector tests run the real runners from, under
# target/connectors/ (ignored by git), from PyPI. Idempotent: a venv whose marker file exists is
# kept. Three venvs because the runners' pins conflict (issue 24):
#   meltano/   Meltano 4.4 (it installs target-jsonl into its own venv by `meltano install`)
#   pyairbyte/ PyAirbyte 0.71 (pydantic 2)
#   validate/  singer-python (jsonschema 2.6) and airbyte-protocol-models (pydantic 1): the
#              published models every message of ours is checked against
# Prints the folder on stdout; fails loudly (non-zero, pip's error on stderr) if anything fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${CONNECTORS_VENVS:-$root/target/connectors}"
python="${PYTHON:-python3}"
mkdir -p "$dir"
# A Debian python3 without its venv module: install it (the machines run as root).
if ! "$python" -m venv --help >/dev/null 2>&1; then
    apt-get update -qq >&2 && apt-get install -y -qq python3-venv >&2
fi

make_venv() { # name marker-version packages...
    local name="$1" stamp="$2"; shift 2
    local venv="$dir/$name"
    if [[ -f "$venv/.installed" && "$(cat "$venv/.installed")" == "$stamp" ]]; then
        return 0
    fi
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip >&2
    "$venv/bin/python" -m pip install --quiet "$@" >&2
    echo "$stamp" > "$venv/.installed"
}

make_venv meltano "meltano-4.4" 'meltano>=4.4,<4.5'
make_venv pyairbyte "airbyte-0.71" 'airbyte>=0.71,<0.72'
make_venv validate "validate-1" 'singer-python==6.*' 'airbyte-protocol-models<1'
# The Meltano project: installed once (target-jsonl into its own venv, from PyPI).
project="$dir/meltano-project"
stamp="$(sha256sum "$root/tests/connectors/meltano/meltano.yml" | cut -c1-16)"
if [[ ! -f "$project/.installed" || "$(cat "$project/.installed")" != "$stamp" ]]; then
    rm -rf "$project"
    mkdir -p "$project"
    cp "$root/tests/connectors/meltano/meltano.yml" "$project/"
    (cd "$project" && MELTANO_SEND_ANONYMOUS_USAGE_STATS=false "$dir/meltano/bin/meltano" install >&2)
    echo "$stamp" > "$project/.installed"
fi
echo "$dir"
