"""App render: the planners' Streamlit app (`khlang app`) over a running API, measured in a real headless
chromium driven over the DevTools protocol (tests/app/browser.py). For each of `--runs` runs a fresh
chromium (new profile, new Streamlit session) opens Overview and Drill-down; the time to first render is
from the navigation until the page's title and main content are on screen and the app has settled
(tests.app.browser.SETTLED: script done, no skeleton, every visible chart drawn). Then every page, and the
Overview in English, is opened once, checked for Streamlit exception/error blocks and saved as a
screenshot in <work-dir>/artifacts/screenshots/app_render_<page>.png.

    .venv/bin/python -m benchmarks.app_render --work-dir work/thailand [--api-url http://127.0.0.1:8000]
        [--app-url http://127.0.0.1:8501] [--runs 3] [--timeout 240] [--start]

The API and the app must already be up at the given URLs (`khlang serve up`, `khlang app up`); with
--start, any that is not answering is started over the work folder with those commands. Only 127.0.0.1 is
contacted. Writes <work-dir>/benchmarks/app_render.json and prints a table."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import httpx

from tests.app.browser import SETTLED, Browser, chromium_path, launch_chromium

__all__ = ["ERRORS", "PAGES", "PageSpec", "main", "measure_first_render", "run", "shoot_pages"]

ERRORS = ('[...document.querySelectorAll(\'[data-testid="stException"], [data-testid="stAlertContentError"]\')]'
          '.map(e => e.innerText)')
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PageSpec:
    """A page of the app: its URL path (the stem of app/views/<stem>.py), its title (h1), texts that must be
    in the page and headings (h2/h3, exact) that must be on it before it counts as rendered, and whether at
    least one chart must be drawn."""

    name: str
    path: str
    title: str
    texts: tuple[str, ...] = ()
    headings: tuple[str, ...] = ()
    chart: bool = False
    lang: str = "th"
    notes: tuple[str, ...] = field(default_factory=tuple)


# The titles and headings are app/i18n.py's Thai (or English) labels.
PAGES = (
    PageSpec("overview", "", "ภาพรวม", ("ปีงบประมาณ",), ("รวมทั้งประเทศ", "รายภาค", "รายจังหวัด"), chart=True),
    PageSpec("drilldown", "drilldown", "เจาะลึกรายหน่วย", ("ผลรวมพยากรณ์หน่วยย่อยเท่ากับหน่วยแม่",), ("หน่วยย่อย",),
             chart=True),
    PageSpec("welfare_planner", "welfare_planner", "วางแผนงบเบี้ยยังชีพ", ("ล้านบาท", "สมมติฐาน"), ("งบรายหน่วยย่อย",),
             chart=True),
    PageSpec("budget_tracker", "budget_tracker", "ติดตามการเบิกจ่าย", ("อปท. ที่ถูกแจ้งเตือน",)),
    PageSpec("waste", "waste", "ขยะมูลฝอย", ("ตัน/วัน",)),
    PageSpec("model_board", "model_board", "แบบจำลอง", ("ความแม่นยำ backtest รายระดับ",)),
    PageSpec("data_quality", "data_quality", "คุณภาพข้อมูล", ("ระเบียนเข้า",), ("เหตุผลที่กักกัน",), chart=True),
)
ENGLISH = PageSpec("overview_en", "", "Overview", ("Next year",), ("National total", "By region", "By province"),
                   chart=True, lang="en")
TIMED = ("overview", "drilldown")


def _content(spec: PageSpec) -> str:
    """JavaScript: true once the page's title, texts, headings (and a drawn chart) are present and the app
    has settled."""
    title = json.dumps(spec.title, ensure_ascii=False)
    texts = json.dumps(list(spec.texts), ensure_ascii=False)
    headings = json.dumps(list(spec.headings), ensure_ascii=False)
    chart = ("[...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
             ".some(c => c.querySelector('canvas, svg.marks'))") if spec.chart else "true"
    return (f"(() => {{ const h = document.querySelector('h1'); if (!h || !h.innerText.includes({title})) return false;"
            f" const body = document.body.innerText; if (!{texts}.every(t => body.includes(t))) return false;"
            f" const hs = [...document.querySelectorAll('h2, h3')].map(e => e.innerText.trim());"
            f" if (!{headings}.every(t => hs.some(h => h.startsWith(t)))) return false;"
            f" if (!({chart})) return false; return {SETTLED}; }})()")


def _errors(browser: Browser) -> list[str]:
    with contextlib.suppress(RuntimeError):
        return [str(e)[:500] for e in (browser.evaluate(ERRORS) or [])]
    return ["(could not read the page)"]


def _open(browser: Browser, url: str, spec: PageSpec, timeout_s: float) -> tuple[float | None, str | None]:
    """Navigate and wait for the page's content; (seconds from the navigation, None) or (None, why not)."""
    start = time.perf_counter()
    browser.navigate(url)
    try:
        browser.wait_for(_content(spec), timeout_s, f"{spec.name} to render")
    except TimeoutError as error:
        return None, str(error)[:2000]
    return time.perf_counter() - start, None


