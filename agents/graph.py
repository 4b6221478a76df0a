"""The agent as a LangGraph StateGraph with per-conversation memory (a checkpointer on the project's database).

    normalize → route ─┬─ run_tool ─┬─ confirm (interrupt: waits for «بله»/«نه») ─┐
                       ├─ llm ──────┘                                             ├─ reply
                       └──────────────────────────────────────────────────────────┘

Routing order: a slash command; the offline Persian rules when they are confident; follow-ups from the
conversation's memory; the LLM when `ASSISTANT_LLM` is set; else a short Persian "what I can do" reply. When the LLM
fails (timeout, rate limit, server error, malformed output) the offline router's own answer is given, as without an
LLM, under a one-time notice.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage
from langgraph.graph.message import add_messages

from agents import followups, quick
from agents.checkpoint import on_reset
from agents.llm import LLMFailure, run_llm
from agents.router import Route, yes_or_no
from agents.secrets import mask_secrets
from agents.turn import (  # noqa: F401  (AgentReply, Attachment, action_label, choice_index: the agent's face)
    MAX_MESSAGE_CHARS,
    AgentReply,
    Attachment,
    action_label,
    call,
    choice_index,
    remember_uploads,
    reply_of,
    reply_text,
    route_dict,
    route_turn,
    run_route,
)
from assistant.persian import normalize
from prompts import t

log = logging.getLogger(__name__)

KEEP_MESSAGES = 40


class AgentState(TypedDict, total=False):
    # This turn
    text: str
    attachments: list[Attachment]
    normalized: str
    route: dict[str, Any]
    result: dict[str, Any] | None
    reply: str
    job_id: int | None
    notice: str  # a line above this turn's reply (the LLM was not available)
    # The conversation (kept by the checkpointer between turns and restarts)
    messages: Annotated[list[AnyMessage], add_messages]
    last_results: list[dict[str, Any]]
    last_job_id: int | None
    last_model: str | None
    last_dataset: str | None
    last_trained: str | None
    last_goal: dict[str, Any] | None  # a goal being planned: a file sent next is its data
    uploads: list[Attachment]  # the files sent in this conversation, by the names people know them by
    llm_notice_shown: bool


# -- nodes ---------------------------------------------------------------------------------------------------------------


def _normalize(state: AgentState) -> AgentState:
    text = state.get("text", "")
    turn: AgentState = {"result": None, "reply": "", "job_id": None, "route": {}, "notice": ""}
    return {**turn, "normalized": normalize(text)}


def _route(state: AgentState) -> AgentState:
    attachments = state.get("attachments") or []
    update: AgentState = {"route": route_turn(state.get("text", ""), attachments, dict(state))}
    if attachments:
        update["uploads"] = remember_uploads(state.get("uploads"), attachments)
    return update


def _after_route(state: AgentState) -> str:
    r = state["route"]
    if r["tool"] and not r["missing"]:
        return "run_tool"
    if r["source"] == "clarify":
        return "clarify"
    if r["source"] == "llm":
        return "llm"
    return "reply"


def _ask_and_run(state: AgentState, question: dict[str, Any], source: str) -> AgentState:
    """Wait for the person's pick among `question["choices"]` (an interrupt: it survives a reload and a restart),
    then run the picked action; no pick reads as «no»."""
    from langgraph.types import interrupt

    choices = question["choices"]
    answer = interrupt(question)
    # The answer is a turn of its own: a notice shown with the question is not shown again.
    if not isinstance(answer, int) or not 0 <= answer < len(choices):
        return {"result": None, "route": {**state["route"], "reply_key": "agent.declined", "tool": None}, "notice": ""}
    pick = choices[answer]
    result = call(pick["tool"], pick["args"])
    return {
        "notice": "",
        "result": result,
        "job_id": result.get("job_id"),
        "route": {**state["route"], "tool": pick["tool"], "args": pick["args"], "source": source},
        **followups.remember(pick["tool"], pick["args"], result),
    }


def _clarify(state: AgentState) -> AgentState:
    """Ask which of the likeliest actions was meant (like a confirmation); run the one picked."""
    choices = [{**c, "label": action_label(c["tool"], c["args"])} for c in state["route"]["choices"]]
    options = "\n".join(t("agent.clarify_option", n=i + 1, label=c["label"]) for i, c in enumerate(choices))
    return _ask_and_run(state, {"question": t("agent.clarify", options=options), "choices": choices}, "clarified")


def _choose(state: AgentState) -> AgentState:
    """A reply with buttons of its own (a plan card): wait for the pick, then run the picked action."""
    offered = state["result"]
    choices = [{"tool": c["tool"], "args": c["args"], "label": c["label"], "answers": list(c.get("answers") or ())}
               for c in offered["choices"]]
    question = {"question": offered["text"], "choices": choices, "data": offered.get("data") or {},
                "media": offered.get("media") or []}
    return _ask_and_run(state, question, "picked")


def _run_tool(state: AgentState) -> AgentState:
    return run_route(state["route"])


def _llm(state: AgentState) -> AgentState:
    history = [m for m in state.get("messages") or [] if isinstance(m, HumanMessage | AIMessage) or m.type == "tool"]
    try:
        out = run_llm(history, state.get("text", ""), call)
    except LLMFailure:
        # The offline router answers instead (a tool it was less sure of, its clarifying question or the "what I can
        # do" text), as it would with no LLM configured; the notice says so once per conversation.
        notice = "" if state.get("llm_notice_shown") else t("errors.llm_unavailable")
        offline = state["route"].get("offline") or route_dict(Route(None))
        return {"route": offline, "notice": notice, "llm_notice_shown": True}
    update: AgentState = {"messages": out["messages"], "reply": out["reply"]}
    result = out["result"]
    if result is not None:
        update["result"] = {**result, "text": out["reply"] or result["text"]}
        update["job_id"] = result.get("job_id")
        update.update(followups.remember(result["tool"], result["args"], result))
        update["route"] = {**state["route"], "tool": result["tool"], "args": result["args"]}
    return update


def _after_llm(state: AgentState) -> str:
    if (state.get("route") or {}).get("source") != "llm":
        return _after_route(state)  # the LLM failed: the offline route goes on
    return _after_tool(state)


def _after_tool(state: AgentState) -> str:
    result = state.get("result") or {}
    if result.get("choices"):
        return "choose"
    return "confirm" if result.get("confirm") else "reply"


def _confirm(state: AgentState) -> AgentState:
    """Wait for the user's yes (a LangGraph interrupt: it survives a reload and a restart)."""
    from langgraph.types import interrupt

    pending = state["result"]["confirm"]
    answer = interrupt({"question": state["result"]["text"], "tool": pending["tool"]})
    if answer != "yes":
        return {"result": None, "route": {**state["route"], "reply_key": "agent.declined", "tool": None}, "notice": ""}
    result = call(pending["tool"], pending["args"])
    return {
        "notice": "",
        "result": result,
        "job_id": result.get("job_id"),
        "route": {**state["route"], "tool": pending["tool"], "args": pending["args"]},
        **followups.remember(pending["tool"], pending["args"], result),
    }


