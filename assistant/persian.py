"""Persian text: normalization, reading numbers in any digit script, Persian display of figures and dates."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

ZWNJ = "\u200c"
_FA_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
_AR_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_TO_LATIN = str.maketrans(_FA_DIGITS + _AR_DIGITS + "٫٬", "0123456789" * 2 + ".,")
_TO_FA = str.maketrans("0123456789", _FA_DIGITS)
# Characters people type for a half-space, and Arabic letter forms that look Persian.
_CHAR_MAP = str.maketrans(
    {
        "\u200b": ZWNJ,
        "\u200d": ZWNJ,
        "\u00ac": ZWNJ,
        "\ufeff": "",
        # Bidi formatting marks: invisible, never part of a word or a command.
        **dict.fromkeys(["\u200e", "\u200f", "\u061c", *map(chr, range(0x202a, 0x202f)),
                         *map(chr, range(0x2066, 0x206a))], ""),
        "\u0640": "",  # tatweel
        "ي": "ی",
        "ى": "ی",
        "ك": "ک",
        "ۀ": "هٔ",
        "ة": "ه",
    }
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f]+")
_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670]")


_LATIN_TOKEN = re.compile(r"[A-Za-z0-9۰-۹٠-٩_#][A-Za-z0-9۰-۹٠-٩_.\-/:@=+~]*")
_FA = "\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0622"
# Written apart, joined with a ZWNJ: the verb prefixes «می/نمی» and the plural «ها» with its endings.
_MI_APART = re.compile(rf"(?<![{_FA}{ZWNJ}])(ن?می) (?=[{_FA}]{{2}})")
_HA_APART = re.compile(rf"(?<=[{_FA}]) (ها(?:ی|یی|یم|یت|یش|یمان|یتان|یشان|م|ت|ش|مون|تون|شون|مان|تان|شان)?)(?![{_FA}{ZWNJ}])")
# Persian punctuation: no space before, one space after.
_PUNCT_BEFORE = re.compile(r"\s+([،؛؟!])")
_PUNCT_AFTER = re.compile(rf"([،؛؟])(?=[{_FA}])")


def normalize(text: str) -> str:
    """Normalize Persian text for matching and display.

    Arabic letter forms, half-spaces typed as other characters, diacritics, tatweel and runs of spaces are
    unified; «می»/«نمی» and plural «ها» written apart are joined with a ZWNJ; Persian punctuation is spaced.
    Latin tokens (repo ids, paths, numbers) are kept verbatim. Pure string rules: no lexicon to load, so a
    fresh process routes a message in milliseconds.
    """
    if not text:
        return ""
    text = text.translate(_CHAR_MAP)
    text = _DIACRITICS.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    if re.search(r"[\u0600-\u06ff]", text):
        text = _MI_APART.sub(lambda m: m.group(1) + ZWNJ, text)
        text = _HA_APART.sub(lambda m: ZWNJ + m.group(1), text)
        text = _PUNCT_BEFORE.sub(r"\1", text)
        text = _PUNCT_AFTER.sub(r"\1 ", text)
    # A ZWNJ next to a space or at a word's edge means nothing.
    text = re.sub(rf" ?{ZWNJ}+ ?", lambda m: ZWNJ if m.group(0) == ZWNJ * len(m.group(0)) else " ", text)
    return text.strip(ZWNJ + " ")


def to_latin_digits(text: str) -> str:
    return text.translate(_TO_LATIN)


def fa_digits(value: object) -> str:
    return str(value).translate(_TO_FA)


_NUMBER_WORDS = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "پنج": 5, "شش": 6, "شیش": 6,
    "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13,
    "چهارده": 14, "پانزده": 15, "پونزده": 15, "شانزده": 16, "هفده": 17, "هجده": 18,
    "نوزده": 19, "بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "صد": 100,
}
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_number(text: str | int | float | None) -> float | None:
    """Read a number written with Persian, Arabic-Indic or Latin digits ('۲e-۵', '٣', '1,000', 'سه')."""
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        try:
            value = float(text)
        except OverflowError:  # an int beyond any float
            return None
        return value if math.isfinite(value) else None
    s = to_latin_digits(str(text)).strip().replace("\u2212", "-").replace("−", "-")
    s = s.replace(" ", "")
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", s):
        s = s.replace(",", "")
    elif re.fullmatch(r"[+-]?\d+,\d+", s):
        s = s.replace(",", ".")  # a comma typed as the decimal mark
    if _NUMBER_RE.match(s):
        try:
            value = float(s)
        except ValueError:
            return None
        return value if math.isfinite(value) else None  # 1e999 is not a number anyone means
    word = normalize(str(text))
    if word in _NUMBER_WORDS:
        return float(_NUMBER_WORDS[word])
    return None


def parse_int(text: str | int | float | None) -> int | None:
    value = parse_number(text)
    if value is None or value != int(value) or abs(value) > 2**62:
        return None
    return int(value)


def format_number(value: float | int, decimals: int = 0) -> str:
    """Persian digits with «٬» for thousands and «٫» for the decimal mark."""
    text = f"{value:,.{decimals}f}"
    return fa_digits(text.replace(",", "٬").replace(".", "٫"))


def format_percent(fraction: float) -> str:
    return format_number(max(0.0, min(1.0, fraction)) * 100) + "٪"


_BYTE_UNITS = ("بایت", "کیلوبایت", "مگابایت", "گیگابایت", "ترابایت")


def format_bytes(n: float | int | None) -> str:
    if n is None:
        return "نامعلوم"
    value = float(n)
    unit = 0
    while value >= 1024 and unit < len(_BYTE_UNITS) - 1:
        value /= 1024
        unit += 1
    decimals = 0 if unit == 0 or value >= 100 or value == int(value) else 1
    text = format_number(value, decimals).removesuffix("٫۰")
    return f"{text} {_BYTE_UNITS[unit]}"


def format_duration(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return "نامعلوم"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{fa_digits(hours)} ساعت")
    if minutes:
        parts.append(f"{fa_digits(minutes)} دقیقه")
    if secs or not parts:
        parts.append(f"{fa_digits(secs)} ثانیه")
    return " و ".join(parts)


_JALALI_MONTHS = (
    "فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور",
    "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند",
)


def _local(dt: datetime) -> datetime:
    """In the people's timezone (DASTYAR_TIMEZONE), not the server's: a naive time is UTC, as the database keeps it."""
    from assistant.when import user_zone

    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(user_zone())


def jalali_date(dt: datetime) -> str:
    """Solar Hijri date, e.g. «۱ آذر ۱۴۰۵»."""
    import jdatetime

    j = jdatetime.date.fromgregorian(date=_local(dt).date())
    return f"{fa_digits(j.day)} {_JALALI_MONTHS[j.month - 1]} {fa_digits(j.year)}"


def jalali_datetime(dt: datetime) -> str:
    local = _local(dt)
    return f"{jalali_date(local)}، ساعت {fa_digits(local.strftime('%H:%M'))}"


# Numbers said in words («بیست و سه»): for job numbers, counts, clock hours.
_UNITS = {
    "صفر": 0, "یک": 1, "یه": 1, "دو": 2, "سه": 3, "چهار": 4, "چار": 4, "پنج": 5, "پنچ": 5, "شش": 6, "شیش": 6,
    "هفت": 7, "هشت": 8, "نه": 9, "ده": 10, "یازده": 11, "دوازده": 12, "سیزده": 13, "چهارده": 14, "پانزده": 15,
    "پونزده": 15, "شانزده": 16, "شونزده": 16, "هفده": 17, "هیفده": 17, "هجده": 18, "هیجده": 18, "نوزده": 19,
}
_TENS = {"بیست": 20, "سی": 30, "چهل": 40, "پنجاه": 50, "شصت": 60, "هفتاد": 70, "هشتاد": 80, "نود": 90}
_HUNDREDS = {"صد": 100, "یکصد": 100, "دویست": 200, "سیصد": 300, "چهارصد": 400, "پانصد": 500, "پونصد": 500}

# Number words in Latin letters, English and Persian typed in Latin («job number ten», «kare shomare hasht»).
_LATIN_NUMBER_WORDS = dict(
    [(w, "صفر") for w in ("zero", "sefr")]
    + list(zip(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
                "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred"),
               ("یک", "دو", "سه", "چهار", "پنج", "شش", "هفت", "هشت", "نه", "ده", "یازده", "دوازده", "سیزده", "چهارده",
                "پانزده", "شانزده", "هفده", "هجده", "نوزده", "بیست", "سی", "چهل", "پنجاه", "شصت", "هفتاد", "هشتاد",
                "نود", "صد"), strict=True))
    + [(w, p) for p, ws in (("یک", "yek"), ("دو", "do"), ("سه", "se seh"), ("چهار", "chahar char chaar"),
                            ("پنج", "panj"), ("شش", "shish shesh"), ("هفت", "haft"), ("هشت", "hasht"),
                            ("نه", "noh nooh"), ("ده", "dah"), ("یازده", "yazdah yazdeh"),
                            ("دوازده", "davazdah davazdeh"), ("سیزده", "sizdah sizdeh"),
                            ("چهارده", "chahardah chahardeh"), ("پانزده", "panzdah poonzdah poonzdeh"),
                            ("شانزده", "shanzdah shoonzdah shoonzdeh"), ("هفده", "hefdah hivdah hefdeh"),
                            ("هجده", "hejdah hijdah hejdeh"), ("نوزده", "noozdah nuzdah noozdeh"), ("بیست", "bist"),
                            ("سی", "si"), ("چهل", "chehel"), ("پنجاه", "panjah"), ("صد", "sad"))
       for w in ws.split()]
)


def _number_word(token: str) -> str:
    tok = re.sub(r"['’]s$", "", token.strip("،,.؟?!:()[]"))  # «job 5's model»
    return _LATIN_NUMBER_WORDS.get(tok.lower(), tok) if tok.isascii() else tok


_COMPOUND_WORD = re.compile("({})(?:\u200c?و\u200c?|$)".format(
    "|".join(sorted({*_HUNDREDS, *_TENS, *_UNITS}, key=len, reverse=True))))


def _compound_value(token: str) -> int | None:
    """«سی‌وپنج», «بیست‌ودو», «صدوده»: a number written as one word, its parts joined by «و»."""
    total, pos, parts = 0, 0, 0
    while pos < len(token):
        m = _COMPOUND_WORD.match(token, pos)
        if not m or m.end() == pos:
            return None
        value = _HUNDREDS.get(m.group(1)) or _TENS.get(m.group(1)) or _UNITS[m.group(1)]
        if total and value >= _last_magnitude(total):
            return None
        total, pos, parts = total + value, m.end(), parts + 1
    return total if parts > 1 else None


# Spoken Persian ends a number with «is» or the definite «-e»: «کار بیسته», «چهل و یکه», «دوئه», «هفده‌ست». Where the
# stem plus «ه» is a word of its own (هفته week, شیشه glass, دهه decade, پنجه paw) it counts only after «و».
_COPULA = re.compile("^(.+?)(?:\u200c?(?:ئه|عه|اِ)|(?<=ه)\u200c?ست|(?<=[^اوی])ه)$")
_COPULA_WORDS = {"هفته", "شیشه", "دهه", "پنجه", "سیه", "نهه", "صده"}


def _without_copula(token: str, after_and: bool) -> str | None:
    m = _COPULA.match(token)
    if not m or (token in _COPULA_WORDS and not after_and):
        return None
    stem = m.group(1)
    return stem if stem in _HUNDREDS or stem in _TENS or stem in _UNITS or _compound_value(stem) else None


def words_to_number(tokens: list[str]) -> tuple[int, int] | None:
    """«بیست و سه» → (23, tokens used); digits too; number words in Latin letters («twelve», «bist o yek»), and a
    number said with «is» at its end («بیسته»). None when the first token is not a number."""
    total, used, seen = 0, 0, False
    i = 0
    while i < len(tokens):
        tok = _number_word(tokens[i])
        ended = False
        if not tok.isascii() and tok not in _UNITS and tok not in _TENS and tok not in _HUNDREDS \
                and not _compound_value(tok):
            stem = _without_copula(tok, seen)
            if stem:
                tok, ended = stem, True
        compound = None if tok.isascii() else _compound_value(tok)
        if tok in _HUNDREDS or tok in _TENS or tok in _UNITS or compound:
            value = compound or _HUNDREDS.get(tok) or _TENS.get(tok) or _UNITS[tok]
            if seen and value >= _last_magnitude(total):
                break  # «سه چهار» is two numbers
            total += value
            seen, used = True, i + 1
            if not ended and i + 2 < len(tokens) and tokens[i + 1] in ("و", "o", "va"):
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
