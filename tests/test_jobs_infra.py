"""The background-job layer alone (services/jobs): claiming, leases and resuming after a crash,
cancellation, and the signed URLs of job files."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from tortoise.transactions import in_transaction

from config import Settings
from models import AuditEntry
from models.jobs import Job
from server import create_app
from services.common import audit
from services.common.actor import Actor
from services.jobs import jobs, registry, signing, store
from services.jobs.context import JobContext, JobLost
from services.jobs.runner import JobRunner
from tests.conftest import ON_POSTGRES, TEST_DATABASE_URL
from tests.support import make_brand

KIND = "test.lines"
CHUNK = 3


class Crash(BaseException):
    """What a killed worker leaves behind: nothing after this point runs, nothing is released."""


class Control:
    crash_after_chunks: int | None = None
    chunks_run = 0
    pause: asyncio.Event | None = None


async def run_lines(ctx: JobContext) -> dict[str, Any]:
    """Reads the input a line at a time; each chunk of lines is one transaction writing an audit
    row per line together with the checkpoint."""
    start = int(ctx.checkpoint.get("line", 0))
    assert ctx.input_path is not None
    lines = ctx.input_path.read_text().splitlines()
    done = start
    for offset in range(start, len(lines), CHUNK):
        await ctx.check_cancelled()
        if Control.pause is not None:
            await Control.pause.wait()
        chunk = lines[offset : offset + CHUNK]
        async with in_transaction():
            for line in chunk:
                await audit.record(ctx.actor, "testLine", "Line", line[:60])
            done = offset + len(chunk)
            await ctx.save(checkpoint={"line": done}, processed=done, succeeded=done)
        Control.chunks_run += 1
        if (
            Control.crash_after_chunks is not None
            and Control.chunks_run >= Control.crash_after_chunks
        ):
            raise Crash()
    out = ctx.path("output.csv")
    with out.open("w") as handle:
        handle.write("lines\n")
        handle.write(f"{done}\n")
    await ctx.set_files(output="output.csv")
    return {"lines": done}


FINISHED: list[tuple[int, str]] = []


async def on_finished(ctx: JobContext, job: Job) -> None:
    FINISHED.append((job.id, job.state))


registry.register(KIND, run_lines, on_finished=on_finished, max_attempts=3)


@pytest.fixture(autouse=True)
def reset_control() -> None:
    Control.crash_after_chunks = None
    Control.chunks_run = 0
    Control.pause = None
    FINISHED.clear()


@pytest.fixture
def quiet_settings(settings: Settings) -> Settings:
    """The app without its own runner: the tests run jobs themselves."""
    return dataclasses.replace(settings, jobs_runner=False, jobs_lease_seconds=30)


@pytest.fixture
async def client(quiet_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(quiet_settings, manage_db=False)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://test") as http,
    ):
        yield http


def actor_of(brand_id: int) -> Actor:
    return Actor(brand_id, "app", "7", "req-1")


async def job_with_input(settings: Settings, lines: int, brand_id: int | None = None) -> Job:
    if brand_id is None:
        brand_id = (await make_brand()).id
    job = await jobs.create_job(actor_of(brand_id), KIND, {"x": 1}, awaiting_input=True)
    path = store_input(settings, job, "\n".join(f"l{i}" for i in range(lines)))
    assert await jobs.input_received(job, path, 10)
    return await Job.get(id=job.id)


def store_input(settings: Settings, job: Job, text: str) -> str:
    from services.jobs import files

    target = files.path_of(settings, job.brand_id, job.id, "input-test")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    return "input-test"


async def line_rows() -> list[str]:
    return sorted(
        str(t)
        for t in await AuditEntry.filter(operation="testLine").values_list("target_id", flat=True)
    )


# claiming and running


async def test_a_job_waiting_for_its_input_is_not_claimed_until_the_upload(
    quiet_settings: Settings,
) -> None:
    brand = await make_brand()
    job = await jobs.create_job(actor_of(brand.id), KIND, awaiting_input=True)
    runner = JobRunner(quiet_settings, owner="w1")
    assert await runner.run_once() is None
    store_input(quiet_settings, job, "a\nb")
    assert await jobs.input_received(job, "input-test", 3)
    assert not await jobs.input_received(job, "input-test", 3)  # a second upload is refused
    ended = await runner.run_once()
    assert ended is not None and ended.state == "SUCCEEDED"
    assert ended.result == {"lines": 2}
    assert (ended.processed, ended.succeeded, ended.failed) == (2, 2, 0)
    assert ended.lease_owner is None and ended.finished_at is not None
    assert [(job.id, "SUCCEEDED")] == FINISHED
    assert await line_rows() == ["a", "b"]


async def test_a_crashed_worker_s_job_is_resumed_from_its_checkpoint_without_duplicates(
    quiet_settings: Settings,
) -> None:
    settings = dataclasses.replace(quiet_settings, jobs_lease_seconds=0.5)
    job = await job_with_input(settings, lines=10)
    Control.crash_after_chunks = 2
    with pytest.raises(Crash):
        await JobRunner(settings, owner="dies").run_once()
    crashed = await Job.get(id=job.id)
    assert crashed.state == "RUNNING" and crashed.lease_owner == "dies"
    assert crashed.checkpoint == {"line": 6} and crashed.processed == 6
    assert len(await line_rows()) == 6

    survivor = JobRunner(settings, owner="survivor")
    assert await survivor.run_once() is None  # the lease still holds: not taken yet
    await asyncio.sleep(0.6)
    Control.crash_after_chunks = None
    ended = await survivor.run_once()
    assert ended is not None and ended.state == "SUCCEEDED", ended and ended.error
    assert ended.attempts == 2
    assert await line_rows() == sorted(f"l{i}" for i in range(10))  # each line exactly once


async def test_a_worker_whose_job_was_taken_over_writes_nothing_more(
    quiet_settings: Settings,
) -> None:
    job = await job_with_input(quiet_settings, lines=4)
    first = await store.claim("first", 30, [KIND])
    assert first is not None and first.id == job.id
    await Job.filter(id=job.id).update(lease_expires_at=store.utcnow() - timedelta(seconds=1))
    second = await store.claim("second", 30, [KIND])
    assert second is not None and second.id == job.id and second.attempts == 2
    stale = JobContext(first, quiet_settings, "first")
    with pytest.raises(JobLost):
        async with in_transaction():
            await audit.record(stale.actor, "testLine", "Line", "late")
            await stale.save(checkpoint={"line": 3}, processed=3)
    assert await line_rows() == []  # the stale chunk rolled back with its refused checkpoint
    assert (await Job.get(id=job.id)).checkpoint == {}


async def test_a_job_that_keeps_killing_its_workers_fails_after_its_attempts(
    quiet_settings: Settings,
) -> None:
    job = await job_with_input(quiet_settings, lines=4)
    await Job.filter(id=job.id).update(attempts=3)  # max_attempts of the kind
    ended = await JobRunner(quiet_settings, owner="w").run_once()
    assert ended is not None and ended.state == "FAILED"
    assert "gave up after 3 attempts" in (ended.error or "")
    assert await line_rows() == []


async def test_cancelling_a_queued_job_and_a_running_one(quiet_settings: Settings) -> None:
    brand = await make_brand()
    queued = await jobs.create_job(actor_of(brand.id), KIND, awaiting_input=True)
    cancelled = await jobs.cancel_job(actor_of(brand.id), queued.id)
    assert cancelled.state == "CANCELLED"

    running = await job_with_input(quiet_settings, lines=9, brand_id=brand.id)
    Control.pause = asyncio.Event()
    task = asyncio.create_task(JobRunner(quiet_settings, owner="w").run_once())
    await asyncio.sleep(0.05)
    await jobs.cancel_job(actor_of(brand.id), running.id)
    Control.pause.set()
    ended = await task
    assert ended is not None and ended.state == "CANCELLED"
    assert [(running.id, "CANCELLED")] == FINISHED
    assert len(await line_rows()) < 9


async def test_a_stopping_worker_gives_its_job_back_to_the_queue(quiet_settings: Settings) -> None:
    job = await job_with_input(quiet_settings, lines=9)
    Control.pause = asyncio.Event()
    runner = JobRunner(quiet_settings, owner="stopping")
    await runner.start()
    for _ in range(100):
        if runner.current is not None:
            break
        await asyncio.sleep(0.02)
    stop = asyncio.create_task(runner.stop())
    await asyncio.sleep(0.05)
    Control.pause.set()
    await stop
    released = await Job.get(id=job.id)
    assert released.state == "QUEUED" and released.lease_owner is None
    assert released.attempts == 0  # a clean hand-over does not count as a failed attempt
    ended = await JobRunner(quiet_settings, owner="next").run_once()
    assert ended is not None and ended.state == "SUCCEEDED"
    assert await line_rows() == sorted(f"l{i}" for i in range(9))


async def test_a_runner_never_claims_a_kind_it_does_not_know(quiet_settings: Settings) -> None:
    brand = await make_brand()
    job = await jobs.create_job(actor_of(brand.id), KIND)
    await Job.filter(id=job.id).update(kind="someone.elses")
    assert await store.claim("w", 30, registry.names()) is None


@pytest.mark.skipif(not ON_POSTGRES, reason="row locks and SKIP LOCKED are PostgreSQL's")
async def test_concurrent_claimers_on_postgres_take_each_job_once_and_skip_locked_rows() -> None:
    brand = await make_brand()
    created = [(await jobs.create_job(actor_of(brand.id), KIND, {"n": i})).id for i in range(24)]

    # A claim skips a row another transaction holds, instead of waiting for it.
    holder = await asyncpg.connect(TEST_DATABASE_URL.replace("postgres://", "postgresql://", 1))
    try:
        tx = holder.transaction()
        await tx.start()
        await holder.execute("SELECT id FROM jobs WHERE id = $1 FOR UPDATE", created[0])
        started = time.perf_counter()
        skipped = await asyncio.wait_for(store.claim("w0", 30, [KIND]), timeout=5)
        assert skipped is not None and skipped.id == created[1]
        assert time.perf_counter() - started < 2
        await tx.rollback()
    finally:
        await holder.close()

    claims: dict[int, list[str]] = {}

    async def claimer(name: str) -> None:
        while (job := await store.claim(name, 30, [KIND])) is not None:
            claims.setdefault(job.id, []).append(name)
            await asyncio.sleep(0)

    await asyncio.gather(*(claimer(f"w{i}") for i in range(1, 9)))
    assert sorted(claims) == sorted(created[0:1] + created[2:])
    assert all(len(owners) == 1 for owners in claims.values())
    assert len({o for owners in claims.values() for o in owners}) > 1  # really shared out


# signed URLs


def test_signed_urls_expire_and_refuse_any_change(quiet_settings: Settings) -> None:
    url = signing.sign(quiet_settings, 3, 41, "output", ttl_seconds=60, now=1000)
    query = dict(part.split("=", 1) for part in url.path.split("?", 1)[1].split("&"))
    assert url.path.startswith("/files/3/41/output?") and url.method == "GET"
    signing.verify(quiet_settings, 3, 41, "output", query["expires"], query["signature"], now=1059)

    def refusal(
        brand: int, job: int, purpose: str, expires: str | None, sig: str | None, now: float = 1000
    ) -> str:
        with pytest.raises(signing.FileURLError) as caught:
            signing.verify(quiet_settings, brand, job, purpose, expires, sig, now=now)
        return caught.value.code

    assert refusal(3, 41, "output", query["expires"], query["signature"], now=1061) == "URL_EXPIRED"
    assert refusal(4, 41, "output", query["expires"], query["signature"]) == "SIGNATURE_INVALID"
    assert refusal(3, 42, "output", query["expires"], query["signature"]) == "SIGNATURE_INVALID"
    assert refusal(3, 41, "errors", query["expires"], query["signature"]) == "SIGNATURE_INVALID"
    assert refusal(3, 41, "output", "99999999", query["signature"]) == "SIGNATURE_INVALID"
    assert refusal(3, 41, "output", query["expires"], query["signature"][:-2] + "AA") == (
        "SIGNATURE_INVALID"
    )
    assert refusal(3, 41, "output", None, None) == "SIGNATURE_INVALID"
    other = dataclasses.replace(quiet_settings, jwt_secret="another-server-secret-0123456789")
    with pytest.raises(signing.FileURLError):
        signing.verify(other, 3, 41, "output", query["expires"], query["signature"], now=1000)


def code_of(response: httpx.Response) -> str:
    return str(response.json()["errors"][0]["extensions"]["code"])


async def test_upload_and_download_through_signed_urls(
    client: httpx.AsyncClient, quiet_settings: Settings
) -> None:
    brand = await make_brand()
    job = await jobs.create_job(actor_of(brand.id), KIND, awaiting_input=True)
    put = jobs.upload_url(quiet_settings, job)

    async def body() -> AsyncIterator[bytes]:  # 3 MB in pieces: over the GraphQL body limit
        for i in range(300):
            yield (f"row{i:05d}" + "x" * 9991 + "\n").encode()

    uploaded = await client.put(put.path, content=body())
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["bytes"] == 300 * 10_000
    again = await client.put(put.path, content=b"a\n")
    assert again.status_code == 409 and code_of(again) == "UPLOAD_CLOSED"

    stored = await Job.get(id=job.id)
    assert not stored.awaiting_input and stored.input_bytes == 3_000_000
    assert jobs.download_url(quiet_settings, stored) is None  # nothing to download yet
    early = signing.sign(quiet_settings, brand.id, job.id, "output")
    not_ready = await client.get(early.path)
    assert not_ready.status_code == 404 and code_of(not_ready) == "FILE_NOT_READY"

    ended = await JobRunner(quiet_settings, owner="w").run_once()
    assert ended is not None and ended.state == "SUCCEEDED"
    get = jobs.download_url(quiet_settings, ended)
    assert get is not None
    downloaded = await client.get(get.path)
    assert downloaded.status_code == 200
    assert downloaded.text == "lines\n300\n"
    assert downloaded.headers["content-type"].startswith("text/csv")
    assert "attachment" in downloaded.headers["content-disposition"]
    wrong_method = await client.put(get.path, content=b"x")
    assert wrong_method.status_code == 405 and code_of(wrong_method) == "METHOD_NOT_ALLOWED"


async def test_expired_tampered_and_other_brand_urls_are_refused(
    client: httpx.AsyncClient, quiet_settings: Settings
) -> None:
    acme, other = await make_brand("acme"), await make_brand("other")
    job = await jobs.create_job(actor_of(acme.id), KIND, awaiting_input=True)
    expired = signing.sign(quiet_settings, acme.id, job.id, "input", ttl_seconds=-1)
    answer = await client.put(expired.path, content=b"a")
    assert answer.status_code == 403 and code_of(answer) == "URL_EXPIRED"

    good = jobs.upload_url(quiet_settings, job)
    tampered = good.path.replace(f"/{acme.id}/{job.id}/", f"/{acme.id}/{job.id + 1}/")
    answer = await client.put(tampered, content=b"a")
    assert answer.status_code == 403 and code_of(answer) == "SIGNATURE_INVALID"
    answer = await client.put(good.path.replace("signature=", "signature=x"), content=b"a")
    assert answer.status_code == 403 and code_of(answer) == "SIGNATURE_INVALID"
    answer = await client.put(good.path.split("?")[0], content=b"a")
    assert answer.status_code == 403 and code_of(answer) == "SIGNATURE_INVALID"

    # A URL signed for the other brand naming this brand's job finds nothing.
    cross = signing.sign(quiet_settings, other.id, job.id, "input")
    answer = await client.put(cross.path, content=b"a")
    assert answer.status_code == 404 and code_of(answer) == "NOT_FOUND"
    assert (await Job.get(id=job.id)).awaiting_input  # nothing was accepted

    small = dataclasses.replace(quiet_settings, max_upload_bytes=10)
    app = create_app(small, manage_db=False)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test"
    ) as limited:
        too_big = await limited.put(good.path, content=b"x" * 11)
    assert too_big.status_code == 413 and code_of(too_big) == "PAYLOAD_TOO_LARGE"
    assert (await Job.get(id=job.id)).awaiting_input


async def test_the_app_s_own_runner_picks_up_an_uploaded_job(
    http: httpx.AsyncClient, settings: Settings
) -> None:
    brand = await make_brand()
    job = await jobs.create_job(actor_of(brand.id), KIND, awaiting_input=True)
    response = await http.put(jobs.upload_url(settings, job).path, content=b"a\nb\nc\nd\n")
    assert response.status_code == 200
    for _ in range(100):
        stored = await Job.get(id=job.id)
        if stored.state == "SUCCEEDED":
            break
        await asyncio.sleep(0.05)
    assert stored.state == "SUCCEEDED" and stored.result == {"lines": 4}
