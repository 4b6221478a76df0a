"""Normalization, number reading in every digit script, Persian display of figures and dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.persian import (
    ZWNJ,
    fa_digits,
    format_bytes,
    format_duration,
    format_number,
    jalali_date,
    normalize,
    parse_int,
    parse_number,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("وضعيت سيستم", "وضعیت سیستم"),  # Arabic yeh
        ("كار", "کار"),  # Arabic kaf
        ("مدل ها", f"مدل{ZWNJ}ها"),  # space → ZWNJ
        (f"مدل{ZWNJ}ها", f"مدل{ZWNJ}ها"),
        ("مدل\u200bها", f"مدل{ZWNJ}ها"),  # zero-width space typed for a half-space
        ("  سلام   دنیا  ", "سلام دنیا"),
        ("سلامـــــ", "سلام"),  # tatweel
        ("مَدِل", "مدل"),  # diacritics
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_keeps_latin_tokens_verbatim():
    text = "مدل HooshvareLab/bert-fa-base-uncased و mt5-small با lr 2e-5"
    out = normalize(text)
    for token in ("HooshvareLab/bert-fa-base-uncased", "mt5-small", "2e-5"):
        assert token in out


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("3", 3), ("۳", 3), ("٣", 3), ("۱۰", 10), ("١٢", 12), ("2e-5", 2e-5), ("۲e-۵", 2e-5), ("٢e-٥", 2e-5),
        ("۰٫۵", 0.5), ("0.5", 0.5), ("1,000", 1000), ("۱٬۰۰۰", 1000), ("-3", -3), ("سه", 3), ("ده", 10),
        ("3e-4", 3e-4), ("۵E-۵", 5e-5),
    ],
)
def test_parse_number(raw, value):
    assert parse_number(raw) == pytest.approx(value)


@pytest.mark.parametrize("raw", ["زیاد", "", "abc", "1.2.3", "e5", None, "۳ تا"])
def test_parse_number_rejects(raw):
    assert parse_number(raw) is None


def test_parse_int():
    assert parse_int("۱۰۰۰۰۰") == 100000
    assert parse_int("2.5") is None
    assert parse_int("x") is None


def test_display():
    assert fa_digits(2026) == "۲۰۲۶"
    assert format_number(1234567) == "۱٬۲۳۴٬۵۶۷"
    assert format_number(3.14159, 2) == "۳٫۱۴"
    assert format_bytes(440 * 1024 * 1024) == "۴۴۰ مگابایت"
    assert format_bytes(1536) == "۱٫۵ کیلوبایت"
    assert format_duration(3725) == "۱ ساعت و ۲ دقیقه و ۵ ثانیه"
    assert format_duration(0) == "۰ ثانیه"


def test_jalali_date():
    assert jalali_date(datetime(2026, 11, 22, 12, tzinfo=UTC)) == "۱ آذر ۱۴۰۵"
    assert jalali_date(datetime(2025, 3, 21, 12, tzinfo=UTC)) == "۱ فروردین ۱۴۰۴"


@pytest.mark.parametrize(
    ("words", "value"),
    [("بیست و سه", 23), ("سی‌وپنج", 35), ("بیست‌ودو", 22), ("صدوده", 110), ("نودونه", 99), ("دو", 2), ("نود", 90),
     # said with «is» or the definite «-e» at the end: «کار بیسته», «منظورم چهل و یکه»
     ("بیسته", 20), ("چهل و یکه", 41), ("سی و دوئه", 32), ("هفده‌ست", 17), ("پنجاهه", 50), ("بیست و هفته", 27)],
)
def test_number_words_apart_or_written_as_one(words, value):
    from assistant.persian import words_to_number

    assert words_to_number(words.split())[0] == value


@pytest.mark.parametrize("word", ["ودو", "بیستو", "دوبیست", "سی‌وسی", "هفته", "شیشه", "دهه", "دوره", "دست"])
def test_a_word_that_only_looks_like_a_number_is_none(word):
    from assistant.persian import words_to_number

    assert words_to_number([word]) is None
