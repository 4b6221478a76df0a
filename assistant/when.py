"""When a Persian sentence asks for something to happen: «امشب ساعت ۲», «فردا صبح», «یک ساعت دیگه», «هر شب ساعت ۳»,
«۵ آذر ساعت ۱۰», «دوشنبه ساعت ۱۴:۳۰». Read in the user's timezone; Jalali dates; digits in any script or words.

Never a silent guess: an hour that can be morning or evening («ساعت ۲» alone), a time already past, or a date that
does not exist comes back as `Unclear` with the reason and, where there is one, the readings to offer. A part of day
without an hour («فردا صبح») takes that part's usual hour (`PART_HOURS`), shown back to the user before anything runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from assistant.persian import normalize, to_latin_digits, words_to_number

MONTHS = {"فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "امرداد": 5, "شهریور": 6, "مهر": 7,
          "آبان": 8, "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12}
WEEKDAYS = {"شنبه": 5, "یکشنبه": 6, "دوشنبه": 0, "سه‌شنبه": 1, "چهارشنبه": 2, "چهار‌شنبه": 2, "پنجشنبه": 3,
            "پنج‌شنبه": 3, "جمعه": 4}  # Python's weekday(): Monday 0
# Ordinal days of a month («اول دی», «سی‌ام آذر», «بیست و یکم»): the irregular ones; the rest are a number + «م».
_ORDINALS = {"اول": "یک", "یکم": "یک", "سوم": "سه", "سیم": "سه"}
# A part of day: which half of the clock its hours are on, and its hour when none is said.
PART_HOURS = {"صبح": 9, "بامداد": 6, "ظهر": 12, "بعدازظهر": 15, "عصر": 17, "شب": 21, "نیمه‌شب": 0}
_PM = ("بعدازظهر", "عصر")
_UNITS = {"ثانیه": 1, "دقیقه": 60, "ربع": 900, "ساعت": 3600, "روز": 86400, "هفته": 7 * 86400}
_LATER = r"(?:دیگه|دیگر|بعد|بعدش|later)"
DEFAULT_ZONE = "Asia/Tehran"


@dataclass
class When:
    at: datetime  # timezone-aware, in the user's zone
    repeat: str | None = None  # None, "daily" or "weekly"


@dataclass
class Unclear:
    reason: str  # "ambiguous_hour" | "past" | "impossible"
    options: list[When] = field(default_factory=list)


def _spaced(text: str) -> str:
    """Normalized, digits Latin, «بعد از ظهر»/«سه شنبه» in one form, the words of numbers kept."""
    text = to_latin_digits(normalize(text))
    text = re.sub(r"بعد\s*(?:‌)?\s*از\s*(?:‌)?\s*ظهر", "بعدازظهر", text)
    text = re.sub(r"نیمه\s*(?:‌)?\s*شب", "نیمه‌شب", text)
    text = re.sub(r"(یک|سه|چهار|پنج)\s*(?:‌)?\s*شنبه", lambda m: m.group(1) + ("‌شنبه" if m.group(1) != "یک" else "شنبه"), text)
    text = re.sub(r"پس\s*(?:‌)?\s*فردا", "پس‌فردا", text)
    text = re.sub(r"(?<!\S)نصف\s*(?:‌)?\s*شب(?!\S)", "نیمه‌شب", text)
    text = re.sub(r"(?<!\S)صب(?!\S)", "صبح", text)  # spoken and typed short
    text = re.sub(r"(?<!\S)(ساعت)(?=\d)", r"\1 ", text)  # «ساعت۶»
    # Repetition said as a plural or an adverb: «شبا», «صبح‌ها», «روزانه», «شنبه‌ها», «هر هفته دوشنبه».
    text = re.sub(r"(?<!\S)(شب|صبح|عصر|روز)(?:ا|‌?ها)(?!\S)", r"هر \1", text)
    text = re.sub(r"(?<!\S)روزانه(?!\S)", "هر روز", text)
    days = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
    text = re.sub(rf"(?<!\S)({days})(?:‌?ها)(?!\S)", r"هر \1", text)
    text = re.sub(rf"(?<!\S)هر\s+هفته\s+({days})(?!\S)", r"هر \1", text)
    return text


def _number_at(words: list[str], i: int) -> tuple[float, int] | None:
    """The number that starts at word i («۲», «دو», «بیست و سه», «۲.۵»): (value, words used)."""
    if i >= len(words):
        return None
    if re.fullmatch(r"\d+(?:[.٫]\d+)?", words[i]):
        return float(words[i].replace("٫", ".")), 1
    found = words_to_number(words[i:])
    return (float(found[0]), found[1]) if found else None


def _day_at(words: list[str], i: int) -> tuple[float, int] | None:
    """A day of the month at word i: a number («۵», «پنج») or an ordinal («اول», «پنجم», «سی‌ام», «بیست و یکم»)."""
    if i < len(words) and words[i] == "اول":
        return 1.0, 1
    for end in range(min(i + 4, len(words) - 1), i - 1, -1):  # an ordinal: its ending sits on the last word
        last = words[end]
        bare = re.sub(r"(?:‌?ام|م)$", "", last)
        if bare != last and bare:
            last_value = _ORDINALS.get(last, bare)
            got = words_to_number([*words[i:end], last_value])
            if got and got[1] == end - i + 1:
                return float(got[0]), got[1]
    return _number_at(words, i)


def _clock(text: str) -> tuple[int, int, bool] | None:
    """(hour, minute, said_as_24h) of «ساعت ۲», «ساعت دو و نیم», «۱۴:۳۰», «ساعت ۱۰ و ربع»."""
    m = re.search(r"(?<!\d)(\d{1,2}):(\d{2})(?!\d)", text)
    if m:
        return int(m.group(1)), int(m.group(2)), True
    words = text.split()
    for i, word in enumerate(words):  # «ده دقیقه به نه», «ربع به ۵»: minutes before the hour
        if word in ("دقیقه", "ربع") and words[i + 1:i + 2] == ["به"]:
            before = (15 if word == "ربع" else None) if i == 0 or not _number_at(words, i - 1) else None
            if word == "دقیقه" and i > 0:
                start = next((j for j in range(max(0, i - 3), i) if (n := _number_at(words, j)) and j + n[1] == i), None)
                before = int(_number_at(words, start)[0]) if start is not None else None
            j = i + 2 + (words[i + 2:i + 3] == ["ساعت"])
            hour = _number_at(words, j)
            if before and hour and 0 < before < 60 and hour[0] == int(hour[0]):
                return (int(hour[0]) - 1) % 24, 60 - before, int(hour[0]) > 12
    for i, word in enumerate(words):
        if word not in ("ساعت", "ساعته") or (i + 1 < len(words) and words[i + 1] in _UNITS):
            continue
        if i > 0 and _number_at(words, i - 1) and i + 1 < len(words) and re.fullmatch(_LATER, words[i + 1]):
            continue  # «دو ساعت دیگه» is a span, not a clock
        got = _number_at(words, i + 1)
        if not got or got[0] != int(got[0]):
            continue
        hour, used = int(got[0]), got[1]
        rest = words[i + 1 + used:i + 1 + used + 3]
        minute = 0
        if rest[:2] == ["و", "نیم"]:
            minute = 30
        elif rest[:2] == ["و", "ربع"]:
            minute = 15
        elif rest[:1] == ["و"] and (extra := _number_at(rest, 1)) and 0 <= extra[0] < 60:
            minute = int(extra[0])
        elif rest[:2] == ["ربع", "کم"] or rest[:1] == ["ربع‌کم"]:
            hour, minute = hour - 1, 45
        return hour, minute, hour > 12
    return None


def _span(text: str) -> timedelta | None:
    """«یک ساعت دیگه», «نیم ساعت دیگه», «۲۰ دقیقه بعد», «سه روز دیگه», «یک ساعت و نیم دیگه»."""
    words = text.split()
    for i, word in enumerate(words):
        unit = _UNITS.get(word)
        if unit is None:
            continue
        tail = words[i + 1:i + 4]
        half = tail[:2] == ["و", "نیم"]
        if not (tail[2:3] if half else tail[:1]) or not re.fullmatch(_LATER, (tail[2] if half else tail[0])):
            continue
        if i > 0 and words[i - 1] == "نیم":
            amount = 0.5
        else:
            start = next((j for j in range(max(0, i - 4), i) if _number_at(words, j) and j + _number_at(words, j)[1] == i),
                         None)
            if start is None:
                continue
            amount = _number_at(words, start)[0]
        return timedelta(seconds=(amount + (0.5 if half else 0)) * unit)
    return None


def _jalali(text: str, now: datetime) -> tuple[datetime | None, bool] | None:
    """A Jalali date in the text: («۵ آذر», «۵ آذر ۱۴۰۵», «۱۴۰۵/۹/۵»), as (midnight of that day or None if the date does
    not exist, year_was_said); None when the text names no date."""
    import jdatetime

    tz = now.tzinfo
    m = re.search(r"(?<!\d)(1[34]\d\d)[/-](\d{1,2})[/-](\d{1,2})(?!\d)", text)
    if m:
        year, month, day, said = int(m.group(1)), int(m.group(2)), int(m.group(3)), True
    else:
        words = text.split()
        found = None
        for i, word in enumerate(words):
            if word in MONTHS and i > 0:
                start = next((j for j in range(max(0, i - 3), i) if _day_at(words, j)
                              and j + _day_at(words, j)[1] == i), None)
                if start is not None:
                    found = (int(_day_at(words, start)[0]), MONTHS[word], _number_at(words, i + 1))
                    break
        if not found:
            return None
        day, month, year_found = found
        said = bool(year_found and year_found[0] > 1300)
        year = int(year_found[0]) if said else jdatetime.date.fromgregorian(date=now.date()).year
    try:
        g = jdatetime.date(year, month, day).togregorian()
    except ValueError:
        return None, said
    return datetime(g.year, g.month, g.day, tzinfo=tz), said


def read_when(text: str, now: datetime, tz: ZoneInfo | str = "Asia/Tehran") -> When | Unclear | None:
    """When the sentence asks for its action, or None when it names no time."""
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    now = now.astimezone(zone)
    s = _spaced(text)
    repeat = None
    if re.search(r"(?<!\S)هر\s+(?:شب|روز|صبح|عصر|بعدازظهر)(?!\S)", s):
        repeat = "daily"
    elif re.search(r"(?<!\S)هر\s+(?:" + "|".join(WEEKDAYS) + r")(?!\S)", s):
        repeat = "weekly"

    span = _span(s)
    if span is not None and repeat is None:
        return When(now + span)

    part = next((p for p in ("نیمه‌شب", "بعدازظهر", "صبح", "بامداد", "ظهر", "عصر", "شب")
                 if re.search(rf"(?<!\S){p}(?!\S)", s) or (p == "شب" and "امشب" in s)), None)
    clock = _clock(s)
    day_offset: int | None = None
    if "پس‌فردا" in s:
        day_offset = 2
    elif re.search(r"(?<!\S)فردا", s):
        day_offset = 1
    elif re.search(r"(?<!\S)(?:امروز|امشب|امروزصبح)", s):
        day_offset = 0
    date = _jalali(s, now)
    weekday = next((d for w, d in WEEKDAYS.items() if re.search(rf"(?<!\S)(?:هر\s+)?{w}(?!\S)", s)), None)

    if clock is None and part is None and day_offset is None and date is None and weekday is None:
        return None
    if clock is not None and not (0 <= clock[0] <= 24 and 0 <= clock[1] < 60):
        return Unclear("impossible")
    if date is not None and date[0] is None:
        return Unclear("impossible")

    # The day.
    if date is not None:
        day = date[0]
    elif weekday is not None:
        ahead = (weekday - now.weekday()) % 7
        day = (now + timedelta(days=ahead)).replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        day = (now + timedelta(days=day_offset or 0)).replace(hour=0, minute=0, second=0, microsecond=0)

    # The hour: said on the 24-hour clock, or placed by the part of day, or two readings.
    readings: list[int]
    minute = 0
    if clock is None:
        readings = [PART_HOURS[part or "صبح"]]
    else:
        hour, minute, is_24 = clock
        hour %= 24
        if is_24 or hour == 0:
            readings = [hour]
        elif part in _PM or (part == "شب" and 6 <= hour <= 11) or (part == "ظهر" and hour <= 4):
            readings = [hour + 12 if hour < 12 else hour]
        elif part in ("صبح", "بامداد", "نیمه‌شب") or (part == "شب" and (hour <= 5 or hour == 12)):
            readings = [0 if hour == 12 else hour]
        elif part == "ظهر":
            readings = [hour]
        else:
            readings = [hour, hour + 12 if hour < 12 else hour - 12]
    # «امشب ساعت ۲»: the night's small hours are tomorrow's date.
    tonight_small = "امشب" in s and readings[0] < 6 and clock is not None
    times = []
    for h in readings:
        at = day.replace(hour=h, minute=minute)
        if tonight_small:
            at += timedelta(days=1)
        times.append(at)
    if date is None and weekday is None and day_offset is None:
        # A clock alone: the next time it comes round.
        times = [t if t > now else t + timedelta(days=1) for t in times]
    if repeat == "daily":
        times = [t if t > now else t + timedelta(days=1) for t in times]
    if repeat == "weekly":
        times = [t if t > now else t + timedelta(days=7) for t in times]
    if len(times) > 1:
        return Unclear("ambiguous_hour", [When(t, repeat) for t in sorted(times)])
    at = times[0]
    if at <= now:
        if date is not None:  # «۵ آذر» already gone this year: next year's, offered, not assumed
            later = _next_year(at) if not date[1] else None
        else:
            later = at + timedelta(days=7 if weekday is not None else 1)
        return Unclear("past", [When(later, repeat)] if later else [])
    return When(at, repeat)


def _next_year(at: datetime) -> datetime:
    import jdatetime

    j = jdatetime.datetime.fromgregorian(datetime=at.replace(tzinfo=None))
    try:
        g = jdatetime.datetime(j.year + 1, j.month, j.day, j.hour, j.minute).togregorian()
    except ValueError:
        return at
    return g.replace(tzinfo=at.tzinfo)


def user_zone() -> ZoneInfo:
    """The timezone people's times are read and shown in (DASTYAR_TIMEZONE); a name the system does not know falls
    back to Tehran's (`dastyar doctor` says so)."""
    from assistant.config import get_settings

    return _zone(get_settings().timezone)


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError... and an OSError on some systems
        return ZoneInfo(DEFAULT_ZONE)
    except KeyError:
        return ZoneInfo(DEFAULT_ZONE)


