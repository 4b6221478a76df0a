"""End to end: `chainlit run` headless on a free port, driven by headless Chromium through Playwright."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.browser_support import (
    BROWSER_MARKS,
    CHROMIUM,  # noqa: F401  (re-exported for the other browser modules)
    CHROMIUM_ARGS,  # noqa: F401
    dastyar_server,
    free_port,
    last_reply,
    send,
)

ROOT = Path(__file__).resolve().parent.parent
pytestmark = BROWSER_MARKS

# Names kept for the other browser test modules that import them from here.
_free_port, _send, _last_reply = free_port, send, last_reply


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Samples every half second: `/status`'s chart of the last hour has points to draw within the test.
    with dastyar_server(tmp_path_factory.mktemp("browser-data"), DASTYAR_SAMPLE_SECONDS="0.5") as srv:
        yield srv


def test_health(server):
    from importlib.metadata import version

    data = httpx.get(f"{server['url']}/health", timeout=5).json()
    # The version is the installed package's (pyproject), not whatever the endpoint says.
    assert data == {"status": "ok", "version": version("dastyar"), "database": "ok", "jobs_runner": "running",
                    "event_listeners": data["event_listeners"]}
    assert isinstance(data["event_listeners"], int) and data["event_listeners"] >= 0


def test_foreign_hosts_and_origins_are_turned_away(server):
    """DNS rebinding (a foreign Host header), cross-origin reads with credentials and a foreign page opening the
    chat's websocket: all refused; the chat's own origin still works."""
    url = server["url"]
    port = url.rsplit(":", 1)[1]
    assert httpx.get(f"{url}/", headers={"Host": "evil.example"}, timeout=10).status_code == 400
    assert httpx.get(f"{url}/", headers={"Host": f"localhost:{port}"}, timeout=10).status_code == 200
    preflight = httpx.options(f"{url}/project/settings", timeout=10, headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in preflight.headers
    read = httpx.get(f"{url}/user", headers={"Origin": "http://evil.example"}, timeout=10)
    assert read.headers.get("access-control-allow-origin") not in ("*", "http://evil.example")
    handshake = f"{url}/ws/socket.io/?EIO=4&transport=polling"
    foreign = httpx.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert foreign.status_code == 400 and "origin" in foreign.text.lower()
    own = httpx.get(handshake, headers={"Origin": url}, timeout=10)
    assert own.status_code == 200 and own.text.startswith("0")  # engine.io's open packet


def test_the_page_makes_no_request_to_other_hosts(browser, server):
    """Offline by default, and no visit leaks to third parties: every request the chat page makes (fonts, styles,
    scripts, the websocket) goes to the app itself."""
    from urllib.parse import urlsplit

    context = browser.new_context(locale="fa-IR")
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    seen: list[str] = []
    refused: list[str] = []
    tab.on("request", lambda request: seen.append(request.url))
    tab.on("response", lambda r: refused.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.goto(server["url"])
    tab.wait_for_selector("textarea#chat-input")
    send(tab, "راهنما")
    last_reply(tab, "جستجوی مدل")
    # The assistant's avatar loads (Radix draws the <img> only once the picture has loaded; before the avatar
    # route, Chainlit refused the Persian author's name with a 400 and an empty circle stayed).
    tab.locator('img[alt="Avatar for دستیار"]').first.wait_for()
    # The readme in the page's language (chainlit_fa-IR.md), not a fallback logged on every load.
    readme = context.request.get(f"{server['url']}/project/settings?language=fa-IR").json()
    context.close()
    foreign = [u for u in seen if not u.startswith(("data:", "blob:")) and urlsplit(u).hostname != "127.0.0.1"]
    assert seen and not foreign, foreign
    assert not [r for r in refused if "/avatars/" in r], refused
    assert "دستیار" in (readme.get("markdown") or "")
    assert "Translated markdown file" not in (server["data"] / "server.log").read_text(errors="replace")


def test_rtl_persian_chat_answers_help_and_status(page, artifacts):
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("document.documentElement.lang").startswith("fa")
    placeholder = page.locator("textarea#chat-input").get_attribute("placeholder") or ""
    assert any("\u0600" <= ch <= "\u06ff" for ch in placeholder), placeholder

    _send(page, "راهنما")
    reply = _last_reply(page, "/status")
    assert "دستیار" in reply.inner_text()
    # Chainlit renders paragraphs as div[role=article]; bidi must sit on them (it is not inherited).
    # The custom stylesheet may still be loading on a busy machine: wait for it rather than read too early.
    # A state, not a time: on a machine busy with other work the stylesheet may take long to apply.
    # Read from the page each time, not through a handle: the reply re-renders as it ends and a held element can be
    # replaced by one the wait would never see.
    assert reply.locator("[role=article]").count()
    page.wait_for_function(
        """() => {
            const all = document.querySelectorAll('[data-step-type="assistant_message"] .message-content [role=article]');
            return all.length > 0 && getComputedStyle(all[all.length - 1]).unicodeBidi === 'plaintext';
        }""",
        timeout=180_000,
    )
    page.screenshot(path=str(artifacts / "help.png"), full_page=False)

    for _ in range(20):  # until the server's sampler has two points (it samples every 0.5 s from its start)
        _send(page, "/status")
        status = _last_reply(page, "پردازنده")
        if status.locator(".js-plotly-plot").count() or page.locator(".js-plotly-plot").count():
            break
    text = status.inner_text()
    assert "حافظه" in text and "دیسک" in text
    assert any(ch in text for ch in "۰۱۲۳۴۵۶۷۸۹")
    chart = page.locator(".js-plotly-plot").last
    chart.wait_for(state="visible")
    chart.scroll_into_view_if_needed()
    assert "یک ساعت گذشته" in chart.inner_text() and "پردازنده" in chart.inner_text()
    page.screenshot(path=str(artifacts / "status.png"), full_page=False)


def test_notification_from_another_process_reaches_the_chat(page, server):
    code = (
        "from assistant.services.notifications import notify\n"
        "notify('اعلان آزمایشی از فرایند دیگر', 'متن', level='success')\n"
    )
    env = os.environ.copy()
    env["DASTYAR_DATA_DIR"] = str(server["data"])
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    # It arrives without the page asking (how fast is for benchmarks, not for a test on a busy machine).
    _last_reply(page, "اعلان آزمایشی از فرایند دیگر", timeout=120_000)


def test_bad_input_gets_a_persian_reply(page):
    _send(page, "/job abc")
    assert "شمارهٔ کار" in _last_reply(page, "شمارهٔ کار").inner_text()
    _send(page, "/cancel 9999")
    assert "پیدا نشد" in _last_reply(page, "پیدا نشد").inner_text()
    assert page.locator("text=Traceback").count() == 0


# Where pieces of text are drawn: [line top, left edge] of the first occurrence of each needle inside `el`, read in
# one go (the page may scroll between two reads). A long command wraps: its next line starts again on the left.
_DRAWN = """(el, needles) => needles.map((needle) => {
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      const rect = range.getBoundingClientRect();
      return [Math.round(rect.top), rect.left];
    }
  }
  return null;
})"""


def _drawn(locator, *needles: str) -> list[list[float]]:
    """Where the needles are drawn inside the element, once it is laid out (a streamed reply re-renders as it ends)."""
    locator.wait_for(state="visible")
    for _ in range(100):
        where = locator.evaluate(_DRAWN, list(needles))
        if all(w and w != [0, 0] for w in where):
            return where
        locator.page.wait_for_timeout(100)
    raise AssertionError(f"{needles!r} not drawn")


def test_latin_runs_keep_their_order_inside_persian_text(page):
    """A command that mixes Latin and Persian, and a Latin word inside a Persian sentence, are drawn in reading order:
    the bidi algorithm would otherwise move `base=`/`data=` around the Persian placeholders and `/try` to the end."""
    _send(page, "/help")
    summary = _last_reply(page, "/help hub")
    slash, word = _drawn(summary.locator("code", has_text="/help hub").first, "/", "help")
    assert slash[1] < word[1], (slash, word)  # «/help», not «help/» (a leading neutral joins the Persian side)

    _send(page, "/help training")
    table = _last_reply(page, "/train base=")
    train, base, data, epochs = _drawn(table.locator("code", has_text="/train base=").first,
                                       "/train", "base=", "data=", "epochs=")
    assert train < base < data < epochs, (train, base, data, epochs)
    assert train[0] == base[0]  # on one line, left to right
    try_, placeholder = _drawn(table.locator("code", has_text="/try <").first, "/try", "<")
    assert try_ < placeholder

    _send(page, "/help hub")
    row = _last_reply(page, "توکن من").locator("td", has_text="توکن من").first
    token, mine, latin, is_ = _drawn(row, "توکن", "من", "hf_", "است")
    assert token[0] == mine[0] == latin[0] == is_[0], (token, mine, latin, is_)
    assert token[1] > mine[1] > latin[1] > is_[1], (token, mine, latin, is_)  # right to left, hf_… in its place
