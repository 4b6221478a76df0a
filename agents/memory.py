"""What the agent remembers of a conversation between messages: the action awaiting a yes, the last job."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Conversation:
    pending: dict[str, Any] | None = None  # {"tool": ..., "args": {...}} waiting for the user's yes
    last_job_id: int | None = None
    last_results: list[str] = field(default_factory=list)  # repo ids of the last search, in order
    last_model: str | None = None


_lock = threading.Lock()
_conversations: dict[str, Conversation] = {}


def conversation(session_id: str | None) -> Conversation:
    key = session_id or "default"
    with _lock:
        return _conversations.setdefault(key, Conversation())
