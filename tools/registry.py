"""The tool registry: names and argument names are a contract shared by the router, the CLI and the LLM."""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.identity import current as current_identity
from prompts import has, t
from tools.commands import BY_TOOL, Command

log = logging.getLogger(__name__)


@dataclass
class ToolResult:
    ok: bool
    text: str
    data: dict[str, Any] = field(default_factory=dict)
    # A job the tool started or is about: the chat follows its progress.
    job_id: int | None = None
    # An action that waits for the user's yes: {"tool": name, "args": {...}}. The agent keeps it per conversation.
    confirm: dict[str, Any] | None = None
    # Files to show in the chat (audio, images, plots): {"kind": "audio"|"image"|"file", "path": ..., "name": ...}.
    media: list[dict[str, Any]] = field(default_factory=list)
    # Buttons the reply offers (the plan card's «شروع»، «مدل دیگه»، «دادهٔ خودم»): {"tool", "args", "label",
    # "answers": typed words that pick it}. The agent waits for the pick like a confirmation.
    choices: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "text": self.text, "data": self.data, "job_id": self.job_id, "confirm": self.confirm,
            "media": self.media, "choices": self.choices,
        }


class ToolArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")


# Arguments only the person may set (their yes to a confirmation question): never offered to, or taken from, a model.
USER_ONLY_ARGS = frozenset({"confirmed"})


class NoArgs(ToolArgs):
    pass


@dataclass
class Tool:
    name: str
    description: str
    func: Callable[..., ToolResult]
    args_model: type[ToolArgs] = NoArgs
    command: Command | None = None  # its slash command (tools/commands.py)
    # May a language model call it? Not the ones that take a secret or change how the server reaches the Hub.
    model_may_call: bool = True

    def json_schema(self) -> dict[str, Any]:
        """The tool as a model sees it: without the arguments only the person may set."""
        schema = self.args_model.model_json_schema()
        schema.pop("title", None)
        for name in USER_ONLY_ARGS:
            schema.get("properties", {}).pop(name, None)
            if name in schema.get("required", []):
                schema["required"].remove(name)
        return {"name": self.name, "description": self.description, "parameters": schema}


_TOOLS: dict[str, Tool] = {}
# The modules whose `@tool` functions make up the registry, imported on the first look-up.
TOOL_MODULES = ("hub", "jobs", "notifications", "speech", "system", "training", "goals", "sharing", "schedules")
_loaded = False


def load() -> None:
    """Import every tool module (registering its tools) once."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    try:
        for module in TOOL_MODULES:
            importlib.import_module(f"tools.{module}")
    except BaseException:
        _loaded = False
        raise


def tool(name: str, description: str, args_model: type[ToolArgs] = NoArgs, *, model_may_call: bool = True) -> Callable:
    """Register a tool; its slash command is the one tools/commands.py declares under the same name."""

    def register(func: Callable[..., ToolResult]) -> Callable[..., ToolResult]:
        _TOOLS[name] = Tool(name=name, description=description, func=func, args_model=args_model,
                            command=BY_TOOL.get(name), model_may_call=model_may_call)
        return func

    return register


def get_tool(name: str) -> Tool | None:
    load()
    return _TOOLS.get(name)


def list_tools() -> list[Tool]:
    load()
    return list(_TOOLS.values())


# Pydantic's limits, said in Persian with the limit itself (its own texts are English and never reach the user).
_LIMIT_KEYS = {
    "string_too_long": ("errors.arg_too_long", "max_length"), "string_too_short": ("errors.arg_too_short", "min_length"),
    "too_long": ("errors.arg_too_many", "max_length"),
    "greater_than": ("errors.arg_greater_than", "gt"), "greater_than_equal": ("errors.arg_at_least", "ge"),
    "less_than": ("errors.arg_less_than", "lt"), "less_than_equal": ("errors.arg_at_most", "le"),
    "int_parsing": ("errors.arg_not_number", ""), "float_parsing": ("errors.arg_not_number", ""),
    "bool_parsing": ("errors.arg_not_yes_no", ""),
}


def _fa_number(value: Any) -> str:
    from assistant.persian import fa_digits

    return fa_digits(str(value)) if value is not None else ""


def _field_name(loc: str) -> str | None:
    """The Persian name of an argument («شمارهٔ کار» for `job_id`), if it has one."""
    key = f"fields.{loc.split('.')[0]}"
    return t(key) if loc and has(key) else None


def bad_args_text(exc: ValidationError) -> str:
    fields = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__")
        msg = err.get("msg", "")
        # Validators raise ValueError with a Persian text; pydantic prefixes it. Pydantic's own texts are English:
        # they never reach the user.
        msg = msg.removeprefix("Value error, ")
        kind, ctx = err.get("type", ""), err.get("ctx") or {}
        if kind == "missing":
            msg = t("errors.arg_missing")
        elif kind in _LIMIT_KEYS and not re.search(r"[\u0600-\u06ff]", msg):
            key, name = _LIMIT_KEYS[kind]
            msg = t(key, limit=_fa_number(ctx.get(name)))
        elif not re.search(r"[\u0600-\u06ff]", msg):
            msg = t("errors.arg_invalid")
        # «شمارهٔ کار (`job_id`): …», the code name too for whoever typed it; no label when the text names the field.
        label = _field_name(loc)
        if label and label in msg or not loc:
            fields.append(f"- {msg}")
        else:
            fields.append(f"- {label} (`{loc}`): {msg}" if label else f"- `{loc}`: {msg}")
    return t("errors.bad_args") + "\n" + "\n".join(fields)


def call_tool(name: str, args: dict[str, Any] | None = None) -> ToolResult:
    """Validate arguments and run a tool; every failure becomes a Persian message, never a traceback."""
    spec = get_tool(name)
    if spec is None:
        return ToolResult(False, t("errors.tool_not_ready", name=name), {"error": "unknown_tool"})
    if not current_identity().may_use(name):  # e.g. an anonymous visitor of an embedding site
        return ToolResult(False, t("errors.tool_not_allowed"), {"error": "not_allowed"})
    try:
        parsed = spec.args_model.model_validate({k: v for k, v in (args or {}).items() if v is not None})
    except ValidationError as exc:
        return ToolResult(False, bad_args_text(exc), {"error": "bad_args"})
    try:
        return spec.func(**parsed.model_dump())
    except Exception as exc:
        from assistant.jobs.context import JobError  # not at import: the registry stays light

        if isinstance(exc, JobError):  # e.g. a job's parameters refused at submit: its message is already Persian
            log.warning("tool %s: %s", name, exc.detail or exc.user_message)
            return ToolResult(False, exc.user_message, {"error": "job_error"})
        log.exception("tool %s failed", name)
        return ToolResult(False, t("errors.tool_unexpected"), {"error": "exception"})
