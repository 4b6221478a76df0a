"""Drill: the LLM server misbehaves — it never answers, stops midway, rate-limits (429), fails (5xx), or calls tools
with an unknown name, broken JSON, a cut-off argument, wrong types or missing arguments, or says nothing at all.

Through the real agent (run_agent → litellm over HTTP → tests/llmserver.py), every time: the person gets a Persian
reply with nothing of the failure's machinery in it (no English error, no traceback, no API key), no tool runs on
arguments the model did not properly give, the key is in no reply, log line or checkpoint, and the conversation goes
on — a slash command works at once, and the model answers again once the server behaves.

When the model cannot answer at all, the product falls back to the offline router — its own answer (a tool it was
less sure of, its clarifying question, or the "what I can do" text) under a one-time notice — as it would with no LLM
configured; the tests check that this answer, not just an apology, arrives.
"""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from agents import intent, llm
from agents.graph import run_agent
from assistant.config import reset_settings
from assistant.jobs import store
from prompts import t
from tests.hub_fixtures import BERT_REPO
from tests.llmserver import LLM_TEST_KEY, ScriptedLLMServer, empty, raw_tool_call, text, tool_call
from tests.test_router import FixedModel

NOTICE = t("errors.llm_unavailable")
ANSWER = "بله، دوباره در خدمتم؛ بگویید چه کاری انجام دهم."
# A message the offline router (told by the llm_server fixture to be unsure of all free text) answers with a
# clarifying question whose first option is the system status.
STATUS_TEXT = "وضعیت سیستم رو بگو"


@pytest.fixture(autouse=True)
def _short_waits(llm_server: ScriptedLLMServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    """Every wait short (a test that goes wrong ends in seconds), and every log line kept for the key check."""
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "5")
    reset_settings()
    monkeypatch.setattr(llm, "RETRY_WAIT", 0.05)
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="LiteLLM")


@pytest.fixture
def tool_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Each tool function that really ran (its arguments accepted), with those arguments."""
    from tools.registry import list_tools

    runs: list[tuple[str, dict[str, Any]]] = []
    for spec in list_tools():
        def recorded(*args: Any, _name: str = spec.name, _func: Any = spec.func, **kwargs: Any) -> Any:
            runs.append((_name, kwargs))
            return _func(*args, **kwargs)

        monkeypatch.setattr(spec, "func", recorded)
    return runs


def assert_clean(reply_text: str) -> None:
    """A reply the person may see: Persian, with nothing of the failure's machinery in it."""
    assert re.search(r"[\u0600-\u06ff]{3}", reply_text), reply_text
    assert LLM_TEST_KEY not in reply_text and "sk-" not in reply_text
    # Latin words may stand in `code` (a slash command, an argument's name), «quotes» (a model's name) and a
    # (gloss) after a Persian term; anything else in Latin letters is English the person was not meant to read.
    prose = re.sub(r"`[^`]*`|«[^»]*»|\([^)]*\)", " ", reply_text)
    assert not re.search(r"[A-Za-z]{3,}", prose), reply_text
    for leak in ("traceback", "litellm", "openai", "error", "exception", "bearer", "redacted", "scripted failure"):
        assert leak not in reply_text.lower(), (leak, reply_text)


def assert_no_leaks(data_dir: Path, caplog: pytest.LogCaptureFixture, server: ScriptedLLMServer) -> None:
    """The key is in no log line, no request body and nowhere in the conversation's memory; nor is the server's
    error text (it repeats the key, as some gateways do) kept in the memory."""
    assert LLM_TEST_KEY not in caplog.text
    assert LLM_TEST_KEY not in json.dumps(server.requests, ensure_ascii=False)
    stored = _stored(data_dir)
    assert LLM_TEST_KEY.encode() not in stored
    assert b"scripted failure" not in stored


def _stored(data_dir: Path) -> bytes:
    db = sqlite3.connect(data_dir / "dastyar.db")
    try:
        cells = [cell for table in ("checkpoints", "writes") for row in db.execute(f"SELECT * FROM {table}")  # noqa: S608
                 for cell in row]
    finally:
        db.close()
    return b"".join(cell if isinstance(cell, bytes) else str(cell).encode() for cell in cells)


def assert_conversation_goes_on(server: ScriptedLLMServer, session: str) -> None:
    """A slash command is answered at once, and, the server behaving, the model answers again."""
    status = run_agent("/status", session)
    assert status.tool == "system_status" and status.ok and NOTICE not in status.text
    server.behave()
    server.script = [text(ANSWER)]
    again = run_agent("حالا یه کار دیگه دارم", session)
    assert again.source == "llm" and again.text == ANSWER, again.text


def assert_offline_status_question(reply: Any) -> None:
    """The offline router's own answer to STATUS_TEXT: its clarifying question, the system status first."""
    assert reply.source == "clarify" and reply.choices and reply.choices[0]["tool"] == "system_status", reply
    assert t("actions.system_status") in reply.text


