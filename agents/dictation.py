"""Names spelled aloud: a file name or repo id as a speech recognizer writes it in Persian letters.

«ویس دات او جی جی» is voice.ogg, «هوشواره لب اسلش برت خط تیره اف ای خط تیره بیس» is HooshvareLab/bert-fa-base,
«تیلدا اسلش داونلودز اسلش مصاحبه دات ام پی تری» is ~/Downloads/مصاحبه.mp3. A span is read only around the words that
can only be punctuation in a name (dot, slash, dash, underscore, tilde), so ordinary sentences pass untouched: on
each side of them, letter names («اف ای» → fa), number words («تری» → 3, «ویو تو وک» → wav2vec), English words in
Persian letters («نیوز» → news) and one Persian word (a file may have a Persian name) join the name. A spoken
extension is read from its own table («وی ای وی» → wav); a repo id close to a well-known one («… ویسپر مدیوم») becomes it.
"""

from __future__ import annotations

import difflib
import re
from functools import lru_cache

_SEPARATORS = {
    "دات": ".", "نقطه": ".", "دو نقطه": ":", "بک اسلش": "\\", "اسلش": "/", "اسلاش": "/", "خط تیره": "-", "دش": "-", "آندرلاین": "_", "اندرلاین": "_",
    "زیرخط": "_", "زیر خط": "_", "آندراسکور": "_", "اندرسکور": "_", "تیلدا": "~", "تیلد": "~",
}
# English letters as Persian speakers name them. «ای» is said for both a and e, «جی» for g and j: the first is kept
# and a well-known name or extension corrects it.
_LETTERS = {
    "ای": "a", "اِی": "a", "بی": "b", "سی": "c", "دی": "d", "ایی": "e", "اف": "f", "جی": "g", "اچ": "h", "ایچ": "h",
    "آی": "i", "جِی": "j", "کی": "k", "کِی": "k", "ال": "l", "ام": "m", "ان": "n", "او": "o", "پی": "p", "کیو": "q",
    "آر": "r", "ار": "r", "اس": "s", "تی": "t", "یو": "u", "وی": "v", "دبلیو": "w", "دابلیو": "w", "ایکس": "x",
    "اکس": "x", "وای": "y", "زد": "z", "زی": "z",
}
_DIGITS = {
    "صفر": "0", "زیرو": "0", "یک": "1", "وان": "1", "دو": "2", "تو": "2", "سه": "3", "تری": "3", "چهار": "4",
    "فور": "4", "پنج": "5", "فایو": "5", "شش": "6", "شیش": "6", "سیکس": "6", "هفت": "7", "سون": "7", "هشت": "8",
    "ایت": "8", "ناین": "9", "ده": "10", "یازده": "11", "دوازده": "12",
}
# Common words of file names and Hub ids, in Persian letters.
_WORDS = {
    "دیتا": "data", "دیتاست": "dataset", "دیتاستس": "datasets", "مدل": "model", "مدلز": "models", "نیوز": "news",
    "ویس": "voice", "وویس": "voice", "مسیج": "message", "آدیو": "audio", "ادیو": "audio", "ویدیو": "video",
    "تست": "test", "ترین": "train", "ولیدیشن": "validation", "فایل": "file", "ریویو": "review", "ریویوز": "reviews",
    "کامنت": "comment", "کامنتس": "comments", "لیبل": "label", "لیبلز": "labels", "تکست": "text", "سنتنس": "sentence",
    "بیس": "base", "لارج": "large", "اسمال": "small", "مدیوم": "medium", "تاینی": "tiny", "مینی": "mini",
    "پرشین": "persian", "برت": "bert", "روبرتا": "roberta", "ویسپر": "whisper", "فستر": "faster", "لاما": "llama",
    "جما": "gemma", "میسترال": "mistral", "کوئن": "qwen", "اوپن": "open", "هوشواره": "hooshvare", "لب": "lab",
    "سیستران": "systran", "فیسبوک": "facebook", "گوگل": "google", "موزیلا": "mozilla", "فاندیشن": "foundation",
    "کامن": "common", "یوزر": "user", "سام": "some", "پارسی": "parsi", "پارسینلو": "parsinlu", "سامری": "summary",
    "ترنسلیشن": "translation", "سنتیمنت": "sentiment", "ریدینگ": "reading", "کامپرهنشن": "comprehension",
    "آنکیسد": "uncased", "کیسد": "cased", "ویکیپدیا": "wikipedia", "اسنپفود": "snappfood", "پیما": "peyma",
    "بات": "bot", "چت": "chat", "کلین": "clean", "فاینال": "final", "ورژن": "version", "اینترویو": "interview",
    "لکچر": "lecture", "پادکست": "podcast", "میتینگ": "meeting", "رکورد": "record", "کال": "call", "کالز": "calls",
    "تیکت": "ticket", "تیکتس": "tickets", "هدلاین": "headline", "هدلاینز": "headlines", "اسپم": "spam",
    "لیگال": "legal", "کیس": "case", "کیسز": "cases", "کوئسچن": "question", "کوئسچنز": "questions",
    "کامپلینت": "complaint", "کامپلینتس": "complaints", "اسپورت": "sport", "هاسپیتال": "hospital", "فیدبک": "feedback",
    "داونلودز": "Downloads", "دانلودز": "Downloads", "دسکتاپ": "Desktop", "داکیومنتس": "Documents", "هوم": "home",
    "ریپورت": "report", "ریپورتس": "reports", "نوت": "note", "نوتس": "notes", "سمپل": "sample", "اوتپوت": "output",
    "اینپوت": "input", "ران": "run", "رانز": "runs", "چکپوینت": "checkpoint", "ریک": "rec", "کلس": "class",
    "ویو تو وک تو": "wav2vec2", "ویو تو وک": "wav2vec", "هاگینگ فیس": "huggingface", "هاگینگ": "hugging",
    "فیس": "face", "کو": "co", "نلو": "nlu", "ویکی پدیا": "wikipedia", "ریکوردینگز": "recordings", "دمو": "demo",
    "یوزرز": "Users", "مای": "my", "تیم": "team", "ساپورت": "support", "اینتنت": "intent", "اینتنتس": "intents",
    "ترنسفورمرز": "transformers", "مولتی": "multi", "لینگوال": "lingual",
    "ویو": "wav", "وک": "vec", "ایکس ال اس آر": "xlsr", "ایکسالاسآر": "xlsr", "پرو": "pro", "لایت": "lite",
    "دیو": "dev", "ایول": "eval", "ایوال": "eval", "ایولیوشن": "evaluation", "ولید": "valid", "لاگ": "log", "لاگز": "logs",
    "ممو": "memo", "ریکورد": "record", "کانفیگ": "config", "پرامپت": "prompt", "پرامپتس": "prompts",
    "بانک": "bank", "فارم": "farm", "کورت": "court", "نیم": "name", "پیج": "page",
}
_EXTENSIONS = {
    "سی اس وی": "csv", "تی اس وی": "tsv", "جی سان": "json", "جیسون": "json", "جسون": "json", "جی سان ال": "jsonl",
    "جیسون ال": "jsonl", "جسون ال": "jsonl", "تی ایکس تی": "txt", "وی ای وی": "wav", "ویو": "wav", "ام پی تری": "mp3",
    "ام پی سه": "mp3", "او جی جی": "ogg", "اوگ": "ogg", "فلک": "flac", "اف ال ای سی": "flac", "ام فور ای": "m4a",
    "اپوس": "opus", "او پی یو اس": "opus", "وب ام": "webm", "ام پی فور": "mp4", "ایکس ال اس ایکس": "xlsx",
    "اکسل": "xlsx", "پارکت": "parquet", "زیپ": "zip", "پی دی اف": "pdf",
}
_JOINED = ("سرهم", "سر هم", "چسبیده")  # «سرهم نوشته»: said apart, written as one word
# Persian words that end a name: what the sentence says about it.
_STOP = frozenset("رو را از به با و که یا برای روی تو توی در این اون فایل دیتاست مدل بیار بگیر کن یعنی خب ببین ا اِ همون"
                  " اینو اونو".split())
