"""A small HTTP/1.1 keep-alive load client on raw asyncio streams.

It reports its own CPU time, so a run can show the client was not the bottleneck.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]
    client_cpu_seconds: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]

    def summary(self) -> str:
        return (
            f"{self.rps:8.1f} req/s  p50 {self.percentile(50):6.1f} ms  "
            f"p95 {self.percentile(95):6.1f} ms  errors {self.errors}  "
            f"client cpu {100 * self.client_cpu_seconds / self.seconds:4.0f}%"
        )


def build_request(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Length: {len(body)}",
        "Content-Type: application/json",
    ]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
        elif name.strip().lower() == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(length)
    return status


async def run_load(
    host: str, port: int, requests: Sequence[bytes], concurrency: int, duration: float
) -> LoadResult:
    """Each of `concurrency` connections sends requests round-robin until `duration` ends."""
    latencies: list[float] = []
    errors = 0
    count = 0
    deadline = time.perf_counter() + duration

    async def worker(offset: int) -> None:
        nonlocal errors, count
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                writer.write(requests[i % len(requests)])
                status = await _read_response(reader)
                latencies.append((time.perf_counter() - started) * 1000)
                count += 1
                errors += status != 200
                i += concurrency
        finally:
            writer.close()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return LoadResult(count, errors, wall, latencies, cpu)


def merge(results: list[LoadResult]) -> LoadResult:
    """Several runs of the same load as one result (their times and latencies added up)."""
    return LoadResult(
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        seconds=sum(r.seconds for r in results),
        latencies_ms=[ms for r in results for ms in r.latencies_ms],
        client_cpu_seconds=sum(r.client_cpu_seconds for r in results),
    )


def describe(latencies: list[float]) -> str:
    return f"mean {statistics.fmean(latencies):.1f} ms" if latencies else "no samples"
