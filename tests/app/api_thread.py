"""The real Khlang API (serving.api.create_app) under uvicorn in a thread, on a free port of 127.0.0.1."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator

import uvicorn

from khlang.config import Settings
from serving.api import create_app
from serving.config import ServeConfig

START_S = 120.0


@contextlib.contextmanager
def api_in_thread(settings: Settings, config: ServeConfig) -> Iterator[str]:
    """http://127.0.0.1:PORT of the API over `settings`' work folder, until the block ends."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(create_app(settings, config), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="khlang-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API did not start under uvicorn")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