_SEP_RE = re.compile("|".join(sorted(map(re.escape, _SEPARATORS), key=len, reverse=True)))


def _phrases(table: dict[str, str]) -> list[tuple[list[str], str]]:
    return sorted(((k.split(), v) for k, v in table.items()), key=lambda kv: -len(kv[0]))


_EXT_PHRASES = _phrases(_EXTENSIONS)
_WORD_PHRASES = _phrases(_WORDS)


def _match(tokens: list[str], i: int, phrases: list[tuple[list[str], str]]) -> tuple[str, int] | None:
    for words, value in phrases:
        if tokens[i:i + len(words)] == words:
            return value, len(words)
    return None


def _piece(tokens: list[str], i: int) -> tuple[str, int] | None:
    """The name part spoken at `i`: (its letters, words used), or None when the word is not part of a name."""
    tok = tokens[i]
    if tok in _STOP:
        return None
    if re.fullmatch(r"[A-Za-z0-9]+", tok):
        return tok, 1
    if tok in _LETTERS:
        letters, j = "", i
        while j < len(tokens) and tokens[j] in _LETTERS:
            letters += _LETTERS[tokens[j]]
            j += 1
        return letters, j - i
    if found := _match(tokens, i, _WORD_PHRASES):
        return found
    if tok in _DIGITS:
        return _DIGITS[tok], 1
    return None


