"""Offline routing: slash commands, and Persian messages through the learned intent model (agents/intent.py)
with arguments read by rules (agents/arguments.py).

`route(text)` returns the tool to call with every argument filled in (the message's values, else the tool's
defaults), a question between the two likeliest tools when the model is unsure, or no tool.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from agents.patterns import HF_TOKEN, REPO_ID, words
from assistant.persian import normalize, parse_number, to_latin_digits


@dataclass
class Route:
    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    source: str = "none"  # slash | rules | smalltalk | none
    # For smalltalk and problems found while routing: a catalog key for the reply.
    reply_key: str | None = None
    missing: str | None = None  # an argument the user still has to give
    confidence: float = 1.0  # the intent model's calibrated probability (1.0 for slash commands)
    # When unsure: the likeliest actions, offered as buttons ({"tool", "args"} each).
    choices: list[dict[str, Any]] = field(default_factory=list)
    # A second action in the same message («… بعد …»), offered once the first is done.
    next: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tool": self.tool, "args": self.args}
        if self.choices:
            out["choices"] = self.choices
        if self.next:
            out["next"] = self.next
        return out


# ---------------------------------------------------------------------------------------------------
# Slash commands. Every tool has one; `/help` lists them.
SLASH_ALIASES: dict[str, str] = {
    "help": "help", "h": "help", "راهنما": "help", "start": "help",
    "status": "system_status", "system": "system_status", "وضعیت": "system_status",
    "jobs": "list_jobs", "کارها": "list_jobs",
    "job": "job_status", "کار": "job_status",
    "cancel": "cancel_job", "stop": "cancel_job", "لغو": "cancel_job",
    "resume": "resume_job", "ادامه": "resume_job",
    "notifications": "notifications", "notifs": "notifications", "اعلان": "notifications", "اعلانها": "notifications",
    "read": "mark_notifications_read",
    "search": "search_models", "models": "search_models", "جستجو": "search_models",
    "datasets": "search_datasets", "dataset": "search_datasets",
    "info": "model_info", "اطلاعات": "model_info",
    "download": "download", "دانلود": "download",
    "installed": "list_installed", "نصب": "list_installed",
    "train": "start_training", "آموزش": "start_training",
    "speak": "speak", "بخوان": "speak", "بخون": "speak", "say": "speak", "tts": "speak",
    "transcribe": "transcribe", "stt": "transcribe", "رونویسی": "transcribe",
    "token": "set_hf_token",
    "catalog": "catalog", "کاتالوگ": "catalog",
    "mirror": "set_hub_endpoint", "endpoint": "set_hub_endpoint", "آینه": "set_hub_endpoint",
    "try": "try_model",
}


def _kv_args(rest: str) -> tuple[dict[str, str], list[str]]:
    try:
        parts = shlex.split(rest)
    except ValueError:
        parts = rest.split()
    kv: dict[str, str] = {}
    positional: list[str] = []
    for part in parts:
        if "=" in part and not part.startswith("="):
            key, _, value = part.partition("=")
            kv[key.strip().lower()] = value.strip()
        else:
            positional.append(part)
    return kv, positional


_TRAIN_KEYS = {
    "base": "base_model", "model": "base_model", "base_model": "base_model",
    "data": "dataset", "dataset": "dataset",
    "task": "task",
    "epochs": "epochs", "epoch": "epochs",
    "lr": "learning_rate", "learning_rate": "learning_rate",
    "batch": "batch_size", "batch_size": "batch_size", "bs": "batch_size",
    "text": "text_column", "text_column": "text_column", "label": "label_column", "label_column": "label_column",
    "save_steps": "save_steps", "checkpoint_steps": "save_steps", "keep": "save_total_limit",
    "save_total_limit": "save_total_limit", "max_length": "max_length", "maxlen": "max_length",
    "eval": "eval_fraction", "eval_fraction": "eval_fraction",
    "confirm": "confirmed", "confirmed": "confirmed", "yes": "confirmed",
}


def _speak_voice(rest: str) -> tuple[str, str | None]:
    """`/speak voice=female سلام` → ("سلام", "female")."""
    m = re.match(r"\s*voice=(\S+)\s*", rest)
    if m:
        return rest[m.end() :].strip(), m.group(1)
    return rest, None


def route_slash(text: str) -> Route | None:
    """`/command args`; `None` when the text is not a slash command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    if "/" in head or "." in head:
        return None  # a path («/data/call.wav رو به متن تبدیل کن»), not a command
    command = normalize(head).lower().replace("\u200c", "")
    rest = rest.strip()
    tool = SLASH_ALIASES.get(command)
    if tool is None:
        return Route(None, {"command": head}, source="slash", reply_key="errors.unknown_command")
    args: dict[str, Any] = {}
    kv, positional = _kv_args(rest)
    if tool in ("job_status", "cancel_job", "resume_job"):
        if not rest:
            return Route(tool, {}, source="slash", missing="job_id")
        args["job_id"] = rest.split()[0]
    elif tool == "list_jobs":
        if rest:
            args["kind"] = rest.split()[0]
    elif tool == "notifications":
        if rest and normalize(rest) in ("unread", "خوانده‌نشده", "نخوانده", "جدید"):
            args["unread_only"] = True
    elif tool in ("search_models", "search_datasets"):
        args.update({k: v for k, v in kv.items() if k in ("task", "language", "limit")})
        args["query"] = " ".join(positional)
    elif tool == "model_info":
        if positional:
            args["repo_id"] = positional[0]
        if len(positional) > 1 or kv.get("type"):
            args["repo_type"] = kv.get("type") or positional[1]
    elif tool == "download":
        if positional:
            args["repo_id"] = positional[0]
        if len(positional) > 1:
            args["repo_type"] = positional[1]
        for key in ("repo_type", "type", "revision"):
            if key in kv:
                args["revision" if key == "revision" else "repo_type"] = kv[key]
    elif tool == "start_training":
        for key, value in kv.items():
            if key in _TRAIN_KEYS:
                args[_TRAIN_KEYS[key]] = value
        if positional and "base_model" not in args:
            args["base_model"] = positional[0]
    elif tool == "speak":
        text, voice = _speak_voice(rest)
        args["text"] = text
        if voice:
            args["voice"] = voice
    elif tool == "transcribe":
        if rest:
            args["audio"] = rest
    elif tool == "set_hf_token":
        args["token"] = rest
    elif tool == "set_hub_endpoint":
        args["url"] = rest
    elif tool == "catalog":
        if rest:
            args["task"] = rest.split()[0]
    elif tool == "try_model":
        # `/try 5 متن`, `/try org/model متن`; `/try متن` leaves the model to the conversation's last one.
        if positional and _model_ref(positional[0]):
            args["model"] = positional[0]
            args["text"] = rest[len(positional[0]) :].strip()
        elif rest:
            args["text"] = rest
    return Route(tool, args, source="slash")


