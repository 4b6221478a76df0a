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
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Annotated, Any, TypedDict

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, RemoveMessage
from langgraph.graph.message import add_messages

from agents import followups
from agents.checkpoint import on_reset
from agents.llm import LLMFailure, llm_configured, run_llm
from agents.router import Route, route, yes_or_no
from agents.secrets import mask_secrets, scrub, unmask
from assistant.persian import normalize
from prompts import t

log = logging.getLogger(__name__)

_MISSING_EXAMPLES = {
    ("job_status", "job_id"): "/job 3",
    ("cancel_job", "job_id"): "/cancel 3",
    ("resume_job", "job_id"): "/resume 3",
}
KEEP_MESSAGES = 40
LLM_DEFER = 0.9


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
    llm_notice_shown: bool


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
    source: str = "none"
    # A clarifying question's options: {"tool", "args", "label"} each; the UI shows them as buttons.
    choices: list[dict[str, Any]] = field(default_factory=list)


def _route_dict(r: Route) -> dict[str, Any]:
    return {
        "tool": r.tool, "args": r.args, "source": r.source, "reply_key": r.reply_key, "missing": r.missing,
        "choices": r.choices, "next": r.next,
    }


def action_label(tool: str, args: dict[str, Any]) -> str:
    """«دانلود HooshvareLab/…», «لغو کار ۳»: a Persian name for an action, for buttons and offers."""
    import string

    template = t(f"actions.{tool}")
    names = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    values = {name: str(args.get(name) or "").strip() for name in names}
    if any(not v for v in values.values()):
        return t(f"actions.{tool}", **{n: "" for n in names}).replace("  ", " ").strip()
    return t(f"actions.{tool}", **{n: f"«{v}»" for n, v in values.items()})


_ORDINAL_ANSWERS = {
    "اولی": 0, "اول": 0, "یک": 0, "یکی": 0, "1": 0, "۱": 0, "١": 0, "first": 0,
    "دومی": 1, "دوم": 1, "دو": 1, "دوتا": 1, "2": 1, "۲": 1, "٢": 1, "second": 1,
    "سومی": 2, "سوم": 2, "3": 2, "۳": 2, "٣": 2, "third": 2,
    "چهارمی": 3, "چهارم": 3, "4": 3, "۴": 3, "٤": 3, "fourth": 3,
}


def _answer_key(text: str) -> str:
    return normalize(text).replace("\u200c", " ").replace("ٔ", "").strip(" .!؟?").lower()


def choice_index(text: str, count: int, choices: list[dict[str, Any]] | None = None) -> int | None:
    """«اولی»، «دومی رو»، «۲», a button's «1», or one of an option's own answers («شروع», «مدل دیگه»): which
    offered option the user picked."""
    words_ = normalize(text).replace("‌", " ").split()
    if not words_ or len(words_) > 4:
        return None
    said = _answer_key(text)
    for i, choice in enumerate(choices or []):
        if said in {_answer_key(a) for a in choice.get("answers") or ()} or said == _answer_key(choice.get("label", "")):
            return i
    for word in words_:
        for suffix in ("رو", "را", "ش", "و", "یو"):
            if word.endswith(suffix) and word[: -len(suffix)] in _ORDINAL_ANSWERS:
                word = word[: -len(suffix)]
        index = _ORDINAL_ANSWERS.get(word.strip(".!؟?"))
        if index is not None and index < count:
            return index
    return None


def _call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    from tools import call_tool

    return scrub(call_tool(tool, unmask(args)).to_dict())


# -- nodes ---------------------------------------------------------------------------------------------------------------


def _normalize(state: AgentState) -> AgentState:
    text = state.get("text", "")
    turn: AgentState = {"result": None, "reply": "", "job_id": None, "route": {}, "notice": ""}
    return {**turn, "normalized": normalize(text)}


def _route(state: AgentState) -> AgentState:
    attachments = state.get("attachments") or []
    text = state.get("text", "")
    r: Route = route(text) if text.strip() or not attachments else Route(None)
    if not text.lstrip().startswith("/"):
        r = followups.resolve(state.get("normalized", text), r, dict(state))
    _use_attachments(r, attachments, state.get("last_goal"))
    unsure = r.source == "clarify" or (r.tool is None and r.source == "none" and not r.reply_key)
    # With an LLM at hand the offline router keeps only what it is sure of (calibrated: ≥ 0.9 is right ~97% of
    # the time on unseen phrasings, 0.5–0.9 only 60–85%); the LLM decides the rest.
    unsure = unsure or (r.source in ("rules", "smalltalk") and r.confidence < LLM_DEFER)
    if unsure and llm_configured():
        # The router's own answer is kept: if the LLM fails, the person gets it, as they would without an LLM.
        offline = _route_dict(r)
        r.source, r.tool, r.reply_key = "llm", None, None
        return {"route": {**_route_dict(r), "offline": offline}}
    return {"route": _route_dict(r)}