def _is_separator(tokens: list[str], i: int) -> bool:
    """«نقطه» is also a full stop or a dot on a screen: a separator only before an extension or another separator."""
    if tokens[i] not in _SEPARATORS:
        return False
    then_separator = i + 1 < len(tokens) and tokens[i + 1] in _SEPARATORS
    if tokens[i] == "دو نقطه":  # a colon before what follows, but «… دو نقطه اسلش اسلش» in an address
        return then_separator
    if tokens[i] != "نقطه":
        return True
    return bool(_match(tokens, i + 1, _EXT_PHRASES)) or then_separator


def _read(tokens: list[str], start: int) -> tuple[str, int, int] | None:
    """The name whose first separator is at `start`: (name, first token, end token)."""
    # Leftwards: every word that can be part of a name («اوپن ای آی» → openai), read again forwards so that letter
    # names join; «سرهم» (written as one) is skipped. Else one Persian word before a dot, dash or underscore: a file
    # may have a Persian name («نظرات دات سی اس وی»).
    first = start
    while first > 0 and (tokens[first - 1] in _JOINED or _piece(tokens, first - 1) is not None):
        first -= 1
    out, k = "", first
    while k < start:
        piece = _piece(tokens, k)
        if piece is None:  # «سرهم»
            k += 1
            continue
        out += piece[0]
        k += min(piece[1], start - k)
    if not out and start > 0 and _SEPARATORS[tokens[start]] in "._-" and tokens[start - 1] not in _STOP \
            and not (start + 1 < len(tokens) and tokens[start + 1] in _SEPARATORS) \
            and re.fullmatch(r"[\u0600-\u06FF]+", tokens[start - 1]):
        out, first = tokens[start - 1], start - 1
    j = start
    while j < len(tokens) and _is_separator(tokens, j):
        sep = _SEPARATORS[tokens[j]]
        out += sep
        j += 1
        if sep == "." and (ext := _match(tokens, j, _EXT_PHRASES)):
            out += ext[0]
            j += ext[1]
            continue
        parts: list[tuple[str, bool]] = []  # (text, a number)
        while j < len(tokens) and not _is_separator(tokens, j):
            piece = _piece(tokens, j)
            if piece is None:
                if not parts and tokens[j] not in _STOP and re.fullmatch(r"[\u0600-\u06FF]+", tokens[j]):
                    parts.append((tokens[j], False))  # a Persian name after the slash: «اسلش مصاحبه دات …»
                    j += 1
                break
            parts.append((piece[0], piece[0].isdigit() and tokens[j] in _DIGITS))
            j += piece[1]
        # A repo's name said in words without its dashes («اسلش ویسپر لارج وی سه») has them: words apart are
        # joined by «-», a number joins what it follows; «سرهم» after it says the words were one.
        dashed = sep == "/" and not (j < len(tokens) and tokens[j] in _JOINED) and not (
            j < len(tokens) and _is_separator(tokens, j) and _SEPARATORS[tokens[j]] == "/")
        for n, (text, number) in enumerate(parts):
            out += ("-" if dashed and n and not number else "") + text
    if not re.search(r"[A-Za-z0-9\u0600-\u06FF]", out) or out.endswith((".", "/", "-", "_", ":", "\\")):
        return None
    return out, first, j


def _normalize_tokens(text: str) -> list[str]:
    text = text.replace("\u200c", " ")
    for phrase in ("خط تیره", "زیر خط", "دو نقطه", "بک اسلش"):
        text = text.replace(phrase, phrase.replace(" ", "\u2060"))
    return [t.replace("\u2060", " ") for t in text.split()]


@lru_cache(maxsize=1)
def _known_ids() -> tuple[str, ...]:
    from agents.lexicon import NICKNAMES
    from assistant.services.hub.catalog import catalog

    ids = {repo for repo, _, _ in NICKNAMES}
    ids.update(entry["id"] for kind in ("model", "dataset") for entry in catalog(kind))
    return tuple(sorted(ids))


