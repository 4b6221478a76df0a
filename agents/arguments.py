"""Arguments from a Persian sentence, once the tool is known: job numbers (digits in any script or words), repo ids
anywhere or well-known names in Persian letters, task names and topics, values after «برابر», «=», «روی» or «:»,
file names inside the sentence, the text to speak or to try. Rules, because values are exact where intents are fuzzy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from agents.dictation import spelled_out
from agents.intent import canonical
from agents.lexicon import NICKNAMES, TASK_WORDS, TASKS, TOPICS
from agents.patterns import HF_TOKEN, HUB_REPO_URL, HUB_SEARCH_URL, REPO_ID
from assistant.persian import ZWNJ, parse_number, to_latin_digits, words_to_number

_ORDINAL_SUFFIX = re.compile(r"(?:م|مین|می|مي)$")
_NUM = r"[0-9۰-۹٠-٩]+(?:[.٫/][0-9۰-۹٠-٩]+)?(?:[eE][+-−]?[0-9۰-۹٠-٩]+)?"


_EACH = re.compile(r"(?<!\S)هر[\s\u200c]*$")  # «هر دو», «هر ۳ مدل»: a quantifier
_PERCENT = re.compile(r"\s*(?:%|٪|درصد)")  # «دقتش ۹۸ درصده»: a share, not a job
_CLOCK = re.compile(r"(?<!\S)(?:ساعت|ساعتِ|سر\s+ساعت)[\s\u200c]*$")  # «تا ساعت چهار»: a time of day, not a job
# «سه ساعته گیره», «سه بار رفت و اومد», «۴ گیگ»: a duration, a count or a size, not a job (unless a job word names it)
_UNIT = re.compile(r"[\s\u200c]*(?:ساعت|دقیقه|ثانیه|روز|هفته|ماه|سال|بار|دفعه|مرتبه|گیگ|مگ|ترا|کیلو|GB|MB)"
                   r"(?:ه|ی|ها|های|ه‌ای)?(?![\w\u200c])", re.I)


def _numbers(text: str) -> list[tuple[int, int]]:
    """Whole numbers standing alone in the text (not inside ids, paths or decimals), with their positions."""
    out = []
    for m in re.finditer(r"(?<![A-Za-z0-9_./\-])#?([0-9۰-۹٠-٩]+)(?![A-Za-z0-9_/\-٫]|[.٫][0-9۰-۹٠-٩])", text):
        if not _EACH.search(text[:m.start()]) and not _CLOCK.search(text[:m.start()]) \
                and not _PERCENT.match(text, m.end()) \
                and not (_UNIT.match(text, m.end()) and not _after_job_word(text, m.start())):
            out.append((m.start(), int(to_latin_digits(m.group(1)))))
    # «job-007», «job_12», «task-3»: a number joined to a job word, as ids and logs write it.
    out += [(m.start(1), int(to_latin_digits(m.group(1))))
            for m in re.finditer(r"(?<![A-Za-z0-9])(?:job|task)[-_]([0-9۰-۹٠-٩]+)(?![A-Za-z0-9_/\-])", text, re.I)]
    tokens = [(m.start(), m.group(0)) for m in re.finditer(r"\S+", text)]
    i = 0
    while i < len(tokens):
        parsed = words_to_number([t for _, t in tokens[i:i + 7]])
        if parsed and not re.match(r"#?[0-9۰-۹٠-٩]", tokens[i][1]):
            value, used = parsed
            word = tokens[i][1].strip("،,.؟?!:")
            # «یه»/«یک» and «نه» are usually an article and a "no", not numbers; a number word in Latin letters
            # («do», «one») counts only after a job word («job number ten», «kare hasht»).
            after = " ".join(t for _, t in tokens[i + used:i + used + 1])
            if _EACH.search(text[:tokens[i][0]]) or _CLOCK.search(text[:tokens[i][0]]) or _PERCENT.match(after) \
                    or (_UNIT.match(" " + after) and not _after_job_word(text, tokens[i][0])):
                pass  # «هر دو رو ارزیابی کن»: both, not job 2; «ساعت چهار»: four o'clock
            elif word.isascii():
                if _after_job_word(text, tokens[i][0]):
                    out.append((tokens[i][0], value))
            elif not (used == 1 and word in ("یه", "یک", "نه", "سی", "ده")) or _after_job_word(text, tokens[i][0]) \
                    or (word == "نه" and _LISTED.search(text[:tokens[i][0]])) \
                    or (tokens[i][1] == "نه" and _MODEL_WORD_BEFORE.search(text[:tokens[i][0]])
                        and re.match(r"(?:رو|را|هم)(?!\S)", after)) \
                    or (word in ("سی", "ده") and re.search(r"(?:یعنی|منظورم|ببخشید)\s*$", text[:tokens[i][0]])):
                out.append((tokens[i][0], value))
            i += used
        else:
            i += 1
    return sorted(out)


# «هفت و نه», «۳، ۶ و نه»: «نه» after a number and «و» is nine, the list's last item (not «۶۰، نه ۶۱»).
_LISTED = re.compile(r"(?:[0-9۰-۹٠-٩]|(?<!\S)(?:یک|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|ده|یازده|دوازده))\s+و\s*$")


_JOB_WORD = re.compile(r"(?:کار|جاب|job|تسک|شماره|دانلود|اموزش|آموزش|ترین|task|#|نمبر|number|پروسه|فرایند"
                       r"|(?<![a-z])(?:kar|jab|shomare|shomareh|no\.))[^\s]{0,4}\s*$", re.I)


def _after_job_word(text: str, pos: int) -> bool:
    return bool(_JOB_WORD.search(text[max(0, pos - 16):pos]))


# «شماره» alone numbers anything («شکایت شماره ۹۰۸»): a number after a word that names a job is preferred.
_NUMBER_WORD_ONLY = re.compile(r"(?:شماره|نمبر|number|(?<![a-z])(?:shomare|shomareh|no\.))[^\s]{0,4}\s*$", re.I)
_JOB_NOUN = re.compile(r"(?:کار|جاب|job|تسک|دانلود|اموزش|آموزش|ترین|task|پروسه|فرایند|(?<![a-z])(?:kar|jab))[^\s]{0,4}"
                       r"(?:\s+(?:شماره|number|shomare)[^\s]{0,4})?\s*#?\s*$", re.I)


# Spoken and typed corrections; in chats «*۳۱» after a message means "I meant 31", «نه ۸ نه، ۱۸» "not 8: 18".
# Typed ones too: «… اشتباه تایپی بود، 17», «غلط نوشتم، …», «sorry، منظورم …», «… عه نه، …» and a «نه،» between two
# values («مدل ۳ و ۵ رو مقایسه کن... نه، ۳ و ۶»; not «یا نه،»).
_CORRECTION = re.compile(r"(?:نه\s+)?ببخشید|اشتباه\s+(?:گفتم|شد|نوشتم|تایپ\s*کردم|تایپی(?:\s+بود)?)|غلط\s+(?:گفتم|نوشتم|تایپ\s*کردم)"
                         r"|نه\s+نه|منظورم|یعنی\s+نه|نه\s+یعنی|(?:نه\s+)?صبر\s+کن(?:ید)?(?!\S)"
                         r"|(?<!\S)نه\s+[^\s،,]+\s+نه(?=[\s،,])|(?<![\w*])\*(?=[^\s*])|(?<![A-Za-z])sorry(?![A-Za-z])"
                         r"|(?<!\S)(?:عه|اِ|اه)\s+نه(?!\S)|(?<!\S)(?<!یا\s)(?<!و\s)نه\s*[،,؛]", re.I)


def job_id(text: str) -> int | None:
    """The job's number: the one after a job word if any, else the only standalone number.

    A spoken correction («کار چهار نه ببخشید کار پنج») counts what comes after it."""
    for mark in reversed(list(_CORRECTION.finditer(text))):  # «جاب ۴۴ … *۴۵ ببخشید»: the last mark with a number after it
        if _numbers(_without_values(text[mark.end():])):
            text = text[mark.end():]
            break
    found = [(p, v) for p, v in _numbers(_without_values(text)) if 0 <= v < 2**31]  # a zero read out: «پنج صفر پنجاه»
    if not any(v for _, v in found):
        return None
    blank = _without_values(text)
    named = [(p, v) for p, v in found if v and _JOB_NOUN.search(blank[max(0, p - 24):p])]
    if named and any(v and _NUMBER_WORD_ONLY.search(blank[max(0, p - 16):p]) and not _JOB_NOUN.search(blank[max(0, p - 24):p])
                     for p, v in found):
        found = [(p, v) for p, v in found if p >= named[0][0]]  # «شکایت شماره ۹۰۸ …، کار ۶ چی شد؟»: job 6
    for i, (pos, value) in enumerate(found):
        if value and _after_job_word(_without_values(text), pos):
            # «کار ده اِ یازده», «جاب بیست یعنی بیست و یک»: a number said again right after is the one meant.
            if i + 1 < len(found):
                between = text[pos:found[i + 1][0]]
                if re.search(r"(?<!\S)(?:اِ|ا|ام|اه|یعنی|نه|ببخشید)(?!\S)", between) and len(between.split()) <= 6:
                    return found[i + 1][1]
            # «کار یک چهار یعنی چهارده», «جاب سه هفت سی و هفت»: digits read one by one, then the whole number.
            run = [value]
            for k in range(i + 1, len(found)):
                gap = text[found[k - 1][0]:found[k][0]].split()[1:]
                if len(gap) > 3 or any(not re.fullmatch(r"(?:اِ|ا|ام|اه|یعنی|منظورم|همون|خب|\S*[0-9۰-۹٠-٩]\S*|"
                                                       r"صفر|یک|یه|دو|سه|چهار|پنج|شش|شیش|هفت|هشت|نه|و)", w) for w in gap):
                    break
                run.append(found[k][1])
            digits = "".join(str(v) for v in run[:-1])
            if len(run) > 2 and digits and str(run[-1]) == digits.lstrip("0")[:len(str(run[-1]))] \
                    and all(v < 10 for v in run[:-1]):
                return run[-1]
            return value
    return next(v for _, v in found if v)


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
    ids = [m.group(2).rstrip(".") for m in HUB_REPO_URL.finditer(text)]
    rest = HUB_SEARCH_URL.sub(" ", HUB_REPO_URL.sub(" ", text))
    ids += [m.group(1).rstrip(".") for m in REPO_ID.finditer(rest)
            if not re.match(r"https?:", rest[max(0, m.start() - 8):m.start()])
            and not m.group(1).lower().startswith(("huggingface.co/", "hf.co/"))]
    return [i for i in ids if not re.search(r"\.(?:csv|tsv|jsonl?|parquet|txt|wav|mp3|ogg|m4a|flac|webm|opus)$", i, re.I)
            and not i.startswith((".", "~"))]


def squash(text: str) -> str:
    """The canonical form without spaces: «پارس برت», «پارس‌برت» and «پارسبرت» are one."""
    return canonical(text).replace(" ", "")


def nicknames(text: str) -> list[tuple[str, str]]:
    """Well-known names in the text, the most specific per kind (a model and a dataset may both be named)."""
    flat = squash(text)
    found: dict[str, str] = {}
    # Datasets first, their words then taken out: «پارس برت … پارسی نلو احساسات» names ParsBERT, not its sentiment model.
    for want in ("dataset", "model"):
        for repo, kind, alternatives in NICKNAMES:
            if kind != want or kind in found:
                continue
            for words in alternatives:
                if all(squash(w) in flat for w in words):
                    found[kind] = repo
                    for w in words:
                        flat = flat.replace(squash(w), " ", 1)
                    break
    return [(repo, kind) for kind, repo in found.items()]


def nickname(text: str, kind: str | None = None) -> tuple[str, str] | None:
    names = [n for n in nicknames(text) if kind is None or n[1] == kind]
    return names[0] if names else None


def _names_in(names: tuple[str, ...], text: str) -> bool:
    """Latin names as whole words; Persian names also written joined or apart."""
    canon, flat = canonical(text), squash(text)
    for name in names:
        if name.isascii():
            if re.search(rf"(?<![a-z0-9_]){re.escape(name.lower())}(?![a-z0-9_])", canon):
                return True
        elif len(squash(name)) <= 4:
            # A short name only at a word's start: «لاما» is not in «مدل آماده», «جما» not in «ترجمه»
            if re.search(r"(?<![^\s\u200c])" + r"[\s\u200c]?".join(map(re.escape, squash(name))), canon):
                return True
        elif squash(name) in flat:
            return True
    return False


# Speech and writing as what is turned into the other: «صدای جلسه رو به متن برگردونه», «متن رو به صوت تبدیل کنن»,
# «ویسامو بکن متن», «seda ro be matn». The direction names the task where the words alone name both.
_SPEECH = r"(?:صدا|صوت|گفتار|ویس|وویس|پادکست|سخنرانی|مکالمه|تماس|فایل صوتی|voice|audio|speech|sound|seda|soti)"
_WRITING = r"(?:متن|نوشته|تکست|text|matn|neveshte)"
_BECOMES = r"(?:\s+\S+){0,8}?\s+(?:به|be|بکن|کن|کنه|کنن|بشه|بشن|شه|بکنه)\s+(?:یه\s+|ye\s+)?"
_LANGUAGE = (r"(?:فارسی|انگلیسی|عربی|ترکی|فرانسوی|آلمانی|المانی|روسی|چینی|اسپانیایی|ژاپنی|کردی|english|persian|farsi"
             r"|arabic|german|french|turkish)")
_CODE = r"(?:en|fa|ar|de|fr|tr|ru|zh|es|ja|eng|fas|per)"
_TURNED = (
    ("automatic-speech-recognition", re.compile(rf"(?<!\S){_SPEECH}\S*{_BECOMES}{_WRITING}")),
    ("text-to-speech", re.compile(rf"(?<!\S){_WRITING}\S*{_BECOMES}{_SPEECH}")),
    # One language into another, or a pair of codes: «انگلیسی به فارسی», «en-fa», «fa→en».
    ("translation", re.compile(rf"(?<!\S)({_LANGUAGE})(?:\S*(?:\s+\S+){{0,3}}?\s+(?:به|be|to)\s+|\s*(?:->|→|-|/)\s*)"
                               rf"(?!\1)(?:زبان\s+|زبون\s+)?{_LANGUAGE}"
                               rf"|(?<![\w-])({_CODE})\s*(?:-|_|→|->|2|/| to )\s*(?!\2){_CODE}(?![\w-])")),
)


def _turned_into(text: str) -> str | None:
    canon = canonical(text)
    found = [(m.start(), tag) for tag, pattern in _TURNED if (m := pattern.search(canon))]
    return min(found)[1] if found else None


def task(text: str) -> str | None:
    """The Hub task a message names; after a spoken correction («صدا بسازه نه نه برعکس صدا رو بنویسه») the one
    named after it."""
    fixed = list(_CORRECTION.finditer(text))
    if fixed and (after := task(text[fixed[-1].end():])):
        return after
    if turned := _turned_into(text):
        return turned
    for tag, names in TASKS:
        if _names_in(names, text):
            return tag
    canon = canonical(text)
    for tag, pattern in _task_words():
        if pattern.search(canon):
            return tag
    return None


@lru_cache(maxsize=1)
def _task_words() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """lexicon.TASK_WORDS as whole words (a suffix allowed: «مدلای چت»), one pattern per task."""
    return tuple((tag, re.compile(rf"(?<![\w-])(?:{'|'.join(re.escape(canonical(w)) for w in words)})(?:ی|ای|ها|های)?(?![\w-])"))
                 for tag, words in TASK_WORDS)


def task_hint(text: str) -> str | None:
    """The task a goal implies in everyday words (lexicon.TASK_CUES), for when it names none; after a spoken
    correction, what follows it."""
    from agents.lexicon import TASK_CUES

    fixed = list(_CORRECTION.finditer(text))
    if fixed and (after := task_hint(text[fixed[-1].end():])):
        return after
    canon = " " + canonical(text)
    for tag, groups in TASK_CUES:
        # Each cue at the start of a word (suffixes allowed: «ویسامو»), never inside one («بنویسه» holds «ویس»).
        if all(any(" " + canonical(w) in canon for w in words) for words in groups):
            return tag
    return None


_LATIN_STOP = {
    "model", "models", "dataset", "datasets", "data", "hub", "huggingface", "hugging", "face", "hf", "search",
    "find", "download", "for", "the", "a", "of", "in", "on", "with", "and", "to", "me", "please", "list", "show",
    "fa", "farsi", "persian", "language", "top", "best", "good", "some", "new", "ok", "pls", "plz",
    "pipeline_tag", "task_categories", "sort", "sorted", "by", "downloads", "likes", "trending",
}
_FAMILY_NAMES = (
    ("ویسپر", "whisper"), ("برت", "bert"), ("روبرتا", "roberta"), ("لاما", "llama"), ("الکترا", "electra"),
    ("ویو تو وک", "wav2vec2"), ("wav2vec", "wav2vec2"), ("ام تی فایو", "mt5"), ("تی فایو", "t5"), ("جی پی تی", "gpt2"),
    ("میسترال", "mistral"), ("جما", "gemma"), ("کوئن", "qwen"), ("برت فارسی", "bert"),
    ("هوشواره", "hooshvarelab"), ("پرشین ان ال پی", "persiannlp"), ("پرشین انالپی", "persiannlp"),
)


_TAG_PARAMS = ("pipeline_tag", "task_categories", "other")


def _hub_search_url(text: str) -> dict[str, Any]:
    """A search link pasted from the Hub website («hf.co/datasets?task_categories=…&language=fa&search=news»): its
    filters, as the search's arguments."""
    from urllib.parse import parse_qsl

    args: dict[str, Any] = {}
    for m in HUB_SEARCH_URL.finditer(text):
        for key, value in parse_qsl(m.group(1).rstrip(".،,)»>]'\"`"), keep_blank_values=False):
            value = value.split(":")[-1].strip().lower()  # «task_categories=task_categories:summarization»
            if key in _TAG_PARAMS and any(value == tag for tag, _ in TASKS):
                args["task"] = value
            elif key == "language" and value in ("fa", "fas", "per", "persian"):
                args["language"] = "fa"
            elif key == "search" and re.fullmatch(r"[a-z0-9_.\- ]{1,60}", value):
                args["query"] = value
    return args


