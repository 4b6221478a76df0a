"""Slash commands shown in Chainlit's command menu: every tool's command as tools/commands.py declares it
(the id is its first `/command` name, the icon a lucide name); descriptions come from the catalog."""

from __future__ import annotations

from prompts import t
from tools.commands import COMMANDS


def chainlit_commands() -> list[dict]:
    return [
        {"id": c.name, "icon": c.icon, "description": t(f"ui.command.{c.name}"), "button": False, "persistent": False}
        for c in COMMANDS
    ]
