"""Argument types that read Persian input: digits in any script, Persian error texts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.persian import parse_int
from prompts import t


def _job_id(value: Any) -> int:
    if isinstance(value, str):
        value = value.strip().lstrip("#").strip()
    number = parse_int(value)
    if number is None or number <= 0 or number > 2**31:
        raise ValueError(t("errors.bad_job_id", value=str(value)[:40]))
    return number


JobId = Annotated[int, BeforeValidator(_job_id)]


def _job_kind(value: Any) -> str:
    from assistant.persian import normalize

    text = normalize(str(value or "")).lower()
    aliases = {
        "": "",
        "download": "download",
        "دانلود": "download",
        "دانلودها": "download",
        "training": "training",
        "train": "training",
        "آموزش": "training",
        "آموزشها": "training",
        "آموزش‌ها": "training",
    }
    if text in aliases:
        return aliases[text]
    if text.isascii() and text.isidentifier():
        return text
    raise ValueError(t("errors.bad_job_kind", value=str(value)[:40]))


JobKind = Annotated[str, BeforeValidator(_job_kind)]