def search_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    found_task = task(text)
    if found_task:
        args["task"] = found_task
    canon = canonical(text)
    if re.search(r"(?<![^\s-])(?:فارسی|پارسی|persian|farsi|fa)(?![a-z])", canon):
        args["language"] = "fa"
    from_url = _hub_search_url(text)
    args.update({k: v for k, v in from_url.items() if k != "query"})
    text = HUB_SEARCH_URL.sub(" ", text)
    words: list[str] = from_url.get("query", "").split()
    latins = re.findall(r"[A-Za-z][A-Za-z0-9_.\-/]*", _without_urls(text))
    # A sentence in English or Finglish: only names are search words («SQuAD», «CNN/DailyMail», «whisper»), not the
    # sentence's other words.
    prose = len(latins) >= 6
    families = {hub for _, hub in _FAMILY_NAMES} | {hub for hub, _ in TOPICS}
    from agents.intent import _LATIN_SUFFIX

    for latin in latins:
        w = latin.lower().rstrip(".")
        head, _, tail = w.rpartition("-")
        if head and tail in _LATIN_SUFFIX:
            w = head  # «whisper-haye», «bert-e»: a Persian ending on a name is not part of it
        if prose and not (re.search(r"[0-9_/]|.[A-Z]|^[A-Z]{2,}", latin) or w.split("-")[0] in families):
            continue
        if w not in _LATIN_STOP and w not in words and not _is_task_word(w) and not _persian_in_latin(w):
            words.append(w)
    for persian, hub_word in _FAMILY_NAMES:
        if _names_in((persian,), text) and hub_word not in " ".join(words):
            words.append(hub_word)
    for hub_word, names in TOPICS:
        if _names_in(names, text) and hub_word not in words:
            words.append(hub_word)
    args["query"] = " ".join(words)
    # A lookahead at every word: «اِ سه تا مدل» must not be consumed from «اِ».
    counts = re.finditer(r"(?<!\S)(?=([0-9۰-۹٠-٩]+|[^\s0-9۰-۹٠-٩]+)\s*(?:تا|تای)?\s+(?:از\s+)?"
                         r"(?:[^\s0-9۰-۹٠-٩،,.؛:]+\s+){0,2}?"
                         r"(?:مدل|model|دیتاست|dataset|داده|مجموعه|کورپوس|نتیجه|مورد|گزینه))", text, re.I)
    tops = re.finditer(r"(?:top|تاپ|find|search|فقط)\s*([0-9۰-۹٠-٩]+|[^\s0-9۰-۹٠-٩]+)", text, re.I)
    # «پنج تای دیگه», «۳ تا», and a count alone at the end of a terse search («سرچ: ner fa ۵»)
    some = re.finditer(r"(?<!\S)([0-9۰-۹٠-٩]+|[^\s0-9۰-۹٠-٩]+)\s*(?:تا|تای|تایی|ta)(?:شو|شون|ش|رو|شم)?(?!\S)", text)
    tail = re.finditer(r"(?:^|[\s،,])([0-9۰-۹٠-٩]{1,2})\s*[.!؟?]*$", text)
    for m in [*counts, *tops, *some, *tail]:
        count = words_to_number([m.group(1)])
        if count and 2 <= count[0] <= 50:
            args["limit"] = count[0]
            break
    else:
        if re.search(r"(?:فقط|تنها|only|just)\s+(?:یکی|یکیشو|یک\s+دونه|یه\s+دونه|one|[1۱])(?![\w.])", text, re.I):
            args["limit"] = 1  # «فقط یکی، همون بهترینش»
    return args


_ENGLISH_STOP = frozenset(
    "i need any want looking is are there which what can you my our we like get give one ones something anything an "
    "about from that this these those or not no yes it its do does have has any some more most o be ke va ba az ro ra "
    "ham tosh".split())


def _persian_in_latin(word: str) -> bool:
    """A Persian word typed in Latin letters («mikham», «dade-ye», «comment-ha») or an English word of the sentence's
    frame («need», «any»): not what the Hub is searched with. Hub names and topics are not in the Finglish table."""
    from agents.intent import _latin_words

    table = _latin_words()
    head = word.split("-")[0].strip(".,;:!?'\"")
    return word in _ENGLISH_STOP or (word in table or head in table) and head not in ("voice", "common")


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
    elif bare := _BARE_MODEL.search(text):
        args["repo_id"] = bare.group(1)  # «xlm-roberta-base رو بگیر»: a legacy id the Hub still serves
    dataset_words = (has("dataset", text) or "پیکره" in text) and not re.search(r"(?:مدل|model)\s*(?:ی|های)?\s*$", text[:_pos(text, args)])
    if (nick and not ids and nick[1] == "dataset") or (dataset_words and not _model_word_before_id(text, args)):
        args["repo_type"] = "dataset"
    m = re.search(r"(?:برنچ|برنج(?=\s+[A-Za-z])|شاخه|branch|ریویژن|revision|رویژن|نسخه|کامیت|commit|ورژن|version|تگ|tag)(?![A-Za-z_])[^\s:=]{0,2}"
                  r"\s*(?:ی|ِ|ٔ)?\s*[:=]?\s*([A-Za-z0-9][A-Za-z0-9_.\-/]{0,99})", HUB_SEARCH_URL.sub(" ", text), re.I)
    page = HUB_REPO_URL.search(text)
    if page and page.group(1) == "datasets" and args.get("repo_id") == page.group(2).rstrip("."):
        args["repo_type"] = "dataset"
    if m and m.group(1).lower() in _ENGLISH_STOP | {"of", "for", "the", "to", "in", "on", "and", "at"}:  # «the v1.0 revision of …»: the value comes before the word
        m = re.search(r"(?<![\w/])([A-Za-z0-9][\w.\-]{0,99})\s+(?:branch|revision|tag|version|commit)\b", text, re.I)
    spoken = re.search(r"(?:برنچ|برنج|شاخه)[\s\u200c]*(?:ی|ِ|ٔ)?\s+(مین|مستر|دِو|دو|مِین)(?![\w\u200c])", text)
    if m and m.group(1).rstrip(".") != args.get("repo_id"):  # «آخرین کامیت org/name رو بگو»: the repo, not a revision
        args["revision"] = m.group(1).rstrip(".")
    elif spoken and args.get("repo_id"):  # «از برنچ مین»: a branch's name said in Persian letters
        args["revision"] = {"مین": "main", "مِین": "main", "مستر": "master"}.get(spoken.group(1), "dev")
    elif page and page.group(3) and args.get("repo_id") == page.group(2).rstrip(".") \
            and (page.group(3) != "main" or "/tree/" in page.group(0)):
        # a file's link on the default branch («…/blob/main/config.json») names the repo, not a revision
        args["revision"] = page.group(3).rstrip(".")
    elif args.get("repo_id") and (m := re.search(re.escape(args["repo_id"]) + r"@([A-Za-z0-9][A-Za-z0-9_.\-]{0,99})", text)):
        args["revision"] = m.group(1)  # «org/name@v1.0»; «@dastyar …» is a mention, not a revision
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
    """What follows a name and its linking words («ایپاک برابر ۴», «lr=2e-5», «بچ سایز رو بذار ۱۶»)."""
    m = re.search(rf"(?:{names})[{ZWNJ}\s]*(?:ی|ها|های|ٔ|(?:ش|اش|هاش)(?![\w\u200c]))?{_VALUE_LINK}\s*", text, re.I)
    return text[m.end():] if m else None


