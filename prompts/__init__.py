"""Persian texts of the product: a message catalog (`fa.toml`) and longer documents (`*.md`)."""

from __future__ import annotations

import tomllib
from functools import cache, lru_cache
from pathlib import Path

_DIR = Path(__file__).parent


@lru_cache(maxsize=1)
def _catalog() -> dict[str, str]:
    with open(_DIR / "fa.toml", "rb") as fh:
        raw = tomllib.load(fh)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for key, value in node.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                walk(name, value)
            else:
                flat[name] = str(value)

    walk("", raw)
    return flat


def t(key: str, **values: object) -> str:
    """The Persian text for `key`, with `{placeholders}` filled in."""
    text = _catalog()[key]
    if not values:
        return text
    # Integers are shown in Persian digits; ids meant for a command (`/job 3`) are passed as strings.
    shown = {k: _fa(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
    # A value shown as code (`{name}`: a file or model name, which may be the user's own) cannot close its span.
    for k, v in shown.items():
        if isinstance(v, str) and "`" in v and f"`{{{k}}}`" in text:
            shown[k] = v.replace("`", "'")
    return text.format(**shown)


def _fa(value: int) -> str:
    from assistant.persian import fa_digits

    return fa_digits(value)


def has(key: str) -> bool:
    return key in _catalog()


def job_kind(kind: str) -> str:
    """A job kind as people say it («دانلود», «آموزش»); a kind with no Persian name is shown as it is."""
    return t(f"jobs.kind.{kind}") if has(f"jobs.kind.{kind}") else kind


@cache
def document(name: str) -> str:
    """A longer Persian text kept as Markdown, e.g. the help page."""
    return (_DIR / f"{name}.md").read_text(encoding="utf-8").strip()
