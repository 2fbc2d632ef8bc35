#!/usr/bin/env python3
"""Bootstrap: `python3 run.py serve` or `python3 run.py test [pytest args]`.

Creates .venv on first use, installs the project into it (again only when pyproject.toml
changes), then runs the server with the demo brand, or the test suite.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".install-stamp"


def ensure_installed() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - run.py is started by any python3
        sys.exit("Python 3.11 or newer is required")
    if not (BIN / "python").exists():
        print("creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    print("installing dependencies into .venv ...", flush=True)
    pip = [str(BIN / "python"), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True)
    subprocess.run([*pip, "-e", f"{ROOT}[test]"], check=True, cwd=ROOT)
    STAMP.write_text(digest)


def main() -> None:
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    rest = sys.argv[2:]
    ensure_installed()
    os.chdir(ROOT)
    if command == "serve":
        args = [str(BIN / "crm"), "serve", "--migrate", "--demo", *rest]
    elif command == "test":
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    else:
        sys.exit("usage: python3 run.py serve [--host H --port P] | test [pytest args]")
    os.execv(args[0], args)


if __name__ == "__main__":
    main()
