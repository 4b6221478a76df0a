"""Arguments from a Persian sentence, once the tool is known: job numbers (digits in any script or words), repo ids
anywhere or well-known names in Persian letters, task names and topics, values after «برابر», «=», «روی» or «:»,
file names inside the sentence, the text to speak or to try. Rules, because values are exact where intents are fuzzy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agents.intent import canonical
from agents.lexicon import NICKNAMES, TASKS, TOPICS
from agents.patterns import HF_TOKEN, REPO_ID
from assistant.persian import ZWNJ, parse_number, to_latin_digits

_UNITS = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "چار": 4, "پنج": 5, "پنچ": 5, "شش": 6, "شیش": 6,
    "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15,
    "پونزده": 15, "شانزده": 16, "شونزده": 16, "هفده": 17, "هیفده": 17, "هجده": 18, "هیجده": 18, "نوزده": 19,
}
_TENS = {"بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90}
_HUNDREDS = {"صد": 100, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400, "پانصد": 500, "پونصد": 500}
_ORDINAL_SUFFIX = re.compile(r"(?:م|مین|می|مي)$")
_NUM = r"[0-9۰-۹٠-٩]+(?:[.٫/][0-9۰-۹٠-٩]+)?(?:[eE][+-−]?[0-9۰-۹٠-٩]+)?"


def words_to_number(tokens: list[str]) -> tuple[int, int] | None:
    """«بیست و سه» → (23, tokens used); digits too. None when the first token is not a number."""
    total, used, seen = 0, 0, False
    i = 0
    while i < len(tokens):
        tok = tokens[i].strip("،,.؟?!:")
        if tok in _HUNDREDS or tok in _TENS or tok in _UNITS:
            value = _HUNDREDS.get(tok) or _TENS.get(tok) or _UNITS[tok]
            if seen and value >= _last_magnitude(total):
                break  # «سه چهار» is two numbers
            total += value
            seen, used = True, i + 1
            if i + 2 < len(tokens) and tokens[i + 1] == "و":
                i += 2
                continue
            break
        elif not seen and re.fullmatch(r"#?[0-9۰-۹٠-٩]+", tok):
            return int(to_latin_digits(tok.lstrip("#"))), 1
        else:
            break
    return (total, used) if seen else None


def _last_magnitude(total: int) -> int:
    return 1 if total % 10 else 10 if total % 100 else 100


def _numbers(text: str) -> list[tuple[int, int]]:
    """Whole numbers standing alone in the text (not inside ids, paths or decimals), with their positions."""
    out = []
    for m in re.finditer(r"(?<![A-Za-z0-9_./\-])#?([0-9۰-۹٠-٩]+)(?![A-Za-z0-9_/\-٫]|[.٫][0-9۰-۹٠-٩])", text):
        out.append((m.start(), int(to_latin_digits(m.group(1)))))
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text)]
    i = 0
    while i < len(tokens):
        parsed = words_to_number([t for _, t in tokens[i:i + 7]])
        if parsed and not re.match(r"#?[0-9۰-۹٠-٩]", tokens[i][1]):
            value, used = parsed
            word = tokens[i][1].strip("،,.؟?!:")
            # «یه»/«یک» and «نه» are usually an article and a "no", not numbers.
            if not (used == 1 and word in ("یه", "یک", "نه", "سی", "ده")) or _after_job_word(text, tokens[i][0]):
                out.append((tokens[i][0], value))
            i += used
        else:
            i += 1
    return sorted(out)


_JOB_WORD = re.compile(r"(?:کار|جاب|job|تسک|شماره|دانلود|اموزش|آموزش|ترین|task|#|نمبر|number|پروسه|فرایند)[^\s]{0,4}\s*$", re.I)


def _after_job_word(text: str, pos: int) -> bool:
    return bool(_JOB_WORD.search(text[max(0, pos - 16):pos]))


def job_id(text: str) -> int | None:
    """The job's number: the one after a job word if any, else the only standalone number."""
    found = [(p, v) for p, v in _numbers(_without_values(text)) if 0 < v < 2**31]
    if not found:
        return None
    for pos, value in found:
        if _after_job_word(_without_values(text), pos):
            return value
    return found[0][1]


