"""The goal tool: a plan card from a goal sentence, and — on the person's «شروع» — the chain that carries it out."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

from assistant.config import get_settings
from assistant.persian import fa_digits, format_bytes, format_duration
from assistant.services.training.errors import TrainingProblem
from prompts import t
from tools.hub import _task
from tools.registry import ToolArgs, ToolResult, tool
from tools.training import _batch, _column, _confirm, _epochs, _learning_rate, _params_text

# Typed answers that pick a button of the plan card (besides «اولی»/«دومی»/«سومی»).
START_WORDS = ("شروع", "شروع کن", "شروعش کن", "بزن بریم", "بریم", "آره", "اره", "بله", "باشه", "اوکی", "حله",
               "انجامش بده", "start", "go", "ok")
OTHER_MODEL_WORDS = ("مدل دیگه", "مدل دیگر", "یه مدل دیگه", "بعدی", "مدل بعدی", "گزینه بعدی", "یکی دیگه", "عوضش کن")
OWN_DATA_WORDS = ("داده خودم", "دادهٔ خودم", "داده‌ی خودم", "دیتای خودم", "فایل خودم", "فایل خودمو", "داده های خودم",
                  "دیتاست خودم")


def _flag(value: Any) -> bool:
    return _confirm(value)


def _pick(value: Any) -> int:
    from assistant.persian import parse_int

    number = parse_int(value) if not isinstance(value, int) else value
    if number is None or not 0 <= number <= 20:
        raise ValueError(t("errors.arg_invalid"))
    return number


class PlanGoalArgs(ToolArgs):
    goal: str = Field(default="", max_length=2000)  # the sentence as the person said it
    task: Annotated[str | None, BeforeValidator(_task)] = None
    topic: str = Field(default="", max_length=200)  # Hub words for public data («sentiment», «spam»)
    language: str | None = Field(default=None, max_length=10)
    data: Annotated[str | None, BeforeValidator(_column)] = None  # the person's file or a dataset repo id
    base_model: Annotated[str | None, BeforeValidator(_column)] = None
    fast: Annotated[bool, BeforeValidator(_flag)] = False
    small: Annotated[bool, BeforeValidator(_flag)] = False
    pick: Annotated[int, BeforeValidator(_pick)] = 0
    own_data: Annotated[bool, BeforeValidator(_flag)] = False
    text_column: Annotated[str | None, BeforeValidator(_column)] = None
    label_column: Annotated[str | None, BeforeValidator(_column)] = None
    epochs: Annotated[float, BeforeValidator(_epochs)] = 3.0
    learning_rate: Annotated[float | None, BeforeValidator(_learning_rate)] = None
    batch_size: Annotated[int, BeforeValidator(_batch)] = 16
    confirmed: Annotated[bool, BeforeValidator(_confirm)] = False


@tool(
    "plan_goal",
    "Turn a goal («a sentiment model for my customers' reviews», «separate spam SMS, fast, on this laptop») into a "
    "plan: the task, 2–3 ranked base models (offline catalog, models on disk, the Hub), public data or the "
    "person's own file, download size, training time and disk on this machine. The person then starts the whole "
    "chain (download → data → check → train → evaluate → card) with one yes.",
    PlanGoalArgs,
)
def plan_goal(goal: str = "", task: str | None = None, topic: str = "", language: str | None = None,
              data: str | None = None, base_model: str | None = None, fast: bool = False, small: bool = False,
              pick: int = 0, own_data: bool = False, text_column: str | None = None, label_column: str | None = None,
              epochs: float = 3.0, learning_rate: float | None = None, batch_size: int = 16,
              confirmed: bool = False) -> ToolResult:
    from assistant.services.goals.planner import Goal, make_plan

    asked = {"goal": goal, "task": task, "topic": topic, "language": language, "data": data, "base_model": base_model,
             "fast": fast, "small": small, "text_column": text_column, "label_column": label_column, "epochs": epochs,
             "learning_rate": learning_rate, "batch_size": batch_size}
    from assistant.services.goals.planner import _is_repo
    from assistant.services.hub.client import validate_repo_id

    try:  # a named model or dataset is a Hub id (or the person's file), checked before anything looks it up
        for named in (base_model, data if data and _is_repo(data) else None):
            if named:
                validate_repo_id(named)
    except ValueError as exc:
        return ToolResult(False, str(exc), {"error": "bad_repo_id"})
    if confirmed:
        return _start(asked)
    if own_data and not data:
        return ToolResult(True, t("goals.send_file"), {"goal": _kept(asked), "waiting_for": "file"})
    if not task and not topic and not data and not base_model:
        return _ask_task(asked)  # «یه مدل می‌خوام»: what should it do? — one question, with buttons
    wanted = Goal(task=task, text=goal, topic=topic, fast=fast, small=small, data=data, base_model=base_model,
                  language=language)
    try:
        plan = make_plan(wanted, pick=pick, epochs=epochs, batch_size=batch_size)
    except TrainingProblem as exc:
        # What to do next about the person's file, only when the problem is theirs (not «no base model found»).
        hint = "\n\n" + t("goals.file_hint") if data and not _is_repo(data) else ""
        return ToolResult(False, exc.message + hint, {"error": exc.code, "goal": _kept(asked)})
    if not plan.trainable:
        return _ready_models(wanted)
    text = _card(plan)
    choices = []
    kept = _kept({**asked, "task": plan.goal.task})
    if plan.ready:
        model = plan.model
        assert model is not None
        start = {**kept, "base_model": model.repo_id, "data": plan.data.ref, "confirmed": True,
                 "text_column": plan.data.text_column or text_column, "label_column": plan.data.label_column or label_column}
        choices.append({"tool": "plan_goal", "args": start, "label": t("goals.button_start"), "answers": START_WORDS})
    if len(plan.candidates) > 1:
        choices.append({"tool": "plan_goal", "args": {**kept, "pick": (plan.pick + 1) % len(plan.candidates)},
                        "label": t("goals.button_other_model"), "answers": OTHER_MODEL_WORDS})
    if plan.data.kind != "file":
        choices.append({"tool": "plan_goal", "args": {**kept, "own_data": True}, "label": t("goals.button_own_data"),
                        "answers": OWN_DATA_WORDS})
    return ToolResult(True, text, {"plan": plan.to_dict(), "goal": kept}, choices=choices)


# The tasks a goal is most often about, offered when the sentence names none.
_TASK_CHOICES = (("text-classification", "sentiment"), ("text-classification", ""), ("text-generation", ""),
                 ("automatic-speech-recognition", ""))


def _ask_task(asked: dict[str, Any]) -> ToolResult:
    kept = _kept(asked)
    choices = []
    for i, (task, topic) in enumerate(_TASK_CHOICES):
        label = t(f"goals.task_choice.{i}")
        choices.append({"tool": "plan_goal", "args": {**kept, "task": task, **({"topic": topic} if topic else {})},
                        "label": label, "answers": (label,)})
    return ToolResult(True, t("goals.ask_task"), {"goal": kept, "waiting_for": "task"}, choices=choices)


def _kept(asked: dict[str, Any]) -> dict[str, Any]:
    """The goal as the conversation remembers it (a later file or «مدل دیگه» plans it again)."""
    return {k: v for k, v in asked.items() if v not in (None, "", False) and k != "confirmed"}


def _card(plan) -> str:
    from assistant.services.training.tasks import task_label

    model = plan.model
    lines = [t("goals.card_header", task=task_label(plan.goal.task))]
    if plan.goal.text:
        lines.append(t("goals.card_goal_line", goal=plan.goal.text.replace("\n", " ")[:200]))
    lines.append(t("goals.card_model", model=model.repo_id, about=_about(model)))
    others = [c for i, c in enumerate(plan.candidates) if i != plan.pick]
    if others:
        lines.append(t("goals.card_others", models="، ".join(f"`{c.repo_id}`" for c in others)))
    lines.append(_data_line(plan.data))
    if plan.ready:
        lines.append(t("goals.card_estimates", download=format_bytes(plan.download_bytes),
                       time=format_duration(model.est_seconds), epochs=fa_digits(f"{plan.epochs:g}"),
                       device=t(f"goals.device.{plan.device}"), disk=format_bytes(plan.disk_bytes)))
        lines.append(t("goals.card_memory", need=format_bytes(model.mem_need), free=format_bytes(plan.memory_free)))
        lines.append(t("goals.card_after"))
    notes = [t(f"goals.note.{key}") for key in dict.fromkeys(model.notes)]
    if not plan.hub_reachable:
        notes.append(t("goals.note.offline"))
    if plan.data.kind == "hub" and plan.data.licence and "nc" in plan.data.licence.lower().split("-"):
        notes.append(t("goals.note.data_nc", licence=plan.data.licence))
    text = "\n".join(lines)
    if notes:
        text += "\n\n" + "\n".join(f"⚠️ {n}" for n in notes)
    question = "goals.question_ready" if plan.ready else "goals.question_data"
    return text + "\n\n" + t(question)


def _about(model) -> str:
    parts = []
    if model.installed:
        parts.append(t("goals.on_disk"))
    elif model.size:
        parts.append(format_bytes(model.size))
    parts.append(t("goals.params", params=_params_text(model.params)))
    if model.licence:
        parts.append(t("goals.licence", licence=model.licence))
    if model.persian:
        parts.append(t("goals.persian"))
    return "، ".join(parts)


def _data_line(data) -> str:
    if data.kind == "file":
        labels = "، ".join(data.labels[:8]) + ("، …" if len(data.labels) > 8 else "")
        return t("goals.card_data_file", name=data.display, rows=fa_digits(data.rows), text=data.text_column,
                 label=data.label_column or "—", labels=labels or "—")
    if data.kind == "hub":
        size = t("goals.on_disk") if data.installed else (format_bytes(data.size) if data.size else "?")
        return t("goals.card_data_hub", dataset=data.ref, size=size, licence=data.licence or "?")
    return t("goals.card_data_needed")


def _ready_models(goal) -> ToolResult:
    """A task Dastyar does not fine-tune (speech, translation …): the ready models for it."""
    from tools.hub import search_models

    found = search_models(query="", task=goal.task, language="fa", limit=5)
    text = t("goals.ready_models", task=_task_name(goal.task)) + "\n\n" + found.text
    return ToolResult(found.ok, text, {**found.data, "goal": {"goal": goal.text, "task": goal.task}})


def _task_name(task: str | None) -> str:
    from tools.hub import task_label

    return task_label(task)


# -- «شروع» ------------------------------------------------------------------------------------------------------------


def _start(asked: dict[str, Any]) -> ToolResult:
    from assistant.jobs.runner import get_runner
    from assistant.services.files import confined
    from assistant.services.goals.chain import KIND
    from assistant.services.goals.planner import _is_repo
    from tools.jobs import job_dict

    base, data = asked.get("base_model"), asked.get("data")
    if not base or not data:
        return ToolResult(False, t("goals.start_incomplete"), {"error": "incomplete"})
    if _is_repo(data):
        dataset, kind = data, "hub"
    else:
        path = confined(data)
        if path is None or not path.is_file():
            return ToolResult(False, t("training.dataset_not_found", dataset=str(data)[:200]), {"error": "no_file"})
        dataset, kind = str(_keep_file(path)), "file"
    params = {"task": asked.get("task") or "text-classification", "base_model": base, "dataset": dataset,
              "dataset_kind": kind, "text_column": asked.get("text_column"), "label_column": asked.get("label_column"),
              "epochs": asked.get("epochs") or 3.0, "learning_rate": asked.get("learning_rate"),
              "batch_size": asked.get("batch_size") or 16, "goal": (asked.get("goal") or "")[:1000]}
    title = t("goals.title", model=base.split("/")[-1][:50], data=Path(dataset).name[:50] if kind == "file" else
              dataset.split("/")[-1][:50])
    job = get_runner().submit(KIND, params, title=title)
    return ToolResult(True, t("goals.started", id=job.id, cid=str(job.id)), {"job": job_dict(job)}, job_id=job.id)


def _keep_file(path: Path) -> Path:
    """An upload lives only as long as its chat session: the chain works on its own copy."""
    folder = get_settings().data_dir / "goals" / uuid.uuid4().hex[:12]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    shutil.copyfile(path, target)
    return target
