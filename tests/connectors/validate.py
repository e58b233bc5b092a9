"""Checks a connector's output against the published models, as the connector tests call it.

    validate.py singer   < messages   every line a Singer message (singer-python's parser),
                                      every RECORD valid against its stream's SCHEMA (draft 4)
    validate.py catalog  < catalog    a Singer catalog (singer-python's Catalog), its schemas draft 4
    validate.py airbyte  < messages   every line an AirbyteMessage (airbyte-protocol-models)

Prints "N messages valid" and exits 0, or prints the first problem (line number, message
type, what is wrong; never a record's contents) and exits 1.
"""

import json
import sys


def fail(text):
    print(text, file=sys.stderr)
    sys.exit(1)


def singer_messages(lines):
    import singer
    from jsonschema import Draft4Validator, FormatChecker

    validators = {}
    count = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            message = singer.parse_message(line)
        except Exception as e:  # noqa: BLE001 - any parse failure is the finding
            fail(f"line {number}: not a Singer message: {type(e).__name__}")
        if message is None:
            fail(f"line {number}: not a Singer message")
        if isinstance(message, singer.SchemaMessage):
            try:
                Draft4Validator.check_schema(message.schema)
            except Exception as e:  # noqa: BLE001 - the finding
                fail(f"line {number}: SCHEMA of {message.stream} is not draft 4: {str(e).splitlines()[0]}")
            validators[message.stream] = Draft4Validator(message.schema, format_checker=FormatChecker())
        elif isinstance(message, singer.RecordMessage):
            validator = validators.get(message.stream)
            if validator is None:
                fail(f"line {number}: a RECORD of {message.stream} before its SCHEMA")
            errors = list(validator.iter_errors(message.record))
            if errors:
                path = "/".join(str(p) for p in errors[0].path)
                fail(f"line {number}: RECORD of {message.stream} invalid at {path or '(top)'}: {errors[0].validator}")
        elif isinstance(message, singer.StateMessage):
            if not isinstance(message.value, dict):
                fail(f"line {number}: STATE value is not an object")
        count += 1
    print(f"{count} messages valid")


def singer_catalog(text):
    from singer.catalog import Catalog
    from jsonschema import Draft4Validator

    raw = json.loads(text)
    catalog = Catalog.from_dict(raw)
    if not catalog.streams:
        fail("the catalog has no stream")
    for stream in raw["streams"]:
        try:
            Draft4Validator.check_schema(stream["schema"])
        except Exception as e:  # noqa: BLE001 - the finding
            fail(f"stream {stream.get('tap_stream_id')}: schema is not draft 4: {str(e).splitlines()[0]}")
    print(f"{len(catalog.streams)} streams valid")


def airbyte_messages(lines):
    from airbyte_protocol.models import AirbyteMessage

    count = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            AirbyteMessage.parse_raw(line)
        except Exception as e:  # noqa: BLE001 - any parse failure is the finding
            kind = json.loads(line).get("type") if line.lstrip().startswith("{") else None
            fail(f"line {number}: {kind} is not a valid AirbyteMessage: {str(e).splitlines()[0]}")
        count += 1
    print(f"{count} messages valid")


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "singer":
        singer_messages(sys.stdin)
    elif mode == "catalog":
        singer_catalog(sys.stdin.read())
    elif mode == "airbyte":
        airbyte_messages(sys.stdin)
    else:
        fail("usage: validate.py singer|catalog|airbyte < input")


if __name__ == "__main__":
    main()
