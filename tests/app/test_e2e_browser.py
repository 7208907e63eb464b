"""End to end: `khlang serve` and `khlang app` as processes on free ports of 127.0.0.1, every page opened in a
headless chromium driven over the DevTools protocol; each page is waited for until its content has come
over the websocket, checked for its key numbers and for any error block, and saved as a screenshot in
work/artifacts/screenshots/. Needs Debian's chromium (and fonts-thai-tlwg for readable screenshots)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from khlang.catalog import Catalog
from khlang.runtime import runtime_environment
from serving.service import serve_command, wait_healthy
from tests.app.browser import SETTLED, Browser, chromium_path, free_port, launch_chromium, stop_process
from tests.app.expect import fiscal_year_total, next_fiscal_year
from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

SCREENSHOTS = PROJECT_ROOT / "work" / "artifacts" / "screenshots"
ERRORS = ('[...document.querySelectorAll(\'[data-testid="stException"], [data-testid="stAlertContentError"]\')]'
          '.map(e => e.innerText)')
_START_S = 180.0


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            stop_process(process, 20)


def _wait_streamlit(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + _START_S
    with httpx.Client(trust_env=False, timeout=2) as http:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if http.get(f"{url}/_stcore/health").text.strip() == "ok":
                    return
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"`khlang app` did not come up at {url}:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def servers(served_world, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """(API URL, app URL): `khlang serve` over the served world and `khlang app` reading it."""
    logs = tmp_path_factory.mktemp("e2e-logs")
    catalog = Catalog(served_world.settings.work_dir)
    env = {**os.environ, **runtime_environment(catalog)}
    env.pop("KHLANG_DEPOSIT_TOKEN", None)
    api_port, app_port = free_port(), free_port()
    api_url, app_url = f"http://127.0.0.1:{api_port}", f"http://127.0.0.1:{app_port}"
    with _process(serve_command(served_world.settings, api_port), env, logs / "api.log") as api:
        wait_healthy(api_url, lambda: api.poll() is None, _START_S)
        app_args = [sys.executable, "-m", "commands.cli", "app", "--port", str(app_port), "--api-url", api_url]
        with _process(app_args, env, logs / "app.log") as app:
            _wait_streamlit(app_url, app, logs / "app.log")
            yield api_url, app_url


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None:
        pytest.skip("chromium is not installed (Debian: apt-get install -y chromium fonts-thai-tlwg)")
    with launch_chromium(executable, tmp_path_factory.mktemp("chromium-profile")) as chromium:
        yield chromium


def _open(browser: Browser, url: str, title: str, *texts: str) -> str:
    """Navigate, wait until the page's title and `texts` have arrived and the app has settled; the page text."""
    browser.navigate(url)
    return _settle(browser, title, *texts)


def _settle(browser: Browser, title: str, *texts: str, shot: str | None = None) -> str:
    wanted = json.dumps([title, *texts], ensure_ascii=False)
    browser.wait_for(f"(() => {{ const h = document.querySelector('h1'); const body = document.body.innerText;"
                     f" return !!h && h.innerText.includes({json.dumps(title, ensure_ascii=False)})"
                     f" && {wanted}.every(t => body.includes(t)); }})()", 120, f"{title} with {texts}")
    browser.wait_for(SETTLED, 120, f"{title} to settle")
    assert browser.evaluate(ERRORS) == []
    if shot:
        browser.screenshot(SCREENSHOTS / f"{shot}.png")
    return browser.text()


def _click(browser: Browser, selector: str, text: str) -> None:
    """Click the first `selector` whose text ends with `text` (after any icon ligature)."""
    found = browser.evaluate(f"(() => {{ const e = [...document.querySelectorAll({json.dumps(selector)})]"
                             f".find(e => e.innerText.trim().endsWith({json.dumps(text, ensure_ascii=False)}));"
                             f" if (e) e.click(); return !!e; }})()")
    assert found, f"no {selector} reading {text!r}"


# The page position (CSS pixels) of a point inside the map's coloured province: Vega draws the map as SVG,
# one path per province, grey (#d9d9d9) where there is no data; the point is one of a grid over the
# path's box that the browser says lies on that path (a province is no rectangle); null until drawn.
_COLOURED_PROVINCE = """(() => {
  const path = [...document.querySelectorAll('[data-testid="stVegaLiteChart"] svg .mark-shape path')]
    .find(p => (p.getAttribute('fill') || '').toLowerCase() !== '#d9d9d9' && p.getAttribute('fill') !== 'none');
  if (!path) return null;
  path.scrollIntoView({block: 'center'});
  const box = path.getBoundingClientRect();
  for (let i = 1; i < 16; i++) for (let j = 1; j < 16; j++) {
    const x = box.left + box.width * i / 16, y = box.top + box.height * j / 16;
    if (document.elementFromPoint(x, y) === path) return [x, y];
  }
  return null;
})()"""


