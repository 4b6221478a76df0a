"""Offline routing: slash commands and rule-based Persian intent matching over normalized text.

`route(text)` returns the tool to call and its arguments, or no tool (then the agent explains what it can
do). Argument values are left as the user wrote them where the tool's own validation reads them better
(job ids in any digit script, learning rates like «۲e-۵»).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from agents.patterns import HF_TOKEN, NUMBER_TOKEN, REPO_ID, strip_words, words
from assistant.persian import normalize, parse_int, parse_number, to_latin_digits


@dataclass
class Route:
    tool: str | None
    args: dict[str, Any] = field(default_factory=dict)
    source: str = "none"  # slash | rules | smalltalk | none
    # For smalltalk and problems found while routing: a catalog key for the reply.
    reply_key: str | None = None
    missing: str | None = None  # an argument the user still has to give

    def to_dict(self) -> dict[str, Any]:
        return {"tool": self.tool, "args": self.args}


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
    command = normalize(head, use_hazm=False).lower().replace("\u200c", "")
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
# Persian rules. Each intent has trigger words; argument extraction follows.
W_CANCEL = words("لغو", "کنسل", "متوقف", "قطع", "بیخیال", "cancel", "stop", "abort")
W_RESUME = words("ادامه", "از سر بگیر", "از سرگیری", "دوباره شروع", "resume", "continue", prefix=True)
W_STATUS = words(
    "وضعیت", "به کجا رسید", "کجا رسید", "چقدر مونده", "چقدر مانده", "پیشرفت", "چی شد", "چطوره",
    "تموم شد", "تمام شد", "status", "progress",
)
W_JOB_PROGRESS = words(
    "چقدر مونده", "چقدر مانده", "چقد مونده", "به کجا رسید", "کجا رسید", "پیشرفت", "تموم شد", "تمام شد", "کی تموم میشه",
)
W_JOB = words("کار", "جاب", "job", "تسک", "دانلود", "آموزش", "شماره")
W_JOBS = words(
    "کارها", "جاب‌ها", "تسک‌ها", "jobs", "دانلودها", "آموزش‌ها", "فرایندها", prefix=True
)
W_LIST = words(
    "لیست", "فهرست", "نشون", "نشان", "نمایش", "ببینم", "چیه", "چیا", "کدوم", "کدام", "چی", "همه", "من",
    "در حال اجرا", "جاری", "list", "show",
)
W_NOTIF = words("اعلان", "نوتیف", "notification", "هشدارها", prefix=True)
W_READ = words("خوندم", "خواندم", "خونده شد", "خوانده شد", "خوانده‌شده کن", "علامت", "پاک کن", "دیدم", "read")
W_UNREAD = words("خوانده‌نشده", "خوانده نشده", "نخونده", "نخوانده", "جدید", "unread")
W_SYSTEM = words(
    "وضعیت سیستم", "سیستم", "منابع", "رم", "حافظه", "سی پی یو", "پردازنده", "cpu", "gpu", "ram",
    "کارت گرافیک", "جی پی یو", "دیسک", "فضای دیسک", "فضای خالی", "سخت‌افزار", "سرور",
)
W_HELP = words(
    "راهنما", "کمک", "help", "دستورها", "دستورات", "چه کار می‌تونی", "چه کارهایی", "چیکار",
    "چیکار می‌تونی", "چه کاری بلدی", "چی بلدی", "چه کار می‌کنی", "قابلیت", "امکانات", prefix=True
)
# Questions about the assistant itself; checked before job words («چه کارهایی بلدی؟» is not a job list).
W_HELP_STRONG = words("بلدی", "می‌تونی بکنی", "می‌تونی انجام", "راهنما", "قابلیت", "help", "امکاناتت", prefix=True)
W_YES = words("بله", "بلی", "آره", "آری", "باشه", "تایید", "تأیید", "شروع کن", "اوکی", "ok", "okay", "yes", "بزن بریم", "حتما", "حتماً", "انجامش بده", "موافقم")
W_NO = words("نه", "خیر", "نخیر", "بیخیال", "no", "نمی‌خوام", "نمیخوام", "ولش کن", "منصرف شدم", "لغو")
W_GREETING = words("سلام", "درود", "صبح بخیر", "عصر بخیر", "شب بخیر", "hello", "hi", "خسته نباشی", "وقت بخیر")
W_THANKS = words("مرسی", "ممنون", "ممنونم", "متشکرم", "سپاس", "سپاسگزارم", "دمت گرم", "thanks", "thank you", "تشکر")
W_SEARCH = words(
    "جستجو", "جستجوی", "جست‌وجو", "سرچ", "پیدا کن", "پیدا کنی", "بگرد", "پیشنهاد", "معرفی کن", "search", "find",
    "دنبال", "کدوم مدل", "چه مدل", "مدل‌های", "دیتاست‌های", "مدلهای", "دیتاستهای", "مدل خوب",
)
W_DATASET = words("دیتاست", "داده", "دادگان", "مجموعه داده", "dataset", "دیتا", prefix=True)
W_MODEL = words("مدل", "model", prefix=True)
W_INFO = words("اطلاعات", "مشخصات", "جزئیات", "درباره", "معرفی", "info", "توضیح", "کارت مدل")
W_DOWNLOAD = words("دانلود", "دریافت", "بارگیری", "نصب", "بگیر", "بگیرش", "download", "pull")
W_INSTALLED = words(
    "نصب شده", "نصب‌شده", "دانلود شده", "دانلودشده", "موجود", "داری", "installed", "روی دیسک", "نصب کردم",
    "دانلود کردم", "دارم",
)
W_TRAIN = words(
    "آموزش بده", "آموزش بدی", "آموزش رو شروع", "فاین تیون", "فاین‌تیون", "فاینتیون", "تنظیم دقیق", "ریزتنظیم",
    "ریز تنظیم", "train", "fine-tune", "finetune", "آموزشش بده", "ترین کن",
)
W_SPEAK = words(
    "بخون", "بخوان", "با صدا بگو", "بلند بخوان", "بلند بخون", "بگو ببینم", "تلفظ کن", "speak", "بخونش", "بخونی",
    "بخوانید", "بخوانش", "به صدا تبدیل", "به گفتار تبدیل", "به صوت تبدیل", "read aloud", "با صدای بلند",
)
# «با صدای زن بگو: …»: a voice, then the text after a colon.
W_SPEAK_COLON = re.compile(r"(?:^|\s)(?:بگو|با صدای \S+|با صدا)\s*[:：]")
W_VOICE_FEMALE = words("با صدای زن", "با صدای زنانه", "صدای زن", "صدای زنانه", "صدای خانم")
W_VOICE_MALE = words("با صدای مرد", "با صدای مردانه", "صدای مرد", "صدای مردانه", "صدای آقا")
# A recording named together with a verb of writing: «متن این ویس رو بنویس», «این صدا رو تایپ کن».
W_AUDIO = words("ویس", "وویس", "صدا", "صوت", "فایل صوتی", "پیام صوتی", "ضبط", "صدای ضبط", "فایل صدا", "voice", "audio")
W_WRITE = words("بنویس", "بنویسش", "تایپ کن", "تایپش کن", "متنش", "متن", "زیرنویس", "رونوشت")
W_TRANSCRIBE = words(
    "به متن تبدیل", "به نوشتار تبدیل", "رونویسی", "پیاده کن", "پیاده‌سازی متن", "متن این صوت", "متن این فایل صوتی",
    "transcribe", "تبدیل گفتار به متن", "به متن برگردان", "زیرنویس بساز", "زیرنویسش رو بساز", "رونوشت",
)
W_TOKEN = words("توکن", "token", "کلید")
W_MIRROR = words("آینه", "میرور", "mirror", "endpoint", "اندپوینت")
W_CATALOG = words("فهرست آفلاین", "کاتالوگ", "catalog", "مدل‌های پیشنهادی", "پیشنهادهای آفلاین")
W_TRY = words("امتحان کن", "امتحانش کن", "تست کن", "آزمایش کن", "try")

TASK_WORDS: list[tuple[str, re.Pattern[str]]] = [
    ("text-to-speech", words("تبدیل متن به گفتار", "متن به گفتار", "متن به صوت", "سنتز گفتار", "خواندن متن", "tts", "text-to-speech")),
    (
        "automatic-speech-recognition",
        words("تشخیص گفتار", "تبدیل گفتار به متن", "بازشناسی گفتار", "صوت به متن", "گفتار به متن", "asr", "speech recognition"),
    ),
    ("text-classification", words("دسته‌بندی متن", "طبقه‌بندی متن", "تحلیل احساسات", "تشخیص احساس", "احساسات", "sentiment", "classification")),
    ("token-classification", words("شناسایی موجودیت‌های نامدار", "موجودیت نامدار", "موجودیت‌های نامدار", "برچسب‌گذاری نقش کلمات", "ner")),
    ("question-answering", words("پرسش و پاسخ", "پرسش‌وپاسخ", "جواب به سوال", "پرسش و پاسخ", "question answering")),
    ("translation", words("ترجمه", "ترجمه ماشینی", "translation")),
    ("summarization", words("خلاصه‌سازی", "خلاصه سازی", "خلاصه کردن متن", "خلاصه", "summarization")),
    ("text-generation", words("تولید متن", "مدل زبانی", "چت", "llm", "text generation")),
    ("fill-mask", words("پر کردن جای خالی", "مدل زبانی پوشیده", "fill-mask")),
    ("sentence-similarity", words("شباهت جملات", "بردار جمله", "امبدینگ", "embedding")),
]
W_PERSIAN = words("فارسی", "پارسی", "persian", "farsi")
_FILLER = words(
    "رو", "را", "برام", "برای", "برای من", "لطفا", "لطفاً", "یه", "یک", "چند", "تا", "که", "در", "با", "از", "به",
    "و", "هاب", "hub", "huggingface", "هاگینگ فیس", "هاگینگ‌فیس", "کن", "کنید", "بده", "بدید", "می‌خوام", "میخوام",
    "می‌خواهم", "میخواهم", "بهم", "های", "ها", "خوب", "بهترین", "چند تا", "برای",
)


def _job_number(text: str) -> str | None:
    m = NUMBER_TOKEN.search(text)
    if m:
        return m.group(1)
    # Number words: «کار سه رو لغو کن».
    for token in text.split():
        if token in ("یه", "یک"):
            continue
        value = parse_int(token)
        if value is not None and value > 0:
            return str(value)
    return None


def _detect_task(text: str) -> str | None:
    for tag, pattern in TASK_WORDS:
        if pattern.search(text):
            return tag
    return None


def _search_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    task = _detect_task(text)
    if task:
        args["task"] = task
    if W_PERSIAN.search(text):
        args["language"] = "fa"
    rest = text
    for _, pattern in TASK_WORDS:
        rest = pattern.sub(" ", rest)
    rest = strip_words(rest, W_SEARCH, W_DATASET, W_MODEL, W_PERSIAN, _FILLER)
    latin = re.findall(r"[A-Za-z0-9][A-Za-z0-9_.\-/]*", rest)
    args["query"] = " ".join(latin)
    return args


def _training_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    repos = REPO_ID.findall(text)
    model_m = re.search(r"مدل\s+(\S+/\S+)", text)
    # The data's name is a repo id, a path or a file name (Latin), never a Persian word («روی این فایل با …»).
    data_m = re.search(r"(?:دیتاست|داده|دادگان|فایل)\s+([A-Za-z0-9~./_][\w./~:\\-]*)", text)
    if model_m:
        args["base_model"] = model_m.group(1)
    elif repos:
        args["base_model"] = repos[0]
    if data_m and data_m.group(1) != args.get("base_model"):
        args["dataset"] = data_m.group(1)
    elif len(repos) > 1:
        args["dataset"] = repos[1]
    latin = to_latin_digits(text)
    m = re.search(r"([0-9.eE+-]+)\s*(?:دوره|ایپاک|اپوک|epochs?)", latin) or re.search(
        r"(?:دوره|ایپاک|اپوک|epochs?)\s*[:=]?\s*([0-9.eE+-]+)", latin
    )
    if m:
        args["epochs"] = m.group(1)
    else:
        m = re.search(r"(\S+)\s*(?:دوره|ایپاک|اپوک)", text)
        if m and parse_number(m.group(1)) is not None:
            args["epochs"] = m.group(1)
    m = re.search(r"(?:نرخ[\s\u200c]*یادگیری|learning[\s_]*rate|lr)\s*[:=]?\s*(\S+)", text, re.IGNORECASE)
    if m:
        args["learning_rate"] = m.group(1)
    m = re.search(r"(?:بچ[\s\u200c]*سایز|اندازه[\s\u200c]*(?:ی|ٔ)?[\s\u200c]*دسته|batch[\s_]*size|batch)\s*[:=]?\s*(\S+)", text, re.IGNORECASE)
    if m:
        args["batch_size"] = m.group(1)
    task = _detect_task(text)
    if task:
        args["task"] = task
    return args


def route_rules(text: str) -> Route:
    """Rule-based intent matching over normalized text; most specific intents first."""
    t = text
    number = _job_number(t)

    token = HF_TOKEN.search(t)
    if token and (W_TOKEN.search(t) or t.strip() == token.group(0)):
        return Route("set_hf_token", {"token": token.group(0)}, source="rules")

    if W_NOTIF.search(t):
        if W_READ.search(t):
            return Route("mark_notifications_read", {}, source="rules")
        return Route("notifications", {"unread_only": True} if W_UNREAD.search(t) else {}, source="rules")

    if W_TRAIN.search(t):
        return Route("start_training", _training_args(t), source="rules")

    if W_CANCEL.search(t) and (number or W_JOB.search(t)):
        if number:
            return Route("cancel_job", {"job_id": number}, source="rules")
        return Route("cancel_job", {}, source="rules", missing="job_id")

    if W_RESUME.search(t) and (number or W_JOB.search(t) or len(t.split()) <= 3):
        if number:
            return Route("resume_job", {"job_id": number}, source="rules")
        return Route("resume_job", {}, source="rules", missing="job_id")

    url = re.search(r"https?://\S+", t)
    if url and W_MIRROR.search(t):
        return Route("set_hub_endpoint", {"url": url.group(0)}, source="rules")
    if W_CATALOG.search(t):
        return Route("catalog", {}, source="rules")

    repo = REPO_ID.search(t)
    recording = W_AUDIO.search(t) and W_WRITE.search(t) and not (W_SPEAK.search(t) or W_MODEL.search(t) or W_SEARCH.search(t))
    if W_TRANSCRIBE.search(t) or recording:
        return Route("transcribe", {}, source="rules")
    speak = W_SPEAK.search(t) or W_SPEAK_COLON.search(t)
    if speak:
        after = t[speak.end() :]
        m = re.search(r"[:：]\s*(.+)$", t, re.S)
        spoken = (m.group(1) if m else after).strip(" :«»\"'")
        args = {"text": spoken}
        head = t[: m.start()] if m else t
        if W_VOICE_FEMALE.search(head):
            args["voice"] = "female"
        elif W_VOICE_MALE.search(head):
            args["voice"] = "male"
        # No text: the tool asks for it (with an example).
        return Route("speak", args, source="rules")

    if repo and W_DOWNLOAD.search(t) and not W_INSTALLED.search(t.replace(repo.group(0), "")):
        args = {"repo_id": repo.group(1)}
        if W_DATASET.search(t):
            args["repo_type"] = "dataset"
        return Route("download", args, source="rules")
    if repo and (W_INFO.search(t) or len(t.split()) == 1):
        args = {"repo_id": repo.group(1)}
        if W_DATASET.search(t):
            args["repo_type"] = "dataset"
        return Route("model_info", args, source="rules")
    if W_TRY.search(t) and (repo or re.search(r"[:：]", t) or W_MODEL.search(t)):
        # «مدل org/name رو امتحان کن: متن»، «مدل کار ۵ رو امتحان کن: متن»، «این مدل رو امتحان کن: متن»
        head, _, tail = re.split(r"([:：])", t, maxsplit=1) if re.search(r"[:：]", t) else (t, "", "")
        args = {"text": tail.strip(" «»\"'")}
        head_repo = REPO_ID.search(head)
        head_number = _job_number(head) if not head_repo else None
        if head_repo:
            args["model"] = head_repo.group(1)
        elif head_number:
            args["model"] = head_number
        return Route("try_model", args, source="rules")

    if number and (W_STATUS.search(t) or re.fullmatch(r"(کار|جاب|job|تسک)\s*#?\S+\s*[؟?]?", t, re.I)):
        return Route("job_status", {"job_id": number}, source="rules")

    if W_HELP_STRONG.search(t):
        return Route("help", {}, source="rules")

    if W_JOBS.search(t) or (W_JOB.search(t) and W_LIST.search(t) and not W_MODEL.search(t)):
        kind = ""
        if re.search(r"دانلود", t):
            kind = "download"
        elif re.search(r"آموزش", t):
            kind = "training"
        return Route("list_jobs", {"kind": kind} if kind else {}, source="rules")

    if W_JOB_PROGRESS.search(t) and not W_SYSTEM.search(t):
        # «چقدر مونده؟» with no number: the conversation's last job (agents/followups.py), or a question back.
        return Route("job_status", {}, source="rules", missing="job_id")

    if W_INSTALLED.search(t) and (W_MODEL.search(t) or W_DATASET.search(t) or re.search(r"چی|چه|کدوم|کدام", t)):
        return Route("list_installed", {}, source="rules")

    if W_SEARCH.search(t) and (W_MODEL.search(t) or W_DATASET.search(t) or _detect_task(t)):
        tool = "search_datasets" if W_DATASET.search(t) and not W_MODEL.search(t) else "search_models"
        return Route(tool, _search_args(t), source="rules")

    if W_SYSTEM.search(t) or (W_STATUS.search(t) and not number and len(t.split()) <= 2):
        return Route("system_status", {}, source="rules")

    if W_THANKS.search(t):
        return Route(None, {}, source="smalltalk", reply_key="agent.thanks")
    if W_HELP.search(t):
        return Route("help", {}, source="rules")
    if W_GREETING.search(t) and len(t.split()) <= 4:
        return Route(None, {}, source="smalltalk", reply_key="agent.greeting")
    return Route(None, {}, source="none")


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


def route(text: str) -> Route:
    """Route one message: a slash command, else the Persian rules."""
    if not text or not text.strip():
        return Route(None, {}, source="none", reply_key="errors.empty_message")
    slash = route_slash(text)
    if slash is not None:
        return slash
    normalized = normalize(text)
    if normalized.startswith("/"):
        return route_slash(normalized) or Route(None)
    return route_rules(normalized)
