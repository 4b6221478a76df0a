"""Slash commands shown in Chainlit's command menu (ids are the `/command` names)."""

from __future__ import annotations

from prompts import t

# (id, lucide icon) — descriptions come from the catalog.
_COMMANDS = [
    ("help", "circle-help"),
    ("search", "search"),
    ("datasets", "database"),
    ("info", "file-text"),
    ("download", "download"),
    ("installed", "hard-drive"),
    ("catalog", "book-open"),
    ("train", "graduation-cap"),
    ("try", "flask-conical"),
    ("token", "key-round"),
    ("mirror", "globe"),
    ("status", "activity"),
    ("jobs", "list-checks"),
    ("job", "info"),
    ("cancel", "circle-stop"),
    ("resume", "play"),
    ("notifications", "bell"),
    ("read", "check-check"),
    ("speak", "volume-2"),
    ("transcribe", "audio-lines"),
]


def chainlit_commands() -> list[dict]:
    return [
        {"id": cid, "icon": icon, "description": t(f"ui.command.{cid}"), "button": False, "persistent": False}
        for cid, icon in _COMMANDS
    ]