def _value_before(text: str, names: str) -> str | None:
    m = re.search(rf"({_NUM}|[^\s،,.؛]+)\s*(?:(?:تا|ta)\s*)?(?:{names})", text, re.I)
    return m.group(1) if m else None


_SPOKEN_POWER = re.compile(
    r"^(\S+)\s+(?:ای|e|(?:در|ضربدر|ضرب\s+در|×|x|\*)\s+(?:ده|10|۱۰)\s+(?:به\s+)?(?:توان\s+)?)\s*(?:منفی|منهای|-)\s*(\S+)",
    re.I)
# «صفر ممیز صفر صفر صفر سه»: a decimal said digit by digit.
_SPOKEN_DECIMAL = re.compile(r"^(?:صفر|0|۰)\s+(?:ممیز|مميز|نقطه|point)((?:\s+\S+){1,8})", re.I)


def _number(value: str | None) -> float | None:
    """A number at the start of the text: digits in any script, «۲e-۵», «سی و دو», «دو ای منفی پنج»."""
    if not value:
        return None
    value = value.strip().replace("−", "-")
    m = re.match(_NUM + r"|[+-]?[0-9۰-۹٠-٩]*[.٫][0-9۰-۹٠-٩]+", value)
    if m:
        return parse_number(m.group(0).replace("/", "."))
    spoken = _SPOKEN_POWER.match(value)
    if spoken:
        base, power = words_to_number([spoken.group(1)]), words_to_number(spoken.group(2).split())
        if base and power:
            return float(f"{base[0]}e-{power[0]}")
    decimal = _SPOKEN_DECIMAL.match(value)
    if decimal:
        digits = ""
        for word in decimal.group(1).split():
            one = words_to_number([word.strip("،,.؛")])
            if one is None or one[0] > 9:
                break
            digits += str(one[0])
        if digits.strip("0"):
            return float("0." + digits)
    parsed = words_to_number(value.split()[:7])
    return float(parsed[0]) if parsed else None


def _json_number(value: float) -> int | float:
    return int(value) if value == int(value) else value


_EPOCH = (r"ایپاک|اپوک|ایپوک|اپاک|ایپاگ|epochs?|ep(?![a-z])|دور|دوره|بار\s+روی\s+کل|ایپک|num_train_epochs|"
          r"pass(?:es)?(?:\s+over)?|rounds?|times(?=\s*[.,]|$)|dor(?:e|eh)?(?![a-z])")
_LR = r"لرنی?ن?گ[\s\u200c]*ریت|learning[\s_]*rate|نرخ[\s\u200c]*(?:ی\s*)?یادگی[رز]ی|lr|ال\s*ار"
_BATCH = (r"[بپ][چج][\s\u200c]*سای[زذر]|per_device_train_batch_size|batch[\s_]*size|batches\s+of|batch(?:-?o)?|bs|اندازه[\s\u200c]*(?:ی|ٔ)?[\s\u200c]*(?:دسته|بچ)"
          r"|بچ|سایز\s*بچ")


def _pos_of(text: str, names: str) -> int:
    m = re.search(names, text, re.I)
    return m.end() if m else len(text)


# A model named without its owner, as people write the well-known ones: an architecture's name with dashed parts
# («xlm-roberta-base», «bert-base-multilingual-cased», «mt5-small»), not a file.
_BARE_MODEL = re.compile(r"(?<![\w./-])((?:[a-z0-9]+-)*[a-z0-9]*(?:bert|roberta|xlm|electra|deberta|albert|bart|t5|gpt\w*|llama\w*|qwen\w*"
                         r"|mistral|gemma\w*|phi|whisper|wav2vec2?|hubert|e5|bge|minilm|mpnet|bloom\w*|labse)"
                         r"(?:-[a-z0-9]+(?:\.\d+[a-z]?)?)+|(?:distil)?gpt2)(?![\w/.-])", re.I)


_THIS_TIME = re.compile(r"(?<!\S)(?:این[\s\u200c]*(?:بار|دفعه|سری)|ایندفعه|بجاش|به[\s\u200c]*جاش|this\s+time)(?![\w\u200c])", re.I)


def _epochs_in(text: str) -> float | None:
    epochs = _number(_value_after(text, _EPOCH))
    before = _number(_value_before(text, _EPOCH))
    if before is not None and (epochs is None or not re.search(rf"(?:{_EPOCH})\s*(?:[:=]|برابر)", text, re.I)):
        epochs = before
    return epochs


# «HooshvareLab/bert-fa-base-uncased نه، facebook/nllb-200-distilled-600M رو روش ترین کن»: a name declined by the «نه»
# right after it is not the model.
_DECLINED_NAME = re.compile(r"(?<!\S)[A-Za-z0-9][\w.\-]*(?:/[\w.\-]+)?\s+(?:(?:رو|را)\s+)?نه(?=\s*[،,؛;]|\s+(?:بلکه|فقط)(?!\S))")


def training_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    text = _DECLINED_NAME.sub(lambda m: " " * len(m.group(0)), text)
    ids = repo_ids(text)
    nick = nickname(text, "model")
    data_nick = nickname(text, "dataset")
    model_m = re.search(r"(?:مدل|model|base)\s*(?:پایه|پایه‌ی|ی|=|:)?\s*(?:را\s*|رو\s*)?([A-Za-z0-9][\w.\-]*/[\w.\-]+)", text)
    data_file = re.search(r"((?:[~.]?/|[A-Za-z]:\\)?[\w\-./\\]*\.(?:csv|tsv|jsonl|json|parquet|txt|xlsx|conll))\b", text, re.I)
    data_m = re.search(r"(?<![\w/.])(?:دیتاست|داده|دادگان|دیتا|dataset|data|فایل|پوشه|فولدر|مجموعه[\s\u200c]*داده)(?!/)"
                       r"[\s\u200c]*(?:ی|های|ها|ٔ|م|ش|مون)?\s*(?:=|:|محلی)?\s*([A-Za-z0-9~./_][\w./~:\\-]*)", text)
    folder = re.search(r"(?<!\S)((?:~|\.{1,2})?/[\w\-./]+)", text)
    bare = _BARE_MODEL.search(text)
    if model_m:
        args["base_model"] = model_m.group(1)
    elif nick and not (bare and "-" in bare.group(1) and not ids):
        args["base_model"] = nick[0]
    elif ids:
        args["base_model"] = ids[0]
    elif bare:
        # «xlm-roberta-base رو … ترین کن»: a Hub name without its owner, over a nickname inside it («roberta»)
        args["base_model"] = bare.group(1)
    if data_file and not re.search(r"\.(?:wav|mp3|ogg)$", data_file.group(1)):
        args["dataset"] = data_file.group(1)
    elif folder and folder.group(1) != args.get("base_model"):
        args["dataset"] = folder.group(1)
    elif data_m and data_m.group(1) != args.get("base_model"):
        args["dataset"] = data_m.group(1)
    else:
        rest = [i for i in ids if i != args.get("base_model")]
        if rest:
            args["dataset"] = rest[0]
        elif data_nick:
            args["dataset"] = data_nick[0]
        elif (m := re.search(r"(?:با|روی|رو|on|with)\s+([A-Za-z][\w\-]*_[\w\-]+|[\w\-]+/(?:[\w\-.]+/?)*)(?![\w/])", text)) \
                and m.group(1) != args.get("base_model"):
            args["dataset"] = m.group(1)  # «با common_voice_fa», «رو voices/»: a dataset's name or a folder
    epochs = _epochs_in(text)
    again = _THIS_TIME.search(text)
    if again and (later := _epochs_in(text[again.end():])) is not None:
        epochs = later  # «دفعه‌ی پیش سه ایپاک کم بود، این بار ده ایپاک»: the value for this run
    if epochs is not None and 0 < epochs <= 1000:
        args["epochs"] = _json_number(epochs)
    lr = _number(_value_after(text, _LR))
    if lr is None:
        m = re.search(rf"(?<![\w.])({_NUM}|[0-9۰-۹٠-٩]*[.٫][0-9۰-۹٠-٩]+)", text[_pos_of(text, _LR):])
        lr = _number(m.group(1)) if m and re.search(_LR, text, re.I) else None
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
    args.update(_columns(text))
    args.update(_placement(text))
    return args


_GPU = (r"کارت[\s\u200c]*(?:ها(?:ی)?[\s\u200c]*)?(?:گرافیک|گرافیکی)(?:ی)?|جی[\s\u200c]*پی[\s\u200c]*یو|gpus?|گرافیک"
        r"|cuda|کودا")
_WORKER = r"کارگر|ورکر|workers|worker|گره|نود|nodes|node|پروسه|process(?:es)?"
_NO_GPU = re.compile(rf"(?:بدون|بی)\s*(?:{_GPU})|(?:رو(?:ی)?|با)\s*(?:سی[\s\u200c]*پی[\s\u200c]*یو|cpu|پردازنده)|gpu\s*=\s*(?:no|false|0)",
                     re.I)


def _placement(text: str) -> dict[str, Any]:
    """«روی ۴ کارت گرافیک»: 4 workers with a GPU each; «با دو کارگر» / «workers=2»: 2 data-parallel workers."""
    out: dict[str, Any] = {}
    if _NO_GPU.search(text):
        out["gpu"] = False
    elif re.search(rf"(?<![A-Za-z])(?:{_GPU})(?![A-Za-z])", text, re.I):
        out["gpu"] = True
        count = _number(_value_before(text, _GPU))
        if count is not None and count == int(count) and 1 <= count <= 256:
            out["workers"] = int(count)
    workers = _number(_value_after(text, _WORKER)) or _number(_value_before(text, _WORKER))
    if workers is not None and workers == int(workers) and 1 <= workers <= 256:
        out["workers"] = int(workers)
    return out


_TEXT_ROLE = r"(?:متن|متنی|text|جمله|نظر|ورودی|input|پیام|کامنت)"
_LABEL_ROLE = r"(?:برچسب|لیبل|label|کلاس|هدف|target|class)"
_NAME = r"(?:«|\"|')?((?<=[«\"'])[^»\"']+|[A-Za-z_][\w\-]*)(?:»|\"|')?"


def _columns(text: str) -> dict[str, str]:
    """«ستون متن review», «text_column=review», «ستون content متنه و ستون topic برچسب», «is_spam لیبلش»."""
    out: dict[str, str] = {}
    for key, role in (("text_column", _TEXT_ROLE), ("label_column", _LABEL_ROLE)):
        for pattern in (
            rf"{key}\s*[:=]\s*([\w\-]+)",
            rf"{role.rstrip(')')}|{key.split('_')[0]})[\s_]*col(?:umn)?(?:_name)?\s*[:=]?\s*(?:اسمش|به\s*اسم|با\s*نام)?\s*([\w\-]+)",
            rf"ستون[\s\u200c]*(?:ی\s*)?{role}\s*(?:[:=]|برابر|اسمش|به\s*اسم|با\s*نام|رو|را)?\s*{_NAME}",
            rf"ستون\s+{_NAME}\s+(?:حاوی\s+|برای\s+|هم\s+|رو\s+|را\s+)?{role}",
            rf"{role}\S*\s+(?:تو|در|توی)\s+(?:ستون|فیلد)?\s*{_NAME}",
            # «ستون متن در فایل ما text_fa», «ستون متنشون body»
            rf"ستون[\s\u200c]*(?:ی\s*)?{role}\S{{0,4}}(?:\s+(?:در|تو|توی|فایل|ما|مون|دیتا|داده|اسمش|هم|که))*"
            rf"\s*(?:[:=]|برابر|است|ه)?\s*([A-Za-z_][\w\-]*)",
            rf"(?<!\S)([A-Za-z_][\w\-]*)\s+{role}",
            rf"ستون[\s\u200c]*(?:ی\s*)?\S+\s+[A-Za-z_][\w\-]*\s*(?:و|،|,)\s*(?:ستون\s*)?{role}\s*{_NAME}",
        ):
            m = re.search(pattern, text, re.I)
            if m and m.group(1) and not re.fullmatch(r"(?:ستون|و|رو|را|ی|the)", m.group(1)):
                out[key] = m.group(1)
                break
    return out


