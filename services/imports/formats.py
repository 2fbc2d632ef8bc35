"""Reading and writing rows of CSV and NDJSON files in a streaming way, with byte offsets so a
resumed job continues exactly after the last committed row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import orjson

CSV, NDJSON = "CSV", "NDJSON"
FORMATS = (CSV, NDJSON)
SUFFIX = {CSV: ".csv", NDJSON: ".ndjson"}
MAX_FIELD = 64 * 1024  # a longer CSV field is refused (csv.Error): no row needs that much


class FileProblem(ValueError):
    """The file cannot be read as its format says (encoding, quoting, headers)."""


@dataclass(frozen=True)
class Record:
    line: int  # where the row starts in the file (1 = the first line)
    values: dict[str, Any] | None  # column -> value; None when the row cannot be parsed
    problem: str | None  # why it cannot (bad JSON on an NDJSON line)
    end: int  # the byte offset just after the row
    end_line: int  # the line the row ends on (a quoted CSV cell may span lines)


class _Lines:
    """Text lines of a binary file, counting the bytes and lines handed out."""

    def __init__(self, source: BinaryIO, offset: int, line: int) -> None:
        self.source = source
        self.offset = offset
        self.line = line

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        raw = self.source.readline()
        if not raw:
            raise StopIteration
        self.offset += len(raw)
        self.line += 1
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FileProblem(f"line {self.line} is not UTF-8") from exc
        return text.removeprefix("\ufeff") if self.line == 1 else text


def csv_header(path: Path) -> tuple[list[str], int]:
    """The header's column names and the offset of the first data row."""
    with path.open("rb") as source:
        lines = _Lines(source, 0, 0)
        try:
            header = next(csv.reader(lines))
        except StopIteration as exc:
            raise FileProblem("the file is empty") from exc
        except csv.Error as exc:
            raise FileProblem(f"the header cannot be read: {exc}") from exc
        names = [h.strip() for h in header]
        if not any(names):
            raise FileProblem("the first line must name the columns")
        return names, lines.offset


def read(
    path: Path, file_format: str, header: list[str] | None, offset: int, line: int
) -> Iterator[Record]:
    """Rows from `offset` (the start of a row; `line` is the line before it)."""
    csv.field_size_limit(MAX_FIELD)
    with path.open("rb") as source:
        source.seek(offset)
        lines = _Lines(source, offset, line)
        if file_format == CSV:
            assert header is not None
            reader = csv.reader(lines, strict=True)
            while True:
                start = lines.line + 1
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise FileProblem(f"line {start}: {exc}") from exc
                if not any(c.strip() for c in cells):
                    continue  # blank lines
                values = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header)}
                problem = None
                if len(cells) > len(header):
                    problem = f"{len(cells)} cells for {len(header)} columns"
                yield Record(
                    start, values if problem is None else None, problem, lines.offset, lines.line
                )
        else:
            for text in lines:
                if not text.strip():
                    continue
                try:
                    value = orjson.loads(text)
                except orjson.JSONDecodeError as exc:
                    yield Record(lines.line, None, f"not JSON: {exc}", lines.offset, lines.line)
                    continue
                if not isinstance(value, dict):
                    problem = "each line must be a JSON object"
                    yield Record(lines.line, None, problem, lines.offset, lines.line)
                    continue
                yield Record(lines.line, value, None, lines.offset, lines.line)


def csv_line(cells: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerow(["" if c is None else c for c in cells])
    return buffer.getvalue().encode()


def ndjson_line(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value, default=str) + b"\n"


class Appender:
    """Appends to a file that a resumed job first cuts back to its last committed size."""

    def __init__(self, path: Path, size: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
        self.path = path
        self.handle = path.open("r+b")
        self.handle.truncate(size)
        self.handle.seek(size)
        self.size = size

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.size += len(data)

    def flush(self) -> int:
        """Make what was written durable before the chunk that describes it commits."""
        self.handle.flush()
        return self.size

    def close(self) -> None:
        self.handle.close()
