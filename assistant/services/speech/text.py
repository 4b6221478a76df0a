"""Preparing text to be spoken: markdown and emoji out, numbers as Persian words, sentences of a sane length."""

from __future__ import annotations

import re
import unicodedata

from assistant.persian import ZWNJ, format_number, normalize, to_latin_digits
from assistant.services.speech.common import SpeechError

PERSIAN_LETTER = re.compile(r"[\u0621-\u063a\u0641-\u064a\u067e\u0686\u0698\u06a9\u06af\u06cc\u0622\u06c0]")
LATIN_LETTER = re.compile(r"[A-Za-z]")



def number_words(n: int) -> str:
    """An integer in Persian words: 1405 → «هزار و چهارصد و پنج» (num2words' Persian)."""
    from num2words import num2words

    return num2words(n, lang="fa")


def _digit_by_digit(digits: str) -> str:
    return " ".join(number_words(int(d)) for d in digits)


_NUMBER = re.compile(r"(?<![\w.])-?[0-9۰-۹٠-٩]+(?:[,٬][0-9۰-۹٠-٩]{3})*(?:[.٫][0-9۰-۹٠-٩]+)?(?![\w])")


def _number_text(match: re.Match[str]) -> str:
    raw = to_latin_digits(match.group(0)).replace(",", "").replace("٬", "")
    negative = raw.startswith("-")
    raw = raw.lstrip("-")
    whole, _, frac = raw.partition(".")
    if len(whole) > 15:  # an id or a phone number, not an amount
        return _digit_by_digit(whole)
    words = number_words(int(whole or "0"))
    if frac:
        if len(frac) <= 6 and not frac.startswith("0"):
            words += " ممیز " + number_words(int(frac))
        else:
            words += " ممیز " + _digit_by_digit(frac)
    return ("منفی " if negative else "") + words


def numbers_to_words(text: str) -> str:
    return _NUMBER.sub(lambda m: f" {_number_text(m)} ", text)


_CODE_BLOCK = re.compile(r"```.*?```", re.S)
_URL = re.compile(r"https?://\S+|www\.\S+")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"[*_#>`|~]+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.M)


def _drop_symbols(text: str) -> str:
    """Emoji, pictographs and other symbols have nothing to say; letters, digits and punctuation stay."""
    out = []
    for ch in text:
        if ch in (ZWNJ, "\n"):
            out.append(ch)
            continue
        cat = unicodedata.category(ch)
        if cat.startswith(("L", "N", "P", "Z", "M")):
            out.append(ch)
        elif cat == "Cc" and ch.isspace():
            out.append(" ")
        else:
            out.append(" ")  # So, Sk, Sm, Cf (joiners, variation selectors), private use
    return "".join(out)


def clean_for_speech(text: str) -> str:
    """What a listener should hear of a chat text: no markdown, links, code or emoji; normalized Persian."""
    text = _CODE_BLOCK.sub(" ", text or "")
    text = _MD_LINK.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = _TABLE_RULE.sub(" ", text)
    text = _MD_MARKS.sub(" ", text)
    text = _drop_symbols(text)
    text = normalize(text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text)
    return text.strip()


def prepare(text: str, max_chars: int) -> str:
    """Text ready for a Persian voice, or a SpeechError explaining what is wrong with it."""
    raw = (text or "").strip()
    if not raw:
        raise SpeechError("tts_empty")
    if len(raw) > max_chars:
        raise SpeechError("tts_too_long", count=format_number(len(raw)), limit=format_number(max_chars))
    cleaned = re.sub(r" +", " ", numbers_to_words(clean_for_speech(raw))).strip()
    if not PERSIAN_LETTER.search(cleaned):
        if LATIN_LETTER.search(cleaned):
            raise SpeechError("tts_not_persian")
        raise SpeechError("tts_nothing_to_say")
    return cleaned


def shorten(text: str, max_chars: int) -> str:
    """The first sentences of a long text, up to `max_chars` (for speaking replies aloud)."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    stop = max(cut.rfind(mark) for mark in (".", "!", "؟", "?", "\n", "؛"))
    return cut[: stop + 1] if stop > max_chars // 3 else cut


_SENTENCE_END = re.compile(r"(?<=[.!?؟؛\n])\s+")


def sentences(text: str, max_len: int = 250) -> list[str]:
    """Sentences of at most `max_len` characters (long ones split at commas, then at spaces)."""
    out: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        sentence = sentence.strip()
        while len(sentence) > max_len:
            window = sentence[:max_len]
            cut = max(window.rfind("،"), window.rfind(","))
            if cut < max_len // 3:
                cut = window.rfind(" ")
            if cut < max_len // 3:
                cut = max_len
            out.append(sentence[: cut + 1].strip())
            sentence = sentence[cut + 1 :].strip()
        if sentence:
            out.append(sentence)
    return out
