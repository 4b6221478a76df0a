"""Accessibility (WCAG 2.1 AA) of the chat page, in headless Chromium: axe-core finds no violation on the empty page,
after help and after `/status`, in the light and dark themes, at desktop width and on a 390-px phone; every control
has a Persian name; a polite live region reads new replies and a job's end; a job's progress is a progressbar;
focus comes back when the control that had it goes away; reduced motion is honoured; help's tables fit a phone; the upload button takes the files the app uses, with no console
warning. axe-core is the npm registry's, pinned and checked by scripts/axe-core.sh (`make setup`)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from tests.browser_support import BROWSER_MARKS, dastyar_server, last_reply, send

ROOT = Path(__file__).resolve().parent.parent
AXE = next(iter(sorted((ROOT / ".cache" / "axe").glob("axe-*.min.js"))), None)
pytestmark = [*BROWSER_MARKS, pytest.mark.skipif(AXE is None, reason="axe-core missing: run scripts/axe-core.sh")]

NAMES = tomllib.loads((ROOT / "prompts" / "a11y.toml").read_text(encoding="utf-8"))["names"]
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Rules left out, each with its reason. None: every WCAG 2.1 A/AA rule of axe-core runs.
EXCLUDED: dict[str, str] = {}
PERSIAN = re.compile(r"[\u0600-\u06ff]")
ENGLISH_NAMES = {"Toggle theme", "Toggle Sidebar", "Close", "Suggestions"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, _hub_session):
    from tests.hubserver import env_for

    # A download of the test hub's 8 MB file asks first (yes/no buttons); /status's chart samples every 0.5 s.
    with dastyar_server(tmp_path_factory.mktemp("a11y-data"), DASTYAR_SAMPLE_SECONDS="0.5",
                        DASTYAR_CONFIRM_DOWNLOAD_BYTES="100000", **env_for(_hub_session)) as srv:
        yield srv


# Chainlit uploads with XMLHttpRequest: count the uploads' answers (a state to wait on, and their statuses).
_UPLOAD_HOOK = """(() => { window.dastyarUploads = []; const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function (...args) {
    this.addEventListener('loadend', () => { if ((this.responseURL || '').includes('/project/file'))
                                               window.dastyarUploads.push(this.status); });
    return send.apply(this, args); }; })()"""


def _open(browser, url: str, theme: str = "light", width: int = 1280, upload_hook: bool = False, **context_args):
    """The chat in a theme and at a width; `page.console` collects the console's warnings and errors."""
    # Chainlit keeps the theme the header's toggle picked in localStorage: set it as the toggle would.
    init = f"localStorage.setItem('vite-ui-theme', '{theme}')"
    context = browser.new_context(locale="fa-IR", viewport={"width": width, "height": 900}, **context_args)
    context.add_init_script(init)
    if upload_hook:
        context.add_init_script(_UPLOAD_HOOK)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.console = []
    page.on("console", lambda m: page.console.append(f"{m.type}: {m.text}") if m.type in ("warning", "error") else None)
    page.goto(url)
    page.wait_for_selector("textarea#chat-input")
    page.get_by_text("وضعیت سیستم").first.wait_for()
    page.wait_for_function("t => document.documentElement.classList.contains(t)", arg=theme)
    _settled(page)
    return page


def _settled(page) -> None:
    """rtl.js has patched the page as it is now: the send button is named and no pass is waiting."""
    page.wait_for_selector("#chat-submit[aria-label]", state="attached")
    page.wait_for_function("window.dastyarA11y && !window.dastyarA11y.pending()")
    # No fade or zoom half-way (axe would measure the contrast of a dialog still fading in).
    page.wait_for_function("""() => document.getAnimations().every((a) => a.playState !== 'running'
                                    || a.effect.getComputedTiming().endTime === Infinity)""")