def _switch_to_english(browser: Browser) -> None:
    found = browser.evaluate("(() => { const e = [...document.querySelectorAll('[data-testid=\"stSidebar\"] label')]"
                             ".find(e => e.innerText.trim().endsWith('English')); if (e) e.click(); return !!e; })()")
    if not found:
        raise RuntimeError("no 'English' choice in the sidebar")


def measure_first_render(executable: str, app_url: str, runs: int, timeout_s: float, scratch: Path) -> dict:
    """{page: {"runs": [seconds | None], "median": seconds | None, "errors": [...]}} for Overview and
    Drill-down, a fresh chromium (profile, HTTP cache, Streamlit session) per page and run."""
    specs = {s.name: s for s in PAGES}
    result: dict[str, dict] = {name: {"runs": [], "errors": [], "timeouts": []} for name in TIMED}
    for run_index in range(runs):
        for name in TIMED:
            spec = specs[name]
            profile = scratch / f"profile-{name}-{run_index}"
            with launch_chromium(executable, profile) as browser:
                seconds, why = _open(browser, f"{app_url}/{spec.path}", spec, timeout_s)
                result[name]["runs"].append(seconds)
                if why:
                    result[name]["timeouts"].append(why)
                result[name]["errors"] += [f"run {run_index + 1}: {e}" for e in _errors(browser)]
            print(f"  run {run_index + 1} {name}: " + (f"{seconds:.2f} s" if seconds is not None else "timed out"),
                  flush=True)
    for entry in result.values():
        done = [s for s in entry["runs"] if s is not None]
        entry["median"] = statistics.median(done) if done else None
    return result


def shoot_pages(executable: str, app_url: str, shots: Path, timeout_s: float, scratch: Path) -> list[dict]:
    """Every page once in one session (then the Overview in English): seconds to render, error blocks, the
    screenshot's path, the start of the page's text."""
    rows = []
    with launch_chromium(executable, scratch / "profile-pages") as browser:
        for spec in (*PAGES, ENGLISH):
            url = f"{app_url}/{spec.path}"
            row: dict = {"page": spec.name, "url": url, "lang": spec.lang}
            if spec.lang == "en":
                browser.navigate(url)
                with contextlib.suppress(TimeoutError):
                    browser.wait_for(SETTLED, timeout_s, "the app before switching language")
                start = time.perf_counter()
                _switch_to_english(browser)
                try:
                    browser.wait_for(_content(spec), timeout_s, f"{spec.name} to render")
                    row["seconds"], row["timeout"] = time.perf_counter() - start, None
                except TimeoutError as error:
                    row["seconds"], row["timeout"] = None, str(error)[:2000]
            else:
                row["seconds"], row["timeout"] = _open(browser, url, spec, timeout_s)
            row["errors"] = _errors(browser)
            try:
                row["screenshot"] = str(browser.screenshot(shots / f"app_render_{spec.name}.png"))
            except (TimeoutError, RuntimeError) as error:
                row["screenshot"], row["screenshot_error"] = None, str(error)[:1000]
            with contextlib.suppress(RuntimeError):
                row["text_head"] = browser.text()[:600]
            print(f"  {spec.name}: " + (f"{row['seconds']:.2f} s" if row["seconds"] is not None else "timed out")
                  + (f", {len(row['errors'])} error block(s)" if row["errors"] else ""), flush=True)
            rows.append(row)
    return rows


def _healthy(url: str, path: str, want: str | None = None) -> bool:
    with httpx.Client(trust_env=False, timeout=5) as http, contextlib.suppress(httpx.HTTPError):
        answer = http.get(f"{url}{path}")
        return answer.status_code == 200 and (want is None or answer.text.strip() == want)
    return False


