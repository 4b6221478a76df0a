"""In a real browser: a training job started from the chat shows its progress and a live loss chart (Plotly),
and ends with the model card, the loss plot and a notification. Screenshots go to test-artifacts/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser_support import BROWSER_MARKS, CHROMIUM, CHROMIUM_ARGS, dastyar_server
from tests.browser_support import send as _send
from tests.training_fixtures import sentiment_rows, write_csv

ROOT = Path(__file__).resolve().parent.parent

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def training_server(tmp_path_factory):
    from tests.hub_fixtures import make_tiny_bert

    root = tmp_path_factory.mktemp("browser-training")
    model = make_tiny_bert(root / "tiny-bert")
    data = write_csv(root / "نظرات.csv", sentiment_rows(240, seed=5))
    env = {"HF_HOME": str(root / "hf"), "DASTYAR_TRAIN_THREADS": "1"}
    with dastyar_server(root / "data", **env) as srv:
        yield {"url": srv["url"], "model": model, "data": data}


def test_training_from_the_chat_shows_a_live_loss_chart_and_the_card(training_server, artifacts):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 1000}).new_page()
        page.set_default_timeout(60_000)
        page.goto(training_server["url"])
        page.wait_for_selector("textarea#chat-input")
        page.get_by_text("وضعیت سیستم").first.wait_for()

        # Every drawing of the loss curve is recorded as it happens, so liveness is judged on events, not on
        # two looks a few seconds apart (which a fast job outruns).
        page.evaluate("""() => {
            window.__curves = [];
            new MutationObserver(() => {
              const line = document.querySelector('.js-plotly-plot .scatterlayer .trace path.js-line');
              const d = line && line.getAttribute('d');
              if (d && window.__curves[window.__curves.length - 1] !== d) window.__curves.push(d);
            }).observe(document.body, {subtree: true, childList: true, attributes: true, attributeFilter: ['d']});
        }""")
        _send(page, f"/train base={training_server['model']} data={training_server['data']} epochs=6 batch=2 lr=1e-3")
        page.get_by_text("آموزش را شروع کنم؟").last.wait_for()
        page.screenshot(path=str(artifacts / "training-check.png"))
        page.get_by_role("button", name="بله، انجام بده").last.click()

        # The progress message and its chart while the job runs.
        page.locator("text=نمونه در ثانیه").last.wait_for(timeout=90_000)
        page.locator(".js-plotly-plot").last.wait_for(timeout=60_000)
        page.screenshot(path=str(artifacts / "training-live.png"))

        # The end: the card (with the metrics) and the notification.
        page.locator("text=کارت مدل کار").last.wait_for(timeout=120_000)
        page.locator("text=نتایج روی بخش ارزیابی").last.wait_for()
        page.locator("text=/کار #.* انجام شد/").last.wait_for(timeout=10_000)
        page.screenshot(path=str(artifacts / "training-done.png"), full_page=True)
        assert page.locator("text=Traceback").count() == 0
        curves = page.evaluate("window.__curves")
        # The chart was drawn again with more points while the job ran: at least two different curves, growing.
        assert len(curves) >= 2, "the loss curve did not grow while the job ran"
        assert curves[-1].count("L") > curves[0].count("L"), [c[:60] for c in curves]
        browser.close()
