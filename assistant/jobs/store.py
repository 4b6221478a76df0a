"""The Job table as a state machine: create, claim, progress, cancel, finish, recover."""

from __future__ import annotations

import functools
import logging
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, ParamSpec, TypedDict, TypeVar, Unpack

import psutil
from sqlalchemy import or_, update
from sqlmodel import Session, col, select

from assistant import events, identity
from assistant.db import session_scope
from assistant.disk import is_disk_full, release_reserve
from assistant.jobs.registry import job_end_hooks
from assistant.models import Job, JobStatus, utcnow
from prompts import t

log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")


LOCK_RETRY_SECONDS = 300.0


def is_locked(exc: BaseException) -> bool:
    """SQLite's «database is locked/busy» after its own busy timeout: another process holds the write lock."""
    from sqlalchemy.exc import OperationalError

    text = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and ("locked" in text or "busy" in text)


def _until_unlocked(func):
    """A state change that must not be lost (a job's end, its claim) waits out a long lock instead of failing."""
    import functools
    import time

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        deadline = time.monotonic() + LOCK_RETRY_SECONDS
        pause = 0.2
        while True:
            try:
                return func(*args, **kwargs)
            except Exception as exc:
                if not is_locked(exc) or time.monotonic() > deadline:
                    raise
                log.warning("database locked by another process: %s waits and tries again", func.__name__)
                time.sleep(pause)
                pause = min(pause * 2, 2.0)

    return wrapper


def _lands_on_a_full_disk(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """A job's end must be written even when the disk is full (else the job stays `running` with no word to anyone):
    the write gives up the database's disk reserve and tries once more."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except Exception as exc:
            if not is_disk_full(exc) or not release_reserve():
                raise
            return func(*args, **kwargs)

    return wrapper


class CancelOutcome(StrEnum):
    not_found = "not_found"
    already_final = "already_final"
    cancelled = "cancelled"  # was queued or interrupted: stopped at once
    requested = "requested"  # running: the worker stops at its next check


def process_identity() -> tuple[int, float]:
    proc = psutil.Process(os.getpid())
    return proc.pid, proc.create_time()


def owner_alive(pid: int | None, started: float | None) -> bool:
    """Is the process that claimed a job still the same live process (pids get reused)?"""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - started) > 1.0:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


class JobOptions(TypedDict, total=False):
    """What a caller may say about a new job besides its kind and parameters."""

    title: str
    session_id: str | None
    run_at: datetime | None
    owner: str | None
    parent_id: int | None  # a step of this chain


def create_job(kind: str, params: dict[str, Any] | None = None, **options: Unpack[JobOptions]) -> Job:
    """A queued job, owned by whoever is asking unless `owner` says otherwise."""
    options.setdefault("owner", identity.current().name)
    job = Job(kind=kind, params=params or {}, **options)
    with session_scope() as s:
        s.add(job)
        events.commit(s)
        s.refresh(job)
    return job


def get_job(job_id: int) -> Job | None:
    with session_scope() as s:
        return s.get(Job, job_id)


def list_jobs(
    kind: str | None = None, statuses: list[str] | None = None, limit: int = 20, *, owner: str | None = None,
    top_level: bool = False,
) -> list[Job]:
    """Newest first; `owner`: only that person's jobs (None: everyone's); `top_level`: chains, not their steps."""
    with session_scope() as s:
        query = select(Job)
        if owner is not None:
            query = query.where(Job.owner == owner)
        if top_level:
            query = query.where(col(Job.parent_id).is_(None))
        if kind:
            query = query.where(Job.kind == kind)
        if statuses:
            query = query.where(col(Job.status).in_(statuses))
        return list(s.exec(query.order_by(col(Job.id).desc()).limit(limit)))


def steps_of(parent_id: int) -> list[Job]:
    """A chain's steps, oldest first."""
    with session_scope() as s:
        return list(s.exec(select(Job).where(Job.parent_id == parent_id).order_by(col(Job.id))))


def job_counts() -> dict[str, int]:
    with session_scope() as s:
        counts = Counter(s.exec(select(Job.status)).all())
    return {status.value: counts.get(status.value, 0) for status in JobStatus}


@_until_unlocked
def claim_job(job_id: int) -> bool:
    """Atomically move a queued job to running for this process; False if someone else has it, or if its time has
    not come (a repeating job another process just ran and queued again for its next time)."""
    pid, started = process_identity()
    now = utcnow()
    with session_scope() as s:
        due = or_(col(Job.run_at).is_(None), col(Job.run_at) <= now + timedelta(seconds=2))
        res = s.exec(  # type: ignore[call-overload]
            update(Job)
            .where(col(Job.id) == job_id, col(Job.status) == JobStatus.queued, due)
            .values(
                status=JobStatus.running,
                owner_pid=pid,
                owner_started=started,
                started_at=now,
                updated_at=now,
                error=None,
                message="",
            )
        )
        events.commit(s)
    return res.rowcount == 1


