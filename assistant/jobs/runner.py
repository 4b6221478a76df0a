"""Runs jobs with APScheduler 3 (job store on the project's database), in threads or child processes.

The Job table is the truth; APScheduler only decides *when* `execute_job(job_id)` runs. Any process may
queue a job; the process that claims it (an atomic queued→running update) runs it.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Unpack

import psutil

from assistant.config import get_settings
from assistant.disk import ensure_reserve, is_disk_full
from assistant.jobs import store
from assistant.jobs.context import JobCancelled, JobContext, JobError
from assistant.jobs.registry import (
    HandlerFunc,
    all_handlers,
    get_handler,
    job_start_hooks,
    process_setup_target,
    resolve_target,
    startup_hooks,
)
from assistant.models import Job, JobStatus
from prompts import t

log = logging.getLogger(__name__)
logging.getLogger("apscheduler").setLevel(logging.WARNING)

_RUNNER_KEY = "runner.owner"
# The kind of a repeating schedule's row: at each time it queues a copy of its job and waits for the next time.
SERIES_KIND = "schedule"


@dataclass(frozen=True)
class Later:
    """Work asked for later: the first time (timezone-aware) and, for a series, how it repeats."""

    at: datetime
    repeat: str | None = None  # None | "daily" | "weekly"


_later: ContextVar[Later | None] = ContextVar("dastyar_later", default=None)


@contextmanager
def scheduled_for(later: Later) -> Iterator[Later]:
    """Jobs submitted (or resumed) inside run at `later.at` instead of now; a repeating one becomes a series row that
    queues a copy of the job at each time. Whatever tool starts the work, it is scheduled the same way."""
    token = _later.set(later)
    try:
        yield later
    finally:
        _later.reset(token)
COORDINATOR_THREADS = 16


def _apscheduler_id(job_id: int) -> str:
    return f"dastyar-job-{job_id}"


def run_handler(job_id: int, func: HandlerFunc) -> None:
    """Run a handler to its end and record the outcome; nothing escapes as a traceback to the user."""
    job = store.get_job(job_id)
    if job is None:
        return
    handler = get_handler(job.kind)
    try:
        # Checked again here: a row written by an older version, or by hand, fails in Persian, not in a traceback.
        params = handler.check_params(job.params) if handler else dict(job.params)
    except JobError as exc:
        log.warning("job %s: bad parameters: %s", job_id, exc.detail)
        store.finish_job(job_id, JobStatus.failed, error=exc.user_message)
        return
    ctx = JobContext(job_id, params)
    try:
        result = func(ctx) or {}
        ctx.flush()
        if ctx.again_at is not None and not ctx.cancelled():
            if store.requeue_job(job_id, ctx.again_at, result=result):
                get_runner().schedule(job_id, ctx.again_at)
            return
        # A handler may give its own closing line (e.g. «… دانلود شد (۴۴۰ مگابایت)»).
        store.finish_job(job_id, JobStatus.succeeded, result=result, message=result.get("message"))
    except JobCancelled:
        ctx.flush()
        store.finish_job(job_id, JobStatus.cancelled)
    except JobError as exc:
        ctx.flush()
        if exc.detail:
            log.warning("job %s failed: %s", job_id, exc.detail)
        store.finish_job(job_id, JobStatus.failed, error=exc.user_message)
    except MemoryError:
        store.finish_job(job_id, JobStatus.failed, error=t("errors.out_of_memory"))
    except Exception as exc:
        # A full disk has many shapes (OSError 28, SQLite's «database or disk is full», a library's text); each is
        # one Persian sentence the person can act on, and one log line, not a traceback.
        if is_disk_full(exc):
            log.warning("job %s stopped: the disk is full (%s: %s)", job_id, type(exc).__name__, exc)
            ctx.flush()  # the progress kept pending while the database could not be written
            store.finish_job(job_id, JobStatus.failed, error=t("errors.disk_full"))
            return
        log.exception("job %s failed", job_id)
        key = "errors.io" if isinstance(exc, OSError) else "errors.job_unexpected"
        store.finish_job(job_id, JobStatus.failed, error=t(key))


def _watch_parent(parent_pid: int) -> None:
    # A worker whose server was killed must not go on alone: the restarted server resumes the job.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent_pid:
            os._exit(3)


def _child_main(job_id: int, target: str, parent_pid: int, setup: str | None) -> None:
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True).start()
    logging.basicConfig(level=logging.INFO)
    if setup:  # the same handlers and job-end hooks as the parent (a spawned child starts from nothing)
        resolve_target(setup)()
    run_handler(job_id, resolve_target(target))


def _wait_for_worker(job_id: int, running: Callable[[], bool], kill: Callable[[], None]) -> None:
    """Wait while a job's worker (a child process, a Ray task) runs — `running` waits a little and says whether it
    still does — and kill it once when a stop request is not honoured within the grace time."""
    grace = get_settings().cancel_grace_seconds
    cancel_seen: float | None = None
    killed = False
    while running():
        if cancel_seen is None and store.is_cancel_requested(job_id):
            cancel_seen = time.monotonic()
        if cancel_seen is not None and not killed and time.monotonic() - cancel_seen > grace:
            log.warning("job %s ignored the stop request for %.0fs: killing its worker", job_id, grace)
            kill()
            killed = True


def _run_in_child(job: Job, target: str) -> None:
    assert job.id is not None
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_child_main, args=(job.id, target, os.getpid(), process_setup_target()),
                       name=f"dastyar-job-{job.id}")
    proc.start()
    try:
        started: float | None = psutil.Process(proc.pid).create_time()
    except psutil.NoSuchProcess:  # already gone: nothing will ever need killing
        started = None
    store.update_progress(job.id, worker_pid=proc.pid, worker_started=started)

    def running() -> bool:
        proc.join(0.5)
        return proc.is_alive()

    def kill() -> None:
        proc.kill()
        proc.join(5)

    _wait_for_worker(job.id, running, kill)
    after = store.get_job(job.id)
    # Ended by the worker, or already another run's: the worker may take a while to exit after writing its end,
    # and a `/resume` in that while queues (or starts) the job again — that run is not this worker's to judge.
    if after is None or after.status != JobStatus.running or after.worker_pid != proc.pid:
        return
    if store.is_cancel_requested(job.id):
        store.finish_job(job.id, JobStatus.cancelled)
    else:
        store.finish_job(job.id, JobStatus.failed, error=t("errors.worker_died", code=proc.exitcode))


def _run_on_cluster(job: Job, target: str) -> None:
    """The handler runs as a Ray task (assistant/jobs/cluster.py); this thread waits, and kills the task when a stop
    request is not honoured within the grace time, as it would a local child."""
    from assistant.jobs import cluster

    assert job.id is not None
    try:
        task = cluster.submit(job.id, target, process_setup_target())
    except cluster.ClusterError as exc:
        log.warning("job %s: cluster unavailable: %s", job.id, exc)
        store.finish_job(job.id, JobStatus.failed, error=exc.user_message)
        return
    _wait_for_worker(job.id, lambda: not task.wait(0.5), task.kill)
    outcome = task.outcome()
    after = store.get_job(job.id)
    if after is None or after.status != JobStatus.running:
        return  # the handler wrote its end
    if store.is_cancel_requested(job.id):
        store.finish_job(job.id, JobStatus.cancelled)
    elif outcome == "lost":
        store.finish_job(job.id, JobStatus.failed, error=t("cluster.worker_lost"))
    else:
        store.finish_job(job.id, JobStatus.failed, error=t("errors.job_unexpected"))


def execute_job(job_id: int) -> None:
    """The function APScheduler calls. Claims the job, then runs its handler in a thread or a child."""
    job = store.get_job(job_id)
    if job is None:
        return
    if job.cancel_requested and job.status == JobStatus.queued:
        store.finish_job(job_id, JobStatus.cancelled)
        return
    if not store.claim_job(job_id):
        return  # another process runs it, or it is no longer queued
    for hook in job_start_hooks():
        try:
            hook(job)
        except Exception:  # a start notice is not worth the job
            log.exception("job %s: start hook %s failed", job_id, getattr(hook, "__name__", hook))
    ensure_reserve()  # the room a job's end may need on a full disk (made again once the disk has space)
    handler = get_handler(job.kind)
    if handler is None:
        store.finish_job(job_id, JobStatus.failed, error=t("errors.unknown_job_kind", kind=job.kind))
        return
    try:
        if handler.cluster and get_settings().job_backend == "ray":
            _run_on_cluster(job, handler.target)
        elif handler.mode == "process":
            _run_in_child(job, handler.target)
        else:
            run_handler(job_id, handler.func)
    except Exception:
        log.exception("job %s: runner failure", job_id)
        store.finish_job(job_id, JobStatus.failed, error=t("errors.job_unexpected"))


def _shared_store(base: type) -> type:
    """APScheduler's SQL job store, shared by every server process on the database: each scheduler runs a due entry
    (the atomic claim lets one of them have it) and then removes or updates it — the second finds it gone. That is
    not an error here; unhandled, it ends the scheduler's thread and nothing more would ever run in that process."""
    from apscheduler.jobstores.base import JobLookupError

    class SharedJobStore(base):  # type: ignore[misc,valid-type]
        def remove_job(self, job_id: str) -> None:
            try:
                super().remove_job(job_id)
            except JobLookupError:
                pass

        def update_job(self, job: Any) -> None:
            try:
                super().update_job(job)
            except JobLookupError:
                pass

    return SharedJobStore


