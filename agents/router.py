"""Offline routing: slash commands, and Persian messages through the learned intent model (agents/intent.py)
with arguments read by rules (agents/arguments.py).

`route(text)` returns the tool to call with every argument filled in (the message's values, else the tool's
defaults), a question between the two likeliest tools when the model is unsure, or no tool.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from agents.patterns import HF_TOKEN, HUB_SEARCH_URL, REPO_ID, words
from assistant.persian import normalize, parse_number
from tools.commands import BY_TOOL, COMMANDS, Command


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
# Slash commands. Every tool declares its own in tools/commands.py (names, arguments); `/help` lists them.
def _alias_key(name: str) -> str:
    return normalize(name).lower().replace("\u200c", "")


def _aliases() -> dict[str, Command]:
    table: dict[str, Command] = {}
    for command in COMMANDS:
        for name in command.names:
            table.setdefault(_alias_key(name), command)
    return table


_SLASH = _aliases()
# `/name` → tool name, every alias included (read by tests and the benchmark).
SLASH_ALIASES: dict[str, str] = {name: command.tool for name, command in _SLASH.items()}


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


# Flags as shells write them (`/eval --model 5 --data test.csv`, `--format=gguf`, `/jobs --downloads`): a flag with a
# value becomes `key=value`, a flag alone its word.
_CLI_FLAG = re.compile(r"(?<!\S)--?([A-Za-z][\w-]*)(?:(=|\s+)(?=[^\s-]))?")


def slash_args(command: Command, rest: str) -> dict[str, Any]:
    """The text after `/command` → the tool's arguments, as its declaration says (tools/commands.py)."""
    rest = _CLI_FLAG.sub(lambda m: f"{m.group(1).replace('-', '_')}=" if m.group(2) else m.group(1), rest)
    args: dict[str, Any] = {}
    if command.first == "kind" and rest:
        from agents.arguments import extract

        args["kind"] = extract(command.tool, rest).get("kind", "")  # «/jobs --downloads», «/jobs آموزشا», «/jobs همه»
    elif command.first and rest:
        args[command.first] = rest.split()[0]
        if command.first == "job_id" and not re.search(r"[0-9۰-۹٠-٩]", args["job_id"]):  # a word, not a number
            from agents.arguments import job_id

            number = job_id(rest)  # «/cancel کار سه رو», «/job شماره ۷»
            if number is not None:
                args["job_id"] = number
    if command.positional or command.words or command.keys:
        kv, positional = _kv_args(rest)
        args.update(zip(command.positional, positional, strict=False))
        if command.words:
            args[command.words] = " ".join(positional)
        args.update({command.keys[k]: v for k, v in kv.items() if k in command.keys})
    if command.flag and rest and normalize(rest) in command.flag[2]:
        args[command.flag[0]] = command.flag[1]
    if command.lead and rest:
        head = rest.split()[0]
        if re.fullmatch(command.lead[1], head):
            args[command.lead[0]] = head
            rest = rest[len(head) :].strip()
    if command.options:
        while m := re.match(r"\s*([^\s=]+)=(\S+)\s*", rest):
            if m.group(1).lower() not in command.options:
                break
            args[command.options[m.group(1).lower()]] = m.group(2)
            rest = rest[m.end() :].strip()
    if command.rest:
        args[command.rest] = rest
    return args


# What people add after a command they ask about: what it does, what it is, how it differs.
_ABOUT = re.compile(
    r"(?<!\S)(?:چی\s*کار|چکار|چه\s*کار|کارش|کار\s*(?:می|می\u200c)?\s*کن\S*|چیه|چیست|یعنی\s*چی|فرق\S*|توضیح\S*|"
    r"منظور\s*از|what\s+does|what\s+is|chi\s*kar|kar\s*mikone|chie)(?!\S)", re.I)
# Commands whose text is free (a query to search, words to speak or try): a question there is the content.
_FREE_TEXT = ("search_models", "search_datasets", "speak", "try_model", "transcribe", "plan_goal")
# Commands whose free text is read like a typed sentence (`/goal یه مدل تحلیل احساسات …`: its task, its file).
_READ_AS_SENTENCE = ("plan_goal",)


def _about_the_command(command: Command, rest: str) -> bool:
    if not rest or command.tool == "help":
        return False
    # «/try رو با /train قاطی کردم، کدومش …؟», «/token و /mirror هر دو …؟»: two commands weighed in a question.
    other = re.search(r"(?<![\w/])/[A-Za-z]+", rest)
    if command.tool in _FREE_TEXT and not other:
        return False
    if re.search(r"[0-9۰-۹٠-٩]|https?://|hf_|\w/\w|=", re.sub(r"(?<![\w/])/[A-Za-z]+", " ", rest)):
        return False  # values: a job number, an id, a URL, a token, key=value
    if other and re.search(r"[؟?]|کدوم|کدام|which", rest):
        return True
    return command.tool not in _FREE_TEXT and bool(
        _ABOUT.search(re.sub(r"[؟?!،,.:;]", " ", normalize(rest).replace("\u200c", " "))))


def route_slash(text: str) -> Route | None:
    """`/command args`; `None` when the text is not a slash command."""
    stripped = text.strip()
    if not stripped.startswith("/"):
        return None
    head, _, rest = stripped[1:].partition(" ")
    if "/" in head or "." in head:
        return None  # a path («/data/call.wav رو به متن تبدیل کن»), not a command
    asked = head.rstrip("؟?!")
    if asked != head and _SLASH.get(_alias_key(asked)) is not None:  # «/status؟ کارش چیه؟»
        head, rest = asked, f"؟ {rest}"
    command = _SLASH.get(_alias_key(head))
    if command is None:
        return Route(None, {"command": head}, source="slash", reply_key="errors.unknown_command")
    rest = rest.strip()
    if _about_the_command(command, rest):
        return Route("help", {}, source="slash")  # «/train چیکار می‌کنه؟»: a question about it, not a use of it
    if command.required and not rest:
        return Route(command.tool, {}, source="slash", missing=command.required)
    args = slash_args(command, rest)
    if command.tool in _READ_AS_SENTENCE and rest:
        from agents.arguments import extract

        args = {**extract(command.tool, rest), **{k: v for k, v in args.items() if v}}
    return Route(command.tool, args, source="slash")


# ---------------------------------------------------------------------------------------------------
# Persian messages: the intent model picks the tool, agents/arguments.py reads its arguments.
W_YES = words("بله", "بلی", "آره", "آری", "باشه", "تایید", "تأیید", "شروع کن", "اوکی", "ok", "okay", "yes", "بزن بریم", "حتما", "حتماً", "انجامش بده", "موافقم")
W_NO = words("نه", "خیر", "نخیر", "بیخیال", "no", "نمی‌خوام", "نمیخوام", "ولش کن", "منصرف شدم", "لغو")
W_GREETING = words("سلام", "درود", "صبح بخیر", "عصر بخیر", "شب بخیر", "hello", "hi", "خسته نباشی", "وقت بخیر")
W_THANKS = words("مرسی", "ممنون", "ممنونم", "متشکرم", "سپاس", "سپاسگزارم", "دمت گرم", "thanks", "thank you", "تشکر")


def _confident() -> float:
    """Below this calibrated probability the router asks which of the two likeliest actions was meant."""
    from assistant.config import get_settings

    return get_settings().router_confidence
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
            if args.get(key) in (None, ""):  # «لامای فارسی هست؟ تو هاب بگرد»: the name is in the other sentence
                args[key] = value
    if tool in ("search_models", "search_datasets", "catalog", "plan_goal") and not args.get("task"):
        # A goal names no task; the task head reads it from what the user wants done.
        found = (model or intent.get_model()).task(text)
        if not found and tool == "plan_goal":  # a plan needs a task: everyday words for what the goal does
            from agents.arguments import task_hint

            found = task_hint(text)
        if found:
            args["task"] = found
    if tool in JOB_TOOLS and "job_id" not in args:
        return Route(tool, args, source="rules", missing="job_id")
    return Route(tool, args, source="rules")


# A link, scheme or not («hf.co/models?search=mt5»): its «?», «.» and «/» end no clause or sentence.
_LINK = re.compile(r"(?:https?://|www\.|(?:hf|huggingface)\.co/)\S+", re.I)


def _masked(text: str) -> str:
    """The text with its links blanked, offsets kept."""
    return _LINK.sub(lambda m: "_" * len(m.group(0)), text)


def _split(text: str) -> tuple[str, str]:
    # A chain word inside quotes or a dictated text («بگو: بعد از ظهر میام») is the text's own.
    masked = _masked(re.sub(r"«[^»]*»|\"[^\"]*\"|“[^”]*”", lambda q: "_" * len(q.group(0)), text))
    colon, start = re.search(r"[:：](?!//|\d)", masked), 0
    if colon and re.search(r"(?:دو|سه|چند|چهار|[2-4۲-۴])\s*(?:تا\s*)?(?:کار|درخواست|خواهش|چیز)\S*\s*(?:\S+\s*)?$", masked[: colon.start()]) \
            and re.match(r"\s*(?:اول|اولش|ابتدا|first|یک|یکی|[1۱][.)-])(?!\S)", masked[colon.end():]):
        start, colon = colon.end(), None  # «دو تا کار داریم: اول … بعد …» lists the actions after its colon
    elif colon and not _CHAIN.search(masked, 0, colon.start()) and _after_label(text) is not None \
            and not _CONTENT_LABEL.search(masked[: colon.start()]):
        start, colon = colon.end(), None  # «سر صف نونوایی: اعلانامو خونده‌شده کن، بعدش …»: a label, then the actions
    if colon and re.match(r"\s*[^\s،,؛;]+\.[A-Za-z0-9]{2,5}\s*[،,؛;]", masked[colon.end():]):
        colon = None  # «این صوت رو متن کن: net_friday.wav، بعد …»: the colon gives a file name, then the next action
    end = colon.start() if colon else len(masked)
    if (first := _FIRST_LATER.search(masked, start, end)) is not None and first.start() - start >= 4 \
            and len(text[first.end():end].split()) >= 2 and not _CHAIN.search(masked, first.end(), end) \
            and not re.search(rf"{_MARK}\s*$", masked[start:first.start()]):  # «… لغو کن نه صبر کن، اول …» corrects
        # «… رو می‌خوام بعداً متن کنم، ولی اول یه دیتاست … پیدا کن»: what comes «first» runs first, the rest is next
        return text[first.end():].strip(), text[start: first.start()].strip()
    if re.match(r"\s*(?:اول|اولش|ابتدا)\s+", masked[start:]) and (cond := _THEN_IF.search(masked, start, end)) is not None \
            and len(text[cond.end():end].split()) >= 2:
        # «اول ببین چقدر جا مونده؛ اگه کافی بود X رو بگیر»: the first action, then one on a condition
        return re.sub(r"^(?:اول|اولش|ابتدا)\s+", "", text[start: cond.start()].strip()).strip(), text[cond.end():].strip()
    m = _CHAIN.search(masked, start, end)
    while m and (_NEXT_ONE.search(masked, start, m.end()) or (m.group(0).strip() == "بعد" and masked.startswith("از ", m.end()))):
        m = _CHAIN.search(masked, m.end(), end)
    if not m or m.start() - start < 4 or len(text[m.end():].split()) < 2:
        return text, ""
    first = re.sub(r"^(?:اول|اولش|ابتدا|first)\s+", "", text[start: m.start()].strip()).strip()
    return first, text[m.end():].strip()


_THEN_IF = re.compile(r"[،,؛;.]\s*(?:و\s+)?(?:اگه|اگر)(?!\S)")
# not «اول گفتم خصوصی، ولی عمومیش کن» (at first I said)
_FIRST_LATER = re.compile(r"[،,؛;]\s*(?:(?:ولی|اما|منتها)\s+)?(?:اول|اولش|ابتدا|قبلش|قبل\s+از\s+هر\s+چیز)(?:\s*[،,])?\s+"
                          r"(?!(?:گفتم|گفتی|گفته|نوشتم|فکر|خیال|قرار|می\s?خواستم|خواستم|زدم|بود)(?![\w\u200c]))")
# «ایستگاه بعد», «هفته‌ی بعد», «دور بعد»: «بعد» after a word of a series means the next one, not "then".
_NEXT_ONE = re.compile(r"(?<!\S)(?:ایستگاه|هفته|دفعه|مرحله|قدم|سری|دور|نوبت|جلسه|روز|ماه|سال|ساعت|دقیقه|ثانیه|بار|صفحه"
                       r"|قسمت|فصل|نسخه|ورژن|اپیزود|ترم|پیام|سطر|بخش|لحظه|شب|صبح|ایپاک|epoch|خط|کوچه|خیابون|خیابان|نفر)"
                       r"(?:\u200c?ی|\s+ی)?\s+بعد\s+$")


_SENTENCE_END = re.compile(r"(?<=[.!؟?])\s+|\n+")


def _first_sentence(text: str) -> tuple[str, str] | None:
    """The first of two or more sentences and the rest, when the rest has three words or more."""
    masked = re.sub(r"\S+\.\w{2,5}\b", lambda m: "_" * len(m.group(0)), _masked(text.strip()))
    cut = re.search(r"(?<=[.!])\s+", masked)
    if cut is None or "\n" in masked or ":" in masked or _REPORTED.search(masked[: cut.start()].translate(_FOLD)):
        # not a list, a paste, a word per line, a chat with speakers or words someone else said
        return None
    head, tail = text.strip()[: cut.start()].strip(), text.strip()[cut.end():].strip()
    return (head, tail) if head and len(tail.split()) >= 3 else None


def _last_sentence(text: str) -> str | None:
    """The last of two or more sentences when it has three words or more, else None."""
    masked = re.sub(r"\S+\.\w{2,5}\b", lambda m: "_" * len(m.group(0)), _masked(text))  # no split in a URL or file name
    cuts = [m.end() for m in _SENTENCE_END.finditer(masked.strip())]
    if not cuts:
        return None
    last = text.strip()[cuts[-1]:].strip()
    return last if len(last.split()) >= 3 else None


# «به داداشم گفتم کار ۳ رو لغو کن»: an order told to someone else, or by someone else, is part of the story.
_REPORTED = re.compile(r"(?<!\S)(?:گفتم|گفت|گفتش|گفتن|گفتند|گفته\S*|می\s?گفت\S*|نوشت\S*|پرسید\S*|خواستم|خواست|داد\s+زد\S*)(?!\S)")
_DISCOURSE = re.compile(r"(?<!\S)(?:ببین|ببینید|ببین\s+چی\s+میگم)(?!\S)")  # «ببین …»: look, not an order
_LINE_SPEAKER = re.compile(r"(?:^|(?<=[\n.!؟?:]))\s*(?:[—–-]\s*\S|[^\s:]{1,20}(?:\s[^\s:]{1,20})?\s*:\s*\S)")
_PIECE_END = re.compile(r"(?<=[.!؟?؛;])\s+|\n+|\s+[—–]\s+")


def _order_sentence(text: str, threshold: float, model: Any) -> tuple[str, list[tuple[str, float]]] | None:
    """Of three or more sentences, the one that gives an order the model is sure of (the surest, if more)."""
    masked = re.sub(r"\S+\.\w{2,5}\b", lambda m: "_" * len(m.group(0)), _masked(text.strip()))
    cuts = [0] + [m.end() for m in _PIECE_END.finditer(masked)] + [len(masked)]
    if len(cuts) < 4 or len(_LINE_SPEAKER.findall(masked)) >= 2:
        return None  # a pasted chat («نیما: کار ۴ رو کنسل کن. من: باشه.», «— مدلو رو هاب بفرست\n— چشم») is a story
    best = None
    for a, b in pairwise(cuts):
        piece = text.strip()[a:b].strip()
        folded = piece.translate(_FOLD)
        if (len(piece.split()) < 3 or not _IMPERATIVE_RE.search(_DISCOURSE.sub(" ", folded)) or ":" in _masked(piece)
                or _NEGATED_TYPED.search(folded) or _REPORTED.search(folded) or piece[:1] in "—–-«\"“>"):
            continue
        ranked = _predict(piece, model)
        if ranked[0][0] != "none" and ranked[0][1] >= threshold and (best is None or ranked[0][1] > best[1][0][1]):
            best = (piece, ranked)
    return best


# A negated order («لغوش نکن», «دانلود نکن», «لازم نیست …») must never run the tool its words name.
_NEGATED_VERB = (r"(?<!\S)(?:ن(?:کن|کنید|کنین|کنی|ده|دید|دین|دی|گیر|گیرید|زن|خون|خونی|خوان|فرست|ذار|زار|بر|ریز|بند|کش|شه"
                 r"|گو|گید|گین|گویید)"
                 r"|برنگردون|برنگردان|لازم\s+نیست|نیازی\s+نیست|نمی\s?خواد|دست\s+نزن"
                 # «اعلان‌ها رو نمی‌خوام، …», «دانلود نه، فقط معرفی»: the thing itself declined, another asked for
                 r"|(?:(?<=و\s)|(?<=را\s))نمی\s?خوام|نه(?=\s*[،,؛;]\s*(?:فقط|بلکه|صرفا))"
                 # «نمی‌خوام بدونم کدوم بهتره، فقط …»: what follows it, to the clause's end, is declined
                 r"|(?:^|(?<=[،,؛;.!؟?:…]\s)|(?<=[،,؛;.!؟?:…]))نمی\s?خوام(?=\s+(?!خودم)[^.!؟?؛;]*(?:[؛;]\s*)?(?<!\S)(?:فقط|بلکه|صرفا))"
                 # «کاتالوگ خودت رو نه، هاب رو هم نه؛ …»: the thing named before «نه» is declined
                 r"|(?:(?<=رو\s)|(?<=را\s)|(?<=هم\s)|(?<=خودت\s)|(?<=خودتو\s))نه(?=\s*[،,؛;])"
                 # put off: «دانلود بمونه واسه بعد», «آموزش رو بعداً خودم شروع می‌کنم»
                 r"|(?:بمونه|بمونن|باشه)\s+(?:واسه|برای|برا)\s+بعد|بعدا[\u064b]?\s+خودم)")
_NEGATED = re.compile(_NEGATED_VERB + r"(?:\s?ها)?(?!\S)")  # «دانلودش نکن‌ها» (canonical joins the «‌ها»)
_POSITIVE = re.compile(
    r"(?<!\S)(?:کن|کنید|بکن|بده|بدید|بگیر|بزن|بیار|بخون|بگو|بفرست|بکش|بنداز|ببین|بریز|بفرمایید|ببر|بساز|بنویس|بنویسید|بسنج|بگرد|بگردید|بپرس|بیاور|بردار)(?!\S)")
# «کدوم مدلا آماده‌ان و لازم نیست دانلود بشن؟»: a question that holds a «لازم نیست» asks, it does not decline.
_WH_QUESTION = re.compile(r"(?<!\S)(?:کدوم\S*|کدام\S*|چی|چیه|چه|کجا\S*|کی|چند\S*|چطور\S*|چجوری|آیا|ایا)(?!\S).*[؟?]\s*$")


def _negated_order(text: str, canon: str | None = None) -> bool:
    """An order said in the negative («لغوش نکن», «فعلاً دانلود نکن»); not «دیگه از میرور استفاده نکن», which asks to
    stop something, nor a question that holds one. `canon`: the text's canonical form, when the caller has it."""
    from agents.intent import canonical

    canon = canonical(text) if canon is None else canon
    m = _NEGATED.search(canon) or _NEITHER.search(canon)
    if not m or _WH_QUESTION.search(text) or _ONLY.search(canon):
        return False
    if re.search(r"(?:میرور|میرر|mirror|endpoint|اندپوینت|سرور)\S*\s+(?:\S+\s+)?استفاده\s*$", canon[: m.start()], re.I):
        return False  # «از میرور استفاده نکن»: stop using it, a request of its own
    return not re.search(r"(?<!\S)(?:دیگه|دیگر|دیگ)(?!\S)", canon[: m.start()])


