"""In the browser: an unsure router asks with buttons, and a click runs the action picked."""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, last_reply, open_chat, send

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # Above 1 every Persian message counts as unsure, so the question comes whatever the model thinks.
    with dastyar_server(tmp_path_factory.mktemp("router-data"), DASTYAR_ROUTER_CONFIDENCE="1.5") as srv:
        yield srv


def test_clarifying_question_offers_buttons_and_a_click_acts(server, artifacts):
    with chromium() as browser:
        page = open_chat(browser, server["url"])
        send(page, "وضعیت سیستم")
        question = last_reply(page, "اولی")
        assert "مطمئن نیستم" in question.inner_text()
        button = page.get_by_role("button", name="وضعیت سیستم").last
        button.wait_for()
        page.screenshot(path=str(artifacts / "clarify.png"), full_page=False)
        button.click()
        status = last_reply(page, "پردازنده")
        assert "حافظه" in status.inner_text()
        # Typed instead of clicked: «اولی» picks the first option of a new question (the job list).
        send(page, "کارهام رو نشون بده")
        # Wait on the new question's own option (the first question is still on the page).
        assert "مطمئن نیستم" in last_reply(page, "فهرست کارها").inner_text()
        send(page, "اولی")
        last_reply(page, "هنوز هیچ کاری ثبت نشده")
        page.context.close()
