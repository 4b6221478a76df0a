"""The journey in a real browser: a goal sentence → the plan card → «شروع» → the chain ends with a model and an
evaluation report beside the two baselines → a try → a push that the test hub then serves back.

The server reaches a hub of its own (tests/hubserver.py, with uploads); screenshots of the plan card, the live
chain and the evaluation report go to test-artifacts/."""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, last_reply, open_chat, send

pytestmark = BROWSER_MARKS
GOAL = "یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام"


@pytest.fixture(scope="module")
def journey(tmp_path_factory):
    from tests.hub_fixtures import build_test_hub
    from tests.hubserver import HubServer, env_for

    root = tmp_path_factory.mktemp("goal-journey")
    build_test_hub(root / "hub", big_file_mb=1)
    with HubServer(root / "hub") as hub:
        env = {**env_for(hub), "HF_TOKEN": hub.valid_token, "DASTYAR_TRAIN_THREADS": "1"}
        with dastyar_server(root / "data", **env) as srv:
            yield {"url": srv["url"], "hub": hub, "data": srv["data"]}


def test_from_a_goal_to_an_evaluated_tried_and_shared_model(journey, artifacts, tmp_path, monkeypatch):
    from huggingface_hub import constants, snapshot_download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)  # this process pulls the pushed repo back at the end
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)

    with chromium() as browser:
        page = open_chat(browser, journey["url"])
        page.set_default_timeout(60_000)
        send(page, GOAL)
        card = last_reply(page, "نقشهٔ کار", timeout=60_000)
        assert "HooshvareLab/bert-fa-base-uncased" in card.inner_text()
        assert "persiannlp/parsinlu_sentiment" in card.inner_text()
        page.get_by_role("button", name="شروع").last.wait_for()
        page.screenshot(path=str(artifacts / "goal-plan.png"), full_page=True)
        page.get_by_role("button", name="شروع").last.click()

        # The chain's live message: its steps with their marks, one of them running.
        page.locator("text=مراحل:").last.wait_for(timeout=60_000)
        page.locator("text=/مرحلهٔ [۱-۶] از ۶/").last.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "goal-chain-live.png"), full_page=True)

        # The end: the evaluation report beside the baselines, with its confusion picture.
        report = last_reply(page, "امتحانش کنید", timeout=300_000)
        assert "TF-IDF" in report.inner_text() and "F1" in report.inner_text()
        page.locator("img[alt='confusion.png'], img[src*='confusion']").last.wait_for(timeout=30_000)
        page.locator("text=/کار #.* انجام شد/").last.wait_for(timeout=30_000)
        page.screenshot(path=str(artifacts / "goal-evaluation.png"), full_page=True)

        send(page, "امتحانش کن: غذا عالی و داغ بود")
        tried = last_reply(page, "برچسب", timeout=60_000)
        assert "٪" in tried.inner_text() or "%" in tried.inner_text()

        send(page, "مدلمو با اسم my-sentiment بفرست رو هاگینگ‌فیس")
        last_reply(page, "tester/my-sentiment", timeout=60_000)
        page.get_by_role("button", name="بله، انجام بده").last.click()
        last_reply(page, "بارگذاری شد", timeout=120_000)
        page.screenshot(path=str(artifacts / "goal-push.png"), full_page=True)
        assert page.locator("text=Traceback").count() == 0

    hub = journey["hub"]
    pulled = snapshot_download("tester/my-sentiment", endpoint=hub.url, token=hub.valid_token,
                               cache_dir=tmp_path / "pulled")
    from pathlib import Path

    pulled = Path(pulled)
    models = sorted((journey["data"] / "models").glob("job-*"))
    trained = next(m for m in models if (m / "config.json").is_file())
    from assistant.services.hub.upload import shared_files

    local = {p.relative_to(trained).as_posix(): p.read_bytes() for p in shared_files(trained)}
    remote = {p.relative_to(pulled).as_posix(): p.read_bytes() for p in pulled.rglob("*") if p.is_file()}
    assert remote == local and "README.md" in remote and "model.safetensors" in remote
    assert not any(name.startswith(("data/", "checkpoints/")) for name in remote)


def test_a_file_attached_first_is_the_goals_data_by_its_name(journey, artifacts, tmp_path):
    """A new chat whose first act is attaching a file: the page opens the chat's session only then, while the file
    is posted (Chainlit alone answered "Session not found" and the file was lost). The goal sent with it is planned
    on that file, which the card names as it was sent (Chainlit stores it under a generated id)."""
    data = tmp_path / "نظرات مشتری.csv"
    good = ["غذا داغ و خوشمزه بود", "پیک خیلی سریع رسید", "کیفیت عالی بود ممنون", "بسته‌بندی تمیز و مرتب بود"]
    bad = ["غذا سرد رسید", "خیلی دیر آوردن", "مزه‌اش اصلاً خوب نبود", "سفارشم ناقص بود"]
    rows = [f"{text} {n},{label}" for n in range(10) for texts, label in ((good, "HAPPY"), (bad, "SAD"))
            for text in texts]
    data.write_text("comment,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with chromium() as browser:
        page = open_chat(browser, journey["url"])
        page.set_input_files("#upload-button-input", str(data))
        page.locator("#attachments").get_by_text(data.name).wait_for()
        page.locator("textarea#chat-input").fill("با این فایل یه مدل تحلیل احساسات برای نظرات مشتریام بساز")
        # The send button stays disabled until the upload has finished (and for good if it failed).
        page.wait_for_function("() => { const b = document.querySelector('#chat-submit'); return b && !b.disabled; }")
        assert not page.get_by_text("بارگذاری ناموفق").count()
        send(page, "با این فایل یه مدل تحلیل احساسات برای نظرات مشتریام بساز")
        card = last_reply(page, "نقشهٔ کار", timeout=60_000).inner_text()
        page.screenshot(path=str(artifacts / "goal-plan-own-file.png"), full_page=True)
        assert "نظرات_مشتری.csv" in card and "۸۰ ردیف" in card and "persiannlp" not in card, card
