"""The LLM path: any litellm model with tool-calling over the same tool registry."""

from __future__ import annotations

import json
import logging
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
        max_retries=1,
        # litellm 1.106 imports its MCP gateway whenever tools are passed, and that needs mcp>=2, which Chainlit
        # (mcp<2) rules out; Dastyar's tools are plain functions, so the gateway is skipped.
        model_kwargs={"_skip_mcp_handler": True},
    )


def tool_specs() -> list[dict[str, Any]]:
    """The tools a model may call, without the arguments only the person may set (their yes)."""
    from tools import list_tools

    who = current_identity()
    return [{"type": "function", "function": spec.json_schema()} for spec in list_tools()
            if spec.model_may_call and who.may_use(spec.name)]


def _model_call_allowed(name: str) -> bool:
    from tools import get_tool

    spec = get_tool(name)
    return spec is not None and spec.model_may_call


class LLMFailure(Exception):
    """The model could not answer (no key, wrong name, rate limit, timeout, malformed output)."""


def run_llm(history: list[Any], text: str, call: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
    """One user turn: the model may call tools (validated by the tools themselves), then answers in Persian.

    Returns {"messages": new messages, "reply": text, "result": last tool result or None, "tools": [...],
    "confirm": a tool result waiting for a yes, or None}.
    """
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

    model = chat_model().bind_tools(tool_specs())
    new: list[Any] = [HumanMessage(content=text)]
    msgs = [SystemMessage(content=document("system")), *history[-HISTORY_MESSAGES:], *new]
    last_result: dict[str, Any] | None = None
    used: list[str] = []
    for _ in range(MAX_TOOL_ROUNDS + 1):
        try:
            ai: AIMessage = model.invoke(msgs)
        except Exception as exc:
            log.warning("LLM call failed: %s", type(exc).__name__)
            raise LLMFailure(type(exc).__name__) from exc
        msgs.append(ai)
        new.append(ai)
        if getattr(ai, "invalid_tool_calls", None) and not ai.tool_calls:
            raise LLMFailure("invalid tool call")
        if not ai.tool_calls:
            return {"messages": new, "reply": _text(ai), "result": last_result, "tools": used, "confirm": None}
        for tc in ai.tool_calls:
            args = tc.get("args") or {}
            if not isinstance(args, dict):
                try:
                    args = json.loads(args)
                except (TypeError, ValueError):
                    args = {}
            # A model may not say yes for the person, nor call what it was not offered (a token, the mirror).
            args = {k: v for k, v in args.items() if k not in USER_ONLY_ARGS}
            if _model_call_allowed(tc["name"]):
                result = call(tc["name"], args)
            else:
                result = {"ok": False, "text": t("errors.tool_not_for_model"), "data": {}, "confirm": None}
            used.append(tc["name"])
            last_result = {**result, "tool": tc["name"], "args": args}
            tool_msg = ToolMessage(content=result["text"][:4000], tool_call_id=tc["id"], name=tc["name"])
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