def _model_ref(token: str) -> bool:
    """A token that names a model: a job number, a repo id, a fine-tuned folder name or a path."""
    latin = to_latin_digits(token).lstrip("#")
    return bool(
        latin.isdigit() or REPO_ID.fullmatch(token) or re.fullmatch(r"job[-_]?\d+", latin, re.I)
        or token.startswith(("/", "./", "~")) or (token.isascii() and re.fullmatch(r"[\w.\-]+", token))
    )


# ---------------------------------------------------------------------------------------------------
# Persian messages: the intent model picks the tool, agents/arguments.py reads its arguments.
W_YES = words("بله", "بلی", "آره", "آری", "باشه", "تایید", "تأیید", "شروع کن", "اوکی", "ok", "okay", "yes", "بزن بریم", "حتما", "حتماً", "انجامش بده", "موافقم")
W_NO = words("نه", "خیر", "نخیر", "بیخیال", "no", "نمی‌خوام", "نمیخوام", "ولش کن", "منصرف شدم", "لغو")
W_GREETING = words("سلام", "درود", "صبح بخیر", "عصر بخیر", "شب بخیر", "hello", "hi", "خسته نباشی", "وقت بخیر")
W_THANKS = words("مرسی", "ممنون", "ممنونم", "متشکرم", "سپاس", "سپاسگزارم", "دمت گرم", "thanks", "thank you", "تشکر")

