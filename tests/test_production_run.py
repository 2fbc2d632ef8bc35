"""The production image's command, run here as the image would run it (no Docker engine runs
on this machine, so the image itself is not built): `crm serve --migrate` with the Dockerfile's
environment starts several workers whose metrics add up at /metrics and whose request logs are
JSON lines. The compose file is checked for what it must wire together."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
import yaml

from config import Settings
from tests.conftest import TEST_REDIS_URL
from tests.metrics_support import sample
from tests.support import app_token, make_brand
from tests.test_events_ws import JWT_SECRET, free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def dockerfile() -> tuple[list[str], dict[str, str]]:
    """The image's CMD and the environment its ENV lines set."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    command: list[str] = []
    env: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            env.update(item.split("=", 1) for item in line[4:].split())  # type: ignore[misc]
        elif line.startswith("CMD "):
            command = json.loads(line[4:])
    return command, env


@pytest.fixture
def production(database_url: str, tmp_path: Path) -> Iterator[tuple[str, Path, Path]]:
    """The image's command, started with the image's environment on a free local port."""
    command, image_env = dockerfile()
    port = free_port()
    env = {**os.environ, **image_env}
    env.update(
        CRM_HOST="127.0.0.1",
        CRM_PORT=str(port),
        CRM_DATABASE_URL=database_url,
        CRM_JWT_SECRET=JWT_SECRET,
        CRM_REDIS_PREFIX=f"crmprod{os.getpid()}",
        CRM_VAR_DIR=str(tmp_path / "var"),
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    env.pop("CRM_REDIS_URL", None)
    if TEST_REDIS_URL:
        env["CRM_REDIS_URL"] = TEST_REDIS_URL
    log = tmp_path / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / command[0]), *command[1:]],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its workers are its children: stopped with it
        )
    base = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the image's command did not start:\n{log.read_text()}")
        yield base, tmp_path / "metrics", log
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


async def scrape(base: str) -> str:
    async with httpx.AsyncClient() as client:  # a new connection: any worker may answer
        response = await client.get(f"http://{base}/metrics", timeout=5)
    assert response.status_code == 200
    return response.text


async def subscriber(base: str, token: str) -> Any:
    conn = await websockets.connect(
        f"ws://{base}/graphql",
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
    )
    init = {"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}
    await conn.send(json.dumps(init))
    assert json.loads(await asyncio.wait_for(conn.recv(), 10))["type"] == "connection_ack"
    return conn


async def test_the_images_command_runs_workers_whose_metrics_add_up(
    production: tuple[str, Path, Path], settings: Settings
) -> None:
    base, metrics_dir, log = production
    token = await app_token(settings, await make_brand("prod"), "events:read")
    probe = 'query Probe { brand(slug: "prod") { name } }'
    for _ in range(12):
        async with httpx.AsyncClient() as client:
            response = await client.post(f"http://{base}/graphql", json={"query": probe})
        assert response.json()["data"] == {"brand": {"name": "Prod"}}
    sockets = [await subscriber(base, token) for _ in range(2)]
    try:
        for _ in range(3):
            text = await scrape(base)
            assert sample(text, "crm_graphql_operations_total", operation="Probe") == 12
            assert sample(text, "crm_websocket_subscribers") == 2
    finally:
        for conn in sockets:
            await conn.close()
    await asyncio.sleep(0.5)
    assert sample(await scrape(base), "crm_websocket_subscribers") == 0
    pids = {name.stem.rsplit("_", 1)[-1] for name in metrics_dir.glob("*.db")}
    assert len(pids) >= 2, sorted(metrics_dir.iterdir())  # two workers wrote metrics
    requests = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    probes = [line for line in requests if line["operations"] == ["Probe"]]
    assert len(probes) == 12
    assert all(line["status"] == 200 and line["request_id"] for line in probes)
    assert {line["type"] for line in requests} == {"http", "websocket"}


def test_the_image_runs_as_a_user_with_the_production_settings() -> None:
    command, env = dockerfile()
    text = (ROOT / "Dockerfile").read_text()
    assert command == ["crm", "serve", "--migrate"]
    assert int(env["CRM_WORKERS"]) >= 2
    assert env["CRM_REQUEST_LOG"] == "json"
    assert env["PROMETHEUS_MULTIPROC_DIR"]
    assert re.search(r"^USER (?!root)\w+", text, re.MULTILINE)
    assert f"EXPOSE {env['CRM_PORT']}" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", ".cache", "var", ".git"} <= set(ignored)


def test_compose_starts_the_server_with_postgresql_and_redis() -> None:
    _, image_env = dockerfile()
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    crm = services["crm"]
    assert crm["build"] == "."
    env = crm["environment"]
    database = httpx.URL(env["CRM_DATABASE_URL"])
    assert database.scheme == "postgres" and database.host == "postgres"
    postgres_env = services["postgres"]["environment"]
    assert database.path == f"/{postgres_env['POSTGRES_DB']}"
    assert database.username == postgres_env["POSTGRES_USER"]
    assert httpx.URL(env["CRM_REDIS_URL"]).host == "redis"
    assert "CRM_JWT_SECRET" in env
    assert crm["ports"] == [f"{image_env['CRM_PORT']}:{image_env['CRM_PORT']}"]
    for dependency in ("postgres", "redis"):
        assert crm["depends_on"][dependency]["condition"] == "service_healthy"
        assert services[dependency]["healthcheck"]["test"]