# -- the server does not answer -----------------------------------------------------------------------------------


def test_a_server_that_never_answers_gets_one_timeout_then_the_offline_router_answers(
        llm_server, monkeypatch, data_dir, caplog, tool_runs):
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "1")
    reset_settings()
    llm_server.stall_seconds = 60
    reply = run_agent(STATUS_TEXT, "stall")
    assert llm_server.stalled.is_set()
    # Not asked again: the person waited one timeout, not three plus back-off (the OpenAI client's own retries).
    assert len(llm_server.requests) == 1
    assert reply.text.startswith(NOTICE)
    assert_offline_status_question(reply)
    assert_clean(reply.text)
    assert tool_runs == []
    # The offline router's question is a real one: the pick runs its action.
    llm_server.behave()
    picked = run_agent("اولی", "stall")
    assert picked.tool == "system_status" and picked.ok and NOTICE not in picked.text
    assert_conversation_goes_on(llm_server, "stall")
    assert_no_leaks(data_dir, caplog, llm_server)


def test_an_answer_that_stops_midway_is_replaced_not_retried(llm_server, monkeypatch, data_dir, caplog, tool_runs):
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "1")
    reset_settings()
    llm_server.script = [text("این پاسخ بلند وسط راه قطع می‌شود و هیچ‌وقت به آخر نمی‌رسد")]
    llm_server.stall_seconds, llm_server.stall_after_chunks = 60, 3
    tokens: list[str] = []
    reply = run_agent(STATUS_TEXT, "midway", on_token=tokens.append)
    assert tokens, "the stream had begun before it stopped"
    # Part of the answer was already shown: asking again would show it twice. The whole reply replaces it.
    assert len(llm_server.requests) == 1
    assert reply.text.startswith(NOTICE) and "".join(tokens) not in reply.text
    assert_offline_status_question(reply)
    assert_clean(reply.text)
    assert tool_runs == []
    assert_conversation_goes_on(llm_server, "midway")
    assert_no_leaks(data_dir, caplog, llm_server)


# -- rate limits and server errors --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [429, 500, 503])
def test_one_rate_limit_or_server_error_is_tried_again(llm_server, data_dir, caplog, status):
    llm_server.statuses = [status]
    llm_server.script = [text(ANSWER)]
    reply = run_agent("یه چیزی بگو", f"once-{status}")
    assert reply.source == "llm" and reply.text == ANSWER
    assert len(llm_server.requests) == 2
    assert_no_leaks(data_dir, caplog, llm_server)


@pytest.mark.parametrize("status", [429, 500])
def test_a_rate_limit_or_server_error_that_stays_gives_the_offline_answer(llm_server, data_dir, caplog, tool_runs,
                                                                          status):
    llm_server.statuses = [status] * 20
    first = run_agent(STATUS_TEXT, f"stays-{status}")
    assert len(llm_server.requests) == 2  # ASSISTANT_LLM_RETRIES=1: one more try, no more
    assert first.text.startswith(NOTICE)
    assert_offline_status_question(first)
    assert_clean(first.text)
    # Still failing: the offline answer again, without the notice (once per conversation is enough).
    second = run_agent("کارها رو نشون بده", f"stays-{status}")
    assert len(llm_server.requests) == 4
    assert NOTICE not in second.text and second.source == "clarify" and second.choices
    assert_clean(second.text)
    assert tool_runs == []
    assert_conversation_goes_on(llm_server, f"stays-{status}")
    assert_no_leaks(data_dir, caplog, llm_server)


@pytest.mark.parametrize("retries", [0, 3])
def test_the_number_of_tries_is_the_setting(llm_server, monkeypatch, retries):
    monkeypatch.setenv("ASSISTANT_LLM_RETRIES", str(retries))
    reset_settings()
    llm_server.statuses = [429] * 20
    assert run_agent("یه چیزی بگو", "tries").text.startswith(NOTICE)
    assert len(llm_server.requests) == retries + 1


def test_a_long_retry_after_is_not_waited_out(llm_server, data_dir, caplog):
    llm_server.statuses = [429] * 20
    llm_server.retry_after = "30"
    started = time.monotonic()
    reply = run_agent(STATUS_TEXT, "retry-after")
    # The server asked for 30 s: more than a chat waits. The offline router answers now, the server is asked once.
    assert len(llm_server.requests) == 1 and time.monotonic() - started < 20
    assert reply.text.startswith(NOTICE)
    assert_offline_status_question(reply)
    assert_conversation_goes_on(llm_server, "retry-after")
    assert_no_leaks(data_dir, caplog, llm_server)


def test_a_short_retry_after_is_honoured(llm_server):
    llm_server.statuses = [429]
    llm_server.retry_after = "0"
    llm_server.script = [text(ANSWER)]
    assert run_agent("یه چیزی بگو", "retry-now").text == ANSWER
    assert len(llm_server.requests) == 2