def update_progress(
    job_id: int,
    *,
    progress: float | None = None,
    message: str | None = None,
    result: dict[str, Any] | None = None,
    worker_pid: int | None = None,
    worker_started: float | None = None,
) -> None:
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None:
            return
        if progress is not None:
            job.progress = progress
        if message is not None:
            job.message = message[:500]
        if result:
            job.result = {**job.result, **result}
        if worker_pid is not None:
            job.worker_pid = worker_pid
            job.worker_started = worker_started
        job.updated_at = utcnow()
        s.add(job)
        events.commit(s)


def is_cancel_requested(job_id: int) -> bool:
    with session_scope() as s:
        value = s.exec(select(Job.cancel_requested).where(Job.id == job_id)).first()
    return bool(value)


def request_cancel(job_id: int) -> CancelOutcome:
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None:
            return CancelOutcome.not_found
        status = job.status
        if status.is_final:
            return CancelOutcome.already_final
        job.cancel_requested = True
        job.updated_at = utcnow()
        s.add(job)
        events.commit(s)
        if status == JobStatus.running:
            return CancelOutcome.requested
    # Queued or interrupted: nothing runs it, so it ends here.
    finish_job(job_id, JobStatus.cancelled)
    return CancelOutcome.cancelled


def reset_for_resume(job_id: int, *, run_at: datetime | None = None) -> Job | None:
    """Put an interrupted (or failed/cancelled) job back in the queue, keeping its id and results so far; `run_at`:
    from then on (a resume scheduled for later)."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None or job.status in (JobStatus.running, JobStatus.queued, JobStatus.succeeded):
            return None
        # Queued again as new, but with its id, parameters and results so far (the handler resumes from those).
        fresh = {"status": JobStatus.queued, "cancel_requested": False, "error": None, "finished_at": None,
                 "owner_pid": None, "worker_pid": None, "worker_started": None, "message": t("jobs.resuming"),
                 "updated_at": utcnow(), "run_at": run_at.astimezone(UTC) if run_at else None}
        for name, value in fresh.items():
            setattr(job, name, value)
        s.add(job)
        events.commit(s)
        s.refresh(job)
    return job


@_until_unlocked
def requeue_job(job_id: int, run_at: datetime, *, result: dict[str, Any] | None = None) -> bool:
    """A repeating job back in the queue for its next time (running → queued), by the process that ran it."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None or job.status != JobStatus.running:
            return False
        fresh = {"status": JobStatus.queued, "run_at": run_at.astimezone(UTC), "progress": 0.0,
                 "owner_pid": None, "started_at": None, "message": "", "updated_at": utcnow()}
        for name, value in fresh.items():
            setattr(job, name, value)
        if result:
            job.result = {**job.result, **result}
        s.add(job)
        events.commit(s)
    return True


@_until_unlocked
@_lands_on_a_full_disk
def finish_job(
    job_id: int,
    status: JobStatus,
    *,
    error: str | None = None,
    result: dict[str, Any] | None = None,
    message: str | None = None,
) -> Job | None:
    """End a job once; the job-end hooks (the notification) write in the same transaction. A final job is left."""
    with session_scope() as s:
        job = s.get(Job, job_id)
        if job is None:
            return None
        if job.status.is_final:
            return job
        job.status = status
        job.finished_at = utcnow()
        job.updated_at = job.finished_at
        if status == JobStatus.succeeded:
            job.progress = 1.0
        if error is not None:
            job.error = error[:2000]
        if result:
            job.result = {**job.result, **result}
        job.message = (message or t(f"jobs.final.{status.value}"))[:500]
        s.add(job)
        _run_job_end_hooks(s, job)
        events.commit(s)
        s.refresh(job)
    return job


def _run_job_end_hooks(session: Session, job: Job) -> None:
    for hook in job_end_hooks():
        hook(session, job)


@_until_unlocked
@_lands_on_a_full_disk
def mark_interrupted(job: Job) -> None:
    with session_scope() as s:
        row = s.get(Job, job.id)
        if row is None or row.status != JobStatus.running:
            return
        row.status = JobStatus.interrupted
        row.finished_at = utcnow()
        row.updated_at = row.finished_at
        row.message = t("jobs.final.interrupted")
        s.add(row)
        _run_job_end_hooks(s, row)
        events.commit(s)
        s.refresh(row)
    _kill_orphan_worker(row)


def _kill_orphan_worker(job: Job) -> None:
    """Stop the worker child a dead server left behind — only if that pid is still that child: the same start time
    to the hundredth of a second and a multiprocessing worker's command line (pids are reused by other programs)."""
    if not job.worker_pid or job.worker_pid == os.getpid() or job.worker_started is None:
        return
    try:
        proc = psutil.Process(job.worker_pid)
        if abs(proc.create_time() - job.worker_started) > 0.01:
            return
        if not any("multiprocessing" in part for part in proc.cmdline()):
            return
        proc.kill()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        pass


def recover_orphans() -> list[int]:
    """Jobs left `running` by a process that is gone become `interrupted`."""
    recovered = []
    for job in list_jobs(statuses=[JobStatus.running], limit=10_000):
        if not owner_alive(job.owner_pid, job.owner_started):
            log.info("job %s was left running by dead process %s: interrupted", job.id, job.owner_pid)
            mark_interrupted(job)
            recovered.append(job.id)
    return recovered