def _reply(page, text: str, contains: str):
    """Send as a person would and wait for the reply and the buttons under it (copy, 👍, 👎), named."""
    before = page.locator('[data-step-type="assistant_message"]').count()
    send(page, text)
    reply = last_reply(page, contains, timeout=60_000)
    page.wait_for_function("n => document.querySelectorAll('[data-step-type=\"assistant_message\"]').length > n",
                           arg=before)
    page.locator("#chat-submit").wait_for()  # the run is over (the stop button is gone)
    page.locator("button.positive-feedback-off").last.wait_for(state="attached")
    _settled(page)
    return reply


def _axe(page) -> dict[str, list[str]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is: {rule: [target, ...]}."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        """async ([tags, excluded]) => {
             const rules = Object.fromEntries(excluded.map((id) => [id, {enabled: false}]));
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules,
                                                     resultTypes: ['violations']});
             return result.violations.map((v) => [v.id, v.nodes.map((n) => n.target.join(' ') + ' ' +
                                                                        (n.failureSummary || ''))]);
           }""",
        [WCAG, list(EXCLUDED)],
    )
    return dict(found)


# The last progressbar's [aria-valuenow, the percent its text shows], or null while there is none.
_PROGRESS_VALUE = """(() => { const bars = document.querySelectorAll('BAR'); const bar = bars[bars.length - 1];
  if (!bar) return null;
  const shown = bar.textContent.replace(/[۰-۹]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'.indexOf(d)).match(/(\\d+)\\s*٪/);
  return [Number(bar.getAttribute('aria-valuenow')), shown ? Number(shown[1]) : -1]; })()"""


@pytest.mark.parametrize("theme,width", [("light", 1280), ("dark", 1280), ("light", 390), ("dark", 390)])
def test_axe_finds_no_violation(browser, server, artifacts, theme, width):
    page = _open(browser, server["url"], theme, width)
    try:
        seen = {"empty": _axe(page)}
        page.screenshot(path=str(artifacts / f"a11y-empty-{theme}-{width}.png"))
        _reply(page, "راهنما", "/help")
        seen["help"] = _axe(page)
        page.screenshot(path=str(artifacts / f"a11y-help-{theme}-{width}.png"))
        _reply(page, "/status", "پردازنده")
        page.locator(".js-plotly-plot").last.wait_for(state="attached")
        _settled(page)
        seen["status"] = _axe(page)
        page.screenshot(path=str(artifacts / f"a11y-status-{theme}-{width}.png"))
        # The command menu open over the composer, and the readme dialog.
        page.locator("textarea#chat-input").fill("/")
        page.locator("[cmdk-item]").first.wait_for()
        _settled(page)
        seen["command menu"] = _axe(page)
        page.locator("textarea#chat-input").fill("")
        page.locator("[cmdk-item]").first.wait_for(state="detached")
        if width > 640:  # on a phone the readme button sits in the menu
            page.locator("#readme-button").click()
            page.locator('[role="dialog"]').wait_for()
            _settled(page)
            seen["readme dialog"] = _axe(page)
            page.screenshot(path=str(artifacts / f"a11y-readme-{theme}-{width}.png"))
        assert {state: found for state, found in seen.items() if found} == {}
    finally:
        page.context.close()


def _name(page, selector: str) -> str:
    return page.locator(selector).first.evaluate("el => el.getAttribute('aria-label') || el.innerText")


def test_every_control_has_a_persian_name(browser, server):
    page = _open(browser, server["url"])
    try:
        _reply(page, "راهنما", "/help")
        for role, key in [("button", "sidebar"), ("button", "new_chat"), ("button", "theme"), ("button", "mic"),
                          ("button", "upload"), ("button", "send"), ("button", "copy"), ("button", "like"),
                          ("button", "dislike"), ("textbox", "message")]:
            # (a reply's buttons are named by public/rtl.js's next pass, ≤ 40 ms after it appears: waited for)
            page.get_by_role(role, name=NAMES[key], exact=True).first.wait_for(state="attached")
        names = page.evaluate("""() => [...document.querySelectorAll(
            'button, a[href], input:not([type=hidden]), textarea, [role=button], [role=listbox], [role=option]')]
            .filter((el) => el.getClientRects().length)
            .map((el) => (el.getAttribute('aria-label') || el.innerText || el.getAttribute('title') || '').trim())""")
        assert names and all(names), names
        assert not ENGLISH_NAMES & set(names), names
        # Words only in Latin letters are commands and thread titles («/status»), never an English name.
        english = [n for n in names if not PERSIAN.search(n) and not n.startswith("/") and re.search("[A-Za-z]{3}", n)]
        assert not english, english
        # The thread history is a list of threads, in lists that hold only list items.
        assert page.evaluate("""() => [...document.querySelectorAll('ul, ol')].every((l) =>
            l.getAttribute('role') === 'none' || [...l.children].every((c) => c.tagName === 'LI'))""")
    finally:
        page.context.close()


def test_a_polite_live_region_reads_new_replies(browser, server):
    page = _open(browser, server["url"])
    try:
        live = page.locator("#dastyar-live")
        assert live.get_attribute("aria-live") == "polite"
        _reply(page, "راهنما", "/help")
        page.wait_for_function("() => document.getElementById('dastyar-live').textContent.includes('/help')")
        spoken = live.text_content()
        assert spoken.startswith("پاسخ دستیار:"), spoken
        _reply(page, "/status", "پردازنده")
        page.wait_for_function("() => document.getElementById('dastyar-live').textContent.includes('پردازنده')")
        # The region is read, not seen.
        box = live.bounding_box()
        assert box is None or box["width"] <= 1 and box["height"] <= 1
    finally:
        page.context.close()


def test_a_download_asks_shows_a_progressbar_and_its_end_is_read(browser, server, hub, artifacts):
    """Yes/no by keyboard: the buttons go away with the answer and focus returns to the composer, not the page's
    body. The job's «▰▰▱▱» line is a progressbar with its value while the file is held halfway; its end is read."""
    from tests.hub_fixtures import BIG_REPO

    page = _open(browser, server["url"])
    try:
        hub.hold_after_bytes = 1024 * 1024  # the big file waits after 1 MB until released: mid-way on any machine
        _reply(page, f"/download {BIG_REPO}", "دانلود شروع شود؟")
        yes = page.get_by_role("button", name="بله").last  # «بله، انجام بده»
        yes.focus()
        page.keyboard.press("Enter")
        yes.wait_for(state="detached")
        page.wait_for_function("() => document.activeElement && document.activeElement.id === 'chat-input'")
        bar = page.locator('.message-content [role="progressbar"]').last
        bar.wait_for()
        assert hub.holding.wait(60)
        # Its value is the percent the line shows («۱۲٪» -> 12), from 0 to 100; its name is the line without «▰▱».
        value = _PROGRESS_VALUE.replace("BAR", '.message-content [role="progressbar"]')
        # Read in the same call that found it: the job's line is re-rendered as it changes, and a second read could
        # fall between the old element and the new one (it did once, in a clean-clone run).
        now, shown = page.wait_for_function(value).json_value()
        assert now == shown, (now, shown)
        assert bar.get_attribute("aria-valuemin") == "0" and bar.get_attribute("aria-valuemax") == "100"
        label = bar.get_attribute("aria-label") or ""
        assert PERSIAN.search(label) and "▰" not in label and "▱" not in label, label
        _settled(page)
        assert _axe(page) == {}
        page.screenshot(path=str(artifacts / "a11y-progress.png"))
        hub.release()
        page.wait_for_function("() => document.getElementById('dastyar-live').textContent.includes('انجام شد')",
                               timeout=120_000)
        page.wait_for_function(value + "?.[0] === 100")
    finally:
        hub.release()
        page.context.close()


def test_reduced_motion_is_honoured(browser, server):
    page = _open(browser, server["url"], reduced_motion="reduce")
    try:
        _reply(page, "راهنما", "/help")
        page.locator("textarea#chat-input").fill("/")
        page.locator("[cmdk-item]").first.wait_for()
        # Every animation and transition on the page (the menu sliding up, a placeholder's pulse) is over at once.
        running = page.evaluate("""() => document.getAnimations().map((a) => [a.animationName || a.transitionProperty,
                                                                          a.effect.getComputedTiming().duration])""")
        assert all(duration < 1 for _, duration in running), running
        styles = page.evaluate("""() => [...document.querySelectorAll('[class*=animate-], [class*=transition]')]
            .map((el) => getComputedStyle(el)).map((st) => [st.animationDuration, st.transitionDuration])""")
        assert styles and all(float(v.removesuffix("s")) < 0.001 for st in styles for d in st for v in d.split(",")), \
            styles
    finally:
        page.context.close()


def test_help_tables_fit_a_phone(browser, server, artifacts):
    page = _open(browser, server["url"], width=390)
    try:
        summary = _reply(page, "راهنما", "/help")
        topics = sorted({t for t in summary.locator("code").all_inner_texts() if re.fullmatch(r"/help \w+", t)})
        assert topics
        tables = 0
        for topic in topics:
            reply = _reply(page, topic, "")
            for table in reply.locator("table").all():
                tables += 1
                table.scroll_into_view_if_needed()
                wide = table.evaluate("""t => { const box = t.closest('.message-content').getBoundingClientRect();
                                                const r = t.getBoundingClientRect();
                                                return r.right > box.right + 1 || r.left < box.left - 1
                                                    || r.right > window.innerWidth || r.left < 0; }""")
                if wide:
                    page.screenshot(path=str(artifacts / "a11y-table-overflow.png"))
                assert not wide, topic
        assert tables
        page.screenshot(path=str(artifacts / "a11y-help-table-390.png"))
    finally:
        page.context.close()


def test_the_files_the_app_uses_can_be_attached_without_console_warnings(browser, server, tmp_path):
    """[features.spontaneous_file_upload] accept is a MIME -> extensions table: audio and data files (parquet and
    jsonl, which browsers give no type) are let in; the page logged ~190 warnings for the old ["*/*"]."""
    from playwright.sync_api import expect

    page = _open(browser, server["url"], upload_hook=True)
    try:
        files = []
        for name in ["voice.wav", "voice.mp3", "data.csv", "data.tsv", "data.json", "data.jsonl", "data.parquet",
                     "book.xlsx", "notes.txt"]:
            path = tmp_path / name
            path.write_bytes(b"x,y\n1,2\n")
            files.append(path)
        # Attached before anything else is said: the page opens the chat's session (its websocket) only now, while
        # the files are posted; each upload waits for the session (Chainlit alone answered "Session not found").
        for batch in (files[:5], files[5:]):  # max_files = 5 in one message
            page.evaluate("window.dastyarUploads = []")
            page.locator("#upload-button-input").set_input_files([str(p) for p in batch])
            attachments = page.locator("#attachments")
            # Each file uploaded (the server checks type and extension against the same table) and shown.
            page.wait_for_function("n => window.dastyarUploads.length >= n", arg=len(batch))
            assert page.evaluate("window.dastyarUploads") == [200] * len(batch)
            for path in batch:
                attachments.get_by_text(path.name, exact=True).wait_for()
            # Each can be taken off again, by a named button; the next batch is then counted alone.
            # (named by public/rtl.js's next pass, at most 40 ms after the attachments appear: waited for)
            remove = page.get_by_role("button", name=NAMES["remove_attachment"], exact=True)
            expect(remove).to_have_count(len(batch))
            for _ in batch:
                remove.first.click()
            attachments.wait_for(state="detached")
        assert not page.get_by_text("بارگذاری ناموفق").count()
        # Chainlit's own default table (for the moment before the page has its settings) still says "application/*"
        # once or twice at load; nothing about the configured table.
        default = 'warning: Skipped "application/*" because it is not a valid MIME type.'
        assert [m for m in page.console if not m.startswith(default)] == [], page.console
    finally:
        page.context.close()
