"""Agent tools: thin adapters from typed arguments to services, answering in Persian.

The package itself imports nothing: `tools.commands` (every tool's slash command, read by `dastyar route`) stays
light. The registry imports the tool modules, which registers their tools, the first time a tool is looked up.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Tool", "ToolResult", "call_tool", "get_tool", "list_tools", "tool"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'tools' has no attribute {name!r}")
    from tools import registry

    registry.load()
    return getattr(registry, name)