def _choose(browser: Browser, label: str, option: str) -> None:
    """Open the select box labelled `label` with the mouse and pick `option`."""
    box = (f"[...document.querySelectorAll('[data-testid=\"stSelectbox\"]')]"
           f".find(b => b.innerText.split('\\n')[0].trim() === {json.dumps(label, ensure_ascii=False)})")
    browser.click(f"{box}?.querySelector('input')")
    choice = (f"[...document.querySelectorAll('[role=\"option\"]')]"
              f".find(o => o.innerText.trim() === {json.dumps(option, ensure_ascii=False)})")
    browser.wait_for(f"!!{choice}", 30, f"the option {option!r}")
    browser.click(choice)


def test_every_page_in_a_real_browser(servers, browser):
    api_url, app_url = servers
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60) as api:
        fy = next_fiscal_year(api)
        nation = api.get("/v1/forecasts", params={"metric": "budget_operations", "level": "nation", "code": 0}).json()
        budget = f"{fiscal_year_total(nation['points'], fy) / 1e6:,.2f} ล้านบาท"
        welfare = {r["item"]: r["baht"] for r in api.get("/v1/welfare", params={"fiscal_year": fy}).json()["rows"]}
        quality = api.get("/v1/quality").json()["totals"]
        families = api.get("/v1/models").json()["families"]

    _open(browser, f"{app_url}/", "ภาพรวม", budget, f"ปีงบประมาณ {fy}")
    browser.screenshot(SCREENSHOTS / "overview.png")
    # a real mouse click on the map: Phuket is the one province with data, so the only one coloured
    browser.wait_for(f"!!({_COLOURED_PROVINCE})", 60, "the map's coloured province")
    x, y = browser.evaluate(_COLOURED_PROVINCE)
    for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
        browser.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    text = _settle(browser, "เจาะลึกรายหน่วย", "ภูเก็ต", "ผลรวมพยากรณ์หน่วยย่อยเท่ากับหน่วยแม่", shot="drilldown_phuket")
    assert "ส่วนต่างสูงสุด" in text
    _choose(browser, "อำเภอ / อปท.", "กะทู้")  # a widget's rerun runs the page through main.py again
    _settle(browser, "เจาะลึกรายหน่วย", "ภูเก็ต › กะทู้", "ภาษา / Language", shot="drilldown_kathu")

    elderly = f"{welfare['elderly_allowance'] / 1e6:,.2f} ล้านบาท"
    _open(browser, f"{app_url}/welfare_planner", "วางแผนงบเบี้ยยังชีพ", elderly, "สมมติฐาน")
    browser.screenshot(SCREENSHOTS / "welfare_planner.png")
    _open(browser, f"{app_url}/budget_tracker", "ติดตามการเบิกจ่าย", "อปท. ที่ถูกแจ้งเตือน", "/ 19")  # Phuket's 19 LAOs
    browser.screenshot(SCREENSHOTS / "budget_tracker.png")
    _open(browser, f"{app_url}/waste", "ขยะมูลฝอย", "ตัน/วัน", "กก./คน/วัน")  # per capita: LAOs report population
    browser.screenshot(SCREENSHOTS / "waste.png")
    _open(browser, f"{app_url}/model_board", "แบบจำลอง", families[0]["model_name"], "เปิดการรันใน MLflow")
    browser.screenshot(SCREENSHOTS / "model_board.png")
    _open(browser, f"{app_url}/data_quality", "คุณภาพข้อมูล", f"{quality['records_in']:,}",
          f"{quality['records_quarantined']:,}")
    browser.screenshot(SCREENSHOTS / "data_quality.png")

    _click(browser, '[data-testid="stSidebar"] label', "English")
    text = _settle(browser, "Data quality", "Records in", f"{quality['records_in']:,}", "Quarantine reasons",
                   shot="data_quality_en")
    assert "คุณภาพข้อมูล" not in text.split("\n", 3)[-1]  # the page itself is in English now
    checked = "[...document.querySelectorAll('[data-testid=\"stSidebar\"] input[type=radio]:checked')].length"
    assert browser.evaluate(checked) == 2  # language and era both still chosen after the relabelling
