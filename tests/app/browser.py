"""A headless chromium driven over the DevTools protocol (CDP) with the pinned `websockets`: navigate, wait
for a condition in the DOM (polled, with a deadline), evaluate JavaScript, click, take screenshots."""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from websockets.sync.client import ClientConnection, connect

__all__ = ["CHROMIUM_NAMES", "SETTLED", "Browser", "chromium_path", "free_port", "launch_chromium", "stop_process"]

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
_POLL_S = 0.1
# Streamlit has run the script and drawn every element: no skeleton left, every visible chart drawn.
SETTLED = """(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED') return false;
  if (document.querySelector('[data-testid="stSkeleton"], [data-testid="stAppSkeleton"]')) return false;
  const charts = [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .filter(c => c.getClientRects().length > 0);  // a chart in a hidden tab is drawn when shown
  return charts.every(c => c.querySelector('canvas, svg.marks'));
})()"""


def chromium_path() -> str | None:
    """The first chromium-like executable on PATH, or None."""
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One page of a chromium, over its CDP websocket."""

    def __init__(self, ws: ClientConnection, size: tuple[int, int]) -> None:
        self.ws = ws
        self.size = size  # viewport width, height (CSS pixels)
        self.mobile = False  # emulating a phone (touch, mobile viewport)
        self._ids = itertools.count(1)

    def send(self, method: str, timeout_s: float = 30.0, **params: object) -> dict:
        """One CDP command; its result, or RuntimeError with the protocol's error."""
        message_id = next(self._ids)
        self.ws.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + timeout_s
        while True:
            reply = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})

    def evaluate(self, expression: str) -> object:
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout_s: float = 60.0, what: str = "") -> object:
        """Poll a JavaScript expression until it is truthy; its value. TimeoutError with the page text."""
        deadline = time.monotonic() + timeout_s
        while True:
            with contextlib.suppress(RuntimeError):
                value = self.evaluate(expression)
                if value:
                    return value
            if time.monotonic() > deadline:
                text = self.evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''")
                raise TimeoutError(f"waited {timeout_s:.0f} s for {what or expression}; page text:\n{text}")
            time.sleep(_POLL_S)

    def click(self, element: str) -> None:
        """A real mouse click (press and release) at the centre of the element a JavaScript expression
        returns; AssertionError when it returns none."""
        box = self.evaluate(f"(() => {{ const e = {element}; if (!e) return null; e.scrollIntoView({{block: 'center'}});"
                            f" const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()")
        assert box, f"nothing to click: {element}"
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    @contextlib.contextmanager
    def phone(self, width: int = 390, height: int = 844) -> Iterator[Browser]:
        """The page as a phone shows it (a mobile viewport of width x height CSS pixels, touch) until the block
        ends; then the desktop viewport again."""
        desktop = self.size
        self.size, self.mobile = (width, height), True
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=2, mobile=True)
        self.send("Emulation.setTouchEmulationEnabled", enabled=True)
        try:
            yield self
        finally:
            self.size, self.mobile = desktop, False
            self.send("Emulation.setTouchEmulationEnabled", enabled=False)
            self.send("Emulation.clearDeviceMetricsOverride")

    def text(self) -> str:
        return str(self.evaluate("document.body.innerText"))

    def screenshot(self, path: Path, max_height: int = 8000) -> Path:
        """A PNG of the whole app at `path`: Streamlit scrolls inside its main block, so the viewport is
        made as tall as the tallest scrolling content for the capture, then put back."""
        width, height = self.size
        tall = int(self.evaluate("Math.max(...[...document.querySelectorAll('*')].map(e => e.scrollHeight))") or height)
        tall = min(max(tall, height), max_height)
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=tall, deviceScaleFactor=1, mobile=self.mobile)
        try:
            self.wait_for(f"window.innerHeight === {tall}", 10, "the tall viewport")
            self.wait_for(SETTLED, 60, "the app to settle at the tall viewport")
            data = self.send("Page.captureScreenshot", format="png")["data"]
        finally:
            self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=self.mobile)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


@contextlib.contextmanager
def launch_chromium(executable: str, profile_dir: Path, width: int = 1400, height: int = 1000) -> Iterator[Browser]:
    """A headless chromium on a free DevTools port of 127.0.0.1, its profile in `profile_dir`; no network
    beyond 127.0.0.1 is needed (no component updates, no sync, no first-run)."""
    port = free_port()
    profile_dir.mkdir(parents=True, exist_ok=True)
    args = [executable, "--headless=new", f"--remote-debugging-port={port}", "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile_dir}", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--lang=th-TH",
            f"--window-size={width},{height}", "about:blank"]
    # chromium writes crash reports and dconf beside the profile, not in the home folder
    env = {**os.environ, "XDG_CONFIG_HOME": str(profile_dir / "xdg-config"), "XDG_CACHE_HOME": str(profile_dir / "xdg-cache")}
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        page_ws = _page_websocket(port, process)
        with connect(page_ws, max_size=64 * 2**20, open_timeout=30) as ws:
            browser = Browser(ws, (width, height))
            browser.send("Page.enable")
            browser.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                         mobile=False)
            yield browser
    finally:
        stop_process(process, 10)
        if process.stderr:
            process.stderr.close()


def stop_process(process: subprocess.Popen, timeout_s: float) -> None:
    """SIGTERM, then SIGKILL after `timeout_s`; reaped either way."""
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _page_websocket(port: int, process: subprocess.Popen, timeout_s: float = 30.0) -> str:
    """The webSocketDebuggerUrl of the first page target, once the DevTools endpoint answers."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(trust_env=False, timeout=2.0) as http:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"chromium exited with {process.returncode}: "
                                   f"{process.stderr.read().decode(errors='replace')[-2000:] if process.stderr else ''}")
            with contextlib.suppress(httpx.HTTPError, ValueError):
                pages = [t for t in http.get(f"http://127.0.0.1:{port}/json/list").json() if t.get("type") == "page"]
                if pages:
                    return str(pages[0]["webSocketDebuggerUrl"])
            if time.monotonic() > deadline:
                raise TimeoutError(f"chromium's DevTools endpoint on port {port} did not answer in {timeout_s:.0f} s")
            time.sleep(_POLL_S)