# -- text to speak or to try ---------------------------------------------------------------------------------------------
_QUOTED = re.compile(r"«([^»]+)»|\"([^\"]+)\"|“([^”]+)”")
# 'two words or more' in single quotes (English, Finglish); an apostrophe inside a word («ba'd») is no quote.
_SINGLE_QUOTED = re.compile(r"(?<![\w'])'([^'\n]*\s[^'\n]*)'(?![\w'])")


# Quotes said aloud (speech-recognizer output): «گیومه باز … گیومه بسته», «شروع متن … پایان متن», "quote … unquote".
_SPOKEN_QUOTES = re.compile(
    r"(?:گیومه|گیومت|نقل\s*قول)\s+باز(?:\s+(?:می\s*شه|میشه|میکنم|کن))?\s+(.+?)\s+(?:گیومه|گیومت|نقل\s*قول)\s+(?:بسته|ببند)\S*"
    r"|(?:شروع|اول)\s+(?:متن|جمله)\s+(.+?)\s+(?:پایان|اخر|آخر|تموم|ته)\s+(?:متن|جمله)"
    r"|(?<![a-z])quote\s+(.+?)\s+(?:end\s+quote|unquote)(?![a-z])", re.I)


def spoken_quotes(text: str) -> str:
    """Quotes said aloud written as «…»."""
    return _SPOKEN_QUOTES.sub(lambda m: "«" + next(g for g in m.groups() if g) + "»", text)


def quoted_or_after_colon(text: str) -> str | None:
    """A quoted text («…», "…", or said aloud), or what follows a colon or an arrow; a colon inside the quotes is the
    text's."""
    text = spoken_quotes(text)
    q = _QUOTED.search(text)
    m = re.search(r"(?:[:：←]|->)\s*(.+)$", text, re.S)
    if m and re.match(r"//", m.group(1)):
        m = None
    if q and (m is None or q.start() < m.start() or m.group(1).lstrip().startswith(("«", '"', "“"))):
        return next(g for g in q.groups() if g).strip()
    if m:
        return m.group(1).strip(" «»\"'.")
    return None


_FILLERS = r"(?:خب|خوب|یعنی|ام|امم+|که|براش|براشون|واسش|واسشون|ببینم\s+(?:چطوری|چجوری|چطور)\s+(?:می\s*گی|میگی|تلفظ\s+می\s*کنی|می\s*خونی|میخونی)|چیزه|اِ|ا|اه|هوف|اوف|پوف|آخ|وای|ببینم|ببین|بی\s*زحمت|این\s+(?:رو|را)|بگو\s+ببینم|یه\s+بار|برام|واسم|برای\s+من|بلند|با\s+صدای?\s+\S+|با\s+voice\s+\S+|اینو|این\s+(?:جمله|متن|پیام)(?:و|رو|را)?|(?:جمله|متن)(?:ی|ه)?|رو|را|و|:)"
_SPEAK_VERB = re.compile(
    r"(?<!\S)(?:بخونش|بخوانش|بخونید|بخوانید|بخونی|بخون|بخوان|بگو|بگین|بگید|بگی|تلفظ\s+کن|به\s+زبون\s+بیار|پخش\s+کن|speak|say"
    r"|به\s+(?:صدا|صوت|گفتار)\s+(?:تبدیل\s+)?(?:کن|کنید|کنی|بکن)|به\s+گفتار|با\s+صدا\s+بگو|صوتی\s*(?:ش)?\s*کن|play\s+کن"
    r"|قرائت\s+(?:کن|کنید|گردد|شود)|اعلام\s+(?:کن|کنید)|🔊)(?:ش)?(?:\s*[؟?])?(?!\S)", re.I)