def _without_values(text: str) -> str:
    """Ids, URLs and paths blanked out, so their digits are not read as numbers."""
    text = re.sub(r"https?://\S+", " ", text)
    text = HF_TOKEN.sub(" ", text)
    return REPO_ID.sub(lambda m: " " * len(m.group(0)), text)


# -- Hub names ---------------------------------------------------------------------------------------------------
def _concept(name: str) -> re.Pattern[str]:
    from agents.intent import _concepts

    return dict(_concepts())[name]


def has(concept: str, text: str) -> bool:
    return bool(_concept(concept).search(canonical(text)))


def repo_ids(text: str) -> list[str]:
    ids = [m.group(1) for m in REPO_ID.finditer(text) if not re.match(r"https?:", text[max(0, m.start() - 8):m.start()])]
    return [i for i in ids if not re.search(r"\.(?:csv|tsv|jsonl?|parquet|txt|wav|mp3|ogg|m4a|flac|webm|opus)$", i, re.I)
            and not i.startswith((".", "~"))]


def nickname(text: str) -> tuple[str, str] | None:
    canon = f" {canonical(text)} "
    for name, repo, kind in NICKNAMES:
        if f" {canonical(name)}" in canon:
            return repo, kind
    return None


def task(text: str) -> str | None:
    canon = canonical(text)
    for tag, names in TASKS:
        if any(re.search(rf"(?<!\S){re.escape(canonical(n))}", canon) for n in names):
            return tag
    return None


_LATIN_STOP = {
    "model", "models", "dataset", "datasets", "data", "hub", "huggingface", "hugging", "face", "hf", "search",
    "find", "download", "for", "the", "a", "of", "in", "on", "with", "and", "to", "me", "please", "list", "show",
    "fa", "farsi", "persian", "language", "top", "best", "good", "some", "new", "ok", "pls", "plz",
}
_FAMILY_NAMES = (
    ("ویسپر", "whisper"), ("برت", "bert"), ("روبرتا", "roberta"), ("لاما", "llama"), ("الکترا", "electra"),
    ("ویو تو وک", "wav2vec2"), ("wav2vec", "wav2vec2"), ("ام تی فایو", "mt5"), ("تی فایو", "t5"), ("جی پی تی", "gpt2"),
    ("میسترال", "mistral"), ("جما", "gemma"), ("کوئن", "qwen"), ("برت فارسی", "bert"),
)


def search_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    found_task = task(text)
    if found_task:
        args["task"] = found_task
    canon = canonical(text)
    if re.search(r"(?<!\S)(?:فارسی|پارسی|persian|farsi)", canon):
        args["language"] = "fa"
    words: list[str] = []
    for latin in re.findall(r"[A-Za-z][A-Za-z0-9_.\-/]*", _without_urls(text)):
        w = latin.lower()
        if w not in _LATIN_STOP and w not in words and not _is_task_word(w):
            words.append(w)
    for persian, hub_word in _FAMILY_NAMES:
        if re.search(rf"(?<!\S){re.escape(canonical(persian))}", canon) and hub_word not in words:
            words.append(hub_word)
    for hub_word, names in TOPICS:
        if any(re.search(rf"(?<!\S){re.escape(canonical(n))}", canon) for n in names) and hub_word not in words:
            words.append(hub_word)
    args["query"] = " ".join(words)
    m = re.search(rf"(?<!\S)({_NUM}|[^\s]+)\s*تا\s+(?:از\s+)?(?:مدل|دیتاست|داده|نتیجه|مورد|گزینه|تای)", text)
    if m:
        count = words_to_number([m.group(1)])
        if count and 1 <= count[0] <= 50:
            args["limit"] = count[0]
    return args


def _is_task_word(word: str) -> bool:
    return any(word == canonical(n) for _, names in TASKS for n in names if n.isascii())


def _without_urls(text: str) -> str:
    return re.sub(r"https?://\S+", " ", text)


