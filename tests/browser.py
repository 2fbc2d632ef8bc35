"""Debian's headless Chromium driven by Playwright (the system browser; Playwright's own browser
downloads are never used). Tests that need it are skipped, saying why, where it is absent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@dataclass
class Visit:
    """A page and what it did: every request's URL and every console message."""

    page: Any
    requests: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)


@asynccontextmanager
async def chromium(tmp_path: Path) -> AsyncIterator[Visit]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        context = await playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),  # a fresh user data dir for each test
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1200, "height": 800},
        )
        try:
            page = await context.new_page()
            visit = Visit(page)
            page.on("request", lambda request: visit.requests.append(request.url))
            page.on(
                "console", lambda message: visit.console.append(f"{message.type}: {message.text}")
            )
            yield visit
        finally:
            await context.close()


async def screenshot(visit: Visit, path: Path) -> Path:
    await visit.page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path
