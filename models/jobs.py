"""Background jobs (tortoise app `jobs`): one row per job of a brand, claimed by the runner.

A job is QUEUED, then RUNNING under a lease that its worker renews; a worker that dies stops
renewing, and another worker takes the job over from its last checkpoint. Its files live on
disk (services/jobs/files.py); the row holds their names.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED = (
    "QUEUED",
    "RUNNING",
    "SUCCEEDED",
    "FAILED",
    "CANCELLED",
)
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED)
FINISHED = (SUCCEEDED, FAILED, CANCELLED)


class Job(Model):
    id = fields.BigIntField(primary_key=True)
    brand: fields.ForeignKeyRelation[Any] = fields.ForeignKeyField(
        "crm.Brand", related_name="jobs", on_delete=fields.CASCADE
    )
    brand_id: int
    kind = fields.CharField(max_length=64)
    state = fields.CharField(max_length=16, default=QUEUED)
    parameters: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    # Not claimable until its input file has been uploaded (services/jobs/routes.py).
    awaiting_input = fields.BooleanField(default=False)
    cancel_requested = fields.BooleanField(default=False)
    # Progress, in the handler's own unit (rows for imports and exports).
    total = fields.BigIntField(null=True)
    processed = fields.BigIntField(default=0)
    succeeded = fields.BigIntField(default=0)
    failed = fields.BigIntField(default=0)
    # What a handler needs to resume after a restart; written with the work it describes.
    checkpoint: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    result: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    error = fields.TextField(null=True)
    # File names inside the job's directory, once they exist.
    input_file = fields.CharField(max_length=200, null=True)
    output_file = fields.CharField(max_length=200, null=True)
    error_file = fields.CharField(max_length=200, null=True)
    input_bytes = fields.BigIntField(null=True)
    # Who started it (an Actor: kind and subject) and the request that did.
    actor_kind = fields.CharField(max_length=16)
    actor_subject = fields.CharField(max_length=200)
    request_id = fields.CharField(max_length=64, default="")
    attempts = fields.IntField(default=0)
    lease_owner = fields.CharField(max_length=100, null=True)
    lease_expires_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    started_at = fields.DatetimeField(null=True)
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        app = "jobs"
        table = "jobs"
        indexes = (("state", "id"), ("brand_id", "kind", "created_at"))