def _reply(state: AgentState) -> AgentState:
    r = state.get("route") or {}
    result = state.get("result")
    text = state.get("reply") or reply_text(r, result)
    update: AgentState = {"reply": text}
    if r.get("source") != "llm":
        # Offline turns join the history too, so a later LLM turn knows what happened.
        update["messages"] = [HumanMessage(content=state.get("text", "")), AIMessage(content=text[:2000])]
    old = state.get("messages") or []
    if len(old) > KEEP_MESSAGES:
        update["messages"] = [RemoveMessage(id=m.id) for m in old[: len(old) - KEEP_MESSAGES] if m.id] + update.get(
            "messages", []
        )
    return update


@lru_cache(maxsize=1)
def _builder():
    from langgraph.graph import END, START, StateGraph

    graph = StateGraph(AgentState)
    graph.add_node("normalize", _normalize)
    graph.add_node("route", _route)
    graph.add_node("run_tool", _run_tool)
    graph.add_node("llm", _llm)
    graph.add_node("confirm", _confirm)
    graph.add_node("clarify", _clarify)
    graph.add_node("choose", _choose)
    graph.add_node("reply", _reply)
    graph.add_edge(START, "normalize")
    graph.add_edge("normalize", "route")
    graph.add_conditional_edges(
        "route", _after_route, {"run_tool": "run_tool", "llm": "llm", "clarify": "clarify", "reply": "reply"}
    )
    after = {"confirm": "confirm", "choose": "choose", "reply": "reply"}
    graph.add_conditional_edges("run_tool", _after_tool, after)
    graph.add_conditional_edges("llm", _after_llm, {**after, "run_tool": "run_tool", "clarify": "clarify"})
    # A confirmed or picked action may ask its own question (a large download, a training, another plan).
    graph.add_conditional_edges("confirm", _after_tool, after)
    graph.add_conditional_edges("clarify", _after_tool, after)
    graph.add_conditional_edges("choose", _after_tool, after)
    graph.add_edge("reply", END)
    return graph


_compiled: dict[int, tuple[Any, Any]] = {}  # id(checkpointer) → (checkpointer, graph): compiled once per checkpointer


def build_graph():
    from agents.checkpoint import get_checkpointer

    saver = get_checkpointer()
    held = _compiled.get(id(saver))
    if held is None or held[0] is not saver:
        if len(_compiled) > 64:  # savers of ended threads, or of a reset
            _compiled.clear()
        held = _compiled[id(saver)] = (saver, _builder().compile(checkpointer=saver))
    return held[1]


