"""The LLM path: any litellm model with tool-calling over the same tool registry."""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from typing import Any

from assistant.config import get_settings
from assistant.identity import current as current_identity
from prompts import document, t
from tools.registry import USER_ONLY_ARGS

log = logging.getLogger(__name__)

# Tests (and embedders) may supply their own chat model; the product builds ChatLiteLLM from settings.
_factory: Callable[[], Any] | None = None
MAX_TOOL_ROUNDS = 4
HISTORY_MESSAGES = 20
# A rate limit or a server error is tried again (ASSISTANT_LLM_RETRIES times) after this wait, doubled each time, or
# after the server's Retry-After; a wait longer than RETRY_WAIT_MAX is not spent in a chat: the offline router answers.
RETRY_WAIT = 0.5
RETRY_WAIT_MAX = 5.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


def set_chat_model_factory(factory: Callable[[], Any] | None) -> None:
    global _factory
    _factory = factory


def llm_configured() -> bool:
    return _factory is not None or bool(get_settings().assistant_llm)


def chat_model():
    if _factory is not None:
        return _factory()
    from langchain_litellm import ChatLiteLLM

    settings = get_settings()
    return ChatLiteLLM(
        model=settings.assistant_llm,
        api_base=settings.assistant_llm_base_url,
        streaming=True,
        temperature=0,
        request_timeout=settings.llm_timeout_seconds,
        max_retries=1,  # langchain's own retry loop: one attempt; run_llm decides what is tried again
        # litellm 1.106 imports its MCP gateway whenever tools are passed, and that needs mcp>=2, which Chainlit
        # (mcp<2) rules out; Dastyar's tools are plain functions, so the gateway is skipped.
        # max_retries=0 reaches the OpenAI client litellm uses: left at its default it tried twice more on a timeout,
        # so a silent server kept the person waiting three timeouts plus back-off, and it waited out a minute-long
        # Retry-After.
        model_kwargs={"_skip_mcp_handler": True, "max_retries": 0},
    )


def tool_specs() -> list[dict[str, Any]]:
    """The tools a model may call, without the arguments only the person may set (their yes)."""
    from tools import list_tools

    who = current_identity()
    return [{"type": "function", "function": spec.json_schema()} for spec in list_tools()
            if spec.model_may_call and who.may_use(spec.name)]


def _known_tool(name: str) -> bool:
    from tools import get_tool

    return get_tool(name) is not None


def _model_call_allowed(name: str) -> bool:
    from tools import get_tool

    spec = get_tool(name)
    return spec is not None and spec.model_may_call


class LLMFailure(Exception):
    """The model could not answer (no key, wrong name, rate limit, timeout, malformed output)."""


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _retry_wait(exc: BaseException, attempt: int) -> float | None:
    """Seconds to wait before trying again after `exc`, or None when it is not worth another try."""
    if _status(exc) not in _RETRY_STATUSES:
        return None
    from litellm.exceptions import APIConnectionError, MidStreamFallbackError

    # litellm reports a dropped connection as a "500" and a stream that stopped midway as a "503" too: the server is
    # not there, or part of the answer has already been shown; neither is helped by asking again.
    if isinstance(exc, APIConnectionError | MidStreamFallbackError):
        return None
    wait = RETRY_WAIT * 2**attempt
    headers = getattr(exc, "litellm_response_headers", None) or {}
    try:
        said = float(headers.get("retry-after", ""))
    except (TypeError, ValueError):  # absent, or an HTTP date: the usual back-off
        said = None
    if said is not None and math.isfinite(said):
        wait = max(said, 0.0)
    return wait if wait <= RETRY_WAIT_MAX else None


def _invoke(model: Any, msgs: list[Any]) -> Any:
    """One model call, tried again after a rate limit or a server error; every failure becomes LLMFailure.

    Only the exception's type and status are logged: its text may quote the request (a gateway that repeats the
    key, the person's message) and the person sees a Persian notice, never the text."""
    retries = get_settings().llm_retries
    attempt = 0
    while True:
        try:
            return model.invoke(msgs)
        except Exception as exc:
            wait = _retry_wait(exc, attempt) if attempt < retries else None
            if wait is None:
                log.warning("LLM call failed: %s (status %s)", type(exc).__name__, _status(exc))
                raise LLMFailure(type(exc).__name__) from exc
            log.info("LLM call failed: %s (status %s); trying again in %.1fs", type(exc).__name__, _status(exc),
                     wait)
            time.sleep(wait)
            attempt += 1


def _finite(number: str) -> float:
    value = float(number)
    if not math.isfinite(value):  # 1e309: a model never means infinity, and "Infinity" is no JSON to send back
        raise ValueError(number)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity


def _strict_args(raw: str) -> dict[str, Any] | None:
    """A tool call's arguments as the model wrote them: a JSON object, else None. Empty means no arguments; one
    level of JSON-in-a-string is undone (some servers encode twice)."""
    if not raw.strip():
        return {}
    value: Any = raw
    for _ in range(2):
        if not isinstance(value, str):
            break
        try:
            value = json.loads(value, parse_float=_finite, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            return None
    return value if isinstance(value, dict) else None


def _raw_arguments(ai: Any) -> dict[str, str]:
    """Each tool call's arguments text as the server sent it, by call id.

    langchain reads a streamed call's arguments leniently (a cut-off `{"repo_id": "HooshvareLab/bert-fa` becomes a
    whole call with a shortened name), so the calls are judged on the text itself."""
    raw: dict[str, str] = {}
    for call in (getattr(ai, "additional_kwargs", None) or {}).get("tool_calls") or []:
        get = call.get if isinstance(call, dict) else lambda key, c=call: getattr(c, key, None)
        function = get("function")
        arguments = function.get("arguments") if isinstance(function, dict) else getattr(function, "arguments", None)
        if get("id") and isinstance(arguments, str):
            raw[get("id")] = arguments
    return raw


def _checked_args(tc: dict[str, Any], raw: str | None) -> dict[str, Any] | None:
    """The arguments a tool may be called with, or None when the model's are not a well-formed JSON object."""
    if raw is not None:
        return _strict_args(raw)
    args = tc.get("args")
    if not isinstance(args, dict):
        return None
    try:
        json.dumps(args, allow_nan=False)
    except (TypeError, ValueError):
        return None
    return args


def _refused(key: str) -> dict[str, Any]:
    return {"ok": False, "text": t(key), "data": {"error": "refused"}, "confirm": None, "job_id": None}


def run_llm(history: list[Any], text: str, call: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """One user turn: the model may call tools (validated by the tools themselves), then answers in Persian.

    Returns {"messages": new messages, "reply": text, "result": last tool result or None, "tools": [...],
    "confirm": a tool result waiting for a yes, or None}. Raises LLMFailure when the model gives no usable answer.
    """
    from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage

    model = chat_model().bind_tools(tool_specs())
    new: list[Any] = [HumanMessage(content=text)]
    msgs = [SystemMessage(content=document("system")), *history[-HISTORY_MESSAGES:], *new]
    last_result: dict[str, Any] | None = None
    used: list[str] = []
    for _ in range(MAX_TOOL_ROUNDS + 1):
        ai = _invoke(model, msgs)
        if getattr(ai, "invalid_tool_calls", None) and not ai.tool_calls:
            log.warning("LLM answer unusable: tool calls that could not be read")
            raise LLMFailure("invalid tool call")
        if not ai.tool_calls:
            reply = _text(ai)
            if not reply.strip() and last_result is None:
                # Nothing said and nothing done: the offline router answers rather than an empty bubble.
                log.warning("LLM answer unusable: empty")
                raise LLMFailure("empty answer")
            msgs.append(ai)
            new.append(ai)
            return {"messages": new, "reply": reply, "result": last_result, "tools": used, "confirm": None}
        raw = _raw_arguments(ai)
        checked = [(tc, _checked_args(tc, raw.get(tc["id"]) if tc.get("id") else None)) for tc in ai.tool_calls]
        # What goes back to the model and into the conversation's memory is the calls as they were judged (a refused
        # call with no arguments), never the arguments as langchain guessed them.
        ai = ai.model_copy(update={
            "tool_calls": [{**tc, "args": args or {}} for tc, args in checked],
            "additional_kwargs": {k: v for k, v in ai.additional_kwargs.items() if k != "tool_calls"},
        })
        msgs.append(ai)
        new.append(ai)
        for tc, args in checked:
            name = tc["name"]
            known = _known_tool(name)
            if not known:
                result = _refused("errors.tool_unknown_for_model")
            elif not _model_call_allowed(name):
                result = _refused("errors.tool_not_for_model")
            elif args is None:
                result = _refused("errors.tool_args_broken")
            else:
                # A model may not say yes for the person, nor call what it was not offered (a token, the mirror).
                args = {k: v for k, v in args.items() if k not in USER_ONLY_ARGS}
                result = call(name, args)
            used.append(name)
            # An invented tool name is not reported as the turn's tool (the reply, the follow-up memory).
            last_result = {**result, "tool": name if known else None, "args": args or {}}
            tool_msg = ToolMessage(content=result["text"][:4000], tool_call_id=tc["id"], name=name)
            msgs.append(tool_msg)
            new.append(tool_msg)
            if result.get("confirm"):
                # The question goes to the user; the conversation resumes with their answer.
                return {"messages": new, "reply": result["text"], "result": last_result, "tools": used,
                        "confirm": last_result}
    return {"messages": new, "reply": _text(msgs[-1]) or (last_result or {}).get("text", ""), "result": last_result,
            "tools": used, "confirm": None}


def _text(message: Any) -> str:
    content = getattr(message, "content", "")
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return content or ""