def repo_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    ids = repo_ids(text)
    nick = nickname(text)
    if ids:
        args["repo_id"] = ids[0]
    elif nick:
        args["repo_id"] = nick[0]
    dataset_words = has("dataset", text) and not re.search(r"(?:مدل|model)\s*(?:ی|های)?\s*$", text[:_pos(text, args)])
    if (nick and not ids and nick[1] == "dataset") or (dataset_words and not _model_word_before_id(text, args)):
        args["repo_type"] = "dataset"
    m = re.search(r"(?:برنچ|شاخه|branch|ریویژن|revision|رویژن|نسخه|کامیت|commit|ورژن|version|تگ|tag)\s*(?:ی|ِ)?\s*[:=]?\s*"
                  r"([A-Za-z0-9][A-Za-z0-9_.\-/]{0,99})", text, re.I)
    if m:
        args["revision"] = m.group(1)
    else:
        m = re.search(r"@([A-Za-z0-9][A-Za-z0-9_.\-]{0,99})", text)
        if m and args.get("repo_id"):
            args["revision"] = m.group(1)
    return args


def _pos(text: str, args: dict[str, Any]) -> int:
    repo = args.get("repo_id")
    return text.find(repo) if repo and repo in text else len(text)


def _model_word_before_id(text: str, args: dict[str, Any]) -> bool:
    """«مدل X را … روی دیتاست …»: the word right before the id decides."""
    pos = _pos(text, args)
    before = canonical(text[:pos]).split()[-2:]
    return any(w in ("مدل", "model", "مدلی") for w in before)


# -- values after a name ----------------------------------------------------------------------------------------------
_VALUE_LINK = r"(?:\s*(?:[:=]|برابر(?:\s*(?:با|ب))?|روی|رو|به|را|ی|ها|های|هاش|تو|در|باشه|باشد|بذار|بزار|بگذار|ست کن|تنظیم)\s*){0,3}"


def _value_after(text: str, names: str) -> str | None:
    m = re.search(rf"(?:{names})[{ZWNJ}\s]*(?:ی|ها|های|ٔ)?{_VALUE_LINK}\s*({_NUM}|[^\s،,.؛]+)", text, re.I)
    return m.group(1) if m else None


def _value_before(text: str, names: str) -> str | None:
    m = re.search(rf"({_NUM}|[^\s،,.؛]+)\s*(?:تا\s*)?(?:{names})", text, re.I)
    return m.group(1) if m else None


def _number(value: str | None, text: str = "") -> float | None:
    if value is None:
        return None
    number = parse_number(value.replace("−", "-"))
    if number is None:
        parsed = words_to_number(value.split())
        number = float(parsed[0]) if parsed else None
    return number


def _json_number(value: float) -> int | float:
    return int(value) if value == int(value) else value


_EPOCH = r"ایپاک|اپوک|ایپوک|اپاک|epochs?|دور|دوره|بار\s+روی\s+کل|ایپک"
_LR = r"لرنینگ[\s\u200c]*ریت|learning[\s_]*rate|نرخ[\s\u200c]*(?:ی\s*)?یادگیری|lr|ال\s*ار"
_BATCH = r"بچ[\s\u200c]*سایز|batch[\s_]*size|batch|bs|اندازه[\s\u200c]*(?:ی|ٔ)?[\s\u200c]*(?:دسته|بچ)|بچ|سایز\s*بچ"


