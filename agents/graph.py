"""The agent as a LangGraph StateGraph: normalize → route → run tool → reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypedDict

from agents.router import Route, route
from assistant.persian import normalize
from prompts import t

log = logging.getLogger(__name__)

_MISSING_EXAMPLES = {
    ("job_status", "job_id"): "/job 3",
    ("cancel_job", "job_id"): "/cancel 3",
    ("resume_job", "job_id"): "/resume 3",
}


class AgentState(TypedDict, total=False):
    text: str
    session_id: str | None
    normalized: str
    route: dict[str, Any]
    result: dict[str, Any] | None
    reply: str
    job_id: int | None


@dataclass
class AgentReply:
    text: str
    tool: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    ok: bool = True
    data: dict[str, Any] = field(default_factory=dict)
    job_id: int | None = None


def _normalize(state: AgentState) -> AgentState:
    return {"normalized": normalize(state.get("text", ""))}


def _route(state: AgentState) -> AgentState:
    r: Route = route(state.get("text", ""))
    return {"route": {"tool": r.tool, "args": r.args, "source": r.source, "reply_key": r.reply_key, "missing": r.missing}}


def _after_route(state: AgentState) -> str:
    r = state["route"]
    if r["tool"] and not r["missing"]:
        return "run_tool"
    return "reply"


def _run_tool(state: AgentState) -> AgentState:
    from tools import call_tool

    r = state["route"]
    result = call_tool(r["tool"], r["args"])
    return {"result": result.to_dict(), "job_id": result.job_id}


def _reply(state: AgentState) -> AgentState:
    r = state.get("route") or {}
    result = state.get("result")
    if result is not None:
        return {"reply": result["text"]}
    if r.get("missing"):
        example = _MISSING_EXAMPLES.get((r["tool"], r["missing"]), f"/{r['tool']}")
        return {"reply": t("errors.missing_job_id", example=example)}
    key = r.get("reply_key") or "agent.fallback"
    args = r.get("args") or {}
    return {"reply": t(key, **args) if "{" in t(key) else t(key)}


@lru_cache(maxsize=1)
def build_graph():
    from langgraph.graph import END, START, StateGraph

    graph = StateGraph(AgentState)
    graph.add_node("normalize", _normalize)
    graph.add_node("route", _route)
    graph.add_node("run_tool", _run_tool)
    graph.add_node("reply", _reply)
    graph.add_edge(START, "normalize")
    graph.add_edge("normalize", "route")
    graph.add_conditional_edges("route", _after_route, {"run_tool": "run_tool", "reply": "reply"})
    graph.add_edge("run_tool", "reply")
    graph.add_edge("reply", END)
    return graph.compile()


def run_agent(text: str, session_id: str | None = None) -> AgentReply:
    """Answer one message. Never raises: a failure becomes a Persian apology."""
    try:
        state = build_graph().invoke({"text": text, "session_id": session_id})
    except Exception:
        log.exception("agent failed on a message")
        return AgentReply(text=t("errors.internal"), ok=False)
    r = state.get("route") or {}
    result = state.get("result") or {}
    return AgentReply(
        text=state.get("reply", ""),
        tool=r.get("tool"),
        args=r.get("args") or {},
        ok=result.get("ok", r.get("tool") is None and not r.get("missing")),
        data=result.get("data", {}),
        job_id=state.get("job_id"),
    )
