"""What every part of the speech service shares: the error type with a Persian message, and paths."""

from __future__ import annotations

from pathlib import Path

from assistant.config import get_settings
from prompts import t


class SpeechError(Exception):
    """A failure the user can understand: `str(error)` is the Persian message (`speech.<key>` in the catalog)."""

    def __init__(self, key: str, **values: object) -> None:
        self.key = key
        self.values = values
        super().__init__(t(f"speech.{key}", **values))

    @property
    def message(self) -> str:
        return str(self)


def speech_dir(*parts: str) -> Path:
    """A folder under the data directory for speech files (synthesized audio cache, transcripts, recordings)."""
    path = get_settings().data_dir.joinpath("speech", *parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def clock(seconds: float) -> str:
    """«۱:۰۵» or «۱:۰۲:۰۵» in Persian digits, for timestamps."""
    from assistant.persian import fa_digits

    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
    return fa_digits(text)
