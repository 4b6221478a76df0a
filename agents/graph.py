"""The agent as a LangGraph StateGraph: normalize → route → run tool → reply."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypedDict

from agents.memory import conversation
from agents.router import Route, route, yes_or_no
from assistant.persian import normalize
from prompts import t

log = logging.getLogger(__name__)

_MISSING_EXAMPLES = {
    ("job_status", "job_id"): "/job 3",
    ("cancel_job", "job_id"): "/cancel 3",
    ("resume_job", "job_id"): "/resume 3",
}


class Attachment(TypedDict):
    """A file the user sent with the message (an upload or a recorded voice message)."""

    name: str
    path: str
    mime: str


AUDIO_SUFFIXES = (".wav", ".mp3", ".ogg", ".opus", ".m4a", ".webm", ".flac", ".aac", ".oga")
DATA_SUFFIXES = (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".txt")


def is_audio(att: Attachment) -> bool:
    return att["mime"].startswith("audio/") or att["name"].lower().endswith(AUDIO_SUFFIXES)


def is_data_file(att: Attachment) -> bool:
    return att["name"].lower().endswith(DATA_SUFFIXES)


class AgentState(TypedDict, total=False):
    text: str
    session_id: str | None
    attachments: list[Attachment]
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
    confirm: dict[str, Any] | None = None
    media: list[dict[str, Any]] = field(default_factory=list)


def _normalize(state: AgentState) -> AgentState:
    text = state.get("text", "")
    # Slash commands need no hazm (which costs two seconds to load in a fresh process).
    return {"normalized": normalize(text, use_hazm=not text.lstrip().startswith("/"))}


def _route(state: AgentState) -> AgentState:
    attachments = state.get("attachments") or []
    text = state.get("text", "")
    conv = conversation(state.get("session_id"))
    if conv.pending is not None:
        answer = yes_or_no(text)
        pending, conv.pending = conv.pending, None
        if answer is True:
            return {"route": {"tool": pending["tool"], "args": pending["args"], "source": "confirm", "reply_key": None,
                              "missing": None}}
        if answer is False:
            return {"route": {"tool": None, "args": {}, "source": "confirm", "reply_key": "agent.declined",
                              "missing": None}}
        # Anything else: the question lapses and the message is handled as new.
    r: Route = route(text) if text.strip() or not attachments else Route(None)
    _use_attachments(r, attachments)
    if r.tool == "try_model" and not r.args.get("model") and conv.last_model:
        r.args["model"] = conv.last_model  # «این مدل رو امتحان کن: …» — the model this conversation last used
    return {"route": {"tool": r.tool, "args": r.args, "source": r.source, "reply_key": r.reply_key, "missing": r.missing}}


def _use_attachments(r: Route, attachments: list[Attachment]) -> None:
    """An uploaded file fills the argument the message leaves open (audio to transcribe, data to train on)."""
    audio = next((a for a in attachments if is_audio(a)), None)
    data = next((a for a in attachments if is_data_file(a)), None)
    if r.tool == "transcribe" and audio and not r.args.get("audio"):
        r.args["audio"] = audio["path"]
    elif r.tool == "start_training" and data and not r.args.get("dataset"):
        r.args["dataset"] = data["path"]
    elif r.tool is None and r.source in ("none",) and audio:
        r.tool, r.args, r.source, r.reply_key = "transcribe", {"audio": audio["path"]}, "attachment", None
    elif r.tool is None and r.source in ("none",) and data:
        r.reply_key = "agent.data_file_received"
        r.args = {"name": data["name"], "path": data["path"]}


def _after_route(state: AgentState) -> str:
    r = state["route"]
    if r["tool"] and not r["missing"]:
        return "run_tool"
    return "reply"


def _run_tool(state: AgentState) -> AgentState:
    from tools import call_tool

    r = state["route"]
    result = call_tool(r["tool"], r["args"])
    conv = conversation(state.get("session_id"))
    if result.confirm:
        conv.pending = result.confirm
    if result.job_id is not None:
        conv.last_job_id = result.job_id
    if result.ok and result.data.get("last_model"):
        conv.last_model = str(result.data["last_model"])
    return {"result": result.to_dict(), "job_id": result.job_id}


def _reply(state: AgentState) -> AgentState:
    r = state.get("route") or {}
    if state.get("attachments") and not (state.get("text") or "").strip() and not r.get("tool") and not r.get("reply_key"):
        r = {**r, "reply_key": "agent.file_unsupported", "args": {}}
    result = state.get("result")
    if result is not None:
        return {"reply": result["text"]}
    if r.get("missing"):
        example = _MISSING_EXAMPLES.get((r["tool"], r["missing"]), f"/{r['tool']}")
        return {"reply": t("errors.missing_job_id", example=example)}
    key = r.get("reply_key") or "agent.fallback"
    args = r.get("args") or {}
    return {"reply": t(key, **args)}


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


def run_agent(text: str, session_id: str | None = None, attachments: list[Attachment] | None = None) -> AgentReply:
    """Answer one message. Never raises: a failure becomes a Persian apology."""
    try:
        state = build_graph().invoke({"text": text, "session_id": session_id, "attachments": attachments or []})
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
        confirm=result.get("confirm"),
        media=result.get("media") or [],
    )
