"""Runs the reference JavaScript clients (tests/node/*.cjs) under node.

Their packages are pinned by tests/node/package.json and package-lock.json and installed once
with `npm ci` into `.cache/node/` (git-ignored); the install is redone only when the lock file
changes. Where `node` or `npm` is absent, the tests that need them are skipped, saying why.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "tests" / "node"
CACHE = ROOT / ".cache" / "node"
STAMP = CACHE / ".lock-sha256"


def node_modules() -> Path:
    """The installed packages' folder; installs them first if the lock file changed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the reference JavaScript clients cannot run")
    lock = (SCRIPTS / "package-lock.json").read_bytes()
    digest = hashlib.sha256(lock).hexdigest()
    modules = CACHE / "node_modules"
    if STAMP.exists() and STAMP.read_text() == digest and modules.is_dir():
        return modules
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(SCRIPTS / name, CACHE / name)
    done = subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CACHE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm ci in {CACHE} failed:\n{done.stdout}\n{done.stderr}")
    STAMP.write_text(digest)
    return modules


def run_node(script: str, *args: str, timeout: float = 60) -> dict[str, Any]:
    """Runs tests/node/<script> and returns the JSON object it prints last."""
    env = {**os.environ, "NODE_PATH": str(node_modules())}
    done = subprocess.run(
        ["node", str(SCRIPTS / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        raise AssertionError(
            f"node {script} exited {done.returncode}\nstdout:\n{done.stdout}\n"
            f"stderr:\n{done.stderr}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result
