"""What the job system calls but does not know: handlers by kind, and hooks other layers register.

Nothing here imports a service. Services register themselves when imported (`@job_handler`, `on_job_end`,
`on_runner_start`); the app's composition root (`assistant/bootstrap.py`) imports them where each process starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ValidationError

from assistant.jobs.context import JobContext

if TYPE_CHECKING:
    from sqlmodel import Session

    from assistant.models import Job

HandlerFunc = Callable[[JobContext], dict[str, Any] | None]


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
    # A chain that mostly waits for its steps (jobs of their own): it runs beside them, not in one of their slots.
    coordinator: bool = False
    # With DASTYAR_JOB_BACKEND=ray the work runs as a task on the cluster (downloads, speech, training) rather than
    # on the server; chains and schedules stay here, where they wait on their steps.
    cluster: bool = False

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
    params: type[BaseModel] | None = None, coordinator: bool = False, cluster: bool = False,
) -> Callable[[HandlerFunc], HandlerFunc]:
    def register(func: HandlerFunc) -> HandlerFunc:
        _HANDLERS[kind] = JobHandler(kind=kind, func=func, mode=mode, auto_resume=auto_resume, params_model=params,
                                     coordinator=coordinator, cluster=cluster)
        return func

    return register


_STARTUP_HOOKS: list[Callable[[], None]] = []


def on_runner_start(func: Callable[[], None]) -> Callable[[], None]:
    """Housekeeping a job kind needs when a runner starts (after interrupted jobs are recovered)."""
    _STARTUP_HOOKS.append(func)
    return func


def startup_hooks() -> list[Callable[[], None]]:
    return list(_STARTUP_HOOKS)


JobEndHook = Callable[["Session", "Job"], None]
_JOB_END_HOOKS: list[JobEndHook] = []


def on_job_end(func: JobEndHook) -> JobEndHook:
    """Called with the session and the job as it reaches an end state, before that transaction commits: rows it
    adds (e.g. the notification) are written together with the status or not at all."""
    if func not in _JOB_END_HOOKS:
        _JOB_END_HOOKS.append(func)
    return func


def job_end_hooks() -> list[JobEndHook]:
    return list(_JOB_END_HOOKS)


JobStartHook = Callable[["Job"], None]
_JOB_START_HOOKS: list[JobStartHook] = []


def on_job_start(func: JobStartHook) -> JobStartHook:
    """Called with the job once this process has claimed it, before its handler runs (e.g. «a scheduled job began»)."""
    if func not in _JOB_START_HOOKS:
        _JOB_START_HOOKS.append(func)
    return func


def job_start_hooks() -> list[JobStartHook]:
    return list(_JOB_START_HOOKS)


_process_setup: Callable[[], None] | None = None


def set_process_setup(func: Callable[[], None]) -> None:
    """The app's setup, run first in every worker child so it has the same handlers and hooks as its parent."""
    global _process_setup
    _process_setup = func


def process_setup_target() -> str | None:
    return None if _process_setup is None else f"{_process_setup.__module__}:{_process_setup.__qualname__}"


def get_handler(kind: str) -> JobHandler | None:
    return _HANDLERS.get(kind)


def all_handlers() -> list[JobHandler]:
    return list(_HANDLERS.values())


def resolve_target(target: str) -> Any:
    """A function from its `module:qualname` (how a spawned child finds what its parent registered)."""
    module, _, name = target.partition(":")
    obj: Any = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    return obj
