"""Baseline for the decode benchmark (tests/benches/decode_cpu.sh): a Python `requests` loop
that follows Autocalls' cursors and writes every raw item as one JSON line.

AUTOCALLS_BASE_URL=... AUTOCALLS_API_KEY=... python bare_ndjson.py > out.ndjson
"""
import json
import os
import sys

import requests

base = os.environ["AUTOCALLS_BASE_URL"]
key = os.environ["AUTOCALLS_API_KEY"]
session = requests.Session()
session.headers["Authorization"] = f"Bearer {key}"
out = sys.stdout
cursor = None
while True:
    params = {"per_page": "100"}
    if cursor:
        params["cursor"] = cursor
    response = session.get(f"{base}/user/conversations", params=params)
    response.raise_for_status()
    page = response.json()
    for item in page["data"]:
        out.write(json.dumps(item, separators=(",", ":")))
        out.write("\n")
    cursor = page.get("next_cursor")
    if not cursor:
        break