class JobRunner:
    def __init__(self, db_url: str | None = None, max_workers: int | None = None) -> None:
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        settings = get_settings()
        self.db_url = db_url or settings.db_url
        self.scheduler = BackgroundScheduler(
            jobstores={
                "default": _shared_store(SQLAlchemyJobStore)(url=self.db_url, tablename="apscheduler_jobs"),
                "memory": MemoryJobStore(),
            },
            # Chains wait on their steps: they get their own threads, so DASTYAR_MAX_JOBS counts only real work.
            executors={"default": ThreadPoolExecutor(max_workers or settings.max_concurrent_jobs),
                       "coordinators": ThreadPoolExecutor(COORDINATOR_THREADS)},
            job_defaults={"misfire_grace_time": None, "coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        self.running = False
        self.paused = False

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self, *, auto_resume: bool = True, paused: bool = False) -> list[int]:
        """Recover jobs of dead processes, start scheduling; returns the ids resumed automatically."""
        from assistant.db import set_setting

        resumed: list[int] = []
        self.running = True
        self.paused = paused
        if paused:
            # A paused runner only queues rows; the runner that runs them (the server) picks them up within a second,
            # and it marks orphans interrupted and resumes them. No scheduler thread here: nothing to stop at exit.
            return resumed
        self.scheduler.start()
        interrupted = store.recover_orphans()
        pid, started = store.process_identity()
        set_setting(_RUNNER_KEY, json.dumps({"pid": pid, "started": started}))
        # Every second: rows queued by other processes (the CLI, a second server) get a scheduler entry here.
        self.scheduler.add_job(self._requeue_orphaned_queue, "interval", seconds=1, id="dastyar-tick",
                               jobstore="memory")
        self._requeue_orphaned_queue()
        for hook in startup_hooks():
            try:
                hook()
            except Exception:
                log.exception("runner start-up hook %s failed", getattr(hook, "__name__", hook))
        if auto_resume:
            auto = {h.kind for h in all_handlers() if h.auto_resume}
            for job_id in interrupted:
                job = store.get_job(job_id)
                if job and job.kind in auto and self.resume(job_id):
                    resumed.append(job_id)
        return resumed

    def shutdown(self, wait: bool = False) -> None:
        if self.running and not self.paused:
            self.scheduler.shutdown(wait=wait)
        self.running = False

    def _requeue_orphaned_queue(self) -> None:
        """Queued rows with no scheduler entry (queued by another process, or by one that died between the two
        writes) get one."""
        for job in store.list_jobs(statuses=[JobStatus.queued], limit=10_000):
            assert job.id is not None
            if self.scheduler.get_job(_apscheduler_id(job.id)) is None:
                self.schedule(job.id, job.run_at, kind=job.kind)

    # -- work ------------------------------------------------------------------------------------------
    def schedule(self, job_id: int, run_at: datetime | None = None, *, kind: str | None = None) -> None:
        if self.paused:
            return  # the row is queued; the running runner schedules it
        if kind is None:
            job = store.get_job(job_id)
            kind = job.kind if job else None
        handler = get_handler(kind) if kind else None
        when = run_at or datetime.now(UTC)
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        self.scheduler.add_job(
            execute_job,
            "date",
            run_date=when,
            args=[job_id],
            id=_apscheduler_id(job_id),
            replace_existing=True,
            jobstore="default",
            executor="coordinators" if handler is not None and handler.coordinator else "default",
        )

    def submit(self, kind: str, params: dict[str, Any] | None = None, **options: Unpack[store.JobOptions]) -> Job:
        """Queue a job; its parameters are checked against the kind's model first (JobError: a Persian message)."""
        handler = get_handler(kind)
        if handler is not None:
            params = handler.check_params(params or {})
        later = _later.get()
        if later is not None and options.get("parent_id") is None:
            if later.repeat:
                series = {"kind": kind, "params": params or {}, "title": options.get("title", ""),
                          "repeat": later.repeat, "first": later.at.astimezone(UTC).isoformat()}
                options["run_at"] = later.at
                job = store.create_job(SERIES_KIND, series, **options)
                assert job.id is not None
                self.schedule(job.id, later.at, kind=SERIES_KIND)
                return job
            options["run_at"] = later.at
        job = store.create_job(kind, params, **options)
        assert job.id is not None
        self.schedule(job.id, options.get("run_at"), kind=kind)
        return job

    def resume(self, job_id: int) -> Job | None:
        later = _later.get()
        job = store.reset_for_resume(job_id, run_at=later.at if later else None)
        if job is not None:
            self.schedule(job_id, later.at if later else None)
        return job

    def cancel(self, job_id: int) -> store.CancelOutcome:
        outcome = store.request_cancel(job_id)
        if outcome == store.CancelOutcome.cancelled:
            try:
                self.scheduler.remove_job(_apscheduler_id(job_id))
            except Exception:  # already taken by a scheduler, or never scheduled
                pass
        return outcome


_runner: JobRunner | None = None
_runner_lock = threading.Lock()
_paused_mode = False


def set_runner_mode(*, paused: bool) -> None:
    """Paused: this process only queues jobs in the shared store and another process (the server) runs them."""
    global _paused_mode
    _paused_mode = paused


def server_runner_alive() -> bool:
    """Is a long-lived runner (the server) alive on this database, other than this process?"""
    from assistant.db import get_setting

    raw = get_setting(_RUNNER_KEY)
    if not raw:
        return False
    try:
        info = json.loads(raw)
    except ValueError:
        return False
    if info.get("pid") == os.getpid():
        return False
    return store.owner_alive(info.get("pid"), info.get("started"))


def get_runner() -> JobRunner:
    """This process's runner, started on first use (paused when `set_runner_mode(paused=True)`)."""
    global _runner
    with _runner_lock:
        if _runner is None:
            _runner = JobRunner()
            _runner.start(paused=_paused_mode)
        return _runner


def runner_active() -> bool:
    """Does this process have a started runner (the server's /health asks)?"""
    return _runner is not None and _runner.running


def stop_runner(wait: bool = False) -> None:
    """Stop this process's runner; `wait`: until the jobs it is running have returned."""
    global _runner
    with _runner_lock:
        if _runner is not None:
            _runner.shutdown(wait=wait)
            _runner = None


def wait_for_job(job_id: int, timeout: float = 60.0, poll: float = 0.2) -> Job | None:
    deadline = time.monotonic() + timeout
    while True:
        job = store.get_job(job_id)
        if job is None or not job.status.is_active or time.monotonic() > deadline:
            return job
        time.sleep(poll)