def zone_known(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ValueError, OSError, KeyError):
        return False
    return True


# The words a time is said in, for `split_when`: what is left is the request itself.
_TIME_WORDS = {"امروز", "امشب", "فردا", "پس‌فردا", "امروزصبح", *PART_HOURS, *WEEKDAYS, "نصف‌شب"}
# Words that go with a time («ساعت ۱۰ به وقت تهران», «برای فردا»): part of the time, not of the request.
GLUE = {"و", "به", "وقت", "تهران", "حدود", "حوالی", "سر", "در", "تو", "توی", "از", "برای", "واسه"}


def split_when(text: str) -> tuple[str, str]:
    """(the time's words, the rest) of «امشب ساعت ۲ مدل X رو دانلود کن» → («امشب ساعت 2», «مدل X رو دانلود کن»).
    Digits come back Latin; the rest keeps its words in order. No time in the text: ("", text)."""
    words, drop = time_words(text)
    if not drop:
        return "", text
    when = " ".join(w for i, w in enumerate(words) if i in drop)
    rest = " ".join(w for i, w in enumerate(words) if i not in drop).strip(" ،,")
    return when, rest


def time_words(text: str) -> tuple[list[str], set[int]]:
    """The text's words (normalized, digits Latin) and the positions of those that say a time."""
    s = _spaced(text)
    words = s.split()
    drop: set[int] = set()
    for i, word in enumerate(words):
        bare = word.strip("،,.؟?!")
        nxt = words[i + 1].strip("،,.؟?!") if i + 1 < len(words) else ""
        clock = bare in ("ساعت", "ساعته") and nxt not in _UNITS and (
            _number_at(words, i + 1) is not None or bool(re.fullmatch(r"\d{1,2}:\d{2}", nxt)))
        later = bare in _UNITS and bool(re.fullmatch(_LATER, nxt))  # «دو ساعت دیگه», «نیم ساعت بعد»
        every = bare == "هر" and (nxt in _TIME_WORDS or nxt in ("روز", "هفته"))
        # A month's name says a time only with its day, «ماه» or a year: alone «دی» is also Azeri «come on»,
        # «تیر» an arrow, «مهر» a stamp.
        month = bare in MONTHS and (
            any((got := _day_at(words, k)) and k + got[1] == i for k in range(max(0, i - 4), i))
            or nxt in ("ماه", "ماهِ") or bool((year := _number_at(words, i + 1)) and year[0] > 1300))
        if (bare in _TIME_WORDS or month or clock or later or every
                or re.fullmatch(r"\d{1,2}:\d{2}|1[34]\d\d[/-]\d{1,2}[/-]\d{1,2}", bare)):
            drop.add(i)
            # The number that belongs to it: after «ساعت» (and «و نیم»/«و ۱۰»), before a unit or a month.
            if clock and (got := _number_at(words, i + 1)):
                drop.update(range(i + 1, i + 1 + got[1]))
                j = i + 1 + got[1]
                if words[j:j + 2] in (["و", "نیم"], ["و", "ربع"]):
                    drop.update((j, j + 1))
                elif words[j:j + 1] == ["و"] and (extra := _number_at(words, j + 1)) and extra[0] < 60:
                    drop.update(range(j, j + 1 + extra[1]))
                elif words[j:j + 2] == ["ربع", "کم"]:
                    drop.update((j, j + 1))
                elif words[j:j + 1] == ["ربع‌کم"]:
                    drop.add(j)
            if later or bare in MONTHS:
                read = _day_at if bare in MONTHS else _number_at
                start = next((k for k in range(max(0, i - 4), i) if (got := read(words, k)) and k + got[1] == i),
                             None)
                if start is not None:
                    drop.update(range(start, i))
                elif later and i > 0 and words[i - 1] == "نیم":
                    drop.add(i - 1)
            if bare in MONTHS and (year := _number_at(words, i + 1)) and year[0] > 1300:
                drop.update(range(i + 1, i + 1 + year[1]))
            if later or every:
                drop.add(i + 1)
        # «ده دقیقه به نه», «ربع به ۵»: minutes before the hour.
        if bare in ("دقیقه", "ربع") and words[i + 1:i + 2] == ["به"]:
            j = i + 2 + (words[i + 2:i + 3] == ["ساعت"])
            if (hour := _number_at(words, j)) is not None:
                start = next((k for k in range(max(0, i - 3), i) if (got := _number_at(words, k)) and k + got[1] == i), i)
                drop.update(range(start, j + hour[1]))
        # «یک ساعت و نیم دیگه»: the unit, «و نیم», the word for later.
        if (bare in _UNITS and words[i + 1:i + 3] == ["و", "نیم"] and i + 3 < len(words)
                and re.fullmatch(_LATER, words[i + 3])):
            start = next((k for k in range(max(0, i - 4), i) if (got := _number_at(words, k)) and k + got[1] == i), i)
            drop.update(range(start, i + 4))
    if not drop:
        return words, drop
    # Glue words between or right beside the time's words («ساعت ۱۰ به وقت تهران», «فردا و ...» is not glue).
    for i, word in enumerate(words):
        if word in GLUE and i not in drop and ((i - 1) in drop or (i + 1) in drop) and word != "و":
            drop.add(i)
    for i, word in enumerate(words):
        if word == "و" and (i - 1) in drop and (i + 1) in drop:
            drop.add(i)
    return words, drop
