"""One turn's steps that need no graph: route a message, run its tool, word the reply.

The LangGraph agent (agents/graph.py) wraps them as nodes and adds what needs a conversation store: questions that
wait for an answer (interrupts), the LLM and the history. The command line answers a turn that needs none of that
with these alone (agents/quick.py), without importing LangGraph.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from agents import followups
from agents.llm import llm_configured
from agents.router import Route, route
from agents.secrets import scrub, unmask
from assistant.persian import fa_digits, normalize
from prompts import t

MISSING_EXAMPLES = {
    ("job_status", "job_id"): "/job 3",
    ("cancel_job", "job_id"): "/cancel 3",
    ("resume_job", "job_id"): "/resume 3",
}
LLM_DEFER = 0.9  # with an LLM configured, the router's answers below this go to the LLM (see route_turn)
# A message longer than anyone types is read up to a limit (bounded time and memory), and the reply says so.
MAX_MESSAGE_CHARS = 4000


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


def route_dict(r: Route) -> dict[str, Any]:
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
    # A job's number as people read it («لغو کار ۳»); names and queries quoted.
    return t(f"actions.{tool}", **{n: fa_digits(v) if v.isascii() and v.isdigit() else f"«{v}»" for n, v in values.items()})


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


def call(tool: str, args: dict[str, Any]) -> dict[str, Any]:
    from tools import call_tool

    return scrub(call_tool(tool, unmask(args)).to_dict())




def route_turn(text: str, attachments: list[Attachment], memory: dict[str, Any]) -> dict[str, Any]:
    """This message's route (as a dict for the state): a slash command, the offline router, what the conversation's
    memory fills in, its files; handed to the LLM (source "llm") when the router is unsure and an LLM is configured."""
    r: Route = route(text) if text.strip() or not attachments else Route(None)
    if not text.lstrip().startswith("/"):
        r = followups.resolve(normalize(text), r, memory)
    use_attachments(r, attachments, memory.get("last_goal"), [*(memory.get("uploads") or []), *attachments])
    unsure = r.source == "clarify" or (r.tool is None and r.source == "none" and not r.reply_key)
    # With an LLM at hand the offline router keeps only what it is sure of (calibrated: ≥ 0.9 is right ~97% of
    # the time on unseen phrasings, 0.5–0.9 only 60–85%); the LLM decides the rest.
    unsure = unsure or (r.source in ("rules", "smalltalk") and r.confidence < LLM_DEFER)
    if unsure and llm_configured():
        # The router's own answer is kept: if the LLM fails, the person gets it, as they would without an LLM.
        offline = route_dict(r)
        r.source, r.tool, r.reply_key = "llm", None, None
        return {**route_dict(r), "offline": offline}
    return route_dict(r)


def run_route(r: dict[str, Any]) -> dict[str, Any]:
    """Run the routed tool: the state's update (its result, its job, what the memory learns)."""
    result = call(r["tool"], r["args"])
    nxt = r.get("next")
    if nxt and result.get("ok") and not result.get("confirm"):
        # «اول … بعد …»: the second action is offered as a yes/no question once the first is done.
        label = action_label(nxt["tool"], nxt["args"])
        result = {**result, "confirm": nxt, "text": result["text"] + "\n\n" + t("agent.offer_next", label=label)}
    return {"result": result, "job_id": result.get("job_id"), **followups.remember(r["tool"], r["args"], result)}


def reply_text(r: dict[str, Any], result: dict[str, Any] | None) -> str:
    """The reply of a turn that ended without the LLM: the tool's text, what is missing, or the router's line."""
    if result is not None:
        return result["text"]
    if r.get("missing"):
        example = MISSING_EXAMPLES.get((r["tool"], r["missing"]), f"/{r['tool']}")
        return t("errors.missing_job_id", example=example)
    return t(r["reply_key"], **(r.get("args") or {})) if r.get("reply_key") else fallback()


# The argument of each tool that names a file the person may have sent.
FILE_ARGS = {"transcribe": "audio", "start_training": "dataset", "evaluate_model": "dataset", "try_model": "file",
             "plan_goal": "data"}
KEEP_UPLOADS = 20


def remember_uploads(known: list[Attachment] | None, attachments: list[Attachment]) -> list[Attachment]:
    """The files sent in this conversation, newest last (the memory's `uploads`)."""
    # A name comes from the browser: kept no longer than a file system allows one.
    return [*(known or []), *({"name": str(a["name"])[:255], "path": a["path"], "mime": str(a.get("mime", ""))[:100]}
                              for a in attachments)][-KEEP_UPLOADS:]


def sent_file(value: str, uploads: list[Attachment]) -> Attachment | None:
    """The file sent in this conversation that a bare name in the message stands for: «voice.ogg رو به متن تبدیل کن»
    (Chainlit keeps uploads under generated names, so the name people know is not a path). The newest wins; a name
    without its extension matches too («فایل نظرات رو …» → نظرات.csv)."""
    def squashed(text: str) -> str:  # dashes and underscores are seldom said: «ویس نوت» is voice-note
        return re.sub(r"[\s\-_]+", "", text.strip().casefold())

    name = squashed(value)
    if not name or "/" in name or "\\" in name:
        return None  # a path with folders is a path
    for sent in reversed(uploads):
        known = squashed(sent["name"])
        if known == name or ("." not in name and known.rsplit(".", 1)[0] == name):
            return sent
    # A name in the other script: «نظرات.csv» said or typed for nazarat.csv (the extension must agree when said).
    from agents.dictation import sound_skeleton

    stem, _, ext = name.rpartition(".") if "." in name else (name, "", "")
    sound = sound_skeleton(stem)
    for sent in reversed(uploads) if sound else ():
        known_stem, _, known_ext = squashed(sent["name"]).rpartition(".")
        if sound_skeleton(known_stem or known_ext) == sound and (not ext or ext == known_ext):
            return sent
    return None


def use_attachments(r: Route, attachments: list[Attachment], goal: dict[str, Any] | None = None,
                    uploads: list[Attachment] | None = None) -> None:
    """An uploaded file fills the argument the message leaves open (audio to transcribe, data to train on, the data
    of the goal being planned), or the one that names it."""
    key = FILE_ARGS.get(r.tool or "")
    if key and isinstance(r.args.get(key), str):
        # An upload of an ended session is gone (Chainlit removes its folder): the name stays as said, so the reply
        # says «voice.ogg» was not found, never the server's path of what it was.
        kept = [u for u in uploads or attachments if os.path.isfile(u["path"])]
        if sent := sent_file(r.args[key], kept):
            r.args[key] = sent["path"]
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


def fallback() -> str:
    from tools.system import fallback_text

    return fallback_text()


def reply_of(state: dict[str, Any]) -> AgentReply:
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
