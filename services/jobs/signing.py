"""Short-lived signed URLs for a job's files: HMAC-SHA256 over brand, job, purpose and expiry
with the server's secret, so the URL alone authorises one transfer of one file of one job.

    PUT /files/{brand}/{job}/input?expires=1767225600&signature=...    (upload the input)
    GET /files/{brand}/{job}/output?expires=...&signature=...          (download the result)
    GET /files/{brand}/{job}/errors?expires=...&signature=...          (download failed rows)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from config import Settings

# purpose -> the HTTP method its URL is good for
PURPOSES: dict[str, str] = {"input": "PUT", "output": "GET", "errors": "GET"}
PREFIX = "/files"


class FileURLError(Exception):
    """A refused URL: `code` goes to the client as `extensions.code` with `status`."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(message)
        self.code, self.status, self.message = code, status, message


@dataclass(frozen=True)
class SignedURL:
    path: str  # PREFIX/brand/job/purpose?expires=...&signature=... (join with the base URL)
    method: str
    expires_at: int  # unix seconds

    def absolute(self, base_url: str) -> str:
        return base_url.rstrip("/") + self.path


def _key(settings: Settings) -> bytes:
    if settings.file_url_secret:
        return settings.file_url_secret.encode()
    material = settings.jwt_secret or settings.jwt_private_key or ""
    if not material:
        raise RuntimeError("no secret to sign file URLs: set CRM_FILE_URL_SECRET")
    return hashlib.sha256(b"crm-file-urls\x00" + material.encode()).digest()


def _signature(settings: Settings, brand_id: int, job_id: int, purpose: str, expires: int) -> str:
    message = f"v1:{brand_id}:{job_id}:{purpose}:{expires}".encode()
    digest = hmac.new(_key(settings), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(
    settings: Settings,
    brand_id: int,
    job_id: int,
    purpose: str,
    ttl_seconds: int | None = None,
    now: float | None = None,
) -> SignedURL:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown file purpose '{purpose}'")
    ttl = settings.file_url_ttl_seconds if ttl_seconds is None else ttl_seconds
    expires = int((time.time() if now is None else now) + ttl)
    query = urlencode(
        {"expires": expires, "signature": _signature(settings, brand_id, job_id, purpose, expires)}
    )
    path = f"{PREFIX}/{brand_id}/{job_id}/{purpose}?{query}"
    return SignedURL(path, PURPOSES[purpose], expires)


def verify(
    settings: Settings,
    brand_id: int,
    job_id: int,
    purpose: str,
    expires: str | None,
    signature: str | None,
    now: float | None = None,
) -> None:
    """Raises FileURLError unless the URL was signed by this server and has not expired."""
    if purpose not in PURPOSES:
        raise FileURLError("NOT_FOUND", 404, "no such file")
    if not expires or not signature or not expires.isdigit() or len(expires) > 12:
        raise FileURLError("SIGNATURE_INVALID", 403, "the URL is not signed")
    expected = _signature(settings, brand_id, job_id, purpose, int(expires))
    if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
        raise FileURLError("SIGNATURE_INVALID", 403, "the URL's signature does not match")
    if int(expires) < (time.time() if now is None else now):
        raise FileURLError("URL_EXPIRED", 403, "the URL has expired; ask for a new one")
