"""In a real browser: with a scripted OpenAI-compatible LLM server configured, a free-form Persian request runs a
tool and the Persian answer streams in; a large download asks first, and the yes button starts it."""

from __future__ import annotations

import pytest

from tests.browser_support import BROWSER_MARKS, chromium, dastyar_server, open_chat
from tests.browser_support import last_reply as _last_reply
from tests.browser_support import send as _send
from tests.hub_fixtures import BIG_REPO
from tests.hubserver import env_for
from tests.llmserver import ScriptedLLMServer, text, tool_call

ANSWER = "برای شروع، مدل فارسی HooshvareLab/bert-fa-base-uncased را پیشنهاد می‌کنم که بیشترین دانلود را دارد."

pytestmark = BROWSER_MARKS


@pytest.fixture(scope="module")
def llm_server():
    with ScriptedLLMServer([tool_call("search_models", {"query": "bert", "language": "fa"}), text(ANSWER)]) as server:
        yield server


@pytest.fixture(scope="module")
def app(tmp_path_factory, _hub_session, llm_server):
    data = tmp_path_factory.mktemp("browser-llm")
    env = {
        **env_for(_hub_session), "HF_HOME": str(data / "hf"), "DASTYAR_CONFIRM_DOWNLOAD_BYTES": "1000",
        "ASSISTANT_LLM": "openai/scripted", "ASSISTANT_LLM_BASE_URL": llm_server.url, "OPENAI_API_KEY": "sk-test",
    }
    with dastyar_server(data, **env) as srv:
        yield srv["url"]


def test_free_form_persian_runs_a_tool_and_streams_the_answer(app, llm_server, artifacts):
    with chromium() as browser:
        page = open_chat(browser, app)
        # Watch the reply grow: streamed tokens show a partial answer before the whole one.
        page.evaluate("""() => {
            window.__partials = new Set();
            new MutationObserver(() => {
              document.querySelectorAll('[data-step-type="assistant_message"] .message-content').forEach(
                el => window.__partials.add(el.innerText.trim()));
            }).observe(document.body, {subtree: true, childList: true, characterData: true});
        }""")
        _send(page, "به نظرت برای شروع کار با متن فارسی از کجا شروع کنم؟")
        reply = _last_reply(page, "بیشترین دانلود")
        assert "HooshvareLab/bert-fa-base-uncased" in reply.inner_text()
        partials = page.evaluate("Array.from(window.__partials)")
        assert any(0 < len(s) < len(ANSWER) - 5 and ANSWER.startswith(s[:10]) for s in partials), partials
        # The model asked for the search tool, and got its result back.
        assert llm_server.requests[0]["tools"]
        # What went back to the model is the real search's result from the test hub, not a word of the script.
        tool_results = [str(m.get("content")) for m in llm_server.requests[1]["messages"] if m.get("role") == "tool"]
        assert any("HooshvareLab/bert-fa-base-uncased" in content for content in tool_results), tool_results
        page.screenshot(path=str(artifacts / "llm-stream.png"))

        # A download above the size limit asks first; the yes button starts it.
        _send(page, f"/download {BIG_REPO}")
        _last_reply(page, "شروع شود")
        page.get_by_role("button", name="بله، انجام بده").click()
        _last_reply(page, "انجام شد", timeout=60_000)
        page.screenshot(path=str(artifacts / "confirm-download.png"))
