"""End to end: chat history. Threads reopen after a reload and from the sidebar, with their messages, their audio
and the progress of jobs still running; the reopened thread goes on answering. Headless Chromium via Playwright."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.browser_support import CHROMIUM, dastyar_server
from tests.browser_support import last_reply as _last_reply
from tests.browser_support import send as _send

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"),
]

_THREAD_URL = re.compile(r"/thread/([0-9a-f-]{36})")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # The server runs the test job kinds queued by another process in these tests.
    with dastyar_server(tmp_path_factory.mktemp("threads-data"), app=ROOT / "tests" / "fixture_app.py",
                        DASTYAR_TTS_ENGINE="espeak") as srv:
        yield srv


def _open(page, url: str) -> None:
    page.goto(url)
    _ready(page)


def _ready(page) -> None:
    page.wait_for_selector("textarea#chat-input")
    time.sleep(0.5)  # the websocket connects right after the page shows (and _send retries)


def _reload_when_saved(page, server, thread_id: str, contains: str) -> None:
    """Reload once the thread and the reply that contains this text are in the database: the page asks the server for
    the thread on load, and the data layer writes a little after the browser shows the reply."""
    with _db(server) as db:
        _wait_for(lambda: db.execute(
            'SELECT 1 FROM threads t JOIN steps s ON s."threadId" = t."id" WHERE t."id" = ? AND t."userId" IS NOT NULL '
            'AND s."output" LIKE ?', (thread_id, f"%{contains}%")).fetchone(), what="the thread saved")
    page.reload()
    _ready(page)


def _thread_id(page) -> str:
    # The chat becomes /thread/<id> once the first message has made a thread (and the sidebar has it).
    page.wait_for_url(_THREAD_URL, timeout=20_000)
    return _THREAD_URL.search(page.url).group(1)


def _messages(page, step_type: str) -> list[str]:
    return page.locator(f'[data-step-type="{step_type}"] .message-content').all_inner_texts()


def _ask(page, text: str, contains: str):
    """Send a message and wait for a new reply that contains the given text."""
    replies = page.locator('[data-step-type="assistant_message"] .message-content', has_text=contains)
    before = replies.count()
    _send(page, text)
    _wait_for(lambda: replies.count() > before, timeout=30, what=f"a reply to {text!r}")
    return replies.last


def _db(server) -> sqlite3.Connection:
    return sqlite3.connect(server["data"] / "dastyar.db", timeout=10)


def _wait_for(predicate, timeout: float = 15.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_no_login_page_and_a_local_user(page, server):
    assert all("/login" not in url for url in page.visited), page.visited
    assert page.locator("text=برای دسترسی به برنامه وارد شوید").count() == 0
    secret = server["data"] / ".chainlit-auth-secret"
    assert secret.exists() and (secret.stat().st_mode & 0o777) == 0o600
    assert secret.read_text().strip() not in (server["data"] / "server.log").read_text()
    with _db(server) as db:
        assert db.execute("SELECT identifier FROM users").fetchall() == [("local",)]


def test_thread_reopens_after_reload_and_from_the_sidebar(page, server, artifacts):
    assert "دستیار" in _ask(page, "راهنما", "/status").inner_text()
    thread_id = _thread_id(page)

    # A reload reopens the same thread (on_chat_resume) with its messages, and it goes on answering.
    _reload_when_saved(page, server, thread_id, "/status")
    assert _thread_id(page) == thread_id
    _last_reply(page, "/status")
    assert "راهنما" in _messages(page, "user_message")
    _ask(page, "/status", "پردازنده")
    assert _thread_id(page) == thread_id
    page.screenshot(path=str(artifacts / "thread-after-reload.png"), full_page=False)

    # A new chat, then the old thread from the sidebar history.
    _open(page, server["url"])
    assert not _THREAD_URL.search(page.url)
    item = page.locator("[data-sidebar=menu] a", has_text="راهنما").first
    item.wait_for()
    page.screenshot(path=str(artifacts / "thread-sidebar.png"), full_page=False)
    item.click()
    assert _thread_id(page) == thread_id
    _last_reply(page, "پردازنده")
    _last_reply(page, "/status")
    assert _messages(page, "user_message")[:2] == ["راهنما", "/status"]
    _ask(page, "/job abc", "معتبری نیست")
    assert page.locator("text=Traceback").count() == 0
    page.screenshot(path=str(artifacts / "thread-from-sidebar.png"), full_page=False)

    with _db(server) as db:
        rows = db.execute(
            """SELECT "output" FROM steps WHERE "threadId" = ? AND "type" = 'user_message' ORDER BY "createdAt" """,
            (thread_id,),
        ).fetchall()
        assert [r[0] for r in rows] == ["راهنما", "/status", "/job abc"]
        owner = db.execute('SELECT "userIdentifier", "name" FROM threads WHERE "id" = ?', (thread_id,)).fetchone()
        assert owner == ("local", "راهنما")
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        # The agent's memory (LangGraph's checkpointer, when it keeps it in this database) is keyed by the thread.
        if "checkpoints" in tables:
            assert db.execute("SELECT 1 FROM checkpoints WHERE thread_id = ?", (thread_id,)).fetchone()


def test_audio_of_an_old_thread_still_plays(page, server, artifacts):
    _ask(page, "/speak سلام دنیا", "espeak")
    thread_id = _thread_id(page)
    audio = page.locator('[data-step-type="assistant_message"] audio').last
    audio.wait_for(state="attached")

    _reload_when_saved(page, server, thread_id, "espeak")
    assert _thread_id(page) == thread_id
    audio = page.locator('[data-step-type="assistant_message"] audio').last
    audio.wait_for(state="attached")
    src = audio.get_attribute("src") or ""
    assert src.startswith("/dastyar/files/"), src
    response = page.request.get(server["url"] + src)
    assert response.status == 200 and response.headers["content-type"].startswith("audio/")
    assert response.body()[:4] == b"RIFF"
    # The kept file is the signed-in user's only: a browser without the session cookie gets nothing.
    assert httpx.get(server["url"] + src, timeout=5).status_code == 401
    page.screenshot(path=str(artifacts / "thread-audio.png"), full_page=False)


_SUBMIT = (
    "import tests.job_fixtures\n"
    "from assistant.jobs.runner import JobRunner\n"
    "r = JobRunner(); r.start(paused=True)\n"
    "job = r.submit('test_count', {'steps': 100000, 'delay': 0.05}, title='شمارش طولانی')\n"
    "r.shutdown(); print(job.id)\n"
)


def test_running_job_shows_its_progress_again_in_a_reopened_thread(page, server, artifacts):
    out = subprocess.run([sys.executable, "-c", _SUBMIT], cwd=ROOT, env=server["env"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    job_id = int(out.stdout.strip().splitlines()[-1])
    try:
        with _db(server) as db:
            _wait_for(lambda: db.execute("SELECT status FROM job WHERE id = ?", (job_id,)).fetchone()[0] == "running",
                      what="the server to run the job")
        # A chat opened now follows the running job; a first message makes it a thread.
        _open(page, server["url"])
        _last_reply(page, "شمارش طولانی")
        _ask(page, "/status", "پردازنده")
        thread_id = _thread_id(page)

        _reload_when_saved(page, server, thread_id, "پردازنده")
        assert _thread_id(page) == thread_id
        _last_reply(page, "پردازنده")  # the thread's history is back
        # And the job's progress is live again: the count shown goes on rising after the reload.
        shown = _wait_for(lambda: _steps_shown(page), what="a progress message after the reload")
        _wait_for(lambda: _steps_shown(page) > shown + 10, what="live progress after the reload")
        page.screenshot(path=str(artifacts / "thread-job-after-reload.png"), full_page=False)
        _ask(page, "/job abc", "معتبری نیست")
    finally:
        code = f"from assistant.jobs import store\nstore.request_cancel({job_id})\n"
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=server["env"], timeout=60)


def _steps_shown(page) -> int:
    """The highest count any progress message of the test job shows."""
    counts = [int(m) for text in _messages(page, "assistant_message") for m in re.findall(r"step (\d+)/", text)]
    return max(counts, default=0)


def test_chat_settings_come_back_with_the_thread(page, server):
    _ask(page, "/status", "پردازنده")
    thread_id = _thread_id(page)
    page.locator("#chat-settings-open-modal").click()
    page.locator("#speak_replies").click()  # «speak every reply»
    page.locator("[role=dialog] button", has_text="تأیید").click()
    audio = page.locator('[data-step-type="assistant_message"] audio')
    _ask(page, "/status", "پردازنده")
    _wait_for(lambda: audio.count() == 1, what="a spoken reply")

    _reload_when_saved(page, server, thread_id, "پردازنده")
    assert _thread_id(page) == thread_id
    _ask(page, "/status", "پردازنده")
    # The reply in the reopened thread is spoken too: the switch came back with the thread.
    _wait_for(lambda: audio.count() == 2, what="a spoken reply after the reload")