def _strip_fillers(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = re.sub(rf"^\s*{_FILLERS}(?:\s+|$)", "", text).strip()
        text = re.sub(rf"(?:^|\s+){_FILLERS}\s*$", "", text).strip()
        text = re.sub(r"^(?:بگو|بخون)\s+(?=\S)", "", text) if re.match(r"^(?:بگو|بخون)\s+(?:بگو|بخون)", text) else text
    return text.strip(" «»\"'.،:؟?")


_SAY_KEY = re.compile(r"(?<![A-Za-z])(?:tts|text|متن|جمله)\s*=\s*(.+?)\s*(?=[،,]\s*[^\s=،,]+\s*=|\s+[A-Za-z]+\s*=|$)", re.I)
# «یه ویس بساز که بگه …», «یه mp3 بده که بگه …», «… بخونه که …»: what the voice is to say follows.
_THAT_SAYS = re.compile(r"(?:^|\s)(?:که|ک)\s+(?:بگه|بگوید|بخونه|بخواند|بگن)\s+(.+)$|(?:بخونه|بگه)\s+(?:که|ک)\s+(.+)$"
                        r"|اعلام\s+(?:کن|کنید)(?:\s+(?:با\s+صدای?(?:\s+\S+)?|بلند))?\s+(?:که|ک)\s+(.+)$")
_VOICE_SIDE = re.compile(
    # whole words: not the «مرد» of «شمرده» nor the «زن» of «بزنم»
    r"(?<![\w\u200c])(?:(female|woman|زن|زنانه|زنونه|خانم|دختر|فیمیل|فیمل|zan|zanane|zanoone)"
    r"|(male|man|مرد|مردانه|مردونه|آقا|اقا|پسر|mard|mardane|mardoone|(?<=وویس )میل|میل(?= وویس)))(?:ونه|ونع|انه|ه|ی|ها)?(?![\w\u200c])",
    re.I)


# Words that point at a text or ask politely but say none: «یه چیزی بخون», «متنمو به گفتار تبدیل کن», «بی‌زحمت اینو بخون».
_POINTERS = frozenset("""یه یک چیزی یهچیزی اینو این اینرو اون اونو رو را متن متنمو متنم متنو جمله جملمو جملهمو جملهرو
    جملهای یهجمله میشه بیزحمت لطفا لطفاً برام واسم برای من با صدا صوت صدای بلند صداتو tts هم خب اِ ا ببین یعنی بگی بخونی
    یکی دیگه something this it please""".split())


def _only_pointers(said: str) -> bool:
    words = re.sub(r"[«»\"'.،:؟?!]", " ", said.replace(ZWNJ, "")).split()
    return bool(words) and all(w.lower() in _POINTERS for w in words)


# «با صدای زن بگو: خوش اومدید. نه ببخشید، مرد باشه»: a correction at the end that names only the other voice.
_VOICE_TAKEN_BACK = re.compile(
    r"(?:^|[\s.،,؛;…!—–-])\s*(?:(?:اه|اِ|اوه|وای)[،,]?\s+)?(?:نه\s+(?:نه|ببخشید|صبر\s+کن(?:ید)?)|ببخشید|نه|منظورم|اشتباه\s+گفتم"
    r"|no\s+wait|sorry|wait)[،,]?\s+(?:(?:منظورم|بهتره|بذار|بزار|با)\s+)?(?:صدای?\s+|وویس\s+|voice\s+)?"
    r"(?P<voice>\S+)(?P<rest>(?:\s+\S+){0,3})\s*[.!]*$", re.I)
_TAKEN_BACK_REST = re.compile(r"^(?:\s+(?:باشه|باشد|بهتره|بذار|بزار|بود|قشنگ\S*|لطفا|لطفاً|خوبه|صداش|بخونه|بگه|رو|بهتر|است|هست"
                              r"|مناسب\S*|voice|please))*$", re.I)


def _voice_taken_back(text: str) -> tuple[str, str] | None:
    """The text before a closing «نه ببخشید، مرد باشه» and the voice it names, or None."""
    m = _VOICE_TAKEN_BACK.search(text)
    if not m or not _TAKEN_BACK_REST.match(m.group("rest")):
        return None
    side = _VOICE_SIDE.fullmatch(m.group("voice").rstrip("،,.!"))
    if side is None or not text[:m.start()].strip():
        return None
    return text[:m.start()].rstrip(" ،,.؛;"), "female" if side.group(1) else "male"


# A closing instruction that points back at the text said before it: «… — اینو بخون», «…. همینو صوتی کن», «… بخونش».
_POINTER_TAIL = re.compile(
    r"(?:[\n.؛;!؟?]|\s[—–-]\s|[—–])\s*((?:[^\n.؛;!؟?—–]*?\s)?(?:اینو|همینو|همینا|اینارو|همین\s+(?:رو|را|خط|پیام|متن)"
    r"|این\s+(?:رو|را|خط|پیام|متن|جمله|دیالوگ)\S*|\S+ش(?=\s+(?:کن|بکن|کنید))|ب\S+ش)(?![\w\u200c])[^\n]*)$")
_SPEAK_OR_VOICE = re.compile(r"بخون|بخوان|بگو|صوتی|ویس|وویس|صدا|گفتار|تلفظ|read|voice|speak|say", re.I)
# Who is to hear it, at the head of the text: «برای پسرم …», «واسه بچه‌ها …».
_FOR_SOMEONE = re.compile(
    r"^\s*(?:برای|واسه|برا)\s+(?:پسرم|دخترم|بچم|بچه[\s\u200c]*ها(?:م)?|بچه|بچه‌ام|نی[\s\u200c]*نی|مامانم|مامان|بابام|بابا"
    r"|مادربزرگ(?:م)?|پدربزرگ(?:م)?|همسرم|خانمم|همه|مهمونا|مهمان[\s\u200c]*ها|شاگردام|دانش[\s\u200c]*آموزا|کلاس)"
    r"(?![\w\u200c])[\s،,:]*")


def speak_args(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    text = spoken_quotes(text)
    if (back := _voice_taken_back(text)) is not None:
        args = speak_args(back[0])
        return {**args, "voice": back[1]}
    said = None
    tail = _POINTER_TAIL.search(text)
    q = _QUOTED.search(text)
    if tail and len(_strip_fillers(text[:tail.start()]).split()) >= 2 and _SPEAK_OR_VOICE.search(tail.group(1)) \
            and not re.search(r"[:：]\s*\S", tail.group(1)):  # «…؛ اینو بخون: «…»»: the text follows the colon
        # «… — اینو با صدای مرد بخون», «…. همینو صوتی کن»: the closing instruction points back at the text before it
        head = text[:tail.start()].strip(" \n—–-.؛;")
        inner = _QUOTED.search(head) or (q if q and q.start() < tail.start() else None)  # «…: «….» با صدای مرد بخونش»
        said = next(g for g in inner.groups() if g) if inner else head
    elif q and _SPEAK_OR_VOICE.search(_QUOTED.sub(" ", text)) and not _SAY_KEY.search(text):
        said = next(g for g in q.groups() if g)  # «… جملهٔ «…» را به گفتار تبدیل کنید»: the quote, not the request
    elif m := _SAY_KEY.search(text):
        said = m.group(1)
    elif m := _THAT_SAYS.search(text):
        said = m.group(1) or m.group(2) or m.group(3)
    elif m := re.search(r"\s[—–]\s+(.+)$", text):
        said = m.group(1)
    if said is None:
        said = quoted_or_after_colon(text)
    if said is None:
        m = re.search(r"(?:متن|جمله)\s+(.+?)\s+(?:رو|را)\s+(?:به\s+(?:صدا|صوت|گفتار)\s+تبدیل|بخون|بخوان|بگو)", text) \
            or re.search(r"(?:متن|جمله)(?:ش)?\s+(?:اینه|این\s+است)\s+(.+?)\s+(?:اینو|اینرو|این\s+رو)?\s*(?:به\s+(?:صدا|صوت)|بخون|بگو)", text)
        if m:
            said = m.group(1)
    if said is None:
        verbs = list(_SPEAK_VERB.finditer(text))
        if verbs:
            after = _strip_fillers(text[verbs[-1].end():])
            before = _strip_fillers(text[: verbs[0].start()])
            # «آب ساعت دو قطعه اینو بلند بخون برای همه»: «اینو» points back at the text said before it.
            pointed = re.search(r"(?<!\S)(?:اینو|این\s+(?:رو|را)|اینا\s+رو)(?!\S)", text[: verbs[0].start()])
            said = before if pointed and before else after or before
    if said and _only_pointers(said):
        said = None  # «یه چیزی برام بخون», «اینو با صدا بگو»: no text given yet
    if said and (lead := _FOR_SOMEONE.match(said)) and len(said[lead.end():].split()) >= 2:
        said = said[lead.end():]  # «برای پسرم تولدت مبارک»: who hears it is not part of the text
    if said:
        args["text"] = said.strip(" «»\"'.،:")
    head = text.replace(said, " ") if said else text
    # «با صدای مرد نه»: the voice declined, the other one meant
    voices = [(("female" if m.group(1) else "male") if not re.match(r"\s*(?:نه|نباشه|نباشد|نمی\s?خوام)(?![\w\u200c])", head[m.end():])
               else ("male" if m.group(1) else "female"), m.start()) for m in _VOICE_SIDE.finditer(head)]
    if voices and re.search(r"صدا|صوت|voice|tts|speaker|گوینده|بخون|بگو|بخوان|قرائت|وویس|ویس|seda|bekhoon|begoo", head, re.I):
        args["voice"] = voices[-1][0]  # «با صدای مرد نه زن بخون»: the last one said
    elif re.search(r"(?:voice|tts|صدای?|صوت)\s*[:=]?\s*f(?![a-z])", head, re.I):
        args["voice"] = "female"
    return args


# What the recognizer reads: sound files, and the sound of a video («speech_father.mov») through the same decoder.
_MEDIA = r"(?:wav|mp3|ogg|opus|m4a|webm|flac|aac|oga|mp4|amr|wma|mov|mkv|avi|m4v|3gp)"


def transcribe_args(text: str) -> dict[str, Any]:
    quoted = re.search(rf"[«\"“']([^«»\"“”']+\.{_MEDIA})[»\"”']", text, re.I)
    if quoted:
        return {"audio": quoted.group(1).strip()}
    # «C:\Users\Sara\Downloads\voice note 7.m4a»: after a drive letter, folder and file names may hold spaces
    m = re.search(rf"(?<![\w])([A-Za-z]:[\\/](?:[^\\/\n«»\"]+[\\/])*[^\\/\n«»\"]*?\.{_MEDIA})(?![\w])", text, re.I) \
        or re.search(rf"((?:[~.]?/|[A-Za-z]:[\\/])?[\w\-./\\]*\.{_MEDIA})\b", text, re.I)
    if not m:
        m = re.search(r"(?<!\S)((?:~|\.{1,2})?/[\w\-./]+)", text)
    return {"audio": m.group(1)} if m else {}


_TRY_ELEMENT = re.compile(
    r"(?:امتحانش|تستش|امتحان|تست|آزمایش|ازمایش|چک|اجرا|ارزیابی|inference|evaluate|test|try|run|پیش\s*بینی)\s*"
    r"(?:کن|کنید|بکن|بفرمایید|کنی|بگیر|بگیری|بزن)(?!\S)"
    r"|چی\s+(?:میگه|می‌گه|تشخیص\s+میده|میده|دسته\s*بندی\s+میکنه)|چیه(?!\S)"
    r"|(?:با|روی|رو|برای|درباره|دربارهٔ)\s+(?:این|اين)(?:\s+(?:جمله|متن|تیکت|پیام|خبر|تیتر)(?:ی|ه)?)?(?:\s+(?:که|ک))?(?!\S)"
    r"|(?:برای|روی|با)\s+(?:جمله|متن)(?:ی|ه)?(?!\S)|(?:جمله|متن)(?:ش)?\s+(?:اینه|این\s+است)(?!\S)"
    r"|(?:این\s+)?(?:جمله|متن)\s+(?:رو|را)\s+بده\s+به|بده\s+به", re.I)
_TRY_END = re.compile(r"(?:\s+(?:رو|را))?\s+(?:امتحان|تست|چک|اجرا|ارزیابی)\S*\s*(?:کن|کنید|بکن|کنی)?\s*[؟?.!]*$|\s+ببینم\s*[؟?]*$")
_TRY_LEAD = re.compile(r"^(?:\s*(?:رو|روی|را|و|با|که|یعنی|خب|ببین|:|این|اینو|اینه|جمله|جملهٔ|جمله‌ی|متن))+\s+")


# «مدل ۵», «model e 3» (Finglish), «…، شماره‌ی ۳،»: a job's number after the word that names it.
_JOB_REF = re.compile(r"(?:مدل\s+|خروجی\s+|output\s+)?(?:کار|جاب|جاپ|job|ترین|training|آموزش|اموزش|مدل|try|تست"
                      r"|(?<![a-z])(?:kar|model)(?:[\s-]?e(?![a-z]))?|(?:(?<=[،,(]\s)|(?<=[،,(])|^)شماره\S{0,3})\s*(?:شماره\S*\s*|shomare\S*\s*)?#?", re.I)


def _model_ref(text: str) -> tuple[str, int] | None:
    """The model to try and where its mention ends: a repo id, a folder, a job's number, a well-known name."""
    ids = list(REPO_ID.finditer(text))
    if ids:
        return ids[0].group(1), ids[0].end()
    path = _PATH.search(text)
    if path:
        return path.group(1), path.end()
    folder = re.search(r"(?<![\w/.])([A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+)(?![\w/])", text)
    # «model-e», «mdl-e kar 6»: a Persian ezafe or suffix on a Latin word (Finglish), not a folder's name.
    if folder and not re.fullmatch(r"(?:fill-mask|text-\w+|fine-tune\w*|\w+-(?:e|ye|ha|haye|am|at|esh|o))", folder.group(1), re.I):
        return folder.group(1), folder.end()
    fixed = list(_CORRECTION.finditer(text))
    start = fixed[-1].end() if fixed else 0
    for m in _JOB_REF.finditer(text, start):
        tokens = [t.rstrip("،,.;:؛!?؟") or t for t in text[m.end():].split()]  # «job 9; put it …»
        number = words_to_number(tokens[:6]) if tokens else None
        if number and 0 < number[0] < 2**31:
            end = m.end()
            for tok in tokens[: number[1]]:
                end = text.index(tok, end) + len(tok)
            return str(number[0]), end
    for m in _THAT_IS.finditer(text, start):  # «مدل آخری، یعنی ۱۲، …», «اون مدل ترجمه‌ی منو، یعنی ۱۰، …»
        tokens = [t.rstrip("،,.;:؛!?؟") or t for t in text[m.end():].split()]
        number = words_to_number(tokens[:6]) if tokens else None
        if number and 0 < number[0] < 2**31 and tokens[number[1]:number[1] + 1] != ["تا"]:
            return str(number[0]), text.index(tokens[number[1] - 1], m.end()) + len(tokens[number[1] - 1])
    nick = nickname(text, "model")
    if nick:
        return nick[0], -1
    return None


_THAT_IS = re.compile(r"(?:مدل|کار|آموزش|model)[^.؟?!\n]{0,40}?[،,]?\s*(?<!\S)(?:یعنی|منظورم)(?:\s+(?:همون\s+)?(?:مدل|کار|شماره)\S*)?\s+",
                      re.I)


def _spoken_try_text(text: str, ref: tuple[str, int] | None) -> str | None:
    body = _TRY_END.sub("", text)
    cut = max([m.end() for m in _TRY_ELEMENT.finditer(body)] + [ref[1] if ref and ref[1] > 0 else 0])
    rest = _TRY_LEAD.sub("", " " + body[cut:]).strip(" ،,:.؟?")
    if cut and len(rest.split()) >= 2 and not _TRY_ELEMENT.search(rest) and not _model_ref(rest):
        return rest
    return None


def try_args(text: str) -> dict[str, Any]:
    """«مدل کار ۵ رو روی این جمله امتحان کن: …», ««…» رو بده به مدل کار ۳», spoken forms without quotes."""
    args: dict[str, Any] = {}
    text = spoken_quotes(text)
    # A quoted text is the one to try, also after a colon («repo: این جمله مثبته؟ «غذا سرد بود»»).
    q = _QUOTED.search(text) or _SINGLE_QUOTED.search(text)
    said = next(g for g in q.groups() if g).strip() if q else quoted_or_after_colon(text)
    if said is None and (m := re.match(r"(.+?)\s+(?:اینو|اینا\s+رو|این\s+(?:جمله|متن|پیام)?\s*(?:رو|را))\s+(.+)$", text)) \
            and _model_ref(m.group(2)) and len(_strip_fillers(m.group(1)).split()) >= 2:
        said = _strip_fillers(m.group(1))  # «بسته دیر رسید اینو بده به مدل کار دوازده»
    head = text.replace(said, " ") if said else text
    ref = _model_ref(head)
    if ref is None and said and len(numbers := _numbers(_without_values(head))) == 1:
        ref = (str(numbers[0][1]), -1)  # «"…" → ۹؟», «پیش‌بینی ۷ برای «…»»
    if said is None:
        said = _spoken_try_text(text, ref)
    if said:
        args["text"] = said.strip(" «»\"'.:،")
    if ref:
        args["model"] = ref[0]
    return args


_DATA_FILE = re.compile(r"((?:[~.]?/|[A-Za-z]:\\)?[\w\-./\\]*\.(?:csv|tsv|jsonl|json|parquet|txt|xlsx))\b", re.I)
_DATA_NAMED = re.compile(r"(?<![\w/.])(?:دیتاست|داده|دادگان|دیتا|dataset|data|فایل|تست[\s\u200c]*ست|test[\s_-]*set)(?!/)"
                         r"[\s\u200c]*(?:ی|های|ها|ٔ|م|ش|مون)?\s*(?:=|:)?\s*(?=[\w./~\\-]*[A-Za-z0-9])([A-Za-z0-9~./_](?:[\w./~\\-]*[\w/~\\-])?)")  # not a closing «.»


# A name in Latin letters right after «مدل» («مدل essay-grader», «model-e dari-bert»), shaped like a folder or repo
# name (a dash, underscore or digit in it): a plain word («مدل bert») stays for the well-known names.
_MODEL_NAMED = re.compile(r"(?:(?<!\S)مدل(?:ِ|\u200cی|ی)?|(?<![a-z])model(?:[\s-]?e(?![a-z]))?)\s+"
                          r"([A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)+)(?![\w/])", re.I)


_MODEL_NUMBERED = re.compile(r"(?<![\w\u200c])(?:مدل|model)\s*(?:شماره\S*\s*)?#?\s*$", re.I)


def eval_args(text: str) -> dict[str, Any]:
    """«مدل کار ۵ رو روی reviews.csv ارزیابی کن», «HooshvareLab/x رو با دیتاست a/b بسنج», «ارزیابی ۷»: the model (a
    job's number, a folder, a repo id, a well-known name), the data when said (a file, a named dataset, a repo id
    after «روی»), and the columns when named."""
    args: dict[str, Any] = {}
    data = _DATA_FILE.search(text) or _DATA_NAMED.search(text) or _ON_REPO.search(text)
    if data:
        args["dataset"] = data.group(1)
        text = text[:data.start(1)] + " " * len(data.group(1)) + text[data.end(1):]
    ids = repo_ids(text)
    blank = _FOLDER_REF.sub(lambda m: " " * len(m.group(0)), _without_values(text))
    numbers = _numbers(blank)
    after_word = [v for p, v in numbers if _after_job_word(blank, p) and 0 < v < 2**31]
    # «مدل ۱۰ رو persiannlp/x چند می‌گیره»: a numbered model is the one measured, the repo named beside it the data
    after_word = after_word or [v for p, v in numbers if _MODEL_NUMBERED.search(blank[max(0, p - 16):p]) and 0 < v < 2**31]
    folder = _FOLDER_REF.search(text)
    path = _PATH.search(text)
    if after_word:
        args["model"] = str(after_word[0])  # «مدل جاب ۱۲ رو روی persiannlp/x بسنج»: job 12
    elif folder:
        args["model"] = folder.group(1)
    elif path:
        args["model"] = path.group(1)  # «./whisper-fa-ft رو روی test.csv بسنج»
    elif ids:
        args["model"] = ids.pop(0)
    elif named := _MODEL_NAMED.search(blank):
        args["model"] = named.group(1)  # «مدل dari-sentiment ره با valid.csv ارزیابی کن»: a model of one's own
    elif numbers and 0 < numbers[0][1] < 2**31:
        args["model"] = str(numbers[0][1])  # «ارزیابی ۷»
    elif (nick := nickname(text, "model")) is not None:
        args["model"] = nick[0]
    if "dataset" not in args:
        rest = [i for i in ids if i != args.get("model")]
        if rest:
            args["dataset"] = rest[0]
        elif (nick := nickname(text, "dataset")) is not None:
            args["dataset"] = nick[0]
    args.update(_columns(text))
    return args


def export_args(text: str) -> dict[str, Any]:
    """«از مدل کار ۵ خروجی onnx بگیر», «HooshvareLab/x رو اکسپورت کن»: the model, and the format when named."""
    found = eval_args(text)
    args: dict[str, Any] = {"model": found["model"]} if found.get("model") else {}
    named = [(m.start(), fmt) for fmt, pattern in _FORMATS for m in pattern.finditer(canonical(text))]
    if named:  # the last one named: «به تورچ اسکریپت نه ببخشید اونیکس» is a correction
        args["format"] = max(named)[1]
    return args


# Export formats as written in Latin letters and as people spell them in Persian (the tool answers «only ONNX for
# now» for the others instead of exporting ONNX unasked).
_FORMATS = [(name, re.compile(pattern, re.I)) for name, pattern in (
    ("onnx", r"onn?x|onxx|اُ?و?نیکس|او\s*ان\s*ان\s*ایکس"),
    ("gguf", r"gguf|جی\s*جی\s*یو\s*ا?ف"),
    ("torchscript", r"torch\s*script|تورچ\s*اسکریپت|trace[ds]?(?:-?shode)?|jit"),
    ("tflite", r"tf\s*lite|tensorflow\s*lite|تی\s*اف\s*لایت|تنسور\s*فلو\s*لایت"),
    ("coreml", r"core\s*ml|کور\s*ام\s*ا?ل|\.?mlmodel|\.?mlpackage"),
    ("openvino", r"open\s*vino|اوپن\s*وینو|اپن\s*وینو"),
    ("tensorrt", r"tensor\s*rt|تنسور\s*آر\s*تی|trt|\.engine(?![a-z])"),
    ("safetensors", r"safe\s*tensors?|سیف\s*تنسور"),
)]


_ON_REPO = re.compile(r"(?:روی|روي|بر\s*روی|on|over)\s+(?:دیتاست|دیتای|داده‌?ی?|dataset)?\s*([A-Za-z0-9][\w.\-]*/[\w.\-]+)")
_FOLDER_REF = re.compile(r"(?<![\w/.])((?:[\w.\-]+/)*job[-_]\d+)(?![\w/])", re.I)
# A local folder («./whisper-fa-ft», «~/models/x», «/data/ckpt»), not a URL's path, a data file (taken out before) or a
# slash command («/eval 5»).
_PATH = re.compile(r"(?<![\w/.:~])((?:~|\.{1,2})/[\w\-.]+(?:/[\w\-.]+)*|/[\w\-.]+(?:/[\w\-.]+)+)/?(?![\w/])")
_COUNT = re.compile(r"\s*(?:تا|تای|مدل\s*(?:رو|را)?\s*$)")


_COUNTED = re.compile(r"\s*(?:دور|دوره|دقیقه|ساعت|روز|ثانیه|بار|ایپاک|epochs?|تا|نفر|هفته|ماه|سال|برابر|درصد|%)(?![\w\u200c])", re.I)
_SETTING_BEFORE = re.compile(r"(?:بچ[\s\u200c]*سایز|batch[\s_]*size|batch|ایپاک|epochs?|lr|لرنینگ[\s\u200c]*ریت)\S*\s*[:=]?\s*$", re.I)


_MODEL_WORD_BEFORE = re.compile(r"(?:مدل|model)[^\s]{0,4}\s*(?:شماره\S{0,2}\s*)?#?\s*$", re.I)


def compare_args(text: str) -> dict[str, Any]:
    """«مدل‌های کار ۳ و ۵ رو مقایسه کن», «جاب ۷ در برابر جاب ۹», «کار سه و کار پنج», «HooshvareLab/x با job-4»: every
    model named, in the order named, and the data when said."""
    args: dict[str, Any] = {}
    data = _DATA_FILE.search(text) or _DATA_NAMED.search(text) or _ON_REPO.search(text)
    if data:
        args["dataset"] = data.group(1)
        text = text[:data.start(1)] + " " * len(data.group(1)) + text[data.end(1):]
    found: list[tuple[int, str]] = []
    for m in REPO_ID.finditer(text):
        found.append((m.start(), m.group(1)))
    for m in _FOLDER_REF.finditer(text):
        found.append((m.start(), m.group(1)))
    for m in _BARE_MODEL.finditer(text):  # «… مقابل xlm-roberta-base»: a well-known model named without its owner
        found.append((m.start(), m.group(1)))
    for m in _PATH.finditer(text):
        if not _FOLDER_REF.fullmatch(m.group(1)):
            found.append((m.start(), m.group(1)))
    blank = _FOLDER_REF.sub(lambda m: " " * len(m.group(0)), _without_values(text))
    for pos, value in _numbers(blank):
        after = blank[pos:].split(None, 1)
        rest = after[1] if len(after) > 1 else ""
        counted = not re.search(r"[،,;؛:.]$", after[0])  # «مدل ۱، مدل ۶»: a list, not «سه مدل»
        if re.match(r"(?:تا|تای|ta)(?!\S)", rest) or counted and re.match(r"(?:مدل|model)", rest) and not _after_job_word(blank, pos):
            continue  # «دو تا مدل», «سه مدل»: a count, not a job
        if 0 < value < 2**31:
            found.append((pos, str(value)))
    if any(_after_job_word(blank, p) for p, v in found if v.isdigit()):
        # «دو دور آموزش (کار ۲۶ و کار ۲۷)», «پنج دقیقه وقت دارم، کار ۲۸ و ۲۹», «کار ۲۱ با بچ سایز ۳۲»: with job words
        # said, a number that counts something or is a setting's value is no job.
        found = [(p, v) for p, v in found if not v.isdigit() or _after_job_word(blank, p)
                 or not (_COUNTED.match(blank, p + len(blank[p:].split(None, 1)[0]))
                         or _SETTING_BEFORE.search(blank[max(0, p - 20):p]))]
    numbered = [(p, v) for p, v in found
                if v.isdigit() and (_after_job_word(blank, p) or _MODEL_WORD_BEFORE.search(blank[max(0, p - 16):p]))]
    if len(numbered) >= 2:
        # «مدل ۳ با loss ۰.۴۲ و مدل ۱۱ با loss ۰.۳۹»: with two models named by their word, other numbers are figures
        kept = [(p, v) for p, v in sorted(found) if not v.isdigit() or (p, v) in numbered]
        for p, v in sorted(found):  # «مدل ۳ و مدل ۵ و ۷»: a number listed after a kept one is one more
            if (p, v) not in kept and v.isdigit() and any(
                    re.fullmatch(r"\s*(?:[،,]|و|یا|and|&)\s*", blank[q + len(blank[q:].split(None, 1)[0]):p])
                    for q, w in kept if w.isdigit() and q < p):
                kept.append((p, v))
        found = kept
    bracketed = [(a, b) for a, b in (m.span() for m in re.finditer(r"\([^()]*\)", blank))]
    outside = [(p, v) for p, v in found if not any(a < p < b for a, b in bracketed)]
    if len(outside) >= 2:
        found = outside  # «۴ (دقت ۹۱)، ۷ (دقت ۸۸) و ۱۲ (دقت ۹۰)»: what is in brackets describes the model before it
    models = list(dict.fromkeys(v for _, v in sorted(found)))
    if models:
        args["models"] = " ".join(models)
    args.update(_columns(text))
    return args


_UNREAD = ("نخونده", "نخوانده", "نخنده", "نخوندم", "جدید", "تازه", "unread", "new", "ندیده", "ندیدم", "انرید",
           "خواندهنشده", "خوندهنشده", "سیننشده", "سیننکرده", "unseen", "مشاهدهنشده", "چیزیاومده", "اخرینبار",
           "مطالعهنشده", "pending", "تازهای", "نبودم", "خبرنداشت", "بیخبر", "ازدستندادم", "ازدستدادم", "miss",
           "jadid", "tazeh", "taze", "نیونوتیف", "نیومسیج", "نیواعلان", "نیوپیام",
           # the red dot or the count on the bell: new ones
           "قرمز", "شمارنده", "عددروی", "عددبالای", "تاییکهکنار", "badge",
           # phone typos of جدید/تازه (ذ beside د, ع beside ه on the keyboard)
           "جدیذ", "تازع", "نخونر")
# «جدیدا نه، همه رو بیار», «نه فقط جدیدا، همه رو», «نمی‌خوام فقط جدیدا», «هم خونده هم نخونده», «جدید و قدیمی فرقی
# نداره», «قبلیا رو هم»: the unread ones declined, or old ones asked for too.
_NOT_UNREAD = re.compile(r"(?:جدید|تازه|نخونده|نخوانده)\S{0,3}\s+(?:نه|نباشه|نه\s*فقط)(?!\S)"
                         r"|(?:(?<!\S)نه|نمی\s?خوام|نمیخوام|نه\s+اینکه)\s+فقط\s+(?:جدید|تازه|نخونده|نخوانده)"
                         r"|(?<!\S)هم\s+(?:خونده|خوانده)\S*\s+هم\s+(?:نخونده|نخوانده)"
                         r"|(?:قدیمی|قبلی|خونده\s?شده)\S{0,3}\s+(?:\S+\s+){0,2}هم(?!\S)"
                         r"|جدید\S{0,3}\s+و\s+قدیمی")
# «از وقتی خوابیدم/رفتم/logout کردم چی اومده»: what came since I was away.
_SINCE_AWAY = re.compile(r"از\s+وقتی(?:\s+که)?\s+(?:\S+\s+){0,2}\S+(?:دم|تم|ستم|بودم|شدم|کردم|زدم)(?!\S)")


def notifications_args(text: str) -> dict[str, Any]:
    flat = squash(text)
    if _NOT_UNREAD.search(canonical(text)):
        return {}
    unread = any(w in flat for w in _UNREAD) or _SINCE_AWAY.search(canonical(text))
    return {"unread_only": True} if unread else {}


# A word refused where it stands: a negation right before it («نه دانلودا», «بدون دانلودها», «کاری به آموزشا …»,
# «غیرعمومی», «نمی‌خوام همه ببینن») or right after it, past its suffix and «رو» («دانلودا نه», «پابلیکش نکن»,
# «آموزش‌ها مهم نیستن», «دانلودها به کنار»). Read on canonical text.
_REFUSED_BEFORE = re.compile(r"(?:(?<!\S)(?:نه|بدون|بی|جز|بجز|به\s*جز|غیر\s*از|منهای|نمی\s*خوام|نمی\s*خواهم|نمی\s*خوایم"
                             r"|نباید|not|no|without|except)\s+|(?<!\S)غیر\s*|(?<!\S)کاری\s+به\s+)$", re.I)
_REFUSED_AFTER = re.compile(r"^\S*(?:\s+(?:رو|را|هم|ها))?\s*(?:نه(?![^\s،,.!؟?؛])|نباشه|نباشد|نباشن|نکن|نکنید"
                            r"|نکنیا|نشه|نشود|نشن|نمی\s*خوام|نمی\s*خواهم|نخواستم|نده|نشون\s+نده|نبینم|مهم\s+نیست|به\s+کنار|بماند|بمونه"
                            r"|ندارم|کاری\s+ندار(?:م|یم)|لازم\s+نیست|ول\s*کن|بی\s*خیال|not(?![a-z]))", re.I)


def refused(canon: str, m: re.Match[str]) -> bool:
    """Whether the word matched in canonical text is refused where it stands (not wanted, excluded)."""
    before = _REFUSED_BEFORE.search(canon[:m.start()])
    if before and re.match(r"(?:به\s*)?جز|بجز", before.group(0)) and re.match(r"\S*\s+(?:هیچ|چیزی|کاری)", canon[m.end():]):
        return False  # «جز دانلودا هیچی نشون نده»: nothing but
    return bool(before or _REFUSED_AFTER.match(canon[m.end():]))


def _wanted(pattern: str, canon: str) -> tuple[bool, bool]:
    """(named, named at least once without being refused)."""
    found = list(re.finditer(pattern, canon, re.I))
    return bool(found), any(not refused(canon, m) for m in found)


_JOB_KINDS = {
    "download": r"(?<!\S)(?:دانلود|دانلد|download|داونلود|بارگیری|dl)",
    "training": r"(?<!\S)(?:فاین\s*تیون|ترین|train|اموزش|فاین|fine|تیون|tune|ریزتنظیم)",
}


def list_jobs_args(text: str) -> dict[str, Any]:
    canon = canonical(text.replace("`", " "))
    seen = {kind: _wanted(pattern, canon) for kind, pattern in _JOB_KINDS.items()}
    wanted = [kind for kind, (_, kept) in seen.items() if kept]
    if not wanted and any(named for named, _ in seen.values()):
        wanted = [kind for kind, (named, _) in seen.items() if not named]  # «همه بدون آموزشا»: the other kind
    return {"kind": wanted[0]} if len(wanted) == 1 else {}  # none or both («هم دانلودا هم ترینا»): every job


def endpoint_args(text: str) -> dict[str, Any]:
    fixed = list(_CORRECTION.finditer(text))
    tail = text[fixed[-1].end():] if fixed else text
    # Of two addresses the one named last is the new one («… https://old دیگه به درد نمی‌خوره، https://new رو بذار»)
    m = ([*re.finditer(r"https?://[^\s«»\"'،؛؟]+", tail)] or [*re.finditer(r"https?://[^\s«»\"'،؛؟]+", text)] or [None])[-1]
    if m:
        return {"url": m.group(0).rstrip(".,)?")}
    if re.search(r"خاموش|خاموس|غیر\s*فعال|off|disable|برش\s*دار|حذف|پاک|ریست|reset|پیش\s*فرض|اصلی|نکن|بردار|متوقف|ول\s*کن"
                 r"|بی\s*خیال|بیخیال|مستقیم|دیگه\s+نه|بدون|نه\s*$|نمی\s*خ|بازگرد|برگرد|khamoosh|khamoush|default|mostaghim",
                 canonical(text), re.I):
        return {"url": "off"}
    m = re.search(r"(?<![\w@/])((?:[a-z0-9\-]+\.)+[a-z]{2,}(?::\d+)?(?:/\S*)?)", text, re.I)
    return {"url": m.group(1)} if m else {}


def token_args(text: str) -> dict[str, Any]:
    """The token to set; of two or more, the one named last («قدیمیه hf_A … جدیده hf_B رو بذار»), unless the first
    is picked («اولی رو بذار»)."""
    found = HF_TOKEN.findall(text)
    if not found:
        return {}
    first = re.search(r"(?<![\w\u200c])(?:اولی|اولیه|اولین|first)(?![\w\u200c])(?!\s*(?:نه|نه،|را\s+نه|رو\s+نه))", text, re.I)
    return {"token": found[0] if first and len(found) > 1 and not _LATER_PICK.search(text) else found[-1]}


_LATER_PICK = re.compile(r"(?<![\w\u200c])(?:دومی|دومیه|سومی|آخری|second|last)(?![\w\u200c])", re.I)


def catalog_args(text: str) -> dict[str, Any]:
    found = task(text)
    return {"task": found} if found else {}


_FAST = re.compile(r"سریع|زود|فوری|عجله|تا\s*(?:امشب|فردا|عصر)|quick|fast|asap", re.I)
_SMALL = re.compile(r"لپ[\s\u200c]*تاپ|همین\s*(?:سیستم|کامپیوتر|دستگاه|لپ)|بدون\s*(?:جی\s*پی\s*یو|gpu|کارت\s*گرافیک)|سبک|"
                    r"کوچیک|کوچک|رو(?:ی)?\s*گوشی|موبایل|small|light|laptop|no\s*gpu", re.I)


def goal_args(text: str) -> dict[str, Any]:
    """A goal: its task, what its data is about, constraints, and a file, dataset or model it names."""
    from agents.lexicon import GOAL_TOPICS

    args: dict[str, Any] = {"goal": text.strip()[:2000]}
    found = task(text)
    if found:
        args["task"] = found
    if re.search(r"(?<![^\s-])(?:فارسی|پارسی|persian|farsi)(?![a-z])", canonical(text)):
        args["language"] = "fa"
    for word, names in GOAL_TOPICS:
        if _names_in(names, text):
            args["topic"] = word
            break
    if _FAST.search(text):
        args["fast"] = True
    if _SMALL.search(text):
        args["small"] = True
    file = _DATA_FILE.search(text)
    if file:
        args["data"] = file.group(1)
    named = training_args(text)  # «… با ۵ دوره و نرخ یادگیری 5e-4»
    args.update({k: named[k] for k in ("epochs", "learning_rate", "batch_size") if k in named})
    for repo, kind in nicknames(text):
        args["data" if kind == "dataset" else "base_model"] = args.get("data") if kind == "dataset" and "data" in args \
            else repo
    return args


_PUSH_NAME = re.compile(r"(?:(?:repo\s*)?name|اسم|نام|repo|ریپو|مخزن|عنوان|(?<![a-z])esm)\S{0,3}"
                        r"(?:\s*(?:[:=]|رو|را|ی|به|با|بذار|بزار|بگذار|بذارید|بگذارید|باشه|باشد|بشه|بشود|شود|شه|کن|bezar|bezarid|bashe|called|named|is|hast|هم)(?![A-Za-z0-9_.-]))*\s*[«\"']?"
                        r"([A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._-]*)?)", re.I)
# «… as persian-news-topics», «called bank-fraud-sms», «under team-fa/x», «esmesh bashe backup-kar10»: a word shaped
# like a repo name (a dash, slash, underscore or digit in it).
_PUSH_NAME_EN = re.compile(r"(?<![a-z])(?:called|named|as|under|bashe)\s+[«\"']?"
                           r"([A-Za-z0-9]+(?:[._/-][A-Za-z0-9]+)*(?:[._/-]|\d)[A-Za-z0-9._/-]*)", re.I)
_PUBLIC = re.compile(r"عمومی|پابلیک|public|همه\s*(?:بتونن\s*|بتوانند\s*|می\s*تونن\s*)?ببینن|همه\s*(?:بتوانند\s*)?ببینند|omoomi|همگانی|برای\s*همه\s*باز|قفلش\s*نکن|"
                     r"هر\s*کی\s*خواست|anyone\s+can|hamegani", re.I)
_PRIVATE = re.compile(r"خصوصی|پرایوت|private|محرمانه|دسترسی\s*(?:فقط|تنها)|فقط\s*خودم|(?:کسی|هیچ\s*کس)\s*(?:جز|غیر\s*از|به\s*جز|بجز)\s*(?:خودم|من)|khososi"
                      r"|khosoosi|مخفی|makhfi|hidden|پنهان"
                      # nobody else to see it: «فقط خودمون»، «به کسی نشونش نده»، «نذار کسی ببینه»، «رقیبا نبینن»
                      r"|فقط\s*(?:\S+\s+){0,2}?خود(?:م|مون|مان|مو)(?![\w\u200c])|نشون\S*\s*نده|نذار\S*\s*کسی|کسی\s*نبین\S*"
                      r"|نبینن(?:د)?(?!\S)", re.I)  # «فقط تیم خودمون ببینن», «فقط برای خودمون قابل دیدن باشه»


def _set_aside(canon: str, m: re.Match[str]) -> bool:
    """`refused`, except that «محرمانه بماند», «خصوصی بمونه» say it stays so."""
    return not re.match(r"\S*\s*(?:بمونه|بماند|بمانند|بمونن)", canon[m.end():]) and refused(canon, m)


def push_args(text: str) -> dict[str, Any]:
    """The model (a job number or folder), the repo name it goes to, and public or private."""
    args: dict[str, Any] = {}
    m = _PUSH_NAME.search(text) or _PUSH_NAME_EN.search(text)
    span = (m.start(1), m.end(1)) if m else None
    if span is None:
        ids = list(REPO_ID.finditer(text))
        span = (ids[0].start(1), ids[0].end(1)) if ids else None
    rest = text
    if span is not None:
        args["name"] = text[span[0]:span[1]].rstrip(".")
        rest = text[:span[0]] + " " * (span[1] - span[0]) + text[span[1]:]
    ref = _model_ref(rest)
    if ref is not None and not re.fullmatch(r"(?i:hugging-?face|push-?to-?hub)", ref[0]):
        args["model"] = ref[0]
        if "name" not in args and not ref[0].isdigit() and "/" not in ref[0] and ref[1] > 0:
            # «مدل ۲ رو خصوصی بفرست رو هاب: lyrics-fa-v1»: with a job's number said, the other name is the repo's
            at = ref[1] - len(ref[0])
            numbered = _model_ref(rest[:at] + " " * len(ref[0]) + rest[ref[1]:])
            if numbered is not None and numbered[0].isdigit():
                args["model"], args["name"] = numbered[0], ref[0]
    canon = canonical(text)

    publics = [not _set_aside(canon, m) for m in _PUBLIC.finditer(canon)]
    privates = [not _set_aside(canon, m) for m in _PRIVATE.finditer(canon)]
    said = [(m.start(), True) for m in _PRIVATE.finditer(canon) if not _set_aside(canon, m)] + \
        [(m.start(), False) for m in _PUBLIC.finditer(canon) if not _set_aside(canon, m)]
    if any(privates) and any(publics):
        args["private"] = max(said)[1]  # «اول گفتم خصوصی، ولی عمومیش کن»: the last one said
    elif any(privates) or publics and not any(publics):
        args["private"] = True  # «خصوصی», «عمومی نباشه», «پابلیکش نکن», «غیرعمومی», «نمی‌خوام همه ببینن»
    elif any(publics) or privates:
        args["private"] = False  # «عمومی», «خصوصی نباشه»
    return args


# «کار ۳ بمونه، ۴ رو کنسل کن», «ترین ۱۵ رو نمی‌خوام بکشی، ۱۷ رو بکش», «اونی که خرابه ۱۹ ـه، اونو کنسل کن»: with numbers
# in several clauses, the one whose clause stops or resumes (not negated) is meant.
_ACT = re.compile(r"(?<!\S)(?:لغو|کنسل|متوقف|استاپ)\S*\s+(?:کن|کنید|کنین|بکن|کنی)(?!\S)"
                  r"|(?<!\S)(?:ادامه|رزیوم)\S*\s+(?:بده|بدید|بدین|بدی|کن|کنید)(?!\S)|از\s+سر\s+بگیر"
                  r"|(?<![a-z])(?:cancel|kill|stop|resume)(?![a-z])|(?<!\S)(?:بکش|ببند|بکشش|ببندش)(?!\S)", re.I)
_ACT_DENIED = re.compile(r"(?:نمی\s?خوام|نمیخوام|نباید|دست\s+نزن|نکن|نکش|نبند)")
_CLAUSES = re.compile(r"\s*[،,؛;.]\s*")
_AND = re.compile(r"\s+(?:و|ولی|اما)\s+")


def _clauses(text: str) -> list[str]:
    """Clauses split at punctuation and at «و/ولی/اما», but not inside a number («بیست و دو»)."""
    pieces: list[str] = []
    for part in _CLAUSES.split(text):
        start = 0
        for m in _AND.finditer(part):
            before = part[start:m.start()].split()
            if before and words_to_number(before[-1:]) is None:
                pieces.append(part[start:m.start()])
                start = m.end()
        pieces.append(part[start:])
    return [p for p in pieces if p.strip()]


def _acted_job(text: str) -> int | None:
    pieces = _clauses(text)
    numbered = [job_id(p) for p in pieces]
    if sum(n is not None for n in numbered) < 2:
        return None
    # «۲۰ را لغو و ۱۸ را از سر بگیرید»: a verb shared with the next clause acts too (two actions: not decided here)
    acted = [i for i, p in enumerate(pieces) if (_ACT.search(p) or re.search(r"(?:لغو|کنسل|متوقف)\s*$", p))
             and not _ACT_DENIED.search(p)]
    if len(acted) != 1:
        return None
    i = acted[0]
    if numbered[i] is not None:
        return numbered[i]
    earlier = [n for n in numbered[:i] if n is not None]
    return earlier[-1] if earlier else None  # «جاب ۱۰ رو ولی کنسل کن», «… ۱۹ ـه، اونو کنسل کن»


def job_args(text: str) -> dict[str, Any]:
    number = _acted_job(text)
    if number is None:
        number = job_id(text)
    return {"job_id": number} if number is not None else {}


def help_args(text: str) -> dict[str, Any]:
    """«راهنمای آموزش», «چطوری دانلود کنم؟»: the help section the question is about (its words are in prompts/)."""
    from prompts import t
    from tools.commands import SECTIONS

    words = normalize_words(text)
    found: list[tuple[int, str]] = []
    for section in SECTIONS:
        names = [w.strip().replace(ZWNJ, "") for w in t(f"help.topic_words.{section}").split("،")]
        at = next((i for i, word in enumerate(words) if any(word.startswith(name) for name in names if name)), None)
        if at is not None:
            found.append((at, section))
    return {"topic": min(found)[1]} if found else {}


def normalize_words(text: str) -> list[str]:
    from assistant.persian import normalize

    return [w.strip("«»\"'.:،؛!?؟()") for w in normalize(text).replace(ZWNJ, "").lower().split()]


EXTRACTORS: dict[str, Callable[[str], dict[str, Any]]] = {
    "job_status": job_args, "cancel_job": job_args, "resume_job": job_args,
    "list_jobs": list_jobs_args, "notifications": notifications_args,
    "search_models": search_args, "search_datasets": search_args, "catalog": catalog_args,
    "model_info": repo_args, "download": repo_args,
    "set_hf_token": token_args, "set_hub_endpoint": endpoint_args,
    "speak": speak_args, "transcribe": transcribe_args, "start_training": training_args, "try_model": try_args,
    "evaluate_model": eval_args, "compare_models": compare_args, "export_model": export_args,
    "plan_goal": goal_args, "push_model": push_args, "help": help_args,
}


_SPOKEN_FIX = re.compile(r"(?:(?<=\s)|^)(?:اِ\s+)?نه\s+(?=\S)")


# Tools whose arguments are names a speaker may spell aloud («ویس دات او جی جی»); not the texts to speak or try.
_DICTATED = frozenset(("download", "transcribe", "start_training", "model_info", "evaluate_model", "push_model",
                       "export_model", "compare_models", "set_hub_endpoint"))


# A pasted config («```yaml … ```», «model=…», «"epochs": 2», «[eval] dataset = "…"»): its keys name the values.
_CONFIG_KEYS = {
    "model": ("model", "model_name", "model_name_or_path", "base_model", "base", "checkpoint", "model_path",
              "pretrained_model"),
    "dataset": ("dataset", "data", "dataset_name", "train_file", "data_file", "train", "eval", "eval_file", "test",
                "test_file", "validation_file", "eval_data", "train_data"),
    "epochs": ("epochs", "num_train_epochs", "epoch", "num_epochs"),
    "learning_rate": ("learning_rate", "lr"),
    "batch_size": ("batch_size", "per_device_train_batch_size", "bs", "train_batch_size"),
    "url": ("endpoint", "hf_endpoint", "mirror", "url", "hub_url", "base_url", "hub_endpoint"),
    "text_column": ("text_column", "text_col"),
    "label_column": ("label_column", "label_col"),
}
# Per tool: the config's keys it takes, under the tool's own argument names.
_CONFIG_ARG = {
    "start_training": {"model": "base_model", "dataset": "dataset", "epochs": "epochs", "learning_rate": "learning_rate",
                       "batch_size": "batch_size", "text_column": "text_column", "label_column": "label_column"},
    "evaluate_model": {"model": "model", "dataset": "dataset", "text_column": "text_column",
                       "label_column": "label_column"},
    "export_model": {"model": "model"},
    "set_hub_endpoint": {"url": "url"},
}
_KEY_NAMES = "|".join(k for keys in _CONFIG_KEYS.values() for k in keys)
_CONFIG_LINE = re.compile(
    rf"^\s*[-*]?\s*[\"']?({_KEY_NAMES})[\"']?\s*[:=]\s*(?:\"([^\"\n]+)\"|'([^'\n]+)'|([^\s\"',#]+))\s*,?\s*(?:#.*)?$",
    re.I | re.M)
_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|$)", re.S)


def _pasted_config(tool: str, text: str) -> tuple[dict[str, Any], str] | None:
    """(the tool's values named by a pasted config, the message without it), or None when nothing is pasted."""
    if tool not in _CONFIG_ARG:
        return None
    blocks = [m.group(1) for m in _FENCE.finditer(text)]
    pasted = "\n".join(blocks) if blocks else text
    pasted = re.sub(r"[{}]", "\n", pasted).replace('", "', '"\n"')  # a one-line JSON object, a pair per line
    found: dict[str, Any] = {}
    for m in _CONFIG_LINE.finditer(pasted):
        key = next(k for k, keys in _CONFIG_KEYS.items() if m.group(1).lower() in keys)
        if key in _CONFIG_ARG[tool]:
            found.setdefault(_CONFIG_ARG[tool][key], next(g for g in m.groups()[1:] if g).strip())
    if not found:
        return None
    rest = _FENCE.sub(" ", text) if blocks else _CONFIG_LINE.sub(" ", text)
    return found, rest


# A clause that tells what Dastyar did before («همون کاری که با مدل ۱ کردی», «یادته مدل ۳ رو تورچ‌اسکریپت کردی؟»):
# its model is an example of what to do to another.
_DONE_BEFORE = re.compile(r"(?:^|(?<=[،,؛;.!؟?]))[^،,؛;.!؟?]*?(?<![\w\u200c])(?:کردی|کردیم|گرفتی|گرفتیم|دادی|دادیم|ساختی"
                          r"|زدی|فرستادی)(?![\w\u200c])[^،,؛;.!؟?]*")
_ONE_MODEL = ("export_model", "try_model", "evaluate_model", "push_model", "job_status", "cancel_job", "resume_job")


def extract(tool: str, text: str) -> dict[str, Any]:
    """The tool's arguments; after a spoken or typed correction («a.wav نه ببخشید b.wav», «*۳۱») the later value
    wins, read where it stands in the sentence."""
    func = EXTRACTORS.get(tool)
    if func is None:
        return {}
    if (config := _pasted_config(tool, text)) is not None:
        found, rest = config
        args = extract(tool, rest) if rest.strip() else {}
        args.update(found)
        return args
    if tool in _DICTATED:
        text = spelled_out(text)
    if tool in _ONE_MODEL and (done := _DONE_BEFORE.search(text)) is not None:
        # «همون کاری که با مدل ۱ کردی، یعنی tflite، با مدل ۱۲ هم بکن», «دیروز مدل ۲ رو gguf کردی؛ امروز نوبت مدل ۹ ـه»:
        # the model of what was done is the example, another one named is meant; the example's other words (its
        # format) still hold
        rest = text[: done.start()] + " " + text[done.end():]
        args = extract(tool, rest)
        if args.get("model") or args.get("job_id") is not None:
            example = extract(tool, done.group(0))
            return {**{k: v for k, v in example.items() if k not in ("model", "job_id")},
                    **{k: v for k, v in args.items() if v not in (None, "")}}
    args = func(text)
    if tool == "speak" and _voice_taken_back(spoken_quotes(text)):
        return args  # the closing correction named the voice: the text before it stands
    marks = list(_CORRECTION.finditer(text))
    if tool not in ("job_status", "cancel_job", "resume_job", "speak", "try_model", "evaluate_model", "compare_models",
                    "export_model", "plan_goal", "push_model", "list_jobs"):
        marks += list(_SPOKEN_FIX.finditer(text))  # «نه» alone is also nine: not for job numbers
    # Not a correction: a mark inside quotes («بگو "نه ببخشید دیر شد"»), with nothing after it («… صبر کنید») or
    # nothing before it («نه فقط جدیدا، همه رو»).
    quoted = [m.span() for m in re.finditer(r"«[^»]*»|\"[^\"]*\"|“[^”]*”", text)]
    marks = [m for m in marks if text[m.end():].strip(" .،,!؟?؛") and text[:m.start()].strip(" .،,!؟?؛")
             and not any(a < m.start() and m.end() < b for a, b in quoted)]
    if marks:
        last = max(marks, key=lambda m: m.end())
        said_after, head = text[last.end():], text[:last.start()].rstrip(" ،,")
        spliced: dict[str, Any] | None = None
        # «مدل کار هفت نه ببخشید هشت رو بفرست», «با اسم fa-ner نه صبر کن fa-ner-v2»: the new value stands in for the
        # word before the mark, and the whole sentence says what it is (a name, not a model). Not when «یعنی» already
        # corrected it («مردونه بخون یعنی زنونه اشتباه گفتم»), nor for job numbers (a number may be several words).
        if tool not in JOB_ARG_TOOLS and head.split() and not re.search(r"(?<!\S)یعنی\s+\S+$", head):
            spliced = func(_spliced(head, said_after))
        after = func(said_after)
        for key, value in list(after.items()):
            if key in ("task", "goal"):  # a goal is the whole message; the task has its own reading of corrections
                continue
            # A new list replaces the old («۳ و ۵ … نه، ۳ و ۶»); one number more adds to it («… اِ یکی هم ۱۲»).
            listed = key == "models" and spliced is not None and spliced.get(key) and len(str(value).split()) < 2
            if spliced is not None and (_other_role(spliced, key, value) or listed):
                del after[key]  # read in the whole sentence, the value has another role, or more models were named
                continue
            if value not in (None, "") or key not in args:
                args[key] = value
        for key, value in (spliced or {}).items():
            if key in ("task", "goal") or value in (None, "") or after.get(key) not in (None, ""):
                continue
            full = args.get(key)
            if full != value and (full in (None, "") or key in _CORRECTABLE or _other_role(spliced, key, full)):
                args[key] = value
    return args


# A word that is a value: an id, a file, a number, a URL (not a verb or a particle).
_VALUE_WORD = re.compile(r"[A-Za-z0-9۰-۹٠-٩]")


def _spliced(head: str, said_after: str) -> str:
    """The sentence with the corrected value in place of the one it replaces: the word before the mark («مدل کار
    هفت نه ببخشید هشت»), or, when the mark follows the verb («با اسم sentiment-fa پوش کن، نه، sentiment-fa-v2»), the
    last value said before it, the rest of the sentence kept."""
    words = head.split()
    if _VALUE_WORD.search(words[-1]):
        # «۲ و ۷ رو مقایسه کن؛ ببخشید ۷ نه، ۸»: the value repeated before the mark is the one said first; it is replaced
        # there, and the repetition dropped.
        prior = head[:len(head) - len(words[-1])]
        same = list(re.finditer(rf"(?<!\S){re.escape(words[-1])}(?=[\s،,.]|$)", prior))
        if same:
            at = same[-1]
            return f"{prior[:at.start()]}{said_after.strip(' .،,!؛;')}{prior[at.end():]}"
    if not _VALUE_WORD.search(words[-1]) and len(said_after.split()) <= 3:
        values = [m for m in re.finditer(r"\S+", head) if _VALUE_WORD.search(m.group(0))]
        if values:
            last = values[-1]
            return f"{head[:last.start()]}{said_after.strip(' .،,!؛;')} {head[last.end():]}"
    return head[:len(head) - len(words[-1])] + said_after


def _other_role(reading: dict[str, Any], key: str, value: Any) -> bool:
    """Whether this text value stands under another key in the reading («fa-ner-v2» is the name, not the model)."""
    return isinstance(value, str) and bool(value) and any(k != key and v == value for k, v in reading.items())


# Values a correction said alone («هشت») stands in for: what the whole sentence read before the mark is replaced.
_CORRECTABLE = ("model", "name", "repo_id", "audio", "format", "models", "voice", "text", "dataset", "base_model",
                "epochs", "batch_size", "learning_rate", "revision", "url")


# Job numbers have their own reading of corrections (job_id): a number of several words is not one word.
JOB_ARG_TOOLS = ("job_status", "cancel_job", "resume_job")


