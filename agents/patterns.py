"""Building blocks for the offline router's patterns over normalized Persian text (assistant/persian.py)."""

from __future__ import annotations

import re

from assistant.persian import ZWNJ

# A ZWNJ or space inside a keyword may be typed as either, or left out: «مدل‌ها», «مدل ها», «مدلها».
_JOINER = f"[{ZWNJ} ]?"
# Persian words have no \b in Python's sense next to ZWNJ; these edges treat ZWNJ as a letter.
_LEFT = rf"(?<![\w{ZWNJ}])"
_RIGHT = rf"(?![\w{ZWNJ}])"


def _flex(word: str) -> str:
    parts = re.split(rf"[{ZWNJ} ]+", word)
    body = _JOINER.join(re.escape(p) for p in parts)
    # Plural «ها» and the verb prefix «می» are written joined, apart or with a ZWNJ.
    body = re.sub(r"(?<=[^\s\]?])ها", lambda _: _JOINER + "ها", body)
    return re.sub(r"^می(?=\S)", lambda _: "می" + _JOINER, body)


def words(*alternatives: str, prefix: bool = False) -> re.Pattern[str]:
    """A pattern matching any of the words as whole words (or as word starts when `prefix`)."""
    body = "|".join(sorted((_flex(w) for w in alternatives), key=len, reverse=True))
    right = "" if prefix else _RIGHT
    return re.compile(rf"{_LEFT}(?:{body}){right}", re.IGNORECASE)


# A repo's page on the Hub pasted from the browser («https://huggingface.co/datasets/org/name/tree/v1»): its type,
# id and revision. Site pages (/models?…, /docs, /settings …) are not repos.
HUB_REPO_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:api/(?:models/)?)?(?:(datasets|spaces)/)?"
    r"(?!(?:models|datasets|spaces|docs|blog|settings|join|login|pricing|papers|organizations|tasks)(?:[/?#\s]|$))"
    r"([A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.\-]{0,95})"
    r"(?:/(?:tree|blob|resolve)/([A-Za-z0-9][A-Za-z0-9_.\-]{0,99}))?\S*", re.I)
# A search on the Hub's website pasted from the browser («hf.co/datasets?language=fa&search=news»).
HUB_SEARCH_URL = re.compile(r"(?:https?://)?(?:www\.)?(?:huggingface\.co|hf\.co)/(?:models|datasets)/?\?(\S+)", re.I)
REPO_ID = re.compile(r"(?<![\w./-])([A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.\-]{0,95})(?![\w/])")
# A Hub token, or the reference agents/secrets.py puts in its place.
HF_TOKEN = re.compile(r"\b(?:hf_[A-Za-z0-9_]{8,}|secret_ref_[0-9a-f]{16})\b")
