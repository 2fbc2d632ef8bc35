"""The folder several workers' metrics share; set up before any worker (or prometheus-client in
this process) starts, so this module does not import prometheus-client."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def prepare_multiprocess_dir() -> str:
    """Before starting several workers: the folder their metrics share (the operator's
    PROMETHEUS_MULTIPROC_DIR, or a new one), emptied of a previous run's files."""
    directory = Path(multiprocess_dir() or tempfile.mkdtemp(prefix="crm-metrics-"))
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)  # the workers inherit it
    return str(directory)