def test_the_offline_routers_own_guess_runs_when_the_llm_fails(llm_server, monkeypatch, tool_runs):
    """The router guessed the system status but was not sure enough to skip the model (0.7 < 0.9); the model fails:
    the guess is acted on, as it would be with no LLM configured (above DASTYAR_ROUTER_CONFIDENCE)."""
    monkeypatch.setenv("DASTYAR_ROUTER_CONFIDENCE", "0.5")
    reset_settings()
    fixed = FixedModel([("system_status", 0.7), ("list_jobs", 0.2), ("none", 0.1)])
    monkeypatch.setattr(intent, "get_model", lambda: fixed)
    llm_server.status = 500
    reply = run_agent("یه نگاهی به اوضاع بنداز", "guess")
    assert reply.text.startswith(NOTICE) and reply.tool == "system_status" and reply.ok
    assert [name for name, _ in tool_runs] == ["system_status"]
    assert_clean(reply.text)
    # Behaving again, the server gets the same kind of message first: the router was not sure.
    llm_server.behave()
    llm_server.script = [text(ANSWER)]
    again = run_agent("یه نگاهی به اوضاع بنداز", "guess")
    assert again.source == "llm" and again.text == ANSWER


# -- malformed answers ----------------------------------------------------------------------------------------------

REFUSED_UNKNOWN = t("errors.tool_unknown_for_model")
REFUSED_BROKEN = t("errors.tool_args_broken")
BAD_ARGS = t("errors.bad_args")

# (script, what the person reads): a refusal the tool or the agent wrote, or the notice above the offline answer.
MALFORMED = {
    "unknown_tool": ([tool_call("format_disk", {"path": "/"}), empty()], REFUSED_UNKNOWN),
    "arguments_not_json": ([raw_tool_call("job_status", "not json at all")], NOTICE),
    # langchain reads a streamed `{job_id: three` as a call with no arguments; it is refused, not run with none.
    "arguments_half_json": ([raw_tool_call("job_status", "{job_id: three"), empty()], REFUSED_BROKEN),
    "arguments_not_an_object": ([raw_tool_call("job_status", "[3]")], NOTICE),
    # langchain completes a streamed `{"repo_id": "HooshvareLab/bert-fa` into a whole call with a shortened name.
    "arguments_cut_off": ([raw_tool_call("download", '{"repo_id": "HooshvareLab/bert-fa'), empty()], REFUSED_BROKEN),
    "job_id_not_a_number": ([tool_call("job_status", {"job_id": "abc"}), empty()], BAD_ARGS),
    "epochs_negative": ([tool_call("start_training", {"base_model": BERT_REPO, "dataset": "reviews.csv",
                                                      "epochs": -5}), empty()], BAD_ARGS),
    "epochs_infinite": ([raw_tool_call("start_training", f'{{"base_model": "{BERT_REPO}", "dataset": "reviews.csv", '
                                                         '"epochs": 1e309}'), empty()], REFUSED_BROKEN),
    "required_argument_missing": ([tool_call("download", {}), empty()], BAD_ARGS),
    "empty_answer": ([empty()], NOTICE),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_answer_runs_nothing_and_is_said_in_persian(llm_server, data_dir, caplog, tool_runs, case):
    script, said = MALFORMED[case]
    llm_server.script = list(script)
    reply = run_agent(STATUS_TEXT, case)
    assert said in reply.text, reply.text
    if said == NOTICE:
        assert_offline_status_question(reply)
    else:
        # The refusal went back to the model as the call's result; it said nothing more, so the person reads it.
        assert reply.source == "llm" and not reply.ok
        tool_results = [m for m in llm_server.requests[1]["messages"] if m.get("role") == "tool"]
        assert tool_results and said in tool_results[0]["content"]
    assert tool_runs == [] and store.list_jobs() == []
    assert reply.tool != "format_disk" and reply.job_id is None
    assert_clean(reply.text)
    if said == REFUSED_BROKEN:
        # The call as langchain completed it is neither sent back to the model nor kept in the memory: it goes back
        # without arguments, next to its refusal.
        calls = [c for m in llm_server.requests[1]["messages"] for c in m.get("tool_calls") or []]
        assert [json.loads(c["function"]["arguments"]) for c in calls] == [{}]
        assert b"bert-fa" not in _stored(data_dir)
    assert_conversation_goes_on(llm_server, case)
    assert_no_leaks(data_dir, caplog, llm_server)


def test_after_a_refusal_the_models_own_persian_explanation_is_the_reply(llm_server, tool_runs):
    explanation = "شمارهٔ کار را درست نفهمیدم؛ لطفاً عدد آن را بنویسید."
    llm_server.script = [tool_call("job_status", {"job_id": "abc"}), text(explanation)]
    reply = run_agent("وضعیت کار abc چیه؟", "explained")
    assert reply.text == explanation and not reply.ok and reply.tool == "job_status"
    assert tool_runs == []