def _negated_only(text: str) -> bool:
    """A negated order and no other order beside it («لغوش نکن، بذار تموم شه»)."""
    from agents.intent import canonical

    canon = canonical(text)
    # «ببین کار ۵ رو لغو نکن»: a leading «ببین» is "look", no order beside the declined one
    return _negated_order(text, canon) and not _POSITIVE.search(_NEGATED.sub(" ", re.sub(r"^\s*(?:ببین|ببینید)\s", " ", canon)))


# «نه وضعیت کار ۳، نه اعلانا؛ خود ماشین چطوره؟»: neither of two things, to the clause's end, then what is wanted.
_NEITHER = re.compile(r"(?:^|(?<=[،,؛;.!؟?:\n]))\s*نه\s+(?!نه(?!\S))[^\s،,؛;.!؟?:\n][^؛;.!؟?:\n]*?(?<=[\s،,])نه\s+"
                      r"[^\s،,؛;.!؟?:\n][^،,؛;.!؟?:\n]*")
_NOT_THIS = re.compile(r"(?<!\S)(?:رو|را|هم|خودت|خودتو)\s+نه\s*[،,؛;]")
# The same on the text as typed: punctuation may follow the verb («لغو نکن،»).
_NEGATED_TYPED = re.compile(_NEGATED_VERB + r"(?:\s?ها)?(?![^\s،,؛;.!؟?:…])")
# «جز دانلودا هیچی نشون نده» (nothing but the downloads) asks for the downloads.
_ONLY = re.compile(r"(?<!\S)(?:جز|بجز|غیر\s+از)(?!\S).*(?<!\S)هیچ")
# A clause ends with its verb: what precedes a negated verb back to a stop, a comma or a word that turns to another
# request («فقط», «بلکه», «ولی» …) is the order declined; the rest may ask for something else.
# «فقط», «بلکه», «بجاش» … open the request said instead; «ولی», «اما» only turn to another clause.
_INSTEAD = r"(?<!\S)(?:فقط|صرفا[\u064b]?|تنها|بلکه|بجاش|عوضش|در\s+عوض)(?!\S)"
_TURN = r"(?<!\S)(?:ولی|اما)(?!\S)"
_CLAUSE_START = re.compile(rf"[،,؛;.!؟?:\n…—–]+|{_INSTEAD}|{_TURN}")
_EMOJI = "\U0001F300-\U0001FAFF\u2600-\u27BF"  # in chat an emoji closes a sentence («… لازم نیست 🙂 hf_…»)
_CLAUSE_END = re.compile(rf"[،,؛;.!؟?:\n…—–{_EMOJI}]|{_INSTEAD}|{_TURN}")
# «لازم نیست اکسپورتش کنی»: what is declined follows these words, to the clause's end.
_NEEDLESS = re.compile(r"(?:لازم|نیازی)\s+نیست|نمی\s?خواد|نمی\s?خوام|بعدا[\u064b]?\s+خودم")


def _declined_clauses_out(text: str) -> str:
    """The message without its negated orders («کار ۱۸ رو لغو نکن، فقط بگو کجاست» → «فقط بگو کجاست»)."""
    for m in _NEITHER.finditer(_masked(text.translate(_FOLD))):
        text = text[:m.start()] + " " * (m.end() - m.start()) + text[m.end():]
    folded = _masked(text.translate(_FOLD))
    kept, at = [], 0
    for m in _NEGATED_TYPED.finditer(folded):
        if m.start() < at:
            continue
        starts = [b.end() if not b.group(0).strip(" \n")[:1].isalpha() else b.start()
                  for b in _CLAUSE_START.finditer(folded, at, m.start())]
        # «… نمایش دهید و حذفشان نکنید»: an order joined by «و» to the declined one is a clause of its own.
        starts += [b.start() for b in _AND.finditer(folded, at, m.start()) if _ORDER_BEFORE.search(folded, at, b.start())]
        # «… ضبط ساعتم رو بنویس ترجمه نکن»: an order just before the declined one, with no «و», ends its own clause.
        starts += [b.end() for b in _IMPERATIVE_RE.finditer(folded, at, m.start()) if not _DISCOURSE.fullmatch(b.group(0))]
        starts.sort()
        kept.append(text[at:starts[-1] if starts else at])
        at = m.end()
        if _NEEDLESS.fullmatch(m.group(0)):
            end = _CLAUSE_END.search(folded, at)
            at = end.start() if end else len(text)
    kept.append(text[at:])
    return " ".join(part.strip(" \t\n،,.…!؛;:") for part in kept if part.strip(" \t\n،,.…!؛;:"))


# What is left beside a declined order asks for something only as an imperative, a question, a wish («می‌خوام»,
# «هدفم»), or after «فقط», «بلکه» …; else it gives a reason («…، هنوز تموم نشده», «… رو خودم دارم»).
_IMPERATIVE = (
    r"(?<!\S)(?:کن|کنید|کنین|بکن|بکنید|بده|بدید|بدین|بدهید|دهید|بگو|بگید|بگین|بگویید|بگرد|بگردید|بگردین|بزن|بزنید|بزنین"
    r"|بفرست|بفرستید|بیار|بیارید|بخون|بخونید|بخوان|بخوانید|بنویس|بنویسید|بساز|بسازید|بگیر|بگیرید|بریز|بذار|بزار|بگذار"
    r"|بگذارید|بذارید|بنداز|بندازید|بفرمایید|نگهش\s+دار|نگه\s+دار|ببین|ببینید|بسنج|بسنجید|بپرس|بپرسید|ببر|ببرید"
    r"|بیاور|بیاورید|بردار|بردارید|بکش|بکشید)(?:ش|شو|شون|شونو|شان)?(?![^\s،,؛;.!؟?:…])")
_ASKS = re.compile(
    _IMPERATIVE + r"|(?<!\S)(?:کافیه|کافی\s+است|کافیست|می\s?خوام|می\s?خواهم|می\s?خواستم|هدفم|لازم\s+دارم|نیاز\s+دارم)"
    r"(?![^\s،,؛;.!؟?:…])"
    r"|[؟?]|(?<!\S)(?:چی|چیه|چه|کجا\S*|کی|چند\S*|چقدر\S*|چرا|چطور\S*|چجوری|کدوم\S*|کدام\S*)(?!\S)"
    rf"|(?:^|[،,؛;.!…:])\s*{_INSTEAD}")  # «…، لازمشون دارم؛ فقط علامت خونده‌شده بخورن»
_IMPERATIVE_RE = re.compile(_IMPERATIVE)
_AND = re.compile(r"\s+و\s+")
_ORDER_BEFORE = re.compile(_IMPERATIVE + r"\s*$")  # an order ends the words before «و»

# A command taken back mid-sentence, as people speak: a break («نه», «اِ», «یعنی», «اصلاً», «صبر کن», «هیچی») then
# words that drop it («ولش کن», «بی‌خیال», «مهم نیست», «بذار بمونه», «خودم دیدم», «نه هنوز» …); not the «نه» of a
# number («نود و نه»). Matched on the text as typed (a same-length spelling fold keeps offsets), so what follows can
# be routed on its own.
_GAP = r"[\s\u200c]+"
_JOIN = r"[\s\u200c]?"  # «بی‌خیال», «بی خیال», «بیخیال»
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "\u200c": " "})
_BREAK = (r"(?:(?<!و\s)نه|یعنی|ا[\u064b-\u0652]?|اه|اوه|اصلا[\u064b]?|اصن|صبر" + _GAP + r"کن(?:ید)?|هیچی|ای" + _GAP + "بابا|آه|آخ"
          r"|no|wait|nah)")
_DROP = (r"(?:ول(?:ش)?" + _GAP + r"کن(?:ید)?|ولش|بی" + _JOIN + r"خیال(?:ش)?|هیچی|مهم" + _GAP + r"نیست|لازم" + _GAP
         + r"نیست|نیازی" + _GAP + r"نیست|نمی" + _JOIN + r"خواد|بذار" + _GAP + r"بمونه|بزار" + _GAP + r"بمونه|منصرف" + _GAP
         + r"شدم|فراموشش" + _GAP + r"کن|بعدا[\u064b]?(?:" + _GAP + r"میگم)?|فعلا[\u064b]?" + _GAP + r"نه|خودم"
         + _GAP + r"(?:دیدم|می" + _JOIN + r"بینم|انجام" + _GAP + r"می" + _JOIN + r"دم|پیدا" + _GAP + r"می" + _JOIN + r"کنم)"
         + r"|همون" + _GAP + r"قبلی\S*" + _GAP + r"خوبه|never\s*mind|forget\s+it"
         + r"|(?:بذار|بزار)(?:" + _GAP + r"(?:همون|همین)" + _JOIN + r"(?:جوری|طوری))?" + _GAP + r"(?:باشه|بمونه)"
         + r"|هیچ" + _GAP + r"کاری" + _GAP + r"نکن\S*|پشیمون" + _GAP + r"شدم|پشیمان" + _GAP + r"شدم|" + _NEGATED_VERB[7:] + ")")
_SEP = r"[\s\u200c،,.…!]+"
# words that soften a taking-back between its break and what drops the command («نه، فعلاً لازم نیست»)
_SOFT = r"(?:(?:فعلا[\u064b]?|راستش|اصلا[\u064b]?|دیگه|الان|هوم|اوم)" + _SEP + ")*"
# «… نه صبر کن، هنوز آماده نیست»: «هنوز» drops a command only after «نه» or «صبر کن»; a closing «کاری نکن» drops
# it alone.
# The sender takes the whole message back, with no break before it («… — ctrl+z، پیامم رو نادیده بگیر», «اصلاحیه:
# درخواست فوق منتفی است», «اون حرفمو پس می‌گیرم»). Not «اشتباهی زدم»: it is often the reason to cancel.
_UNSEND = (rf"(?:(?:پیام|درخواست|حرف)\S*|اینو|این(?:{_GAP}(?:پیام|درخواست)\S*)?)(?:{_GAP}(?:رو|را))?{_GAP}(?:نادیده|ندیده)"
           rf"{_GAP}بگیر\S*|منتفی(?:ه|{_GAP}(?:است|ست|شد|شده))?|پس{_GAP}می{_JOIN}گیرم")
