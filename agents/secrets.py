"""Secrets typed into the chat (HF tokens) never enter the conversation state, the LLM or the checkpoint.

A token in a message is swapped for a reference before the graph sees it; the real value is looked up only
when a tool is called.
"""

from __future__ import annotations

import re
import secrets as _random
import threading
from typing import Any

_TOKEN = re.compile(r"\bhf_[A-Za-z0-9_]{8,}\b")
_REF = re.compile(r"\bsecret_ref_[0-9a-f]{16}\b")
_lock = threading.Lock()
_store: dict[str, str] = {}


def mask_secrets(text: str) -> str:
    def swap(m: re.Match[str]) -> str:
        ref = f"secret_ref_{_random.token_hex(8)}"
        with _lock:
            _store[ref] = m.group(0)
        return ref

    return _TOKEN.sub(swap, text or "")


def display_masked(text: str) -> str:
    """What the chat shows in place of a message that held a token."""
    return _TOKEN.sub("hf_••••••••", text or "")


def scrub(value: Any) -> Any:
    """A tool's result with every token in it masked (strings, lists, dicts): a tool gets the real value, and may
    quote it back (e.g. ««hf_…» is not a repo id»), but nothing it returns may carry it into a reply or the state."""
    if isinstance(value, str):
        return display_masked(value)
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v) for v in value]
    return value


def unmask(value: Any) -> Any:
    """Real values for references inside tool arguments (strings, lists, dicts)."""
    if isinstance(value, str):
        with _lock:
            return _REF.sub(lambda m: _store.get(m.group(0), m.group(0)), value)
    if isinstance(value, dict):
        return {k: unmask(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unmask(v) for v in value]
    return value
