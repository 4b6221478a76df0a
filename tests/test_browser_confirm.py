"""A question survives a reload: a download big enough to ask first, the page reloaded before the answer, then «بله»
typed in the reopened thread — the download runs once, from the same pending question (kept with the thread by the
agent's checkpointer), and a second «بله» starts nothing."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, last_reply, open_chat, send

pytestmark = BROWSER_MARKS
_THREAD_URL = re.compile(r"/thread/([0-9a-f-]{36})")


@pytest.fixture(scope="module")
def asking(tmp_path_factory):
    from tests.hub_fixtures import build_test_hub
    from tests.hubserver import HubServer, env_for

    root = tmp_path_factory.mktemp("confirm-reload")
    build_test_hub(root / "hub", big_file_mb=1)
    with HubServer(root / "hub") as hub:
        env = {**env_for(hub), "DASTYAR_CONFIRM_DOWNLOAD_BYTES": "100000"}  # the 1 MB repo asks first
        with dastyar_server(root / "data", **env) as srv:
            yield srv


def _downloads(data) -> list[tuple]:
    with sqlite3.connect(data / "dastyar.db", timeout=30) as db:
        return db.execute("SELECT id, status FROM job WHERE kind = 'download'").fetchall()


def test_a_confirmation_is_answered_after_a_reload(asking, artifacts):
    from tests.hub_fixtures import BIG_REPO

    with chromium() as browser:
        page = open_chat(browser, asking["url"])
        page.set_default_timeout(60_000)
        send(page, f"/download {BIG_REPO}")
        last_reply(page, "دانلود شروع شود؟", timeout=60_000)
        page.wait_for_url(_THREAD_URL, timeout=30_000)
        thread = _THREAD_URL.search(page.url).group(1)
        assert _downloads(asking["data"]) == []  # asked, nothing started

        page.reload()
        page.wait_for_selector("textarea#chat-input")
        last_reply(page, "دانلود شروع شود؟", timeout=60_000)  # the reopened thread shows the question
        assert _THREAD_URL.search(page.url).group(1) == thread

        send(page, "بله")
        last_reply(page, "دانلود شد", timeout=120_000)
        page.screenshot(path=str(artifacts / "confirm-after-reload.png"), full_page=True)
        jobs = _downloads(asking["data"])
        assert len(jobs) == 1 and jobs[0][1] == "succeeded", jobs

        replies = page.locator('[data-step-type="assistant_message"] .message-content')
        before = replies.count()
        send(page, "بله")  # the question was answered: a second yes is not a second download
        page.wait_for_function("n => document.querySelectorAll("
                               "'[data-step-type=\"assistant_message\"] .message-content').length > n", arg=before)
        assert "شروع شد" not in replies.last.inner_text(), replies.last.inner_text()
        assert len(_downloads(asking["data"])) == 1
        assert page.locator("text=Traceback").count() == 0