def training_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    ids = repo_ids(text)
    nick = nickname(text)
    model_m = re.search(r"(?:مدل|model|base)\s*(?:پایه|پایه‌ی|ی|=|:)?\s*(?:را\s*|رو\s*)?([A-Za-z0-9][\w.\-]*/[\w.\-]+)", text)
    data_file = re.search(r"((?:[~.]?/|[A-Za-z]:\\)?[\w\-./\\]*\.(?:csv|tsv|jsonl|json|parquet|txt|xlsx))\b", text, re.I)
    data_m = re.search(r"(?:دیتاست|داده|دادگان|دیتا|dataset|data|فایل|مجموعه[\s\u200c]*داده)[\s\u200c]*(?:ی|های|ها|ٔ)?\s*(?:=|:)?\s*"
                       r"([A-Za-z0-9~./_][\w./~:\\-]*)", text)
    if model_m:
        args["base_model"] = model_m.group(1)
    elif nick and nick[1] == "model":
        args["base_model"] = nick[0]
    elif ids:
        args["base_model"] = ids[0]
    if data_file:
        args["dataset"] = data_file.group(1)
    elif data_m and data_m.group(1) != args.get("base_model"):
        args["dataset"] = data_m.group(1)
    else:
        rest = [i for i in ids if i != args.get("base_model")]
        if rest:
            args["dataset"] = rest[0]
        elif nick and nick[1] == "dataset":
            args["dataset"] = nick[0]
    epochs = _number(_value_after(text, _EPOCH)) if re.search(_EPOCH, text, re.I) else None
    before = _number(_value_before(text, _EPOCH))
    if before is not None and (epochs is None or not re.search(rf"(?:{_EPOCH})\s*(?:[:=]|برابر)", text, re.I)):
        epochs = before
    if epochs is not None and 0 < epochs <= 1000:
        args["epochs"] = _json_number(epochs)
    lr = _number(_value_after(text, _LR))
    if lr is not None and 0 < lr < 1:
        args["learning_rate"] = lr
    batch = _number(_value_after(text, _BATCH))
    if batch is None:
        batch = _number(_value_before(text, r"بچ|batch"))
    if batch is not None and batch >= 1 and batch == int(batch):
        args["batch_size"] = int(batch)
    found_task = task(text)
    if found_task:
        args["task"] = found_task
    for key, names in (("text_column", r"ستون[\s\u200c]*(?:ی\s*)?(?:متن|text|جمله|نظر)|text_column|text[\s_]col(?:umn)?"),
                       ("label_column", r"ستون[\s\u200c]*(?:ی\s*)?(?:برچسب|لیبل|label|کلاس)|label_column|label[\s_]col(?:umn)?")):
        m = re.search(rf"(?:{names})\s*(?:[:=]|برابر|اسمش|به\s*اسم|با\s*نام)?\s*[«\"']?([A-Za-z_][\w\-]*)", text, re.I)
        if m:
            args[key] = m.group(1)
    return args


# -- text to speak or to try ---------------------------------------------------------------------------------------------
_QUOTED = re.compile(r"«([^»]+)»|\"([^\"]+)\"|“([^”]+)”")


def quoted_or_after_colon(text: str) -> str | None:
    m = re.search(r"[:：]\s*(.+)$", text, re.S)
    if m and not re.match(r"//", m.group(1)):
        return m.group(1).strip(" «»\"'.")
    q = _QUOTED.search(text)
    if q:
        return next(g for g in q.groups() if g).strip()
    return None


_SPEAK_HEAD = re.compile(
    r"^(?:(?:خب|لطفا|لطفاً|یعنی|اِ|ببین|میشه|می‌شه|بی\s*زحمت)\s+)*"
    r"(?:(?:با\s+صدای?\s+(?:زن|مرد|زنانه|مردانه|خانم|آقا|بلند)?)\s*)?"
    r"(?:(?:بلند|برام|واسم|یه بار)\s+)*(?:بخونش|بخوانش|بخون|بخوان|بگو|بگین|بگید|بخونید|بخوانید|تلفظ کن|speak|say)\s+", re.I)
_SPEAK_TAIL = re.compile(
    r"\s*(?:رو|را|و)?\s*(?:برام|واسم|برای من)?\s*(?:با\s+صدای?\s+\S+\s*)?(?:بلند\s+)?"
    r"(?:بخون|بخوان|بخونش|بگو|بخونید|بخوانید|تلفظ کن|به\s+(?:صدا|صوت|گفتار)\s+تبدیل\s+(?:کن|کنید)|با\s+صدا\s+بگو|پخش کن)"
    r"(?:\s+(?:لطفا|لطفاً|مرسی|ممنون))?\s*[.!؟?]*$")


