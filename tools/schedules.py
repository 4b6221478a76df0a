"""Scheduling work for later from the chat: «امشب ساعت ۲ مدل … رو دانلود کن», `/schedule فردا ۱۰ صبح /train …`.

The router (or a language model) names the work — a tool that starts work, with its arguments — and the time as
said. The time is read here (assistant/when.py); an ambiguous, past or impossible time is a question, never a guess;
a clear one is shown back for a yes. Then the work's own tool runs under `scheduled_for`, so it checks its arguments
now and queues its job for that time (or, repeating, a series). `/schedule` alone lists what waits;
`/unschedule N` (the `cancel_job` tool) cancels it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field, ValidationError

from assistant.identity import owner_filter
from assistant.jobs import store
from assistant.jobs.runner import SERIES_KIND, Later, scheduled_for
from assistant.models import Job
from assistant.persian import fa_digits
from assistant.services.schedules import aware, describe, scheduled_jobs
from assistant.when import Unclear, When, read_when, user_zone
from prompts import job_kind, t
from tools.commands import BY_TOOL
from tools.registry import ToolArgs, ToolResult, bad_args_text, call_tool, get_tool, tool


class ScheduleArgs(ToolArgs):
    tool: str = Field(default="", max_length=64)  # the work: a tool that starts a job (download, start_training …)
    args: dict[str, Any] = Field(default_factory=dict)  # its arguments
    when: str = Field(default="", max_length=300)  # the time as said: «فردا ساعت ۱۰ صبح», «هر شب ساعت ۳»
    at: str = Field(default="", max_length=64)  # the time once chosen (ISO 8601): set by a picked reading
    repeat: Literal["", "daily", "weekly"] = ""
    confirmed: bool = False


def schedulable() -> list[str]:
    return [name for name, command in BY_TOOL.items() if command.later]


def _action(tool_name: str, args: dict[str, Any]) -> str:
    """The work in one line: its help title and the values that name it («دانلود …: `HooshvareLab/bert-fa`»)."""
    spec = get_tool(tool_name)
    shown = []
    for key, value in args.items():
        if value in (None, "", False) or key == "confirmed" or not spec:
            continue
        field = spec.args_model.model_fields.get(key)
        if field is not None and not field.is_required() and value == field.default:
            continue
        shown.append(f"{key}={value}" if len(args) > 1 and key not in ("repo_id", "goal", "model", "audio") else str(value))
    detail = " ".join(shown)[:200]
    return t("schedule.action", task=t(f"help.{tool_name}.task"), detail=f" `{detail}`" if detail else "")


def _options(base: dict[str, Any], readings: list[When]) -> list[dict[str, Any]]:
    """A button per reading, «جمعه ۱۴:۰۰»; typed, its time in any digits, or its half of the day, picks it too."""
    out = []
    for w in readings:
        local = w.at.astimezone(user_zone())
        clock = local.strftime("%H:%M")
        label = t("schedule.option", weekday=t(f"schedule.weekday.{local.weekday()}"), time=fa_digits(clock))
        half = t("schedule.am_words" if local.hour < 12 else "schedule.pm_words").split("،")
        out.append({"tool": "schedule", "args": {**base, "at": w.at.astimezone(UTC).isoformat(), "repeat": w.repeat or ""},
                    "label": label, "answers": (clock, fa_digits(clock), *(h.strip() for h in half))})
    if len({c["answers"][2:] for c in out}) < len(out):  # both in the same half (a past time's next day): no words
        out = [{**c, "answers": c["answers"][:2]} for c in out]
    return out


def _line(job: Job) -> str:
    params = job.params or {}
    kind = params.get("kind", job.kind) if job.kind == SERIES_KIND else job.kind
    when = describe(aware(job.run_at), params.get("repeat")) if job.run_at else ""
    return t("schedule.line", id=job.id, cid=str(job.id), kind=job_kind(kind), title=job.title or "", when=when)


def list_schedules() -> ToolResult:
    jobs = scheduled_jobs(owner_filter())
    if not jobs:
        return ToolResult(True, t("schedule.none"), {"schedules": []})
    text = t("schedule.list_header", count=len(jobs)) + "\n" + "\n".join(_line(j) for j in jobs)
    return ToolResult(True, text + "\n\n" + t("schedule.unschedule_hint"), {"schedules": [j.id for j in jobs]})


@tool(
    "schedule",
    "Run work later: `tool` is one that starts a job (download, start_training, evaluate_model, compare_models, "
    "export_model, push_model, plan_goal, transcribe, resume_job) with its `args`; `when` is the time as the user "
    "said it, in Persian («فردا ساعت ۱۰ صبح», «یک ساعت دیگه», «هر شب ساعت ۳», «۵ آذر ساعت ۱۴»). Without a tool and a "
    "time: lists what is scheduled.",
    ScheduleArgs,
)
def schedule(tool: str = "", args: dict[str, Any] | None = None, when: str = "", at: str = "", repeat: str = "",
             confirmed: bool = False) -> ToolResult:
    args = dict(args or {})
    if not tool and not when and not at:
        return list_schedules()
    names = schedulable()
    listed = "، ".join(f"`/{BY_TOOL[n].name}`" for n in names)
    if not tool:
        return ToolResult(False, t("schedule.what_missing", tools=listed), {"error": "no_tool"})
    spec = get_tool(tool)
    if spec is None or tool not in names:
        return ToolResult(False, t("schedule.not_work", tools=listed), {"error": "not_schedulable"})
    try:
        spec.args_model.model_validate({k: v for k, v in args.items() if v is not None})
    except ValidationError as exc:
        return ToolResult(False, bad_args_text(exc), {"error": "bad_args"})

    now = datetime.now(UTC)
    base = {"tool": tool, "args": args, "when": when}
    if at:
        try:
            chosen = aware(datetime.fromisoformat(at))
        except ValueError:
            return ToolResult(False, t("schedule.when_unknown", when=at[:60]), {"error": "bad_time"})
        reading: When | Unclear | None = When(chosen, repeat or None) if chosen > now else Unclear("past")
    elif when:
        reading = read_when(when, now, user_zone())
    else:
        return ToolResult(False, t("schedule.when_missing"), {"error": "no_time"})
    if reading is None:
        return ToolResult(False, t("schedule.when_unknown", when=when[:60]), {"error": "bad_time"})
    if isinstance(reading, Unclear):
        if reading.reason == "impossible":
            return ToolResult(False, t("schedule.impossible", when=when[:60]), {"error": "impossible"})
        key = "schedule.ambiguous" if reading.reason == "ambiguous_hour" else "schedule.past"
        return ToolResult(True, t(key, when=when[:60]), {"unclear": reading.reason},
                          choices=_options(base, reading.options))
    if reading.repeat and tool == "resume_job":
        return ToolResult(False, t("schedule.no_repeat"), {"error": "no_repeat"})

    at_iso = reading.at.astimezone(UTC).isoformat()
    if not confirmed:
        text = t("schedule.confirm", when=describe(reading.at, reading.repeat, now), action=_action(tool, args))
        return ToolResult(True, text, {"at": at_iso, "repeat": reading.repeat or ""},
                          confirm={"tool": "schedule", "args": {**base, "at": at_iso, "repeat": reading.repeat or "",
                                                                "confirmed": True}})
    inner = dict(args)
    if "confirmed" in spec.args_model.model_fields:
        inner["confirmed"] = True  # the yes to the schedule, which showed the work, is the yes to the work
    with scheduled_for(Later(reading.at, reading.repeat)):
        result = call_tool(tool, inner)
    job = store.get_job(result.job_id) if result.ok and result.job_id is not None else None
    if job is None or (job.kind != SERIES_KIND and job.run_at is None):
        # Refused now (a wrong id, a missing file), done at once, or joined work already under way: as the tool says.
        return result
    text = t("schedule.done", id=result.job_id, cid=str(result.job_id), when=describe(reading.at, reading.repeat, now),
             action=_action(tool, args))
    return ToolResult(True, text, {"job_id": result.job_id, "at": at_iso, "repeat": reading.repeat or ""})
