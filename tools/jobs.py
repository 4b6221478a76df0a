"""Job tools: list, status, cancel, resume."""

from __future__ import annotations

from assistant.identity import can_see, owner_filter
from assistant.jobs import store
from assistant.jobs.runner import SERIES_KIND, get_runner
from assistant.jobs.steps import steps_text
from assistant.models import Job, JobStatus, utcnow
from assistant.persian import format_percent, jalali_datetime
from assistant.services.schedules import aware, describe
from prompts import job_kind, t
from tools.registry import ToolArgs, ToolResult, tool
from tools.validators import JobId, JobKind


def status_label(status: str) -> str:
    return t(f"jobs.status.{status}")


def job_line(job: Job) -> str:
    progress = f" — {format_percent(job.progress)}" if job.status == JobStatus.running else ""
    if job.status.is_active and (job.result or {}).get("steps") and job.message:
        progress += f" — {job.message.split(' — ')[0]}"  # a chain: the step it is on
    title = f" `{job.title}`" if job.title else ""
    status = status_label(job.status)
    if job.status == JobStatus.queued and job.run_at is not None and (
            job.kind == SERIES_KIND or aware(job.run_at) > utcnow()):
        status = t("schedule.queued_for", when=describe(aware(job.run_at), (job.params or {}).get("repeat")))
    return t("jobs.line", id=job.id, kind=job_kind(job.kind), title=title, status=status, progress=progress)


def job_dict(job: Job) -> dict:
    data = job.model_dump(mode="json")
    data["status_fa"] = status_label(job.status)
    return data


def job_detail(job: Job) -> str:
    lines = [t("jobs.detail_header", id=job.id, kind=job_kind(job.kind), title=job.title or "")]
    lines.append(t("jobs.detail_status", status=status_label(job.status)))
    lines.append(t("jobs.detail_progress", progress=format_percent(job.progress)))
    if job.message:
        lines.append(t("jobs.detail_message", message=job.message))
    if job.error:
        lines.append(t("jobs.detail_error", error=job.error))
    if (job.result or {}).get("steps"):
        lines.append(steps_text(job.result["steps"]))
    lines.append(t("jobs.detail_created", when=jalali_datetime(job.created_at)))
    if job.started_at:
        lines.append(t("jobs.detail_started", when=jalali_datetime(job.started_at)))
    if job.finished_at:
        lines.append(t("jobs.detail_finished", when=jalali_datetime(job.finished_at)))
    if job.status == JobStatus.interrupted:
        lines.append(t("jobs.resume_hint", id=job.id, cid=str(job.id)))
    return "\n".join(lines)


class ListJobsArgs(ToolArgs):
    kind: JobKind = ""


@tool("list_jobs", "List recent jobs (downloads, trainings), optionally of one kind.", ListJobsArgs)
def list_jobs(kind: str = "") -> ToolResult:
    # A chain is one line (its steps are in its detail); asked for a kind, the steps of that kind are listed too.
    jobs = store.list_jobs(kind or None, limit=20, owner=owner_filter(), top_level=not kind)
    if not jobs:
        return ToolResult(True, t("jobs.none"), {"jobs": []})
    header = t("jobs.list_header", count=len(jobs))
    return ToolResult(True, header + "\n" + "\n".join(job_line(j) for j in jobs), {"jobs": [job_dict(j) for j in jobs]})


class JobIdArgs(ToolArgs):
    job_id: JobId


def visible_job(job_id: int) -> Job | None:
    """The job if whoever asks may see it: another person's job reads exactly like a missing one."""
    job = store.get_job(job_id)
    return job if job is not None and can_see(job.owner) else None


@tool("job_status", "Show the status, progress and figures of one job by its number.", JobIdArgs)
def job_status(job_id: int) -> ToolResult:
    job = visible_job(job_id)
    if job is None:
        return ToolResult(False, t("jobs.not_found", id=job_id), {"error": "not_found"})
    return ToolResult(True, job_detail(job), {"job": job_dict(job)}, job_id=job.id)


@tool("cancel_job", "Cancel a queued or running job by its number.", JobIdArgs)
def cancel_job(job_id: int) -> ToolResult:
    if visible_job(job_id) is None:
        return ToolResult(False, t("jobs.not_found", id=job_id), {"error": "not_found"})
    outcome = get_runner().cancel(job_id)
    if outcome == store.CancelOutcome.not_found:
        return ToolResult(False, t("jobs.not_found", id=job_id), {"error": "not_found"})
    job = store.get_job(job_id)
    assert job is not None
    if outcome == store.CancelOutcome.already_final:
        text = t("jobs.cancel_already_final", id=job_id, status=status_label(job.status))
        return ToolResult(False, text, {"error": "already_final", "job": job_dict(job)})
    key = "jobs.cancel_requested" if outcome == store.CancelOutcome.requested else "jobs.cancelled"
    return ToolResult(True, t(key, id=job_id), {"outcome": outcome.value, "job": job_dict(job)}, job_id=job_id)


@tool("resume_job", "Resume an interrupted, failed or cancelled job from where it stopped.", JobIdArgs)
def resume_job(job_id: int) -> ToolResult:
    runner = get_runner()  # starting it may already resume interrupted jobs
    job = visible_job(job_id)
    if job is None:
        return ToolResult(False, t("jobs.not_found", id=job_id), {"error": "not_found"})
    if job.status.is_active:
        # Already queued or running: follow it instead.
        text = t("jobs.resume_active", id=job_id, status=status_label(job.status))
        return ToolResult(True, text, {"job": job_dict(job), "attached": True}, job_id=job_id)
    if job.status == JobStatus.succeeded:
        return ToolResult(False, t("jobs.resume_done", id=job_id), {"error": "done"})
    resumed = runner.resume(job_id)
    if resumed is None:
        return ToolResult(False, t("jobs.resume_failed", id=job_id), {"error": "not_resumable"})
    return ToolResult(True, t("jobs.resumed", id=job_id), {"job": job_dict(resumed)}, job_id=job_id)
