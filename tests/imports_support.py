"""Helpers for the import and export tests: an app whose jobs the test runs itself, starting
an import and uploading its file, running the queued jobs."""

from __future__ import annotations

import dataclasses
from typing import Any

from config import Settings
from services.jobs.runner import JobRunner
from tests.support import GraphQL

START_IMPORT = """
mutation($input: StartImportInput!) { startImport(input: $input) {
  job { id state kind } upload { url method expiresAt } errors { field code message } } }
"""
IMPORT_JOB = """
query($id: ID!) { importJob(id: $id) { id kind format errorPolicy state rowsRead rowsWritten
  rowsFailed ignoredColumns error upload { url } failedRows { url method } } }
"""
START_EXPORT = """
mutation($input: StartExportInput!) { startExport(input: $input) {
  job { id state kind containsPersonalData } errors { field code message } } }
"""
EXPORT_JOB = """
query($id: ID!) { exportJob(id: $id) { id state rows containsPersonalData error
  download { url method } } }
"""


async def start_import(api: GraphQL, token: str, content: bytes, **fields: Any) -> dict[str, Any]:
    """Start the import and PUT its file; the job (queued, not run yet)."""
    fields.setdefault("format", "CSV")
    body = (await api.data(START_IMPORT, {"input": fields}, token))["startImport"]
    assert body["errors"] == [], body["errors"]
    assert body["upload"]["method"] == "PUT"
    uploaded = await api.http.put(body["upload"]["url"], content=content)
    assert uploaded.status_code == 200, uploaded.text
    job: dict[str, Any] = body["job"]
    return job


async def run_jobs(settings: Settings) -> None:
    runner = JobRunner(dataclasses.replace(settings, jobs_runner=False), owner="test-runner")
    while await runner.run_once() is not None:
        pass


async def import_job(api: GraphQL, token: str, job_id: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.data(IMPORT_JOB, {"id": job_id}, token))["importJob"]
    return found


async def download(api: GraphQL, url: str) -> str:
    response = await api.http.get(url)
    assert response.status_code == 200, response.text
    return response.text


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()