def _skeleton(name: str) -> str:
    return re.sub(r"[^a-z0-9/]", "", name.lower())


def _well_known(name: str) -> str:
    """A spoken repo id close to a well-known one is that one (letters said alike, a vowel dropped); in an address
    («huggingface.co/datasets/…») the id after the host."""
    host = re.match(r"(?:https?://)?(?:huggingface\.co|hf\.co)/(?:datasets/|models/)?", name, re.I)
    head, repo = (name[:host.end()], name[host.end():]) if host else ("", name)
    if repo.count("/") != 1 or re.search(r"\.[a-z0-9]{2,5}$", repo, re.I):
        return name
    key = _skeleton(repo)
    # The owner said apart from the name («سیستران با اس بزرگ اسلش فستر ویسپر اسمال»): the name alone decides.
    alone = len(repo.split("/")[0]) <= 1
    best, score = repo, 0.0
    for known in _known_ids():
        target = _skeleton(known)
        if alone:
            key, target = _skeleton(repo.split("/")[1]), _skeleton(known.split("/")[1])
        ratio = difflib.SequenceMatcher(None, key, target).ratio()
        if ratio > score:
            best, score = known, ratio
    if alone and score < 0.95:
        return name
    if score < 0.85:  # not a well-known repo: a well-known organisation still has its own capitals
        org, _, rest = repo.partition("/")
        cased = {known.split("/")[0].lower(): known.split("/")[0] for known in _known_ids()}
        best = cased.get(org.lower(), org) + "/" + rest
    return head + best


# The consonants of a name, as one code whichever script wrote it: «نظرات» and «nazarat», «مصاحبه» and «mosahebe».
# Vowels are dropped (Persian writes few of them; و and ی are vowels as often as consonants), letters said alike
# share a code (ث س ص → s, ذ ز ض ظ → z, ت ط → t, ح ه → h, غ ق → q).
_SOUND_FA = str.maketrans({
    "ب": "b", "پ": "p", "ت": "t", "ط": "t", "ث": "s", "س": "s", "ص": "s", "ج": "j", "چ": "C", "ح": "h", "ه": "h",
    "خ": "x", "د": "d", "ذ": "z", "ز": "z", "ض": "z", "ظ": "z", "ر": "r", "ژ": "Z", "ش": "S", "غ": "q", "ق": "q",
    "ف": "f", "ک": "k", "ك": "k", "گ": "g", "ل": "l", "م": "m", "ن": "n",
})
_ANY_DIGIT = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_SOUND_LATIN = (("kh", "x"), ("sh", "S"), ("ch", "C"), ("zh", "Z"), ("gh", "q"), ("c", "k"), ("w", ""))


def sound_skeleton(stem: str) -> str:
    """The consonant code of a file name's stem in Persian or Latin letters ("" when it has fewer than three)."""
    s = stem.lower().translate(_ANY_DIGIT)
    if re.search(r"[\u0600-\u06ff]", s):
        s = re.sub(r"ه(?![\u0600-\u06ff])", "", s).translate(_SOUND_FA)  # a final ه is the vowel e
    else:
        for latin, code in _SOUND_LATIN:
            s = s.replace(latin, code)
        s = re.sub(r"(?<=[a-zA-Z])h(?=[^a-zA-Z]|$)", "", s)  # a final «e» written «eh»
    s = re.sub(r"[^bptsjChxdzrZSqfkglmn0-9]", "", s)
    s = re.sub(r"(.)\1+", r"\1", s)  # doubled letters (تشدید, «ss») sound once
    return s if len(s) >= 3 else ""


def spelled_out(text: str) -> str:
    """The text with names spelled aloud written as names; unchanged when it holds none."""
    if not _SEP_RE.search(text):
        return text
    tokens = _normalize_tokens(text)
    if not any(_is_separator(tokens, i) for i in range(len(tokens))):
        return text
    out: list[str] = []
    i = 0
    while i < len(tokens):
        if _is_separator(tokens, i) and (read := _read(tokens, i)) is not None:
            name, first, end = read
            del out[len(out) - (i - first):]
            joined = end < len(tokens) and tokens[end] in _JOINED
            out.append(_well_known(name))
            i = end + (1 if joined else 0)
            continue
        out.append(tokens[i])
        i += 1
    return " ".join(out)
