"""`crm event-schemas DIR`, `crm import FILE --brand --kind`, `crm export --brand --kind`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def cmd_event_schemas(settings: Any, args: argparse.Namespace) -> None:
    from events.payloads import PAYLOADS, schema

    target = Path(args.directory)
    target.mkdir(parents=True, exist_ok=True)
    for event_type in sorted(PAYLOADS):
        text = json.dumps(schema(event_type), indent=2, ensure_ascii=False) + "\n"
        (target / f"{event_type}.json").write_text(text)
    print(f"{len(PAYLOADS)} schemas written to {target}")


def register(sub: Any) -> None:
    schemas = sub.add_parser("event-schemas", help="write each event type's JSON Schema")
    schemas.add_argument("directory", nargs="?", default="docs/events")
    schemas.set_defaults(func=cmd_event_schemas, needs_settings=False)