# -- running a turn ------------------------------------------------------------------------------------------------------


# The question each conversation of this process stopped at (None: none), as its last turn ended. Reading it back
# from the checkpoint (`get_state`) deserialises the whole state: a tenth of a busy server's time went there.
_PENDING_MAX = 10_000
_pending: OrderedDict[str, Any] = OrderedDict()
_pending_lock = threading.Lock()


@on_reset  # another database: its conversations are not these
def _clear_pending() -> None:
    with _pending_lock:
        _pending.clear()


def _remember_pending(session_id: str | None, value: Any) -> None:
    with _pending_lock:
        key = session_id or "default"
        _pending[key] = value
        _pending.move_to_end(key)
        while len(_pending) > _PENDING_MAX:
            _pending.popitem(last=False)


def _forget_pending(session_id: str | None) -> None:
    with _pending_lock:
        _pending.pop(session_id or "default", None)


def pending_confirmation(session_id: str | None) -> dict[str, Any] | None:
    key = session_id or "default"
    with _pending_lock:
        if key in _pending:
            return _pending[key]
    # Not seen in this process (a reopened thread, a new CLI process): from the checkpoint.
    graph = build_graph()
    snapshot = graph.get_state(_config(session_id))
    value = next((intr.value for task in snapshot.tasks for intr in task.interrupts), None)
    _remember_pending(session_id, value)
    return value


def _config(session_id: str | None) -> dict[str, Any]:
    return {"configurable": {"thread_id": session_id or quick.THREAD}}


def _run(graph, payload: Any, config: dict[str, Any], on_token: Callable[[str], None] | None) -> dict[str, Any]:
    session_id = config["configurable"]["thread_id"]
    _forget_pending(session_id)  # until this turn has ended, the checkpoint says
    values: dict[str, Any] = {}
    interrupted: Any = None
    # The turn's state is written once, when it ends or stops at a question ("exit"), not after every node: a turn
    # cut short by a crash is simply sent again.
    for mode, chunk in graph.stream(payload, config, stream_mode=["messages", "values", "updates"], durability="exit"):
        if mode == "messages" and on_token is not None:
            message, meta = chunk
            if meta.get("langgraph_node") == "llm" and isinstance(message, AIMessage) and not message.tool_calls:
                content = message.content if isinstance(message.content, str) else ""
                if content:
                    on_token(content)
        elif mode == "values":
            values = chunk
        elif mode == "updates" and "__interrupt__" in chunk:
            interrupted = chunk["__interrupt__"][0].value
    values = dict(values)
    values["__interrupt__"] = interrupted
    _remember_pending(session_id, interrupted)
    if session_id == quick.THREAD:
        quick.ended(values, interrupted)
    return values


def run_agent(
    text: str,
    session_id: str | None = None,
    attachments: list[Attachment] | None = None,
    on_token: Callable[[str], None] | None = None,
) -> AgentReply:
    """Answer one message in a conversation. Never raises: a failure becomes a Persian apology."""
    from langgraph.types import Command

    try:
        graph = build_graph()
        config = _config(session_id)
        if session_id is None:  # the command line's conversation: what its quick turns journalled comes first
            quick.fold(graph, config)
        text = text or ""
        # A message longer than anyone types is read up to a limit (bounded time and memory), and the reply says so.
        cut = len(text) > MAX_MESSAGE_CHARS
        if cut:
            text = text[:MAX_MESSAGE_CHARS]
        text = mask_secrets(text)
        pending = pending_confirmation(session_id)
        if pending is not None and pending.get("choices"):
            index = choice_index(text, len(pending["choices"]), pending["choices"])
            if index is not None:
                return _reply_from(_run(graph, Command(resume=index), config, on_token))
            _run(graph, Command(resume=-1), config, None)  # no pick: the question lapses
        elif pending is not None:
            answer = yes_or_no(text)
            if answer is not None:
                state = _run(graph, Command(resume="yes" if answer else "no"), config, on_token)
                return _reply_from(state)
            # Something else: the question lapses and the message is handled as new.
            _run(graph, Command(resume="no"), config, None)
        state = _run(graph, {"text": text, "attachments": attachments or []}, config, on_token)
        reply = _reply_from(state)
        if cut:
            reply.text = t("errors.message_cut", limit=MAX_MESSAGE_CHARS) + "\n\n" + reply.text
        return reply
    except Exception:
        log.exception("agent failed on a message")
        return AgentReply(text=t("errors.internal"), ok=False)


def _reply_from(state: dict[str, Any]) -> AgentReply:
    reply = reply_of(state)
    if state.get("notice"):
        reply.text = state["notice"] + "\n\n" + reply.text
    return reply


