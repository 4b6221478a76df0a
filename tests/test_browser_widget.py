"""The chat embedded in another site: a host page served from a second local server (another origin) mounts the
widget, signs in with a minted token, talks Persian, starts a download and watches it to the end, right to left;
anonymous visitors get the limited tool set and a message rate; an origin not on the list cannot connect."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, free_port
from tests.conftest import ROOT
from tests.hub_fixtures import BIG_REPO
from tests.hubserver import env_for
from tests.waiting import wait_until

pytestmark = BROWSER_MARKS


@contextmanager
def host_site(port: int):
    """A second web server (another origin) serving the embedding example page."""
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "-d",
                             str(ROOT / "public")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import httpx

    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/embed-example.html", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def sites(tmp_path_factory, _hub_session):
    hub = _hub_session
    host_port, stranger_port = free_port(), free_port()
    with host_site(host_port) as host, host_site(stranger_port) as stranger, dastyar_server(
        tmp_path_factory.mktemp("widget-data"), DASTYAR_AUTH="password", DASTYAR_WIDGET_ORIGINS=host,
        DASTYAR_WIDGET_ANONYMOUS="1", DASTYAR_WIDGET_RATE="3", **env_for(hub),
    ) as server:
        yield {"server": server, "host": host, "stranger": stranger, "hub": hub}


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _token(server, user: str) -> str:
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "widget-token", "--user", user, "--ttl", "10m"],
                         cwd=ROOT, env=server["env"], capture_output=True, text=True, timeout=120, check=True)
    return out.stdout.strip()


def _open_widget(browser, site: str, server_url: str, token: str, listen=None):
    """A new tab on the host page; `listen(page)` attaches event handlers before anything loads."""
    context = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    if listen is not None:
        listen(page)
    page.goto(f"{site}/embed-example.html?server={server_url}&token={token}&open=1")
    return page


def _widget_texts(page) -> list[str]:
    return page.locator('#chainlit-copilot [data-step-type="assistant_message"] .message-content').all_inner_texts()


def _wait_for(predicate, timeout: float = 30.0, what: str = "condition"):
    return wait_until(predicate, timeout, poll=0.2, what=what)


def _replies_so_far(page) -> str:
    return "\n---\n".join(_widget_texts(page))


def _ready(page) -> None:
    """The widget is connected once the chat's commands have arrived over its socket (the «ابزارها» menu shows).
    Generous: on a busy machine parsing the 8 MB copilot bundle alone can take tens of seconds."""
    page.locator("#chainlit-copilot textarea").wait_for(timeout=120_000)
    page.locator("#chainlit-copilot button", has_text="ابزارها").wait_for(timeout=120_000)


def _ask(page, text: str, contains: str, timeout: float = 30.0) -> str:
    before = len(_widget_texts(page))
    sent = page.locator('#chainlit-copilot [data-step-type="user_message"]')
    count = sent.count()
    box = page.locator("#chainlit-copilot textarea").first
    for _ in range(20):  # the composer re-renders when a reply ends; a fill on the old element is lost
        box.fill(text)
        box.press("Enter")
        try:
            _wait_for(lambda: sent.count() > count, 3, "the message to show")
            break
        except AssertionError:
            continue
    return _wait_for(lambda: next((t for t in _widget_texts(page)[before:] if contains in t), None), timeout,
                     f"a reply to {text!r} containing {contains!r}")


def _show_last(page) -> None:
    page.locator('#chainlit-copilot [data-step-type="assistant_message"]').last.scroll_into_view_if_needed()


def _rtl(page) -> dict:
    return page.evaluate("""() => {
        const root = document.getElementById('chainlit-copilot').shadowRoot.getElementById('cl-shadow-root');
        const input = root.querySelector('textarea');
        return {dir: root.getAttribute('dir'), lang: root.getAttribute('lang'), direction: getComputedStyle(root).direction,
                inputDirection: input ? getComputedStyle(input).direction : null,
                font: getComputedStyle(root).fontFamily, fontLoaded: document.fonts.check('16px Vazirmatn')};
    }""")


def test_a_signed_in_person_chats_in_persian_and_follows_a_download_in_the_widget(browser, sites, artifacts):
    server, hub = sites["server"], sites["hub"]
    foreign = []

    def listen(page) -> None:
        page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(
            (server["url"], sites["host"], "data:", "blob:")) else None)

    page = _open_widget(browser, sites["host"], server["url"], _token(server, "sara"), listen)
    try:
        _ready(page)
        status = _ask(page, "وضعیت سیستم", "پردازنده")
        assert "Traceback" not in status
        look = _rtl(page)
        assert look["dir"] == "rtl" and look["direction"] == "rtl" and look["lang"] == "fa", look
        assert look["inputDirection"] == "rtl" and look["font"].startswith("Vazirmatn") and look["fontLoaded"], look

        hub.throttle_bytes_per_sec = 512 * 1024  # slow enough to see the download under way
        try:
            _ask(page, f"مدل {BIG_REPO} رو دانلود کن", "دانلود")
            running = _wait_for(lambda: next((t for t in _widget_texts(page) if "در حال اجرا" in t and BIG_REPO in t),
                                             None), what="live progress of the download in the widget")
            # (on failure: _replies_so_far(page) shows what the widget got)
            job_id = int(re.search(r"#(\d+)", running.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))).group(1))
            _show_last(page)
            page.screenshot(path=str(artifacts / "widget-download-running.png"))
        finally:
            hub.throttle_bytes_per_sec = None
        _wait_for(lambda: any("تمام شد" in t or "انجام شد" in t for t in _widget_texts(page)), 60,
                  "the download to finish in the widget")
        _show_last(page)
        page.screenshot(path=str(artifacts / "widget-download-done.png"))
        with sqlite3.connect(server["data"] / "dastyar.db", timeout=10) as db:
            owner, status_value = db.execute("SELECT owner, status FROM job WHERE id = ?", (job_id,)).fetchone()
        assert owner == "sara@widget" and status_value == "succeeded"
        assert not foreign, foreign  # nothing from a third host (fonts, CDNs)
    finally:
        page.context.close()


def test_an_anonymous_visitor_gets_the_limited_tools_and_a_message_rate(browser, sites, artifacts):
    server = sites["server"]
    page = _open_widget(browser, sites["host"], server["url"], "anonymous")
    try:
        _ready(page)
        _ask(page, "راهنما", "دانلود")  # help is for everyone
        refused = _ask(page, f"مدل {BIG_REPO} رو دانلود کن", "در دسترس نیست")
        assert "Traceback" not in refused
        _ask(page, "کارهای من رو نشون بده", "در دسترس نیست")
        limited = _ask(page, "سلام", "ثانیهٔ دیگر")  # the fourth message in a minute (DASTYAR_WIDGET_RATE=3)
        assert "لطفاً" in limited
        _show_last(page)
        page.screenshot(path=str(artifacts / "widget-visitor.png"))
        with sqlite3.connect(server["data"] / "dastyar.db", timeout=10) as db:
            assert db.execute("SELECT count(*) FROM job WHERE owner LIKE 'visitor-%'").fetchone()[0] == 0
    finally:
        page.context.close()


def test_a_page_from_an_origin_not_on_the_list_cannot_connect(browser, sites, artifacts):
    import httpx

    server = sites["server"]
    token = _token(server, "mallory")
    sockets, refused, signed_in = [], [], []

    def listen(page) -> None:
        page.on("websocket", lambda ws: sockets.append(ws))
        page.on("console", lambda m: refused.append(m.text) if "CORS policy" in m.text else None)
        page.on("response", lambda r: signed_in.append(r.status) if r.url.endswith("/auth/jwt") and r.ok else None)

    page = _open_widget(browser, sites["stranger"], server["url"], token, listen)
    try:
        # The browser turns away the server's answers to this page (no CORS grant for its origin).
        # (Playwright's sync API delivers events only inside its calls: the evaluate lets them in.)
        _wait_for(lambda: page.evaluate("0") or refused, what="the browser to refuse the server's answers")
        page.screenshot(path=str(artifacts / "widget-stranger.png"))
        assert not signed_in and not any(not ws.is_closed() for ws in sockets)
    finally:
        page.context.close()
    # And the server itself refuses, whatever a script on that origin sends, even with a valid token.
    answer = httpx.post(f"{server['url']}/auth/jwt", headers={"Origin": sites["stranger"],
                                                            "Authorization": f"Bearer {token}"})
    assert answer.status_code == 403 and "set-cookie" not in answer.headers
    handshake = httpx.get(f"{server['url']}/ws/socket.io/", params={"EIO": "4", "transport": "polling"},
                          headers={"Origin": sites["stranger"]})
    assert handshake.status_code >= 400
    with sqlite3.connect(server["data"] / "dastyar.db", timeout=10) as db:
        names = {r[0] for r in db.execute("SELECT identifier FROM users")}
    assert "sara@widget" in names and "mallory@widget" not in names  # no session was ever opened for the stranger
    allowed = httpx.post(f"{server['url']}/auth/jwt", headers={"Origin": sites["host"], "Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == sites["host"]