# Below this calibrated probability the router asks which of the two likeliest actions was meant
# (DASTYAR_ROUTER_CONFIDENCE overrides it: 0 never asks, above 1 always asks).
CONFIDENT = 0.5


def _confident() -> float:
    import os

    try:
        return float(os.environ.get("DASTYAR_ROUTER_CONFIDENCE", CONFIDENT))
    except ValueError:
        return CONFIDENT
JOB_TOOLS = ("job_status", "cancel_job", "resume_job")
# «اول … بعد …», «… و بعدش …», «… که بعداً …»: the first action runs, the next is offered.
_CHAIN = re.compile(
    r"\s*(?:[،,؛;.]\s*)?(?:و\s*)?(?:بعد(?:ش|ا|اً)?(?:\s*هم)?|سپس|پس\s*از\s*(?:اون|آن)|بعد\s*از\s*(?:اون|آن|اینکه)|که\s*بعد(?:ا|اً)?"
    r"|تا\s*بعد(?:ا|اً)?|آخرش|اخرش|then|and then)\s+"
)


def _predict(text: str, model: Any = None) -> list[tuple[str, float]]:
    from agents import intent

    return (model or intent.get_model()).predict(text)


def _defaults(model: Any = None) -> dict[str, dict[str, Any]]:
    from agents import intent

    return (model or intent.get_model()).defaults or intent.get_model().defaults or {}


def _with_args(tool: str, text: str, full: str, model: Any = None) -> Route:
    from agents import intent
    from agents.arguments import extract

    args = extract(tool, text)
    if text != full:
        # A value said in the other clause («parsbert رو دانلود کن بعد …» keeps its id in the first).
        for key, value in extract(tool, full).items():
            args.setdefault(key, value)
    if tool in ("search_models", "search_datasets", "catalog") and not args.get("task"):
        # A goal names no task; the task head reads it from what the user wants done.
        found = (model or intent.get_model()).task(text)
        if found:
            args["task"] = found
    if tool in JOB_TOOLS and "job_id" not in args:
        return Route(tool, args, source="rules", missing="job_id")
    return Route(tool, args, source="rules")


def _split(text: str) -> tuple[str, str]:
    # A chain word inside quotes or a dictated text («بگو: بعد از ظهر میام») is the text's own.
    masked = re.sub(r"«[^»]*»|\"[^\"]*\"|“[^”]*”|https?://\S+", lambda q: "_" * len(q.group(0)), text)
    colon = re.search(r"[:：](?!//|\d)", masked)
    m = _CHAIN.search(masked, 0, colon.start() if colon else len(masked))
    if not m or m.start() < 4 or len(text[m.end():].split()) < 2:
        return text, ""
    first = re.sub(r"^(?:اول|اولش|ابتدا|first)\s+", "", text[: m.start()]).strip()
    return first, text[m.end():].strip()


# A negated order («لغوش نکن», «دانلود نکن», «لازم نیست …») must never run the tool its words name.
_NEGATED = re.compile(
    r"(?<!\S)(?:ن(?:کن|کنید|کنین|کنی|ده|دید|دین|دی|گیر|گیرید|زن|خون|خونی|خوان|فرست|ذار|زار|بر|ریز|بند|کش|شه)"
    r"|برنگردون|برنگردان|لازم\s+نیست|نیازی\s+نیست|دست\s+نزن)(?!\S)")
_POSITIVE = re.compile(
    r"(?<!\S)(?:کن|کنید|بکن|بده|بدید|بگیر|بزن|بیار|بخون|بگو|بفرست|بکش|بنداز|ببین|بریز|بفرمایید)(?!\S)")