def _ensure_services(work_dir: Path, api_url: str, app_url: str, start: bool) -> None:
    """Check the API and the app answer; with `start`, run `khlang serve up` / `khlang app up` for any that
    does not (on the URLs' ports) and wait for it."""
    for kind, url, path, want in (("serve", api_url, "/health", None), ("app", app_url, "/_stcore/health", "ok")):
        if _healthy(url, path, want):
            continue
        if not start:
            raise SystemExit(f"nothing answers at {url}{path}: start it with "
                             f"`KHLANG_WORK_DIR={work_dir} .venv/bin/khlang {kind} up` or pass --start")
        args = [sys.executable, "-m", "commands.cli", kind, "up", "--port", str(urlparse(url).port)]
        if kind == "app":
            args += ["--api-url", api_url]
        env = {**os.environ, "KHLANG_WORK_DIR": str(work_dir)}
        subprocess.run(args, env=env, check=True, cwd=ROOT)
        deadline = time.monotonic() + 300
        while not _healthy(url, path, want):
            if time.monotonic() > deadline:
                raise SystemExit(f"`khlang {kind} up` did not answer at {url}{path} in 300 s")
            time.sleep(1)


def _fmt(seconds: float | None) -> str:
    return f"{seconds:7.2f}" if seconds is not None else "timeout"


def _table(report: dict) -> str:
    runs = report["runs"]
    lines = ["first render (s), fresh chromium per run:",
             f"{'page':<12}" + "".join(f"{'run ' + str(i + 1):>9}" for i in range(runs)) + f"{'median':>9}"]
    for name, entry in report["first_render"].items():
        lines.append(f"{name:<12}" + "".join(f"{_fmt(s):>9}" for s in entry["runs"]) + f"{_fmt(entry['median']):>9}")
    lines += ["", f"{'page':<16}{'render s':>9}  {'errors':>6}  screenshot"]
    for row in report["pages"]:
        lines.append(f"{row['page']:<16}{_fmt(row['seconds']):>9}  {len(row['errors']):>6}  {row['screenshot'] or '-'}")
    errors = [(r["page"], e) for r in report["pages"] for e in r["errors"]]
    errors += [(name, e) for name, entry in report["first_render"].items() for e in entry["errors"]]
    lines.append("")
    lines += [f"ERROR BLOCK on {page}: {e}" for page, e in errors] or ["no Streamlit error block on any page"]
    return "\n".join(lines)


def run(work_dir: Path, api_url: str, app_url: str, runs: int, timeout_s: float, start: bool = False) -> dict:
    for url in (api_url, app_url):
        if urlparse(url).hostname not in ("127.0.0.1", "localhost"):
            raise SystemExit(f"only 127.0.0.1 is contacted; got {url}")
    executable = chromium_path()
    if executable is None:
        raise SystemExit("chromium is not installed (Debian: apt-get install -y chromium fonts-thai-tlwg)")
    work_dir = work_dir.resolve()
    _ensure_services(work_dir, api_url, app_url, start)
    app_url = app_url.rstrip("/")
    with httpx.Client(trust_env=False, timeout=10) as http:
        health = http.get(f"{api_url}/health").json()
    version = subprocess.run([executable, "--version"], capture_output=True, text=True, check=False).stdout.strip()
    shots = work_dir / "artifacts" / "screenshots"
    with tempfile.TemporaryDirectory(prefix="app-render-") as tmp:
        print(f"first render over {runs} run(s) at {app_url}", flush=True)
        first = measure_first_render(executable, app_url, runs, timeout_s, Path(tmp))
        print("every page, one session", flush=True)
        pages = shoot_pages(executable, app_url, shots, timeout_s, Path(tmp))
    report = {"benchmark": "app_render", "at": datetime.now(UTC).isoformat(timespec="seconds"),
              "work_dir": str(work_dir), "api_url": api_url, "app_url": app_url, "runs": runs,
              "timeout_s": timeout_s, "chromium": version, "api_health": health, "cpu_count": os.cpu_count(),
              "first_render": first, "pages": pages,
              "error_blocks": sum(len(r["errors"]) for r in pages) + sum(len(e["errors"]) for e in first.values())}
    out = work_dir / "benchmarks" / "app_render.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(_table(report))
    print(f"\nwritten {out}")
    return report


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work-dir", type=Path, required=True, help="the work folder the API serves")
    parser.add_argument("--api-url", default="http://127.0.0.1:8000")
    parser.add_argument("--app-url", default="http://127.0.0.1:8501")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds to wait for one page")
    parser.add_argument("--start", action="store_true", help="start the API / app if they do not answer")
    args = parser.parse_args(argv)
    return run(args.work_dir, args.api_url, args.app_url, args.runs, args.timeout, args.start)


if __name__ == "__main__":
    main()
