"""Reads source-conversations with PyAirbyte into its default cache, as the connector tests
call it (in the pyairbyte venv, AIRBYTE_OFFLINE_MODE=1, the working folder a fresh one):

    pyairbyte_read.py EXECUTABLE CONFIG.json

Checks the connection, selects every stream, reads twice (the second read incremental, from
the state PyAirbyte saved in its cache), and prints one JSON object on stdout:
{"streams": {NAME: {"first": [ids…], "cached": [ids…]}}}: the ids the first read cached, and
those in the cache after the second.
"""

import json
import os
import sys


def main():
    if os.environ.get("AIRBYTE_OFFLINE_MODE") not in ("1", "true", "True"):
        print("AIRBYTE_OFFLINE_MODE=1 is required (else PyAirbyte fetches a registry)", file=sys.stderr)
        sys.exit(2)
    import airbyte as ab

    executable, config_path = sys.argv[1], sys.argv[2]
    with open(config_path) as f:
        config = json.load(f)
    source = ab.get_source(
        "source-conversations",
        local_executable=executable,
        config=config,
    )
    source.check()
    source.select_all_streams()
    cache = ab.get_default_cache()
    first = source.read(cache=cache)
    out = {}
    for name in first.streams:
        out[name] = {"first": sorted(str(r["id"]) for r in first.streams[name])}
    second = source.read(cache=cache)
    for name, dataset in second.streams.items():
        out.setdefault(name, {})["cached"] = sorted(str(r["id"]) for r in dataset)
    print(json.dumps({"streams": out}))


if __name__ == "__main__":
    main()
