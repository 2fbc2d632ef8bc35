"""Import jobs: `startImport` queues a job waiting for its file; once the file is uploaded, a
runner reads it in chunks. Each chunk is one transaction: its rows (written together, with the
end state of the operations' own service code row by row: services.imports.batches), the failed
rows appended to the failed-rows
CSV, and the checkpoint (where the next chunk starts, the failed-rows file's size) commit
together, so a restarted job continues after the last committed chunk without repeating or
skipping a row. REJECT_EVERYTHING runs the whole file in one transaction (at most
MAX_ALL_OR_NOTHING rows): all of it is written, or nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from events.outbox import emit
from models import Brand
from models.jobs import Job
from services.attributes import values as attribute_values
from services.bulk.policy import ErrorPolicy
from services.bulk.refs import resolve_all
from services.common import audit
from services.common.actor import Actor
from services.common.errors import DomainError, ErrorCode, ErrorCollector, FieldError
from services.imports import batches, formats, rows, templates
from services.imports.formats import Appender, FileProblem, Record
from services.jobs import jobs, registry
from services.jobs.context import JobContext
from services.loyalty import config as loyalty_config

JOB_KIND = "import"
# Rows a transaction. A chunk is written set-based (a few statements a table), its events taken
# in one counter update at the end (events.outbox): the brand's event counter's row lock, which
# the brand's other writers wait for, is held from then until the chunk commits, a few
# statements, whatever the chunk's size.
CHUNK_ROWS = 1000
CUSTOMER_CHUNK_ROWS = 1000
MAX_ALL_OR_NOTHING = 10_000
MAX_MAPPING = 200
FAILED_FILE = "failed-rows.csv"


class _RollBack(Exception):
    pass


def _camel(name: str | None) -> str:
    if not name:
        return "row"
    return re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name)


def describe(errors: list[FieldError]) -> str:
    return "; ".join(f"{_camel(e.field)}: {e.code.value}: {e.message}" for e in errors)


async def start_import(
    actor: Actor, kind: str, file_format: str, policy: str, mapping: dict[str, str]
) -> Job:
    """A job waiting for its file (upload it to `services.jobs.jobs.upload_url`)."""
    errors = ErrorCollector()
    if kind not in templates.KINDS:
        errors.add("kind", ErrorCode.INVALID, f"kind must be one of {', '.join(templates.KINDS)}")
    if file_format not in formats.FORMATS:
        errors.add("format", ErrorCode.INVALID, "format must be CSV or NDJSON")
    if policy not in ErrorPolicy.__members__:
        errors.add("errorPolicy", ErrorCode.INVALID, "unknown error policy")
    if len(mapping) > MAX_MAPPING:
        errors.add("columns", ErrorCode.INVALID, f"at most {MAX_MAPPING} mapped columns")
    elif kind in templates.KINDS and (unknown := templates.check_mapping(kind, mapping)):
        errors.add("columns", ErrorCode.INVALID, f"no such fields: {', '.join(unknown)}")
    errors.raise_if_any()
    parameters = {"kind": kind, "format": file_format, "errorPolicy": policy, "mapping": mapping}
    async with in_transaction():
        job = await jobs.create_job(actor, JOB_KIND, parameters, awaiting_input=True)
        await audit.record(actor, "startImport", "ImportJob", job.id, parameters)
    return job


@dataclass
class Progress:
    offset: int
    line: int
    read: int = 0
    written: int = 0
    failed: int = 0
    failed_bytes: int = 0

    def checkpoint(self) -> dict[str, int]:
        return {
            "offset": self.offset,
            "line": self.line,
            "read": self.read,
            "written": self.written,
            "failed": self.failed,
            "failedBytes": self.failed_bytes,
        }


class ImportRun:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        params = ctx.parameters
        self.kind: str = params["kind"]
        self.format: str = params["format"]
        self.policy = ErrorPolicy(params["errorPolicy"])
        self.mapping: dict[str, str] = dict(params.get("mapping") or {})
        self.header: list[str] | None = None
        self.columns: dict[str, str] = {}
        self.ignored: set[str] = set()

    def fields_of(self, record: Record) -> dict[str, Any]:
        """A row's values by field name (through the mapping)."""
        values = record.values or {}
        if self.format == formats.NDJSON:
            columns, ignored = templates.resolve_columns(self.kind, list(values), self.mapping)
            self.ignored.update(ignored)
        else:
            columns = self.columns
        return {columns[c]: v for c, v in values.items() if c in columns}

    def failure_line(self, record: Record, errors: list[FieldError]) -> bytes:
        if self.format == formats.CSV and self.header is not None:
            cells = [(record.values or {}).get(h, "") for h in self.header]
            return formats.csv_line([record.line, *cells, describe(errors)])
        raw = formats.ndjson_line(record.values or {}).decode().strip()
        return formats.csv_line([record.line, raw, describe(errors)])

    def failure_header(self) -> bytes:
        if self.format == formats.CSV and self.header is not None:
            return formats.csv_line(["line", *self.header, "errors"])
        return formats.csv_line(["line", "record", "errors"])

    async def scope(self) -> rows.ImportScope:
        brand = await Brand.get(id=self.ctx.job.brand_id)
        definitions = await attribute_values.definitions(brand.id)
        return rows.ImportScope(self.ctx.actor, brand, definitions, ZoneInfo(brand.timezone))

    async def write_chunk(
        self, records: list[Record], scope: rows.ImportScope
    ) -> list[tuple[Record, list[FieldError]]]:
        """The chunk's rows written together (the operations' own checks, their end state as
        the rows one by one); the rows that failed."""
        fields = [self.fields_of(r) if r.values is not None else {} for r in records]
        if self.kind == templates.CUSTOMERS:
            return await self.write_customers(records, fields, scope)
        failures: list[tuple[Record, list[FieldError]]] = []
        readable: list[int] = []
        for index, record in enumerate(records):
            if record.values is None:
                problem = FieldError(None, ErrorCode.INVALID, record.problem or "unreadable")
                failures.append((record, [problem]))
            else:
                readable.append(index)
        given = [fields[i] for i in readable]
        customers = list(await resolve_all(scope.brand.id, [rows.customer_ref(f) for f in given]))
        write = (
            batches.write_purchases if self.kind == templates.PURCHASES else batches.write_balances
        )
        outcomes = await write(given, customers, scope)
        for index, outcome in zip(readable, outcomes, strict=True):
            if outcome is not None:
                failures.append((records[index], list(outcome.errors)))
        failures.sort(key=lambda failure: failure[0].line)
        return failures

    async def write_customers(
        self, records: list[Record], fields: list[dict[str, Any]], scope: rows.ImportScope
    ) -> list[tuple[Record, list[FieldError]]]:
        """The chunk's readable rows upserted together; the rows that failed."""
        failures: list[tuple[Record, list[FieldError]]] = []
        readable: list[Record] = []
        for record in records:
            if record.values is None:
                problem = FieldError(None, ErrorCode.INVALID, record.problem or "unreadable")
                failures.append((record, [problem]))
            else:
                readable.append(record)
        values = [f for r, f in zip(records, fields, strict=True) if r.values is not None]
        outcomes = await rows.write_customers(values, scope)
        for record, outcome in zip(readable, outcomes, strict=True):
            if isinstance(outcome, DomainError):
                failures.append((record, list(outcome.errors)))
        failures.sort(key=lambda failure: failure[0].line)
        return failures

    def chunk_rows(self) -> int:
        return CUSTOMER_CHUNK_ROWS if self.kind == templates.CUSTOMERS else CHUNK_ROWS

    async def run(self) -> dict[str, Any]:
        path = self.ctx.input_path
        if path is None:
            raise FileProblem("the job has no file")
        start, line = 0, 0
        if self.format == formats.CSV:
            self.header, start = formats.csv_header(path)
            self.columns, ignored = templates.resolve_columns(self.kind, self.header, self.mapping)
            self.ignored.update(ignored)
            line = 1
        saved = self.ctx.checkpoint
        progress = Progress(int(saved.get("offset", start)), int(saved.get("line", line)))
        progress.read = int(saved.get("read", 0))
        progress.written = int(saved.get("written", 0))
        progress.failed = int(saved.get("failed", 0))
        progress.failed_bytes = int(saved.get("failedBytes", 0))
        failed_file = Appender(self.ctx.path(FAILED_FILE), progress.failed_bytes)
        try:
            if failed_file.size == 0:
                failed_file.write(self.failure_header())
                progress.failed_bytes = failed_file.flush()
            records = formats.read(path, self.format, self.header, progress.offset, progress.line)
            if self.policy == ErrorPolicy.REJECT_EVERYTHING:
                await self.all_or_nothing(records, progress, failed_file)
            else:
                await self.in_chunks(records, progress, failed_file)
        finally:
            failed_file.close()
        if progress.failed:
            await self.ctx.set_files(errors=FAILED_FILE)
        return {
            "rowsRead": progress.read,
            "rowsWritten": progress.written,
            "rowsFailed": progress.failed,
            "ignoredColumns": sorted(self.ignored),
        }

    async def in_chunks(self, records: Iterator[Record], progress: Progress, out: Appender) -> None:
        scope = await self.scope()
        chunk: list[Record] = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= self.chunk_rows():
                await self.commit_chunk(chunk, progress, out, scope)
                chunk = []
        if chunk:
            await self.commit_chunk(chunk, progress, out, scope)

    async def commit_chunk(
        self, chunk: list[Record], progress: Progress, out: Appender, scope: rows.ImportScope
    ) -> None:
        await self.ctx.check_cancelled()
        async with in_transaction():
            with loyalty_config.steady_configuration():
                failures = await self.write_chunk(chunk, scope)
            for record, errors in failures:
                out.write(self.failure_line(record, errors))
            progress.failed_bytes = out.flush()
            progress.read += len(chunk)
            progress.failed += len(failures)
            progress.written += len(chunk) - len(failures)
            progress.offset, progress.line = chunk[-1].end, chunk[-1].end_line
            await self.ctx.save(
                checkpoint=progress.checkpoint(),
                processed=progress.read,
                succeeded=progress.written,
                failed=progress.failed,
            )

    async def all_or_nothing(
        self, records: Iterator[Record], progress: Progress, out: Appender
    ) -> None:
        scope = await self.scope()
        listed: list[Record] = []
        for record in records:
            listed.append(record)
            if len(listed) > MAX_ALL_OR_NOTHING:
                raise FileProblem(
                    f"REJECT_EVERYTHING imports take at most {MAX_ALL_OR_NOTHING} rows:"
                    " use REJECT_FAILED_ROWS for larger files"
                )
        failures: list[tuple[Record, list[FieldError]]] = []
        try:
            async with in_transaction():
                size = self.chunk_rows()
                for start in range(0, len(listed), size):
                    await self.ctx.check_cancelled()
                    with loyalty_config.steady_configuration():
                        chunk = listed[start : start + size]
                        failures += await self.write_chunk(chunk, scope)
                if failures:
                    raise _RollBack
                progress.written = len(listed)
                progress.read = len(listed)
                await self.ctx.save(processed=len(listed), succeeded=len(listed), failed=0)
        except _RollBack:
            for record, errors in failures:
                out.write(self.failure_line(record, errors))
            out.flush()
            progress.read, progress.written, progress.failed = len(listed), 0, len(failures)
            await self.ctx.save(processed=len(listed), succeeded=0, failed=len(failures))


async def run_import(ctx: JobContext) -> dict[str, Any]:
    return await ImportRun(ctx).run()


async def import_finished(ctx: JobContext, job: Job) -> None:
    """`import.completed`, in the transaction that records the job's end."""
    result = job.result or {}
    payload = {
        "kind": job.parameters.get("kind"),
        "state": job.state,
        "rowsRead": int(result.get("rowsRead", job.processed)),
        "rowsWritten": int(result.get("rowsWritten", job.succeeded)),
        "rowsFailed": int(result.get("rowsFailed", job.failed)),
    }
    await emit(ctx.actor, "import.completed", subject=("ImportJob", job.id), payload=payload)


registry.register(JOB_KIND, run_import, on_finished=import_finished)