def _negated_only(text: str) -> bool:
    """«لغوش نکن», «فعلاً دانلود نکن»; not «دیگه از میرور استفاده نکن», which asks to stop something."""
    from agents.intent import canonical

    canon = canonical(text)
    m = _NEGATED.search(canon)
    if not m or re.search(r"(?<!\S)(?:دیگه|دیگر|دیگ)(?!\S)", canon[: m.start()]):
        return False
    return not _POSITIVE.search(_NEGATED.sub(" ", canon))


def route_rules(text: str, model: Any = None) -> Route:
    """A Persian message → a tool and its arguments, a question between two, or small talk."""
    token = HF_TOKEN.search(text)
    if token and text.strip() == token.group(0):
        return Route("set_hf_token", {"token": token.group(0)}, source="rules")
    if _negated_only(text):
        return Route(None, {}, source="smalltalk", reply_key="agent.not_doing")
    first, rest = _split(text)
    ranked = _predict(first, model)
    if rest:
        whole = _predict(text, model)
        if whole[0][1] > ranked[0][1] and whole[0][0] != "none" and ranked[0][0] == "none":
            first, rest, ranked = text, "", whole
    label, confidence = ranked[0]
    threshold = _confident()
    if label == "none":
        if confidence < threshold and ranked[1][1] >= 0.3:
            return _clarify(first, text, ranked, model)
        key = "agent.thanks" if W_THANKS.search(text) else "agent.greeting" if W_GREETING.search(text) else None
        r = Route(None, {}, source="smalltalk" if key else "none", reply_key=key)
        r.confidence = confidence
        return r
    if confidence < threshold:
        return _clarify(first, text, ranked, model)
    r = _with_args(label, first, text, model)
    r.confidence = confidence
    if rest:
        nxt = _predict(rest, model)[0]
        if nxt[0] != "none" and nxt[0] != label and nxt[1] >= min(threshold, 1.0):
            follow = _with_args(nxt[0], rest, rest, model)
            r.next = {"tool": follow.tool, "args": follow.args}
    return r


def _clarify(first: str, text: str, ranked: list[tuple[str, float]], model: Any) -> Route:
    tools = [label for label, _ in ranked if label != "none"][:2]
    choices = [{"tool": tool, "args": _with_args(tool, first, text, model).args} for tool in tools]
    r = Route(None, {}, source="clarify", reply_key="agent.clarify")
    r.choices = choices
    r.confidence = ranked[0][1]
    return r


# Arguments that are numbers: JSON numbers in the route, whatever digits the user typed.
_NUMERIC = ("job_id", "epochs", "learning_rate", "batch_size", "save_steps", "save_total_limit", "max_length",
            "eval_fraction", "limit")


def fill_defaults(r: Route, model: Any = None) -> Route:
    """Every argument the tool has, with its default where the message said nothing."""
    if r.tool:
        defaults = _defaults(model).get(r.tool, {})
        r.args = {**defaults, **{k: v for k, v in r.args.items()}}
        for key, value in r.args.items():
            if key in _NUMERIC and isinstance(value, str):
                number = parse_number(value.strip().lstrip("#"))
                if number is not None:
                    r.args[key] = int(number) if number == int(number) and key != "learning_rate" else number
    for choice in [*r.choices, *([r.next] if r.next else [])]:
        choice["args"] = {**_defaults(model).get(choice["tool"], {}), **choice["args"]}
    return r


def yes_or_no(text: str) -> bool | None:
    """A short answer to a confirmation question: True, False, or None when it is something else."""
    t = normalize(text)
    if not t or len(t.split()) > 4:
        return None
    if W_NO.search(t):
        return False
    if W_YES.search(t):
        return True
    return None


def route(text: str, model: Any = None) -> Route:
    """Route one message: a slash command, else the intent model; every argument of the tool filled in.

    `model` replaces the cached intent model (benchmarks score models that never saw a family)."""
    if not text or not text.strip():
        return Route(None, {}, source="none", reply_key="errors.empty_message")
    slash = route_slash(text)
    if slash is None:
        normalized = normalize(text)
        slash = route_slash(normalized) if normalized.startswith("/") else None
        if slash is None:
            return fill_defaults(route_rules(normalized[:2000], model), model)
    return fill_defaults(slash, model)
