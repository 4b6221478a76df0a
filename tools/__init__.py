"""Agent tools: thin adapters from typed arguments to services, answering in Persian."""

# Importing the modules registers their tools.
from tools import hub as _hub  # noqa: E402,F401
from tools import jobs as _jobs  # noqa: E402,F401
from tools import notifications as _notifications  # noqa: E402,F401
from tools import speech as _speech  # noqa: E402,F401
from tools import system as _system  # noqa: E402,F401
from tools import training as _training  # noqa: E402,F401
from tools.registry import Tool, ToolResult, call_tool, get_tool, list_tools, tool

__all__ = ["Tool", "ToolResult", "call_tool", "get_tool", "list_tools", "tool"]