def _use_attachments(r: Route, attachments: list[Attachment], goal: dict[str, Any] | None = None) -> None:
    """An uploaded file fills the argument the message leaves open (audio to transcribe, data to train on, the data
    of the goal being planned)."""
    audio = next((a for a in attachments if is_audio(a)), None)
    data = next((a for a in attachments if is_data_file(a)), None)
    if r.tool == "plan_goal" and data and (not r.args.get("data") or r.args["data"] == data["name"]):
        r.args["data"] = data["path"]  # the goal and its file in one message («با فایل reviews.csv …»)
    elif goal and data and (r.tool is None or r.tool == "start_training" and not r.args.get("base_model")):
        # «دادهٔ خودم» → the file: the goal is planned again on it.
        r.tool, r.source, r.reply_key = "plan_goal", "attachment", None
        r.args = {**goal, "data": data["path"]}
    elif r.tool == "transcribe" and audio and not r.args.get("audio"):
        r.args["audio"] = audio["path"]
    elif r.tool == "start_training" and data and not r.args.get("dataset"):
        r.args["dataset"] = data["path"]
    elif r.tool == "evaluate_model" and data and not r.args.get("dataset"):
        r.args["dataset"] = data["path"]  # «با این فایل ارزیابیش کن»
    elif r.tool == "try_model" and data and not r.args.get("file"):
        r.args["file"] = data["path"]  # «/try 5» with a CSV: every row labelled
    elif r.tool is None and r.source == "none" and audio:
        r.tool, r.args, r.source, r.reply_key = "transcribe", {"audio": audio["path"]}, "attachment", None
    elif r.tool is None and r.source == "none" and data:
        r.reply_key = "agent.data_file_received"
        r.args = {"name": data["name"], "path": data["path"]}
    elif r.tool is None and r.source == "none" and attachments:
        r.reply_key = "agent.file_unsupported"


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
    result = _call(pick["tool"], pick["args"])
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
    r = state["route"]
    result = _call(r["tool"], r["args"])
    nxt = r.get("next")
    if nxt and result.get("ok") and not result.get("confirm"):
        # «اول … بعد …»: the second action is offered as a yes/no question once the first is done.
        label = action_label(nxt["tool"], nxt["args"])
        result = {**result, "confirm": nxt, "text": result["text"] + "\n\n" + t("agent.offer_next", label=label)}
    return {"result": result, "job_id": result.get("job_id"), **followups.remember(r["tool"], r["args"], result)}


def _fallback() -> str:
    from tools.system import fallback_text

    return fallback_text()


def _llm(state: AgentState) -> AgentState:
    history = [m for m in state.get("messages") or [] if isinstance(m, HumanMessage | AIMessage) or m.type == "tool"]
    try:
        out = run_llm(history, state.get("text", ""), _call)
    except LLMFailure:
        # The offline router answers instead (a tool it was less sure of, its clarifying question or the "what I can
        # do" text), as it would with no LLM configured; the notice says so once per conversation.
        notice = "" if state.get("llm_notice_shown") else t("errors.llm_unavailable")
        offline = state["route"].get("offline") or _route_dict(Route(None))
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
    result = _call(pending["tool"], pending["args"])
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
    if state.get("reply"):
        text = state["reply"]
    elif result is not None:
        text = result["text"]
    elif r.get("missing"):
        example = _MISSING_EXAMPLES.get((r["tool"], r["missing"]), f"/{r['tool']}")
        text = t("errors.missing_job_id", example=example)
    else:
        text = t(r["reply_key"], **(r.get("args") or {})) if r.get("reply_key") else _fallback()
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
    return {"configurable": {"thread_id": session_id or "default"}}


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
    return values


MAX_MESSAGE_CHARS = 4000


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
    reply = _reply_of(state)
    if state.get("notice"):
        reply.text = state["notice"] + "\n\n" + reply.text
    return reply


def _reply_of(state: dict[str, Any]) -> AgentReply:
    r = state.get("route") or {}
    result = state.get("result") or {}
    question = state.get("__interrupt__")
    if question is not None and question.get("choices"):
        return AgentReply(
            text=question["question"], tool=r.get("tool") if "data" in question else None,
            args=r.get("args") or {} if "data" in question else {}, ok=True,
            source="clarify" if "data" not in question else r.get("source", "none"),
            data=question.get("data") or {}, media=question.get("media") or [],
            choices=[{"tool": c["tool"], "args": c["args"], "label": c["label"]} for c in question["choices"]],
        )
    if question is not None:
        return AgentReply(
            text=question["question"], tool=r.get("tool"), args=r.get("args") or {}, ok=True,
            data=result.get("data", {}), confirm=result.get("confirm"), source=r.get("source", "none"),
        )
    return AgentReply(
        text=state.get("reply", ""),
        tool=r.get("tool"),
        args=r.get("args") or {},
        ok=result.get("ok", not r.get("missing") and r.get("reply_key") not in ("errors.unknown_command",)),
        data=result.get("data", {}),
        job_id=state.get("job_id"),
        media=result.get("media") or [],
        source=r.get("source", "none"),
    )
