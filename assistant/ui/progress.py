"""Text for a job's live progress, shared by the chat and the command line."""

from __future__ import annotations

from assistant.jobs.steps import steps_text
from assistant.models import Job, JobStatus
from assistant.persian import format_percent
from prompts import job_kind, t

_BAR_CELLS = 12


def progress_bar(fraction: float) -> str:
    filled = int(round(max(0.0, min(1.0, fraction)) * _BAR_CELLS))
    return "▰" * filled + "▱" * (_BAR_CELLS - filled)


def render_progress(job: Job) -> str:
    kind = job_kind(job.kind)
    status = job.status
    head = t(
        "jobs.progress_line",
        id=job.id,
        kind=kind,
        status=t(f"jobs.status.{status.value}"),
        bar=progress_bar(job.progress),
        percent=format_percent(job.progress),
        title=f" `{job.title}`" if job.title else "",
    )
    lines = [head]
    if job.message:
        lines.append(job.message)
    steps = (job.result or {}).get("steps")
    if isinstance(steps, list) and steps:
        lines.append(steps_text(steps))
    if job.error:
        lines.append(t("jobs.detail_error", error=job.error))
    if status == JobStatus.interrupted:
        lines.append(t("jobs.resume_hint", id=job.id, cid=str(job.id)))
    elif status.is_active:
        lines.append(t("jobs.cancel_hint", cid=str(job.id)))
    return "\n\n".join(lines)
