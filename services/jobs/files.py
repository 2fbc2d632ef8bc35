"""A job's files on disk: `<var dir>/jobs/<brand id>/<job id>/<name>`, written and read in
chunks, never whole in memory."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path

from config import Settings

CHUNK_BYTES = 256 * 1024
NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")
CONTENT_TYPES = {".csv": "text/csv; charset=utf-8", ".ndjson": "application/x-ndjson"}


class UploadTooLarge(Exception):
    pass


def job_dir(settings: Settings, brand_id: int, job_id: int) -> Path:
    return Path(settings.var_dir) / "jobs" / str(int(brand_id)) / str(int(job_id))


def path_of(settings: Settings, brand_id: int, job_id: int, name: str) -> Path:
    """The path of one of the job's files; `name` is a plain file name chosen by the code."""
    if not NAME.fullmatch(name) or ".." in name:
        raise ValueError(f"bad job file name {name!r}")
    return job_dir(settings, brand_id, job_id) / name


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")


async def receive(chunks: AsyncIterable[bytes], target: Path, max_bytes: int) -> int:
    """Stream `chunks` into `target` (through a temporary name, so a cut upload never leaves a
    half file under the real name); returns the size. Over `max_bytes` raises UploadTooLarge."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".part")
    size = 0
    try:
        with partial.open("wb") as out:
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadTooLarge(f"the file is larger than {max_bytes} bytes")
                out.write(chunk)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return size


async def send(path: Path) -> AsyncIterator[bytes]:
    """The file's bytes in chunks."""
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_BYTES):
            yield chunk


def remove_job_files(settings: Settings, brand_id: int, job_id: int) -> None:
    shutil.rmtree(job_dir(settings, brand_id, job_id), ignore_errors=True)