def speak_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    said = quoted_or_after_colon(text)
    if said is None:
        m = re.search(r"(?:متن|جمله)\s+(.+?)\s+(?:رو|را)\s+(?:به\s+(?:صدا|صوت|گفتار)\s+تبدیل|بخون|بخوان|بگو)", text)
        if m:
            said = m.group(1)
    if said is None:
        head = _SPEAK_HEAD.match(text)
        if head:
            said = text[head.end():]
        elif _SPEAK_TAIL.search(text):
            said = _SPEAK_TAIL.sub("", text)
    if said:
        args["text"] = said.strip(" «»\"'.،:")
    if re.search(r"صدای?\s*(?:یه\s*)?(?:زن|زنانه|خانم|دختر)|female|woman", text):
        args["voice"] = "female"
    elif re.search(r"صدای?\s*(?:یه\s*)?(?:مرد|مردانه|آقا|اقا|پسر)|male|man\b", text):
        args["voice"] = "male"
    return args


def transcribe_args(text: str) -> dict[str, Any]:
    m = re.search(r"((?:[~.]?/|[A-Za-z]:\\)?[\w\-./\\]*\.(?:wav|mp3|ogg|opus|m4a|webm|flac|aac|oga|mp4|amr))\b", text, re.I)
    if not m:
        m = re.search(r"(?<!\S)((?:~|\.{1,2})?/[\w\-./]+)", text)
    return {"audio": m.group(1)} if m else {}


def try_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    said = quoted_or_after_colon(text)
    head = text
    if said:
        args["text"] = said
        cut = text.find(said)
        head = text[:cut] if cut > 0 else text
    ids = repo_ids(head)
    if ids:
        args["model"] = ids[0]
    else:
        number = job_id(head)
        if number is not None:
            args["model"] = str(number)
        else:
            m = re.search(r"(?<!\S)(finetuned[\w\-]*|ft-[\w\-]+|[\w\-]+-finetuned[\w\-]*)", head)
            if m:
                args["model"] = m.group(1)
    return args


def notifications_args(text: str) -> dict[str, Any]:
    return {"unread_only": True} if has("unread", text) else {}


def list_jobs_args(text: str) -> dict[str, Any]:
    canon = canonical(text)
    if re.search(r"(?<!\S)(?:دانلود|download|داونلود)", canon):
        return {"kind": "download"}
    if re.search(r"(?<!\S)(?:ترین|train|اموزش|فاین|تیون|ریزتنظیم)", canon):
        return {"kind": "training"}
    return {}


def endpoint_args(text: str) -> dict[str, Any]:
    m = re.search(r"https?://[^\s«»\"'،]+", text)
    if m:
        return {"url": m.group(0).rstrip(".,)")}
    if re.search(r"خاموش|غیرفعال|غیر فعال|off|برش دار|حذف|ریست|reset|پیش\s*فرض|اصلی|نکن|بردار", text, re.I):
        return {"url": "off"}
    return {}


def token_args(text: str) -> dict[str, Any]:
    m = HF_TOKEN.search(text)
    return {"token": m.group(0)} if m else {}


def catalog_args(text: str) -> dict[str, Any]:
    found = task(text)
    return {"task": found} if found else {}


def job_args(text: str) -> dict[str, Any]:
    number = job_id(text)
    return {"job_id": number} if number is not None else {}


EXTRACTORS: dict[str, Callable[[str], dict[str, Any]]] = {
    "job_status": job_args, "cancel_job": job_args, "resume_job": job_args,
    "list_jobs": list_jobs_args, "notifications": notifications_args,
    "search_models": search_args, "search_datasets": search_args, "catalog": catalog_args,
    "model_info": repo_args, "download": repo_args,
    "set_hf_token": token_args, "set_hub_endpoint": endpoint_args,
    "speak": speak_args, "transcribe": transcribe_args, "start_training": training_args, "try_model": try_args,
}


def extract(tool: str, text: str) -> dict[str, Any]:
    func = EXTRACTORS.get(tool)
    return func(text) if func else {}


