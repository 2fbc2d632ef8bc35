"""Job kinds: what runs a job of each kind. A domain registers its kinds when its module is
imported, and lists that module in `KIND_MODULES` so every worker's runner knows them."""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from models.jobs import Job
    from services.jobs.context import JobContext

# The modules that register job kinds; the runner imports them when it starts.
KIND_MODULES: list[str] = [
    "services.privacy.export_job",
    "services.privacy.reseal_job",
    "services.imports.imports",
    "services.imports.exports",
]

Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]
# Called inside the transaction that records the job's end (SUCCEEDED, FAILED or CANCELLED):
# the place for the domain's audit row and event (`import.completed`).
FinishHook = Callable[["JobContext", "Job"], Awaitable[None]]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    on_finished: FinishHook | None = None
    # A job whose worker died is taken over at most this many times before it fails.
    max_attempts: int = 5


_KINDS: dict[str, JobKind] = {}


class UnknownJobKind(LookupError):
    pass


def register(
    name: str,
    run: Handler,
    *,
    on_finished: FinishHook | None = None,
    max_attempts: int = 5,
) -> JobKind:
    """Register (or replace, for reloads and tests) the handler of a job kind."""
    if not 1 <= len(name) <= 64:
        raise ValueError("a job kind is 1-64 characters")
    kind = JobKind(name, run, on_finished, max_attempts)
    _KINDS[name] = kind
    return kind


def unregister(name: str) -> None:
    _KINDS.pop(name, None)


def get(name: str) -> JobKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise UnknownJobKind(f"no handler for job kind '{name}'") from None


def names() -> list[str]:
    return sorted(_KINDS)


def load_kind_modules() -> None:
    for module in KIND_MODULES:
        importlib.import_module(module)
