"""The scenario explorer in a real browser, offline: `solara run frivilligsim.app` on a free
localhost port, driven by headless Chromium through Playwright's driver.

Nothing may leave localhost: Chromium resolves every other host to nothing, every request the
page makes is recorded and must go to the server, and the server's CDN address points at a
closed local port, so an asset missing from the local copy (solara-assets) would fail to load.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs headless chromium at /usr/bin/chromium"
    ),
    pytest.mark.timeout(120),
]

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _solara_command() -> list[str]:
    script = Path(sys.executable).with_name("solara")
    return [str(script)] if script.exists() else [sys.executable, "-m", "solara"]


def _wait_for_server(port: int, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"solara run exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"solara run did not listen on port {port}:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`solara run frivilligsim.app` on a free port; its CDN address is a closed local port."""
    folder = tmp_path_factory.mktemp("solara")
    port = _free_port()
    env = dict(os.environ)
    env["SOLARA_ASSETS_CDN"] = f"http://127.0.0.1:{_free_port()}/npm/"  # nothing listens there
    env["SOLARA_HOME"] = str(folder / "home")
    env.pop("PYTEST_CURRENT_TEST", None)  # solara skips its check page under pytest: not here
    log = folder / "solara.log"
    command = [*_solara_command(), "run", "frivilligsim.app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-open"]
    with open(log, "w") as out:
        proc = subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_server(port, proc, log)
        yield f"http://127.0.0.1:{port}/", log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _another_municipality() -> dict:
    """The second municipality of the menu (the page opens on the first)."""
    from frivilligsim.explorer.state import catalogue

    return catalogue().municipalities.iloc[1].to_dict()


def _chart(page) -> str:
    """The projection chart's image (a data URL of its PNG)."""
    return page.locator("[data-testid=projection] img").get_attribute("src")


def _summary(page) -> str:
    return page.locator(".summary").inner_text()


def _wait_for_change(page, before: str, read, what: str, seconds: float = 15) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        now = read(page)
        if now and now != before:
            return now
        page.wait_for_timeout(100)
    pytest.fail(f"{what} did not change")


def _pick(page, testid: str, option: str) -> None:
    page.locator(f".v-input__slot:has([data-testid={testid}])").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_explorer_offline_in_chromium(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    url, log = server
    other = _another_municipality()
    requests: list[str] = []
    failures: list[str] = []
    shots = Path(os.environ.get("FRIVILLIGSIM_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.on("request", lambda r: requests.append(r.url))
        page.on("websocket", lambda ws: requests.append(ws.url))
        page.on("requestfailed", lambda r: failures.append(f"{r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and failures.append(f"{r.url} {r.status}"))
        page.goto(url)
        page.wait_for_selector("[data-testid=projection] img", timeout=45_000)
        summary = page.locator(".summary")
        expect(summary).to_contain_text("In 2050, volunteers under Co-creation: ")
        first_chart, first_summary = _chart(page), _summary(page)

        # another municipality: type part of its name, pick it from the list
        box = page.locator("input[data-testid=municipality]")
        box.click()
        box.fill(other["name"][:4])
        page.get_by_role("option").filter(has_text=f"({other['code']})").first.click()
        second_chart = _wait_for_change(page, first_chart, _chart, "the chart (municipality)")
        expect(summary).not_to_have_text(first_summary)

        # a lever: order intensity to its maximum, with its value shown
        page.locator("[role=slider][data-testid=lever-order_intensity]").focus()
        page.keyboard.press("End")
        third_chart = _wait_for_change(page, second_chart, _chart, "the chart (lever)")
        order_label = "Orders: share of the gap sent to the centre as orders: {}"
        expect(page.get_by_text(order_label.format("1.00"))).to_have_count(1)
        expect(summary).to_contain_text("volunteers under Co-creation (adjusted): ")
        page.screenshot(path=str(shots / "explorer_en.png"), full_page=True)

        # another preset resets the levers to its own values
        _pick(page, "preset", "Mobilisation")
        _wait_for_change(page, third_chart, _chart, "the chart (preset)")
        expect(page.get_by_text(order_label.format("0.60"))).to_have_count(1)
        expect(summary).to_contain_text("volunteers under Mobilisation: ")

        # Norwegian
        page.get_by_role("button", name="NB", exact=True).click()
        page.get_by_text("Se agentene").wait_for(timeout=10_000)
        expect(summary).to_contain_text("I 2050, frivillige under Mobilisering: ")
        expect(
            page.get_by_text(
                "Bestillinger: andel av gapet som sendes sentralen som bestillinger: 0,60"
            )
        ).to_have_count(1)
        page.screenshot(path=str(shots / "explorer_nb.png"), full_page=True)

        # the agents, month by month
        page.get_by_text("Se agentene").click()
        page.get_by_text("Måned: 2024-01").wait_for(timeout=20_000)
        page.get_by_role("button", name="Neste år").click()
        page.get_by_text("Måned: 2025-01").wait_for(timeout=20_000)
        page.screenshot(path=str(shots / "agents_nb.png"), full_page=True)
        browser.close()

    outside = [u for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")]
    outside = [u for u in outside if urlparse(u).hostname not in LOCAL_HOSTS]
    assert outside == [], f"requests left localhost: {outside}"
    assert failures == [], f"failed requests: {failures}\n{log.read_text()[-3000:]}"
    assert any("/_solara/cdn/" in u for u in requests)  # the assets came through the local route
    assert any(urlparse(u).scheme == "ws" for u in requests)  # the page's kernel connection
