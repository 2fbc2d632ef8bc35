"""HTTP routes for job files: `PUT` an input and `GET` a result or failed rows with a signed URL
(services/jobs/signing.py). The URL is the whole authorisation: no token is needed, and an
expired, tampered or other brand's URL is refused with a typed JSON error."""

from __future__ import annotations

import secrets
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from config import Settings
from models.jobs import Job
from services.jobs import files, jobs, signing
from services.jobs.signing import FileURLError

# Bodies through these paths are streamed to disk: the server's body-size limit for GraphQL
# does not apply to them (CRM_MAX_UPLOAD_BYTES does).
STREAMED_PREFIXES = (signing.PREFIX + "/",)


def _refusal(error: FileURLError) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"message": error.message, "extensions": {"code": error.code}}]},
        status_code=error.status,
    )


async def _job_for(request: Request, method: str) -> tuple[Settings, Job, str]:
    settings: Settings = request.app.state.settings
    params = request.path_params
    brand_id, job_id, purpose = int(params["brand_id"]), int(params["job_id"]), params["purpose"]
    query = request.query_params
    signing.verify(
        settings, brand_id, job_id, purpose, query.get("expires"), query.get("signature")
    )
    if signing.PURPOSES[purpose] != method:
        raise FileURLError("METHOD_NOT_ALLOWED", 405, f"this URL takes {signing.PURPOSES[purpose]}")
    job = await jobs.get_job(brand_id, job_id)
    if job is None:  # signed for a job that is gone, or for another brand's job
        raise FileURLError("NOT_FOUND", 404, "job not found")
    return settings, job, purpose


async def upload(request: Request) -> Response:
    try:
        settings, job, _ = await _job_for(request, "PUT")
        if not job.awaiting_input:
            raise FileURLError("UPLOAD_CLOSED", 409, "this job has its input already")
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_upload_bytes:
            raise FileURLError(
                "PAYLOAD_TOO_LARGE", 413, f"the file is over {settings.max_upload_bytes} bytes"
            )
        name = f"input-{secrets.token_hex(4)}"
        target = files.path_of(settings, job.brand_id, job.id, name)
        try:
            size = await files.receive(request.stream(), target, settings.max_upload_bytes)
        except files.UploadTooLarge as exc:
            raise FileURLError("PAYLOAD_TOO_LARGE", 413, str(exc)) from exc
        if size == 0 or not await jobs.input_received(job, name, size):
            target.unlink(missing_ok=True)
            if size == 0:
                raise FileURLError("EMPTY_FILE", 400, "the file is empty")
            raise FileURLError("UPLOAD_CLOSED", 409, "this job has its input already")
    except FileURLError as error:
        return _refusal(error)
    return JSONResponse({"job": job.id, "bytes": size, "state": "QUEUED"})


async def download(request: Request) -> Response:
    try:
        settings, job, purpose = await _job_for(request, "GET")
        name = job.output_file if purpose == "output" else job.error_file
        if name is None:
            raise FileURLError("FILE_NOT_READY", 404, "the file does not exist yet")
        path = files.path_of(settings, job.brand_id, job.id, name)
        if not path.is_file():
            raise FileURLError("NOT_FOUND", 404, "the file is gone")
    except FileURLError as error:
        return _refusal(error)
    filename = f"{job.kind.replace('.', '-')}-{job.id}-{purpose}{Path(name).suffix}"
    return StreamingResponse(
        files.send(path),
        media_type=files.content_type(name),
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "content-length": str(path.stat().st_size),
            "cache-control": "no-store",
        },
    )


_PATH = signing.PREFIX + "/{brand_id:int}/{job_id:int}/{purpose:str}"
routes = [
    Route(_PATH, upload, methods=["PUT"]),
    Route(_PATH, download, methods=["GET"]),
]
