"""End to end: `chainlit run` headless on a free port, driven by headless Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-data")
    port = _free_port()
    env = os.environ.copy()
    env.update({"DASTYAR_DATA_DIR": str(data), "DASTYAR_PORT": str(port), "HF_ENDPOINT": "http://127.0.0.1:9"})
    log = open(data / "server.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "serve", "--port", str(port)], cwd=ROOT, env=env, stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).json().get("jobs_runner") == "running":
                break
        except (httpx.HTTPError, ValueError):
            pass
        if proc.poll() is not None:
            raise RuntimeError((data / "server.log").read_text())
        time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("server did not start: " + (data / "server.log").read_text()[-3000:])
    yield {"url": url, "data": data}
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(server["url"])
    pg.wait_for_selector("textarea#chat-input")
    # Starters arrive over the websocket: the session is connected once they show.
    pg.get_by_text("وضعیت سیستم").first.wait_for()
    yield pg
    context.close()


def _send(page, text: str) -> None:
    # The composer re-renders when a reply ends; a fill that lands on the old element is lost, so retry.
    submit = page.locator("#chat-submit")
    for _ in range(20):
        page.locator("textarea#chat-input").fill(text)
        try:
            submit.click(timeout=1_500)
            return
        except Exception:
            time.sleep(0.25)
    raise AssertionError(f"could not send {text!r}")


def _last_reply(page, contains: str, timeout: float = 30_000):
    loc = page.locator('[data-step-type="assistant_message"] .message-content', has_text=contains)
    loc.last.wait_for(timeout=timeout)
    return loc.last


def test_health(server):
    data = httpx.get(f"{server['url']}/health", timeout=5).json()
    assert data == {"status": "ok", "version": data["version"], "database": "ok", "jobs_runner": "running"}


def test_rtl_persian_chat_answers_help_and_status(page, artifacts):
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang").startswith("fa")
    placeholder = page.locator("textarea#chat-input").get_attribute("placeholder") or ""
    assert any("\u0600" <= ch <= "\u06ff" for ch in placeholder), placeholder

    _send(page, "راهنما")
    reply = _last_reply(page, "/status")
    assert "دستیار" in reply.inner_text()
    # Chainlit renders paragraphs as div[role=article]; bidi must sit on them (it is not inherited).
    direction = reply.locator("[role=article]").first.evaluate("el => getComputedStyle(el).unicodeBidi")
    assert direction == "plaintext"
    page.screenshot(path=str(artifacts / "help.png"), full_page=False)

    _send(page, "/status")
    status = _last_reply(page, "پردازنده")
    text = status.inner_text()
    assert "حافظه" in text and "دیسک" in text
    assert any(ch in text for ch in "۰۱۲۳۴۵۶۷۸۹")
    page.screenshot(path=str(artifacts / "status.png"), full_page=False)


def test_notification_from_another_process_reaches_the_chat(page, server):
    code = (
        "from assistant.services.notifications import notify\n"
        "notify('اعلان آزمایشی از فرایند دیگر', 'متن', level='success')\n"
    )
    env = os.environ.copy()
    env["DASTYAR_DATA_DIR"] = str(server["data"])
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    written = time.monotonic()
    _last_reply(page, "اعلان آزمایشی از فرایند دیگر", timeout=10_000)
    # Delivered within about two seconds of being written (poll interval is one second).
    assert time.monotonic() - written < 4.0, time.monotonic() - started


def test_bad_input_gets_a_persian_reply(page):
    _send(page, "/job abc")
    assert "شمارهٔ کار" in _last_reply(page, "شمارهٔ کار").inner_text()
    _send(page, "/cancel 9999")
    assert "پیدا نشد" in _last_reply(page, "پیدا نشد").inner_text()
    assert page.locator("text=Traceback").count() == 0