_TAKEN_BACK = re.compile(rf"(?<!\S)(?:(?:{_BREAK}{_SEP})+{_SOFT}{_DROP}(?:{_SEP}{_SOFT}{_DROP})*|(?:{_BREAK}{_SEP})*(?:(?<!و\s)نه|صبر{_GAP}کن){_SEP}هنوز"
                         rf"|(?:هیچ{_GAP})?کاری{_GAP}نکن(?:ید|ین)?(?=[\s.!…]*$)|{_UNSEND})"
                         r"(?![\w\u200c])", re.I)


def _last_mark(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The last match that has two words or more before it (a message that opens with the words — «نه ولش کن» —
    answers a question instead); matched on the folded text, whose offsets are the text's."""
    folded = text.translate(_FOLD)
    found = [m for m in pattern.finditer(folded) if len(folded[: m.start()].split()) >= 2]
    return found[-1] if found else None


def _after_last(pattern: re.Pattern[str], text: str) -> str | None:
    """What follows the last mark; None without one."""
    mark = _last_mark(pattern, text)
    return text[mark.end():] if mark else None


def _before_mark(text: str) -> str:
    """The words before the last correction mark («… پیدا کن… نه ببخشید منظورم مدل بود» → «… پیدا کن… »)."""
    mark = _last_mark(_UNSAID, text)
    return text[: mark.start()] if mark else ""


def _taken_back(text: str) -> str | None:
    """What follows the last taking-back of a command («… اِ نه ولش کن، وضعیت سیستم رو بگو» → «وضعیت سیستم رو بگو»)."""
    after = _after_last(_TAKEN_BACK, text)
    if after is not None and not after.strip() and _FROM_NOW_ON.search(text.translate(_FOLD)):
        return None  # «کار ۲۵ رو متوقف کن و دیگه خودسر کاری نکن»: a rule for later, the order stands
    return None if after is None else after.strip(" \t\n،,.…!؛;")


_FROM_NOW_ON = re.compile(r"(?<!\S)(?:دیگه|دیگر|دیگ|بعد\s+از\s+این)\s+(?:\S+\s+){0,2}کاری\s+نکن\S*[\s.!…]*$")


# A command in quotes with words around it is talked about, not given («"کار ۵ رو کنسل کن" به انگلیسی چی میشه؟»,
# «تو مستندات نوشتیم "مدل رو دانلود کن"»), unless those words ask to run it or are themselves a request.
_QUOTE = re.compile(r"«([^«»]+)»|\"([^\"]+)\"|“([^“”]+)”")
_RUN_IT = re.compile(r"(?<!\S)(?:اجرا|اجراش|انجام|انجامش|ران|run)(?!\S)", re.I)
# «@مریم لطفاً whisper رو دانلود کن»: a message that opens by naming someone else is for them (not «@دستیار …»).
_ME = r"(?:دستیار|dastyar|assistant)(?![\w\u200c])"
_TO_SOMEONE = re.compile(rf"^\s*@(?!{_ME})[\w\u200c.-]+", re.I)
_TO_ME = re.compile(rf"^\s*@{_ME}[\s،,:]*", re.I)


_ASKS_ABOUT = re.compile(r"[؟?]|(?<!\S)(?:چی|چیه|کی|کجا\S*|چقدر\S*|چند\S*|چرا|چطور\S*|چجوری)(?!\S)")
# Words that point at Dastyar's own message («نوشتی», «پیام قبلیت», «اینو دیشب فرستادی»).
_YOUR_WORDS = re.compile(r"(?<!\S)(?:نوشتی|گفتی|فرستادی|گذاشتی|دادی|پیامت|پیام\s*قبلی\S*|جوابت|گزارشت|اعلانت)(?![\w\u200c])"
                         r"|\byou\s+(?:said|wrote|sent)\b|\byour\s+(?:reply|message)\b", re.I)
_JOB_REF = re.compile(r"(?:کار|دانلود|آموزش|job|task)\s*(?:شماره\S*\s*)?#?\s*[0-9۰-۹٠-٩]", re.I)
_MEANING = re.compile(r"(?<!\S)(?:یعنی|معنی\S*|منظور\S*)(?!\S)")


def _about_a_job(said: str, own: str, pointer: str) -> Route | None:
    """Dastyar's own report on a job, quoted back with a question («پیام قبلیت: «دانلود ۴: ۱٫۲ از ۳٫۸ گیگ». بقیه‌ش کی
    میاد؟»): the job's status. Not an order in the quote, and not a question about what the words mean (help)."""
    from agents.arguments import extract

    folded = own.translate(_FOLD)
    if (not _JOB_REF.search(said) or not _YOUR_WORDS.search(pointer.translate(_FOLD))
            or _IMPERATIVE_RE.search(said.translate(_FOLD))
            or not _ASKS_ABOUT.search(folded)
            or _MEANING.search(folded) or _IMPERATIVE_RE.search(folded)):
        return None
    job = extract("job_status", said).get("job_id")
    return Route("job_status", {"job_id": job}, source="rules") if job is not None else None


def _quoted_report(text: str, model: Any) -> Route | None:
    """A statement quoted back after «نوشتی», «پیامت» … (Dastyar's own reply) is no order: a question about a job in it
    asks for the job's status, a question about what it means is help, and a reaction with no question asks nothing."""
    quotes = list(_QUOTE.finditer(text))
    if len(quotes) != 1:
        return None  # «وقتی می‌گم «لیست کارها» با وقتی می‌گم «وضعیت کار ۳» …»: the person's own words, compared
    said, outside = next(g for g in quotes[0].groups() if g is not None), _QUOTE.sub(" ", text)
    if (job := _about_a_job(said, outside, text[: quotes[0].start()])) is not None:
        return job
    folded = outside.translate(_FOLD)
    if (len(said.split()) < 2 or _IMPERATIVE_RE.search(said.translate(_FOLD)) or _IMPERATIVE_RE.search(folded)
            or not (_YOUR_WORDS.search(text[: quotes[0].start()].translate(_FOLD)) or W_THANKS.search(outside))):
        return None
    if _route_plain(said, model).tool is None:
        return None  # a quote on anything else: the words around it decide
    if _MEANING.search(folded) and _ASKS_ABOUT.search(folded):
        return Route("help", {}, source="rules")  # «نوشتی «اعلان‌ها خوانده‌شده علامت خوردند». یعنی پاک شدن؟»
    if len(outside.split()) >= 2 and not _ASKS.search(folded) and _route_plain(outside, model).tool is None:
        key = "agent.thanks" if W_THANKS.search(outside) else None
        return Route(None, {}, source="smalltalk" if key else "none", reply_key=key)  # ««…» — ممنون، خیالم راحت شد»
    return None


def _quoted_command(text: str, model: Any) -> Route | None:
    """No tool when the only command is quoted inside a sentence that asks nothing of Dastyar; None otherwise."""
    quotes = [next(g for g in m.groups() if g is not None) for m in _QUOTE.finditer(text)]
    commands = [q for q in quotes if len(q.split()) >= 2 and re.search(_IMPERATIVE, q.translate(_FOLD))]
    outside = _QUOTE.sub(" این جمله ", text)
    if not commands or len(outside.split()) < 4 or _RUN_IT.search(outside):
        return None
    if not any(_route_plain(q, model).tool not in (None, "help", "speak", "try_model") for q in commands):
        return None
    said = _route_plain(outside, model)
    if said.tool in ("speak", "try_model"):  # «بلند بخون "کار ۵ رو کنسل کن"»: the quote is the text
        r = _with_args(said.tool, text, text, model)
        r.confidence = said.confidence
        return r
    if said.tool or said.choices:
        return None  # the words around ask for something: the whole message is routed as usual
    r = Route(None, {}, source="smalltalk", reply_key="agent.quoted_not_run")
    r.confidence = 0.5  # with an LLM at hand, it answers what is asked about the quote (a translation, an opinion)
    return r


# Mail around a request: a sign-off line opens the signature («--», «Best regards,», «با احترام»، «Sent from my
# iPhone», «ارسال‌شده از …», a confidentiality footer); lines quoted with «>» are someone else's words. Neither asks
# anything of Dastyar, and their numbers (a phone, an extension) are no job's. An auto-reply asks nothing at all.
_SIGN_OFF = re.compile(
    r"^\s*(?:--|—|_{3,}|(?:best|kind|warm)?\s*regards\b.*|best,?|cheers,?|sent\s+from\s+my\b.*|get\s+outlook\b.*"
    r"|ارسال[\s\u200c]*شده\s+(?:از|با)\b.*|با\s+(?:احترام|سپاس|تشکر|تقدیم\s+احترام)[\s،,.!]*(?:فراوان|و\s+تشکر)?[\s،,.!]*"
    r"|ارادتمند(?:\s+شما)?[\s،,.]*|قربان\s+شما[\s،,.]*|(?:this|the\s+information\s+in\s+this)\s+(?:e-?mail|message)\b.*"
    r"(?:confidential|intended).*|(?:این|محتوای\s+این)\s+(?:ایمیل|پیام|نامه)\S*\s+(?:و\s+پیوست\S*\s+)?(?:آن\s+)?محرمانه.*)[ \t]*$",
    re.I | re.M)
_AUTO_REPLY = re.compile(r"^\s*(?:(?:automatic|auto)[\s-]*reply|out\s+of\s+(?:the\s+)?office|پاسخ\s+خودکار|پیام\s+خودکار)\b", re.I)


# A forwarded message pasted into the chat opens with its header («Forwarded from …», «[Forwarded from …]»,
# «↪️ فوروارد از …», «پیام فوروارد شده از واتساپ:»); the person's own words follow it, after a blank line or on the
# last line. The forwarded words are someone else's: a command in them is not for Dastyar, but what the person asks
# may point at them («اینو با صدا بخون», «همین توکن رو تنظیم کن»).
_FORWARD_HEADER = re.compile(
    r"^\s*(?:\[?\s*forwarded(?:\s+(?:from|message)\b.*|\s*\]?\s*:?\s*)|↪\ufe0f?\s*(?:فوروارد|فروارد)\b.*"
    r"|(?:پیام|متن)?\s*(?:فوروارد|فروارد)[\s\u200c]*(?:شده|شد)\s+(?:از|from)\b.*)$", re.I)


def _own_words(text: str) -> tuple[str, str]:
    """(what the person wrote, the words they quoted or forwarded): signature, quoted «>» lines and a forwarded
    message apart. ("", …) when nothing is the person's own, or for an auto-reply."""
    if _AUTO_REPLY.match(text):
        return "", ""
    if "\n" not in text:
        return ("", text) if _FORWARD_HEADER.match(text) else (text, "")
    lines = text.split("\n")
    quoted: list[str] = []
    if _FORWARD_HEADER.match(lines[0]):
        rest = lines[1:]
        blank = next((i for i, line in enumerate(rest) if not line.strip() and any(x.strip() for x in rest[:i])), None)
        if blank is not None:
            quoted, rest = rest[:blank], rest[blank + 1:]
        elif sum(1 for line in rest if line.strip()) >= 2:
            last = max(i for i, line in enumerate(rest) if line.strip())
            quoted, rest = rest[:last], rest[last:]
        else:
            quoted, rest = rest, []
        lines = rest
    quoted += [line.lstrip()[1:] for line in lines if line.lstrip().startswith(">")]
    kept = "\n".join(line for line in lines if not line.lstrip().startswith(">"))
    sign = _SIGN_OFF.search(kept)
    own = kept[:sign.start()].rstrip() if sign else kept
    return own, "\n".join(q.strip() for q in quoted if q.strip())


# The person's words point at what they forwarded: «اینو», «همینو», «این پیام», «بخونش», «جایگزینش کن».
_POINTS_BACK = re.compile(r"(?<!\S)(?:این|اینو|اینی|اینرو|همین|همینو|همینه|اون|اونو|اینا|اینارو)(?!\S)"
                          r"|\S+ش\s+(?:کن|کنید|بکن|بده|بدید|ب\S+)(?!\S)|(?<!\S)ب\S+ش(?!\S)")
_SET_WORDS = re.compile(r"(?<!\S)(?:ست|تنظیم|جایگزین|عوض|استفاده|بذارش|بزارش|set)\S*", re.I)
# A forwarded name line («سارا: …», «از طرف: سمیرا») is not part of the words to read aloud.
_SPEAKER = re.compile(r"^\s*(?:از\s+طرف\s*:.*|[^\s:]{1,20}(?:\s[^\s:]{1,20})?\s*:\s*(?=\S))")


def _nothing_asked(r: Route) -> Route:
    """The person's words beside a forward ask for nothing («چه گیری داده 😂»): not «I did not understand» but «this
    was forwarded; what shall I do?» — a greeting or thanks keeps its own reply, a question its buttons."""
    if r.choices or r.reply_key:
        return r
    return Route(None, {}, source="smalltalk", reply_key="agent.forwarded_no_ask", confidence=r.confidence)


def _with_forwarded(r: Route, body: str, own: str, model: Any) -> Route:
    """The request in the person's own words, with the values it points at in what they forwarded."""
    from agents.arguments import extract

    token = HF_TOKEN.search(body)
    if token and r.tool in (None, "set_hf_token") and (_POINTS_BACK.search(own) or _SET_WORDS.search(own)):
        return Route("set_hf_token", {"token": token.group(0)}, source="rules")  # «اینو ست کن» under a token
    if r.tool is None:
        if (job := _about_a_job(body, own, own)) is not None:
            return job
        if not (_POINTS_BACK.search(own) or len(re.findall(r"[^\W\d_]{2,}", own)) <= 4):
            return _nothing_asked(r)
        joined = _route_plain(body + "\n" + own, model)  # «خب پیدا کن دیگه» under «… یه دیتاست … پیدا کنید»
        return joined if joined.tool in ("set_hub_endpoint", "search_models", "search_datasets", "speak") \
            else _nothing_asked(r)
    if r.tool == "speak":
        said = "\n".join(_SPEAKER.sub("", line) for line in body.split("\n")).strip()
        said = said.strip("«»\"“” ")
        if said and (_POINTS_BACK.search(own) or not r.args.get("text") or len(r.args["text"].split()) < 4):
            r.args["text"] = said
        return r
    if r.tool in ("search_models", "search_datasets") and _POINTS_BACK.search(own) and not r.args.get("query"):
        joined = _route_plain(body + "\n" + own, model)
        return joined if joined.tool in ("search_models", "search_datasets") else r
    if r.tool in ("set_hf_token", "set_hub_endpoint"):
        for key, value in extract(r.tool, body).items():
            if r.args.get(key) in (None, ""):
                r.args[key] = value
    return r


# An errand for a person Dastyar cannot reach («به علی بگو کار ۵ تموم شد», «یه ایمیل بزن به مدیر که …», «زنگ بزن به
# سارا»): not «به زبون ساده بگو», «به من خبر بده».
_NOT_A_PERSON = (r"(?:من|ما|خودم|خودمون|خودت|تو|شما|دستیار|زبان|زبون|انگلیسی|فارسی|عربی|ترکی|ساده|طور|صورت|شکل|ترتیب|عدد"
                 r"|درصد|اختصار|فینگلیش|لاتین|متن|صدا|کوتاهی|خلاصه|تفصیل|وضوح|جای|اندازه)(?![\w\u200c])")
_ERRAND = re.compile(
    rf"^\s*(?:(?:برو|لطفا[\u064b]?|حتما[\u064b]?|یه\s+زحمت)\s+)?به\s+(?!{_NOT_A_PERSON})(?:[^\s،,.؟?]+\s+){{1,3}}?"
    r"(?:بگو|بگید|بگین|بگویید|خبر\s*بده|اطلاع\s*بده)(?![\w\u200c])"
    r"|(?:زنگ|ایمیل|پیام|پیامک|مسیج|تکست)\s*(?:بزن|بده|بفرست)\s+به\s+(?!من|ما|خودم)"
    r"|^\s*به\s+(?!من|ما|خودم)[^\s،,.؟?]+(?:\s+[^\s،,.؟?]+)?\s+(?:زنگ|ایمیل|پیام|پیامک|مسیج)\s*(?:بزن|بده|بفرست)(?![\w\u200c])")
# A voice user checking the microphone («الو الو صدامو داری؟», «تست تست یک دو سه») before saying what they want: a short
# message with no order and no wish in it.
_MIC_CHECK = re.compile(r"(?:میکروفون|میکروفن|mic)\S*.*(?:کار\s*می\s?کن|وصل|روشن)|(?<!\S)(?<!تا\s)(?<!چند\s)(?<!چه\s)صدا(?:م|مو)?\s+(?:میاد|می\s?آید|می\s?رسه"
                        r"|رو\s+داری|داری|رو\s+می\s?شنوی|می\s?شنوی)|(?<!\S)(?:تست|امتحان)[\s،,]+(?:تست|امتحان)(?!\S)"
                        r"|(?<!\S)یک[\s،,]+دو[\s،,]+سه(?!\S)|ضبط\s+می\s?شه|شنیده\s+می\s?شه", re.I)
_WANTS = re.compile(_IMPERATIVE + r"|(?<!\S)(?:می\s?خوام|می\s?خواهم|میخام|هدفم|لازم\s+دارم|بخون|بخوان)(?!\S)")
# A hope about a job or a model asks nothing unless a request or a question comes with it («امیدوارم گیر نکرده باشه،
# وضعیتش چیه؟»). Not «کاش»: «کاش یه مدل … برام پیدا می‌کردی» is a request said softly.
# «حدس بزن چی شد؟ …», «یه حدس بزن امروز چند تا دانلود زدم؟»: a riddle the speaker goes on to answer.
_GUESS = re.compile(r"^\s*(?:[^\s،,]+\s*[،,]\s*)?(?:یه\s+)?حدس\s+(?:بزن|بزنید|بزنین)(?!\S)[^؟?!\n]*[؟?!]+\s*")
_ANSWER_ME = re.compile(r"(?<!\S)(?:(?:تو|خودت)\s+بگو|نمی\s?دونم|نمی\s?دانم|بگو\s+ببینم|جواب\s+بده|جوابشو\s+بگو)(?!\S)")
# A SQL query over the jobs themselves asks for the list of jobs.
_SQL_JOBS = re.compile(r"^\s*select\s.+?\sfrom\s+[`\"']?(?:jobs?|downloads?|trainings?|tasks?|runs?)(?![\w-])", re.I | re.S)
_HOPE = re.compile(r"(?<!\S)(?:خدا\s*کنه|خدا\s*کند|امیدوارم|ایشالا|ایشالله|انشالله|انشاالله|ان\s*شا\S*\s*الله)(?!\S)")


def route_rules(text: str, model: Any = None) -> Route:
    """A Persian message → a tool and its arguments, a question between two, or small talk."""
    own, body = _own_words(text)
    if own != text:
        if not own.strip():
            # A forward alone (news, a chain message, someone else's command) asks nothing of Dastyar: say so.
            forwarded = bool(body.strip()) and bool(_FORWARD_HEADER.match(text.split("\n", 1)[0]))
            return Route(None, {}, source="smalltalk" if forwarded else "none",
                         reply_key="agent.forwarded_no_ask" if forwarded else None)
        if body.strip():
            return _with_forwarded(route_rules(own, model), body, own, model)
        text = own
    token = HF_TOKEN.search(text)
    if token and text.strip() == token.group(0):
        return Route("set_hf_token", {"token": token.group(0)}, source="rules")
    if (me := _TO_ME.match(text)) is not None and text[me.end():].strip():
        text = text[me.end():]
    elif (someone := _TO_SOMEONE.match(text)) is not None:
        return Route(None, {"name": someone.group(0).strip()}, source="smalltalk", reply_key="agent.addressed_to_other")
    if (quoted := _quoted_command(text, model)) is not None:
        return quoted
    if (quoted := _quoted_report(text, model)) is not None:
        return quoted
    folded = text.translate(_FOLD)
    if _ERRAND.search(folded):
        return Route(None, {}, source="smalltalk", reply_key="agent.no_errands")
    if _MIC_CHECK.search(folded) and len(folded.split()) <= 12 and not _WANTS.search(folded):
        return Route(None, {}, source="smalltalk", reply_key="agent.mic_check")
    if (after := _taken_back(text)) is not None:
        # The command was taken back: what is said after it, if it asks for something, is the request.
        then = _in_context(after, _before(after, text), lambda t: route_rules(t, model)) if len(after.split()) >= 2 else None
        if then is None or not (then.tool or then.choices):
            return Route(None, {}, source="smalltalk", reply_key="agent.not_doing")
        return _with_values_before(then, text)
    if _negated_order(text):
        # What is asked beside the declined order is the request («دانلودش نکن، فقط بگو چقدر حجمشه»).
        rest = _declined_clauses_out(text).strip(" \t\n،,.…!؛;:")
        # «کاتالوگ خودت نه، هاب هم نه؛ همون مدلایی که نصبه»: after things declined by «نه», what is named is wanted.
        named = _NOT_THIS.search(text.translate(_FOLD)) or _NEITHER.search(text.translate(_FOLD))
        whole = (len(rest.split()) >= 2 and rest != text.strip(" \t\n،,.…!؛;:")
                 and (_ASKS.search(rest.translate(_FOLD)) or named or HF_TOKEN.search(rest))
                 and not _NEGATED_TYPED.search(rest.translate(_FOLD)))  # (never the same text again)
        then = _in_context(rest, text, lambda t: route_rules(t, model)) if whole else None
        if then is not None and (then.tool or then.choices):
            if then.tool in ("speak", "try_model") and (said := _with_args(then.tool, text, text, model).args.get("text")):
                then.args["text"] = said  # «اینو بخون استراحت نکن هنوز وقتش نیست»: the declined words are the text's own
            return _with_values_before(then, text)
        if _negated_only(text):
            return Route(None, {}, source="smalltalk", reply_key="agent.not_doing")
    if _HOPE.search(folded) and not _ASKS.search(folded):
        return Route(None, {}, source="none")  # «خدا کنه آموزش ۵ به یه جایی برسه»: a hope, nothing asked
    if (guess := _GUESS.match(folded)) is not None and len(text[guess.end():].split()) >= 2 \
            and not _ANSWER_ME.search(folded[guess.end():]):
        # «حدس بزن کار ۵ چی شد؟ خودم دیدم، تموم شد!»: the speaker answers their own riddle; what follows is the
        # message. Not «… چند تا پارامتر داره؟ نمی‌دونم راستش، تو بگو», which asks the riddle for real.
        then = route_rules(text[guess.end():], model)
        return then if then.tool or then.choices or then.reply_key else Route(None, {}, source="smalltalk", reply_key="agent.told")
    if _SQL_JOBS.match(text):
        return _with_args("list_jobs", text, text, model)  # «SELECT * FROM jobs WHERE …»: the job table, as a query
    r = _route_plain(text, model)
    return _corrected(r, text, model)


def _with_values_before(then: Route, text: str) -> Route:
    """Values said before a correction stay («کار ۳ رو لغو کن، نه ولش کن، وضعیتشو بگو» asks about job 3)."""
    from agents.arguments import extract

    for tool, args in [(then.tool, then.args)] + [(c["tool"], c["args"]) for c in then.choices]:
        for key, value in (extract(tool, text).items() if tool else ()):
            if args.get(key) in (None, ""):
                args[key] = value
    if then.missing and then.args.get(then.missing) not in (None, ""):
        then.missing = None
    return then


def _in_context(after: str, before: str, route_with: Callable[[str], Route], over_none: bool = False) -> Route:
    """What follows a correction (`over_none`: a correction replaces the request by construction) or a taking-back,
    routed on its own words or about the thing named before it, whichever is surer:
    «کار ۱۴ رو لغو کن، نه صبر کن، اول بگو چقدرش مونده» asks how much of job 14 is left (alone, «… چقدرش مونده»
    read as the disk's space); «…، نه ولش کن، وضعیت سیستم رو بگو» stays about the machine."""
    from agents.arguments import job_id, repo_ids

    plain = route_with(after)
    if not over_none and not (plain.tool or plain.choices):
        return plain  # after a taking-back or a declined order, words asking nothing give a reason («…، هنوز تموم نشده»)
    if job_id(after) is not None or repo_ids(after):
        return plain
    number, ids = job_id(before), repo_ids(before)
    named = f"کار {number}" if number is not None else ids[0] if ids else None
    if named is None:
        return plain
    about = route_with(f"{named} {after}")
    return about if (about.tool or about.choices) and (about.confidence or 0) > (plain.confidence or 0) else plain


def _before(after: str, text: str) -> str:
    return text[: text.rfind(after)] if after in text else ""


# A spoken or typed correction that replaces the request: «نه ببخشید», «نه صبر کن», «— نه،», «اشتباه گفتم»; not
# «یا نه» (or not), «کدوم نه» (which not), the «نه» of a number, or «نه» inside a phrase («خودت نه هاب»).
_MARK = rf"(?:نه|ببخشید|صبر{_GAP}کن|اشتباه{_GAP}گفتم|اشتباهی{_GAP}گفتم)"
_UNSAID = re.compile(
    rf"(?<!\S)(?:(?:ا[\u064b-\u0652]?|یعنی|آه|اصلا[\u064b]?){_SEP})*(?:(?<!یا\s)(?<!و\s)(?<!کدوم\s)(?<!کدام\s)نه(?:\s*[،,.…!—–-]+|(?:{_SEP}{_MARK})+{_SEP})"
    rf"|(?:اشتباه|اشتباهی){_GAP}گفتم{_SEP}|ببخشید{_SEP})", re.I)


# «منظورم X بود»: X is what was meant; «منظورم X نبود» says only what was not.
_MEANT = re.compile(r"(?<!\S)منظور(?:م|مون)\s+(.+?)\s*(?<!\S)(?:بود|بودش|هست|است|ه)(?=$|[\s،,.؛;!…])", re.S)
_NOT_MEANT = re.compile(r"(?<!\S)منظور(?:م|مون)\s+[^،,.؛;!…]*?\s*(?<!\S)نبود\S*[\s،,.؛;!…]*")
# What kind of thing a search or a list is about: a correction that swaps the kind keeps the rest of the request.
_KINDS = {
    "data": re.compile(r"(?<![\w\u200c])(?:دیتاست|دیتا|داده|دادگان|dataset|data)[\w\u200c]*", re.I),
    "model": re.compile(r"(?<![\w\u200c])(?:مدل|model)[\w\u200c]*", re.I),
}


def _kind(text: str) -> set[str]:
    return {kind for kind, pattern in _KINDS.items() if pattern.search(text)}


def _meant(after: str) -> str:
    """«منظورم ول کردن نبود، منظورم رزومش بود» → «رزومش»: what was meant, without the words that say so."""
    if not (_MEANT.search(after) or _NOT_MEANT.search(after)):
        return after
    after = _NOT_MEANT.sub(" ", after)
    return _MEANT.sub(lambda m: m.group(1) + " ", after).strip(" \t\n،,.…!؛;")


def _kind_swapped(before: str, after: str, model: Any) -> Route | None:
    """«یه دیتاست تحلیل احساسات پیدا کن… نه ببخشید منظورم مدل بود»: the request before, about the other kind."""
    said, meant = _kind(before), _kind(after)
    if _IMPERATIVE_RE.search(after.translate(_FOLD)):
        return None  # «… اِ نه، دیتاست نه، خود مدلای whisper رو سرچ کن»: the words after ask on their own
    if len(said) != 1 or len(meant) != 1 or said == meant:
        return None
    (old,), (new,) = said, meant
    word = _KINDS[new].search(after).group(0)  # type: ignore[union-attr]
    swapped = _KINDS[old].sub(word, before, count=1)
    then = _route_plain(swapped, model)
    return then if then.tool and (then.confidence or 0) >= _confident() else None


def _corrected(r: Route, text: str, model: Any) -> Route:
    """After a correction, another request replaces the first («کار ۳ رو لغو کن، نه ببخشید، وضعیتشو بگو» asks for
    job 3's status and cancels nothing); unsure, the two are offered. A corrected value of the same command
    («… ارزیابی کن ببخشید کار دوازده») stays with it."""
    from agents.arguments import extract

    marked = _after_last(_UNSAID, text)
    before = _before_mark(text)
    meant = _MEANT.search(text)
    if marked is None and meant is not None and len(text[: meant.start()].split()) >= 2:
        marked, before = text[meant.start():], text[: meant.start()]  # «…؛ منظورم ول کردن نبود، منظورم رزومش بود»
    after = _meant((marked or "").strip())
    if after and (swapped := _kind_swapped(before, after, model)) is not None:
        return _with_values_before(swapped, text) if swapped.tool != r.tool else r
    if not r.tool and not (r.choices and meant):
        return r  # nothing was asked before: a «نه،» inside a story is no correction
    if (len(after.split()) < (1 if meant else 2)
            or (r.tool and any(v not in (None, "", False) for v in extract(r.tool, after).values()))):
        return r
    then = _in_context(after, before, lambda t: _route_plain(t, model), over_none=True)
    sure = then.confidence or 0.0
    if not then.tool or then.tool == r.tool or sure < 0.5:
        return r
    then = _with_values_before(then, text)
    if sure >= 0.7:
        return then
    return _ask([{"tool": then.tool, "args": then.args}, {"tool": r.tool, "args": r.args}], sure)


_COMPARED = re.compile(r"مقایسه|(?<!\S)(?:vs|versus|compare|مقابل|برابر|رقابت|بهتر\S*|بدتر\S*|سریع\s*تر\S*)(?![\w\u200c])",
                       re.I)


def _export_format(text: str) -> str | None:
    from agents.arguments import extract

    return extract("export_model", text).get("format")


def _two_models(text: str) -> bool:
    from agents.arguments import extract

    return len(extract("compare_models", text).get("models", "").split()) >= 2


# «ازش امتحان بگیر», «امتحان گرفتن از مدل»: a model examined (measured), where «امتحانش کن» tries it.
_EXAM = re.compile(r"(?<!\S)امتحان(?:ی)?\s+(?:\S+\s+){0,2}?(?:بگیر|بگیرید|بگیرین|بگیره|بگیرم|گرفتن|بگیریم|می\s?گیری)(?![\w\u200c])")


# Which of them: a choice between the models named («کدوم بهتره», «A بهتره یا B», «which one»).
_WHICH = re.compile(r"(?<!\S)(?:کدوم|کدام|کدومش|کدومو|کدومشون|which)\S*|(?:بهتر|بالاتر|جلوتر|قوی\s*تر)\S*\s+(?:\S+\s+){0,3}یا(?!\S)",
                    re.I)


# What a search is for, by the words used: an architecture's name, against any word for data («مدل» alone is often what
# the data is for: «شعر فارسی می‌خوام که مدل یاد بگیره»).
_ARCH_NAMED = re.compile(r"(?<![\w\u200c])(?:(?:[a-z0-9]+-)*[a-z0-9]*(?:bert|roberta|xlm|electra|deberta|bart|t5"
                         r"|gpt|llama|qwen|mistral|gemma|whisper|wav2vec2?|hubert|bloom|labse)|برت|پارسبرت|پارس\s*برت|ویسپر"
                         r"|روبرتا|لاما|جی\s*پی\s*تی)", re.I)
_DATA_WORD = re.compile(r"(?<![\w\u200c])(?:دیتا|داده|دادگان|دیتاست|کورپوس|پیکره|مجموعه|data|corpus|corpora|benchmark|بنچمارک"
                        r"|نمونه|جمله|متن|سوال|سؤال|صوت|فایل|ستون|رکورد|ردیف)", re.I)


# A goal that wants data, not something that does a task: the data described by its labels or its columns, a test set
# or a benchmark («جملاتی می‌خوام که اسم شهرها علامت خورده باشه», «یه تست‌ست عمومی برای NER»); not when a model or a
# system is wanted to do it («یه مدل می‌خوام که …», «… بساز»).
_DATA_WANTED = re.compile(r"(?:برچسب|تگ|لیبل|علامت|label|tag)\S*\s*(?:\S+\s+){0,3}?(?:خورده|شده|زده\s*شده|گذاری\s*شده|دار)(?![\w\u200c])"
                          r"|(?<![\w\u200c])(?:تست\s*ست|بنچمارک|benchmark|معیار\s+(?:استاندارد|عمومی)|مرجع\s+استاندارد"
                          r"|pairs|annotated|labeled|labelled)", re.I)
_DOER = re.compile(r"(?<![\w\u200c])(?:مدل|مدلی|سیستم|سیستمی|برنامه|برنامه‌ای|ابزار|tool|چیزی|چیز|ربات|service|سرویس|اپ|app)"
                   r"(?:\s+\S+){0,4}?\s+(?:که|ک)(?!\S)|(?<![\w\u200c])(?:بساز|بسازم|بسازیم|آموزش\s+بد|ترین\s+کن|راه\s+بنداز"
                   r"|fine-?tune\s+کن|فاین\s*تیون\s+کن|از\s+کجا\s+شروع|خودکار|اتوماتیک|(?<!لازم\s)(?<!نیاز\s)(?:داریم|دارم))", re.I)


# Tools a pasted Hub search link cannot be for (it names no repo and is not an endpoint), and the searches themselves.
_NOT_A_SEARCH_LINK = ("help", "set_hub_endpoint", "download", "model_info", "catalog")
_SEARCHES = ("search_models", "search_datasets")


def _route_plain(text: str, model: Any = None) -> Route:
    first, rest = _split(text)
    ranked = _predict(first, model)
    if rest:
        whole = _predict(text, model)
        if whole[0][1] > ranked[0][1] and whole[0][0] != "none" and ranked[0][0] == "none":
            first, rest, ranked = text, "", whole
    elif (last := _last_sentence(text)) is not None:
        # A story, then the request («امروز اولین روزمه … یه توضیح کلی از امکاناتت بده»): the last sentence asks.
        tail = _predict(last, model)
        # Another action only over a story or an unsure reading: a tail that leans on a sure request before it
        # («… مدل ۳ یا ۵؟ می‌تونی مقایسه کنی اونا؟») reads alone as something else. The same action takes the
        # tail's values (a log above it has numbers and URLs).
        if (tail[0][0] != "none" and tail[0][1] >= _confident() and tail[0][1] > ranked[0][1]
                and (ranked[0][0] in ("none", "help") or ranked[0][1] < _confident()
                     or tail[0][0] == ranked[0][0] not in _FREE_TEXT)):  # a goal or a search is the whole message
            first, ranked = last, tail
    if not rest and ranked[0][0] in ("none", "help") and (head := _first_sentence(text)) is not None:
        # «لیست کارا. سرم تو دستمه، نمی‌تونم زیاد تایپ کنم»: the request first, then a reason that asks nothing
        lead = _predict(head[0], model)
        if lead[0][0] not in ("none", "help", ranked[0][0]) and lead[0][1] >= _confident() \
                and not _ASKS.search(head[1].translate(_FOLD)):
            first, ranked = head[0], lead
    label, confidence = ranked[0]
    threshold = _confident()
    if (label == "none" or confidence < threshold) and (buried := _order_sentence(text, threshold, model)) is not None:
        # A long story with one order in its middle («… دیروز تولد دخترم بود … مدل my-ner-run رو با … بسنج؛ من برم
        # یه قهوه بخورم»): the sentence that gives the order is the request; its values may sit in the sentences around it.
        first, rest, ranked = buried[0], "", buried[1]
        label, confidence = ranked[0]
    if ((confidence < threshold and not rest and (after := _after_label(text)) is not None)
            or (label == "none" and (after := _after_label(text, longest=12)) is not None and _decided(text, after))):
        # «بین دو تا مشتری: اعلانات رو خوانده‌شده کن، بعدش …»: a label, then the request; read alone when it is sure.
        then = _route_plain(after, model)
        if then.tool and then.source == "rules" and (then.confidence or 0) >= threshold:
            return then
    link = HUB_SEARCH_URL.search(text)
    if link is not None and (label in ("none", *_NOT_A_SEARCH_LINK, *_SEARCHES) or confidence < threshold):
        # A search pasted from the Hub website is a search unless the words surely ask for another action: it names
        # no repo to fetch or describe and is no mirror's address («همون سرچی که تو این آدرسه رو انجام بده hf.co/models?…»).
        label = "search_datasets" if "/datasets" in link.group(0).lower() else "search_models"
    elif label == "none":
        if confidence < threshold and ranked[1][1] >= 0.3:
            return _clarify(first, text, ranked, model)
        key = "agent.thanks" if W_THANKS.search(text) else "agent.greeting" if W_GREETING.search(text) else None
        r = Route(None, {}, source="smalltalk" if key else "none", reply_key=key)
        r.confidence = confidence
        return r
    elif confidence < threshold:
        return _clarify(first, text, ranked, model)
    if label == "plan_goal" and (tail := _final_clause(text)) is not None and REPO_ID.search(_masked(tail)) \
            and _IMPERATIVE_RE.search(tail.translate(_FOLD)):
        # «… می‌خوام صدای درس‌ها رو به نوشته تبدیل کنم؛ پس امشب openai/whisper-small رو دانلود کن»: the goal is the
        # reason, the model is chosen and fetched
        then = _predict(tail, model)[0]
        if then[0] == "download" and then[1] >= threshold:
            label, first = "download", tail
    spaced = text.replace("\u200c", " ")
    if label == "plan_goal" and _DATA_WANTED.search(spaced) and not _DOER.search(spaced):
        label = "search_datasets"  # «ی عالمه کامنت میخام ک برچسب توهین‌آمیز خورده باشن»: data wanted, nothing built
    if label == "search_datasets" and _ARCH_NAMED.search(text) and not _DATA_WORD.search(text):
        label = "search_models"  # «نسخه‌های mbart که فارسی دارن رو سرچ کن»: a model's name, no word for data
    if label == "system_status" and (repo := REPO_ID.search(_masked(first))) and not _IMPERATIVE_RE.search(_clause_at(first, repo.start())):
        # «مصرفش چقدره؟ منظورم رم و کارت گرافیکه، برای mistralai/Mistral-7B-v0.1»: that model's needs; not «ببین دیسک
        # پره یا نه؛ اگه جا بود openai/whisper-small رو بگیر», where the repo has an order of its own
        label = "model_info"
    if label == "set_hub_endpoint" and HF_TOKEN.search(text) and not _LINK.search(text):
        label = "set_hf_token"  # «میرور درسته، مشکل از توکنه؛ این یکی رو بذار hf_…»: a token and no address
    if label == "try_model" and _EXAM.search(text.translate(_FOLD)):
        label = "evaluate_model"  # «از مدل ۵ هم امتحان بگیر: برگه‌ی سؤالش exam.csv»: examined, not tried
    if label == "compare_models" and not _WHICH.search(text) and not _COMPARED.search(text.translate(_FOLD)) \
            and _export_format(text):
        label = "export_model"  # «همون کاری که با مدل ۱ کردی، یعنی tflite، با مدل ۱۲ هم بکن»: a format, nothing weighed
    if label == "evaluate_model" and _WHICH.search(text) and _two_models(text):
        label = "compare_models"  # «مدل ۳ رو ارزیابی کن، ۵ رو هم؛ بگو کدوم بهتره»: two models measured to pick one
    r = _with_args(label, first, text, model)
    r.confidence = confidence
    if rest:
        nxt = _predict(rest, model)[0]
        if nxt[0] != "none" and nxt[0] != label and nxt[1] >= min(threshold, 1.0):
            follow = _with_args(nxt[0], rest, rest, model)
            r.next = {"tool": follow.tool, "args": follow.args}
    return r


def _final_clause(text: str) -> str | None:
    """The words after the last «؛», «.», «!» or «؟» inside the message, when there are three or more."""
    masked = re.sub(r"\S+\.\w{2,5}\b", lambda m: "_" * len(m.group(0)), _masked(text.strip().rstrip(".!؟?… ")))
    cuts = [m.end() for m in re.finditer(r"[؛;.!؟?\n]", masked)]
    tail = text.strip()[cuts[-1]:].strip() if cuts else ""
    return tail if len(tail.split()) >= 3 else None


def _clause_at(text: str, at: int) -> str:
    """The clause (between stops, «؛» and «،») that holds position `at`."""
    cuts = [0] + [m.end() for m in re.finditer(r"[،,؛;.!؟?\n]", text)] + [len(text) + 1]
    start = max(c for c in cuts if c <= at)
    return text[start:min(c for c in cuts if c > at)]


# A label that opens what is to be said or read («متن پیام: سلام، بعد از جلسه میام»): the words after it are the text.
_CONTENT_LABEL = re.compile(r"(?:متن|پیام|جمله|عبارت|نوشته|شعر|دیالوگ|کپشن|عنوان|زیرنویس|راوی|گوینده|text|caption)", re.I)
_POINTS_AHEAD = re.compile(r"(?<!\S)(?:این|اینو|اینا|اینها|زیر|زیری|پایین|پایینی)\s*$")
_LABEL_END = re.compile(r"[:：](?!//|\d|\\|/)")  # not «C:\…», «https://»


def _after_label(text: str, longest: int = 6) -> str | None:
    """What follows a short label with no order in it («وقت استراحت تموم شد، دور بعد: …»), when it says something."""
    masked = _masked(re.sub(r"«[^»]*»|\"[^\"]*\"|“[^”]*”", lambda q: "_" * len(q.group(0)), text))
    colon = _LABEL_END.search(masked)
    label = text[:colon.start()].translate(_FOLD) if colon else ""
    if (colon is None or len(label.split()) > longest or _IMPERATIVE_RE.search(label) or _ASKS_ABOUT.search(label)
            or _POINTS_AHEAD.search(label)):
        return None  # «ترتیب درستش پیش تو چیه: …» asks a question, it labels nothing; «مدل ۴ با این: «…»» gives a text
    after = text[colon.end():].strip()
    return after if len(after.split()) >= 3 else None


def _decided(text: str, after: str) -> bool:
    """«با خودم کلنجار رفتم، آخرش تصمیم گرفتم: X رو بیار»: one line of two words or more, then an order; not a
    speaker's line («مرد: توکن رو ست کن»), reported words or a script."""
    label = text[: text.rfind(after)].translate(_FOLD)
    return ("\n" not in label.strip() and len(label.split()) >= 2 and text.count(":") == 1
            and not _REPORTED.search(label) and bool(_IMPERATIVE_RE.search(after.translate(_FOLD))))


def _clarify(first: str, text: str, ranked: list[tuple[str, float]], model: Any) -> Route:
    tools = [label for label, _ in ranked if label != "none"][:2]
    return _ask([{"tool": tool, "args": _with_args(tool, first, text, model).args} for tool in tools], ranked[0][1])


def _ask(choices: list[dict[str, Any]], confidence: float) -> Route:
    """A question between these actions (buttons, or «اولی/دومی» typed)."""
    r = Route(None, {}, source="clarify", reply_key="agent.clarify")
    r.choices = choices
    r.confidence = confidence
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


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")  # invisible direction marks


def route(text: str, model: Any = None) -> Route:
    """Route one message: a slash command, else the intent model; every argument of the tool filled in.

    `model` replaces the cached intent model (benchmarks score models that never saw a family)."""
    # Control characters are nobody's words; they become spaces before anything reads the text.
    text = _BIDI.sub("", _CONTROL.sub(" ", text or ""))
    if not text.strip():
        return Route(None, {}, source="none", reply_key="errors.empty_message")
    slash = route_slash(text)
    if slash is None:
        normalized = normalize(text)
        slash = route_slash(normalized) if normalized.startswith("/") else None
        if slash is None:
            normalized = _SPOKEN_COMMA.sub("،", _SPOKEN_QUESTION.sub("؟", normalized))
            later = _route_later(normalized[:2000], model)
            return later if later is not None else fill_defaults(route_rules(normalized[:2000], model), model)
    if slash.reply_key == "errors.unknown_command" and (meant := _unknown_slash_as_words(text, model)) is not None:
        return meant
    if slash.tool == "schedule" and slash.args.get("when"):
        return _route_later(slash.args["when"], model, slash=True) or fill_defaults(slash, model)
    return fill_defaults(slash, model)


# Punctuation said aloud, as a recognizer writes it («دستیار ویرگول این ترین چهارده گیر نکرده علامت سوال»).
_SPOKEN_COMMA = re.compile(r"(?<![\w\u200c])(?:ویرگول|کاما)(?![\w\u200c])")
_SPOKEN_QUESTION = re.compile(r"(?<![\w\u200c])علامت[\s\u200c]*(?:سوال|سؤال|پرسش)(?![\w\u200c])")
_JOINERS = re.compile(r"[_\-]+")  # «/set_token», «/list-downloads»


def _unknown_slash_as_words(text: str, model: Any = None) -> Route | None:
    """A command Dastyar does not have, read as words («/login hf_…», «/لیست دانلودا», «/set_token …»): people type
    the slash commands of other bots. Only an action or help is taken; anything else keeps the unknown-command reply,
    which points to `/help`."""
    head, _, rest = normalize(text).strip()[1:].partition(" ")
    words = f"{_JOINERS.sub(' ', head)} {rest}".strip()
    if not words or len(words) > 2000:
        return None
    meant = route_rules(words, model)
    return fill_defaults(meant, model) if meant.tool else None


# The tools the router reaches by composing, not through the intent model: «امشب ساعت ۲ <a request>» is the request,
# routed as it is, wrapped in `schedule` with the time's words.
COMPOSED_TOOLS = ("schedule",)
_NOW_WORDS = {"امروز", "الان", "همین", "حالا"}
# Clause boundaries: a time in another clause («…، فردا ارائه دارم», «… که شب روش تست بگیرم») is not the request's.
_CLAUSES = re.compile(r"[،؛!?؟\n]|\.(?=\s|$)|(?<!\S)(?:که|تا|چون|ولی|اما|وقتی)(?!\S)")  # not «./outputs»
# Words a request's time may follow: the asking itself («میشه فردا …», «خواهشمندم امشب …»), an object marker.
_BEFORE_TIME = {"رو", "را", "و", "لطفا", "لطفاً", "خواهشا", "خواهشاً", "خواهشمندم", "خواهشمنداست", "میشه", "می‌شه",
                "میتونی", "می‌تونی", "میتونید", "می‌تونید", "میتوانید", "می‌توانید", "بی‌زحمت", "بیزحمت", "همین", "خب",
                "روز", "یادت", "باشه", "واسه", "برای", "اوم", "اون", "امکانش", "هست", "بذار", "بنداز", "آخر", "اول"}
_RIGHT_NOW = re.compile(r"(?<!\S)(?:همین[\s\u200c]*(?:الان|الآن|حالا)|فورا|فوراً|بلافاصله|right\s+now|asap)(?![\w\u200c])", re.I)
# «تا فردا», «تا دو ساعت دیگه»: a deadline — the work is wanted now.
_BY = re.compile(r"(?<!\S)تا\s*$")


def _route_later(text: str, model: Any = None, *, slash: bool = False) -> Route | None:
    """A request for work with a time in it → `schedule`; None when there is no time, the time is just «today», or
    what is left is not work that starts a job (a question, a status: answered now, as said)."""
    from assistant.when import GLUE, split_when


    if not slash and _RIGHT_NOW.search(text):
        return None  # «فردا صبح باید رو هاب باشه؛ همین الان پوشش کن»: the time is a deadline, the work is now
    when, rest = split_when(text)
    core = {w for w in when.split() if w not in GLUE}
    if not when or core <= _NOW_WORDS:
        return None
    inner = route(rest, model) if rest else Route(None)
    work = inner.tool is not None and BY_TOOL[inner.tool].later
    if not slash and (not work or not _time_of_the_request(text, inner.tool, model)):
        return None  # read as said: the time is part of a question, a story, a deadline or another clause
    if inner.tool is not None and inner.missing:
        return inner  # «فردا دانلود کن»: what to download is asked first
    r = Route("schedule", {"tool": inner.tool or "", "args": inner.args, "when": when}, source=inner.source,
              confidence=inner.confidence)
    return fill_defaults(r, model)




def _time_of_the_request(text: str, tool: str | None, model: Any) -> bool:
    """Is the time said of the request itself? Not a deadline («تا فردا …»), not a goal's rhythm («هر روز باید …»:
    goals are scheduled with `/schedule`), and said in the clause that asks for the work: that clause alone, without
    the time, asks for the same tool («ویسپر رو بگیر که فردا باهاش فایلامو پیاده کنم» is a download now)."""
    from assistant.when import time_words

    if tool == "plan_goal":
        return False
    spaced = normalize(text)
    pieces = [p for p in _CLAUSES.split(spaced) if p and p.strip()]
    starts = [m.end() for m in _CLAUSES.finditer(spaced)]
    for piece in pieces:
        words, times = time_words(piece)
        if not times:
            continue
        at = spaced.find(piece)
        if _BY.search(spaced[:at]):
            return False  # the clause follows «تا»: a deadline, or what the work is for
        if at > 0 and not any(abs(at - s) <= 1 for s in starts):
            continue
        rest = " ".join(w for i, w in enumerate(words) if i not in times).strip(" ،,")
        if not rest:
            # The time alone in its clause («فردا ساعت ۲، مدل … رو دانلود کن»), in the sentence that asks for the work
            # (not «… امروز صبح که اومدم دیدم آموزش تموم شده. حالا مدل … رو بسنج»).
            cuts = [0] + [m.end() for m in _PIECE_END.finditer(spaced)] + [len(spaced)]
            at += len(piece) - len(piece.lstrip())
            a, b = next((a, b) for a, b in pairwise(cuts) if a <= at < b or b == len(spaced))
            left = spaced[a:b].replace(piece.strip(), " ", 1).strip(" .،,!؛;")
            return (a, b) == (0, len(spaced)) or not left or route_rules(left, model).tool == tool
        first, last = min(times), max(times)
        # Said of the verb, not of a noun («گزارش فردا», «کار فردا»): the clause starts with the time, the time
        # follows an object («… رو فردا …») or a name or number, or only the verb comes after it.
        before = words[first - 1] if first else ""
        adverb = (not first or before in _BEFORE_TIME or bool(re.search(r"[A-Za-z0-9]", before))
                  or len(words) - 1 - last <= 3)
        return adverb and route_rules(rest, model).tool == tool
    return False
