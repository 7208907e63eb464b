"""Open-loop HTTP load in a process of its own: requests start at a constant rate whatever the server
does (no closed loop that slows down with it), each on a free keep-alive connection (a new one when all
are busy, up to --connections), and latency is counted from the moment a request was due, so queueing
anywhere shows (no coordinated omission). Plain asyncio streams, HTTP/1.1: the client's own cost stays
well below the server's.

    python -m benchmarks.load --url http://127.0.0.1:8000 --plan plan.json --rate 300 --seconds 60 --out result.json

plan.json: a list of requests, used round-robin: {"method": "GET", "path": "/v1/forecasts?...", "body": null}.
result.json: per request the due offset (s), latency (ms) and HTTP status (0: no answer), plus how late
the dispatcher ever was (a client that cannot keep up says so)."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["run_load"]


# Servers close a keep-alive connection idle for a while (uvicorn: 5 s); an older idle one is not reused.
_IDLE_REUSE_S = 3.0


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.last_used = time.monotonic()

    async def request(self, host: str, method: str, path: str, body: bytes | None) -> tuple[int, bool]:
        """(HTTP status, whether the connection stays open)."""
        head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: keep-alive\r\n"
        if body is not None:
            head += f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        self.writer.write(head.encode() + b"\r\n" + (body or b""))
        await self.writer.drain()
        header = await self.reader.readuntil(b"\r\n\r\n")
        lines = header.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        if fields.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            await self.reader.readexactly(int(fields.get("content-length", "0")))
        return status, fields.get("connection", "").lower() != "close"


async def _load(url: str, plan: list[dict], rate: float, seconds: float, connections: int,
                timeout: float) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    idle: list[_Connection] = []
    opened = 0
    freed = asyncio.Condition()
    records: list[tuple[float, float, int]] = []
    n = max(1, int(rate * seconds))
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1

    async def take() -> _Connection:
        nonlocal opened
        async with freed:
            while True:
                while idle and time.monotonic() - idle[-1].last_used > _IDLE_REUSE_S:
                    idle.pop().writer.close()  # stale: the server may have closed it
                    opened -= 1
                if idle or opened < connections:
                    break
                await freed.wait()
            if idle:
                return idle.pop()
            opened += 1
        try:
            return _Connection(*await asyncio.open_connection(host, port))
        except OSError:
            opened -= 1
            raise

    async def give(connection: _Connection | None) -> None:
        nonlocal opened
        async with freed:
            if connection is None:
                opened -= 1
            else:
                idle.append(connection)
            freed.notify()

    async def one(due: float, item: dict) -> None:
        body = json.dumps(item["body"]).encode() if item.get("body") is not None else None
        connection, status, keep = None, 0, False
        try:
            async with asyncio.timeout(max(due + timeout - loop.time(), 0.001)):  # from the due time
                connection = await take()
                status, keep = await connection.request(host, item.get("method", "GET"), item["path"], body)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            status, keep = 0, False  # no answer in time, or a broken one: an error, still counted
        records.append((due - start, (loop.time() - due) * 1000.0, status))
        if connection is not None:
            connection.last_used = time.monotonic()
            if not keep:
                connection.writer.close()
            await give(connection if keep else None)

    tasks, late = [], 0.0
    for i in range(n):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        late = max(late, loop.time() - due)
        tasks.append(asyncio.create_task(one(due, plan[i % len(plan)])))
    await asyncio.gather(*tasks)
    elapsed = loop.time() - start
    for connection in idle:
        connection.writer.close()
    return {"rate": rate, "seconds": seconds, "requests": n, "elapsed_s": elapsed, "connections_opened": opened,
            "dispatcher_late_ms": late * 1000.0, "timeout_s": timeout,
            "records": [[round(d, 4), round(ms, 3), s] for d, ms, s in sorted(records)]}


def run_load(url: str, plan: list[dict], rate: float, seconds: float, connections: int = 64,
             timeout: float = 10.0) -> dict:
    """Drive `url` with `plan` round-robin at `rate` requests/s for `seconds` (see the module docstring);
    a request without its answer `timeout` seconds after it was due counts as an error (status 0)."""
    if not plan:
        raise ValueError("an empty request plan")
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    return asyncio.run(_load(url, plan, rate, seconds, connections, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds from a request's due time")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.time()
    result = run_load(args.url, json.loads(args.plan.read_text()), args.rate, args.seconds, args.connections,
                      args.timeout)
    args.out.write_text(json.dumps({**result, "started": started}))


if __name__ == "__main__":
    main()
