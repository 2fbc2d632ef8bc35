"""`crm event-schemas DIR`, `crm import FILE --brand --kind`, `crm export --brand --kind`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

from config import Settings
from models import Brand
from models.db import close_db, init_db


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
    register_jobs(sub)


async def _with_db(settings: Settings, work: Any) -> None:
    await init_db(settings.database_url)
    try:
        await work()
    finally:
        await close_db()


async def _brand(slug: str) -> Brand:
    from services.brands import brands

    brand = await brands.get_brand(slug)
    if brand is None:
        raise SystemExit(f"error: no brand '{slug}'")
    return brand


class ProgressBar:
    """A plain progress line on stderr: rewritten in place on a terminal, else every 5 s."""

    WIDTH = 30

    def __init__(self, label: str) -> None:
        self.label = label
        self.tty = sys.stderr.isatty()
        self.last = 0.0

    def show(self, fraction: float | None, detail: str, final: bool = False) -> None:
        now = time.monotonic()
        if not (self.tty or final or now - self.last >= 5):
            return
        self.last = now
        if fraction is None:
            bar = ""
        else:
            filled = int(self.WIDTH * min(max(fraction, 0.0), 1.0))
            bar = f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {fraction:4.0%} "
        line = f"{self.label} {bar}{detail}"
        end = "\n" if final or not self.tty else ""
        sys.stderr.write(("\r" + line.ljust(100)) if self.tty else line)
        sys.stderr.write(end)
        sys.stderr.flush()


async def _watch(job_id: int, bar: ProgressBar, describe: Any, stop: asyncio.Event) -> None:
    from models.jobs import Job

    while not stop.is_set():
        job = await Job.get_or_none(id=job_id)
        if job is not None:
            bar.show(*describe(job))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.5)


async def _run_with_bar(settings: Settings, job_id: int, bar: ProgressBar, describe: Any) -> Any:
    from services.jobs.runner import JobRunner

    stop = asyncio.Event()
    watcher = asyncio.create_task(_watch(job_id, bar, describe, stop))
    try:
        ended = await JobRunner(settings, owner=f"cli:{os.getpid()}").run_job(job_id)
    finally:
        stop.set()
        await watcher
    if ended is None:
        raise SystemExit(f"error: job {job_id} could not be run (already taken?)")
    fraction, detail = describe(ended)
    bar.show(fraction, detail, final=True)
    return ended


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(256 * 1024):
            yield chunk


def cmd_import(settings: Settings, args: argparse.Namespace) -> None:
    from services.common.actor import Actor
    from services.imports import imports
    from services.jobs import files, jobs

    source = Path(args.file)
    if not source.is_file():
        raise SystemExit(f"error: no file {source}")
    mapping = dict(pair.split("=", 1) for pair in args.map or [])
    file_format = args.format or ("NDJSON" if source.suffix in (".ndjson", ".jsonl") else "CSV")

    async def work() -> None:
        brand = await _brand(args.brand)
        actor = Actor.system(brand.id, "cli-import")
        started = time.monotonic()
        job = await imports.start_import(actor, args.kind, file_format, args.error_policy, mapping)
        target = files.path_of(settings, brand.id, job.id, "input-cli")
        size = await files.receive(_file_chunks(source), target, settings.max_upload_bytes)
        await jobs.input_received(job, "input-cli", size)

        def describe(j: Any) -> tuple[float | None, str]:
            offset = int((j.checkpoint or {}).get("offset", 0))
            done = 1.0 if j.state == "SUCCEEDED" else offset / size if size else None
            return done, f"{j.processed:,} rows, {j.succeeded:,} written, {j.failed:,} failed"

        ended = await _run_with_bar(settings, job.id, ProgressBar("import"), describe)
        summary: dict[str, Any] = {
            "job": ended.id,
            "state": ended.state,
            "rowsRead": ended.processed,
            "rowsWritten": ended.succeeded,
            "rowsFailed": ended.failed,
            "seconds": round(time.monotonic() - started, 2),
        }
        if ended.error:
            summary["error"] = ended.error
        if ended.error_file:
            failed = files.path_of(settings, brand.id, ended.id, ended.error_file)
            if args.failed_rows:
                shutil.copyfile(failed, args.failed_rows)
                failed = Path(args.failed_rows)
            summary["failedRows"] = str(failed)
        print(json.dumps(summary))
        if ended.state != "SUCCEEDED":
            raise SystemExit(1)

    asyncio.run(_with_db(settings, work))


def cmd_export(settings: Settings, args: argparse.Namespace) -> None:
    from services.common.actor import Actor
    from services.imports import exports
    from services.jobs import files

    async def work() -> None:
        brand = await _brand(args.brand)
        actor = Actor.system(brand.id, "cli-export")
        started = time.monotonic()
        job = await exports.start_export(
            actor,
            args.kind,
            args.format,
            pii=args.pii,
            since=datetime.fromisoformat(args.since) if args.since else None,
            until=datetime.fromisoformat(args.until) if args.until else None,
        )

        def describe(j: Any) -> tuple[float | None, str]:
            return (1.0 if j.state == "SUCCEEDED" else None), f"{j.processed:,} rows"

        ended = await _run_with_bar(settings, job.id, ProgressBar("export"), describe)
        if ended.state != "SUCCEEDED" or ended.output_file is None:
            print(json.dumps({"job": ended.id, "state": ended.state, "error": ended.error}))
            raise SystemExit(1)
        written = files.path_of(settings, brand.id, ended.id, ended.output_file)
        if args.output:
            shutil.copyfile(written, args.output)
            written = Path(args.output)
        summary = {
            "job": ended.id,
            "state": ended.state,
            "rows": ended.processed,
            "file": str(written),
            "personalData": args.pii,
            "seconds": round(time.monotonic() - started, 2),
        }
        print(json.dumps(summary))

    asyncio.run(_with_db(settings, work))


def register_jobs(sub: Any) -> None:
    imp = sub.add_parser("import", help="import a CSV/NDJSON file (progress on stderr)")
    imp.add_argument("file")
    imp.add_argument("--brand", required=True)
    imp.add_argument("--kind", required=True, choices=["CUSTOMERS", "PURCHASES", "POINTS_BALANCES"])
    imp.add_argument("--format", choices=["CSV", "NDJSON"], help="default: from the suffix")
    imp.add_argument(
        "--error-policy",
        default="REJECT_FAILED_ROWS",
        choices=["REJECT_EVERYTHING", "REJECT_FAILED_ROWS", "IGNORE_FAILED"],
    )
    imp.add_argument("--map", action="append", metavar="COLUMN=FIELD", help="column mapping")
    imp.add_argument("--failed-rows", help="copy the failed rows (CSV) to this path")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="export to a CSV/NDJSON file (progress on stderr)")
    exp.add_argument("--brand", required=True)
    exp.add_argument(
        "--kind", required=True, choices=["CUSTOMERS", "PURCHASES", "LEDGER", "COUPONS"]
    )
    exp.add_argument("--format", default="CSV", choices=["CSV", "NDJSON"])
    exp.add_argument("--pii", action="store_true", help="include personal data unmasked")
    exp.add_argument("--from", dest="since", help="ISO 8601")
    exp.add_argument("--to", dest="until", help="ISO 8601")
    exp.add_argument("--output", help="copy the file here")
    exp.set_defaults(func=cmd_export)
