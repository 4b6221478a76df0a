"""Job handlers by kind. A handler is a function of a JobContext; it may run in a thread or a child process."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from assistant.jobs.context import JobContext

HandlerFunc = Callable[[JobContext], dict[str, Any] | None]
# Modules whose import registers the product's handlers (later features add theirs here).
HANDLER_MODULES: list[str] = [
    "assistant.services.hub.download", "assistant.services.speech.jobs", "assistant.services.training.job",
]


@dataclass(frozen=True)
class JobHandler:
    kind: str
    func: HandlerFunc
    # "process": heavy or must be killable (training); "thread": I/O bound (downloads).
    mode: Literal["thread", "process"] = "thread"
    # Resume an interrupted run automatically when the server starts.
    auto_resume: bool = False
    # The kind's parameters, checked at submit and again when a run starts (None: any dict, e.g. test kinds).
    params_model: type[BaseModel] | None = None

    def check_params(self, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters as the handler will see them; a bad payload raises JobError with a Persian message."""
        if self.params_model is None:
            return dict(params)
        from assistant.jobs.context import JobError
        from prompts import t

        try:
            return self.params_model.model_validate(params).model_dump(mode="json")
        except ValidationError as exc:
            fields = ", ".join(sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")}))
            raise JobError(t("errors.job_bad_params", kind=self.kind, fields=fields or "-"), detail=str(exc)) from None

    @property
    def target(self) -> str:
        return f"{self.func.__module__}:{self.func.__qualname__}"


_HANDLERS: dict[str, JobHandler] = {}


def job_handler(
    kind: str, *, mode: Literal["thread", "process"] = "thread", auto_resume: bool = False,
    params: type[BaseModel] | None = None,
) -> Callable[[HandlerFunc], HandlerFunc]:
    def register(func: HandlerFunc) -> HandlerFunc:
        _HANDLERS[kind] = JobHandler(kind=kind, func=func, mode=mode, auto_resume=auto_resume, params_model=params)
        return func

    return register


_STARTUP_HOOKS: list[Callable[[], None]] = []


def on_runner_start(func: Callable[[], None]) -> Callable[[], None]:
    """Housekeeping a job kind needs when a runner starts (after interrupted jobs are recovered)."""
    _STARTUP_HOOKS.append(func)
    return func


def startup_hooks() -> list[Callable[[], None]]:
    load_handlers()
    return list(_STARTUP_HOOKS)


def load_handlers() -> None:
    # A comma-separated list of further handler modules (the browser tests give the server their test jobs).
    extra = [m.strip() for m in os.environ.get("DASTYAR_EXTRA_HANDLER_MODULES", "").split(",") if m.strip()]
    for name in HANDLER_MODULES + extra:
        importlib.import_module(name)


def get_handler(kind: str) -> JobHandler | None:
    if kind not in _HANDLERS:
        load_handlers()
    return _HANDLERS.get(kind)


def all_handlers() -> list[JobHandler]:
    load_handlers()
    return list(_HANDLERS.values())


def resolve_target(target: str) -> HandlerFunc:
    module, _, name = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj
