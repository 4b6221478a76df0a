"""The job system: progress, cancel (cooperative and hard), failures, restart recovery, notifications, scheduling."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

import tests.job_fixtures  # noqa: F401  (registers the test handlers)
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent


def _wait(predicate, timeout: float = 60.0):
    return wait_until(predicate, timeout, poll=0.05)


def _gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_job_runs_reports_progress_and_notifies():
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 8, "delay": 0.15}, title="شمارش")
    seen = set()

    def progressed():
        row = store.get_job(job.id)
        seen.add(round(row.progress, 3))
        return row.status == JobStatus.succeeded

    _wait(progressed)
    final = store.get_job(job.id)
    assert final.result["counted"] == 8
    assert final.progress == 1.0
    assert final.started_at and final.finished_at
    # Intermediate progress was written while it ran, not only at the end.
    assert any(0 < p < 1 for p in seen), seen
    note = notifications.list_notifications()[0]
    assert note.job_id == job.id and note.level == "success"
    assert "انجام شد" in note.title


def test_cancel_running_thread_job():
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 1000, "delay": 0.02})
    _wait(lambda: store.get_job(job.id).progress > 0)
    assert runner.cancel(job.id) == store.CancelOutcome.requested
    final = wait_for_job(job.id, timeout=10)
    assert final.status == JobStatus.cancelled
    assert final.result["step"] < 1000
    assert notifications.list_notifications()[0].level == "warning"


def test_cancel_queued_job_never_runs():
    job = store.create_job("test_count", {"steps": 3})
    assert store.request_cancel(job.id) == store.CancelOutcome.cancelled
    assert store.get_job(job.id).status == JobStatus.cancelled
    # Cancelling again changes nothing and says so.
    assert store.request_cancel(job.id) == store.CancelOutcome.already_final
    assert store.request_cancel(999_999) == store.CancelOutcome.not_found


def test_failure_keeps_user_message_and_hides_internals():
    runner = get_runner()
    failed = runner.submit("test_fail")
    crashed = runner.submit("test_crash")
    assert wait_for_job(failed.id).status == JobStatus.failed
    assert store.get_job(failed.id).error == "داده‌ها خراب بود"
    row = wait_for_job(crashed.id)
    assert row.status == JobStatus.failed
    assert "secret" not in (row.error or "") and "Traceback" not in (row.error or "")
    assert {n.level for n in notifications.list_notifications()} == {"error"}


def test_process_job_runs_in_a_child_and_cancels_cooperatively():
    runner = get_runner()
    job = runner.submit("test_proc", {"steps": 200, "delay": 0.05})
    row = _wait(lambda: (r := store.get_job(job.id)).result.get("pid") and r)
    assert row.result["pid"] != os.getpid()
    assert row.worker_pid == row.result["pid"]
    runner.cancel(job.id)
    final = wait_for_job(job.id, timeout=15)
    assert final.status == JobStatus.cancelled
    _wait(lambda: _gone(row.result["pid"]), timeout=10)


def test_process_job_that_ignores_cancel_is_killed():
    runner = get_runner()
    job = runner.submit("test_stubborn")
    row = _wait(lambda: (r := store.get_job(job.id)).result.get("pid") and r)
    started = time.monotonic()
    runner.cancel(job.id)
    final = wait_for_job(job.id, timeout=120)
    assert final.status == JobStatus.cancelled
    # The grace period (3 s in tests) was given before the kill: the stubborn child lived through it.
    assert time.monotonic() - started >= 3
    _wait(lambda: _gone(row.result["pid"]), timeout=10)


def test_scheduled_job_waits_for_its_time():
    runner = get_runner()
    when = datetime.now(UTC) + timedelta(seconds=2)
    job = runner.submit("test_count", {"steps": 1, "delay": 0}, run_at=when)
    assert store.get_job(job.id).status == JobStatus.queued
    final = wait_for_job(job.id, timeout=60)
    assert final.status == JobStatus.succeeded
    assert final.started_at >= when - timedelta(milliseconds=50)


def test_job_queued_by_another_process_runs_here():
    runner = get_runner()
    # A paused runner (the CLI while the server runs) only writes to the shared job store.
    code = (
        "import tests.job_fixtures\n"
        "from assistant.jobs.runner import JobRunner\n"
        "r = JobRunner(); r.start(paused=True)\n"
        "job = r.submit('test_count', {'steps': 2, 'delay': 0})\n"
        "r.shutdown(); print(job.id)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, env=os.environ.copy())
    assert out.returncode == 0, out.stderr
    job_id = int(out.stdout.strip().splitlines()[-1])
    assert runner.running
    assert wait_for_job(job_id, timeout=15).status == JobStatus.succeeded


_KILLED_SERVER = """
import sys, time
import tests.job_fixtures
from assistant.jobs.runner import get_runner
from assistant.jobs import store
r = get_runner()
job = r.submit(sys.argv[1], {"steps": 100000, "delay": 0.05})
while store.get_job(job.id).progress == 0:
    time.sleep(0.05)
print(job.id, flush=True)
time.sleep(600)
"""


@pytest.mark.parametrize("kind", ["test_count", "test_proc"])
def test_jobs_of_a_killed_process_become_interrupted_and_resume(kind):
    proc = subprocess.Popen(
        [sys.executable, "-c", _KILLED_SERVER, kind], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        job_id = int(proc.stdout.readline())
        row = store.get_job(job_id)
        assert row.status == JobStatus.running
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # A new process starting its runner finds the job of the dead one.
    runner = get_runner()
    row = store.get_job(job_id)
    assert row.status == JobStatus.interrupted
    if kind == "test_proc":
        # The orphaned worker does not go on alone.
        _wait(lambda: _gone(row.worker_pid), 10)
    assert notifications.list_notifications()[0].job_id == job_id
    step_before = row.result.get("step", 0)
    assert step_before > 0
    # Resume keeps the id and the results so far: the new run starts from the step the killed one reached.
    runner.resume(job_id)
    _wait(lambda: store.get_job(job_id).status == JobStatus.running)
    _wait(lambda: "resumed_from" in store.get_job(job_id).result and store.get_job(job_id).result["resumed_from"]
          >= step_before)
    assert store.get_job(job_id).result["resumed_from"] == step_before
    runner.cancel(job_id)
    assert wait_for_job(job_id, timeout=20).status == JobStatus.cancelled


def test_counts_and_concurrency_limit(monkeypatch):
    monkeypatch.setenv("DASTYAR_MAX_JOBS", "1")
    from assistant.config import reset_settings

    reset_settings()
    runner = get_runner()
    # The first job runs until it is stopped (not for a while): a busy machine cannot make it end before it is seen.
    first = runner.submit("test_count", {"steps": 100_000, "delay": 0.05})
    second = runner.submit("test_count", {"steps": 1, "delay": 0})
    _wait(lambda: store.get_job(first.id).status == JobStatus.running)
    assert store.get_job(second.id).status == JobStatus.queued
    counts = store.job_counts()
    assert counts["running"] == 1 and counts["queued"] == 1
    assert runner.cancel(first.id) == store.CancelOutcome.requested
    assert wait_for_job(second.id, timeout=60).status == JobStatus.succeeded
    assert store.get_job(first.id).status == JobStatus.cancelled
    assert store.get_job(first.id).finished_at <= store.get_job(second.id).started_at


def test_a_paused_runner_leaves_orphans_to_the_server_which_resumes_them():
    """The CLI (paused) must not mark a dead server's job interrupted: the next server would then never resume it."""
    from assistant.db import session_scope
    from assistant.jobs.runner import JobRunner
    from assistant.models import Job

    job = store.create_job("test_count", {"steps": 3})
    assert store.claim_job(job.id)
    with session_scope() as s:  # its owner is a process that is gone
        row = s.get(Job, job.id)
        row.owner_pid, row.owner_started = 2**22 + 12345, 1.0
        s.add(row)
        s.commit()
    cli = JobRunner()
    cli.start(paused=True)
    cli.shutdown()
    assert store.get_job(job.id).status == JobStatus.running
    server = JobRunner()
    try:
        server.start()  # test_count does not auto-resume: the server marks it interrupted
        assert store.get_job(job.id).status == JobStatus.interrupted
    finally:
        server.shutdown()


def test_status_is_the_enum_on_read_and_plain_text_on_disk():
    """Rows written by the earlier code (a plain string column) read back as JobStatus; the column stays text."""
    from sqlalchemy import text

    from assistant.db import get_engine

    job = store.create_job("test_count", {"steps": 1})
    with get_engine().begin() as conn:
        assert conn.execute(text("SELECT status FROM job WHERE id = :i"), {"i": job.id}).scalar() == "queued"
        conn.execute(text("UPDATE job SET status = 'interrupted' WHERE id = :i"), {"i": job.id})
    got = store.get_job(job.id).status
    assert type(got) is JobStatus and got is JobStatus.interrupted and not got.is_active
    assert store.job_counts()["interrupted"] == 1


def test_job_parameters_are_checked_at_submit_and_at_start():
    """A kind's params model refuses a bad payload in Persian at submit; a bad row (older version, by hand) fails
    when it starts, in Persian, and the runner goes on."""
    import re

    from assistant.jobs import JobError

    runner = get_runner()
    with pytest.raises(JobError) as caught:
        runner.submit("download", {"repo_id": "../../etc/passwd", "repo_type": "weights"})
    message = caught.value.user_message
    assert re.search(r"[\u0600-\u06ff]", message) and "repo_id" in message and "repo_type" in message
    assert "Traceback" not in message and "validation" not in message.lower()
    assert store.list_jobs(kind="download") == []  # nothing was created

    # A row whose params no longer fit the kind (written past the check) fails at start.
    bad = store.create_job("transcription", {"duration": -5})
    runner.schedule(bad.id)
    done = wait_for_job(bad.id, timeout=30)
    assert done.status == JobStatus.failed and "transcription" in done.error and "path" in done.error

    good = runner.submit("test_count", {"steps": 2})  # a kind with no model takes any dict
    assert wait_for_job(good.id, timeout=30).status == JobStatus.succeeded


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(30)
    return proc.pid


def _left_running(worker_pid: int, worker_started: float | None) -> int:
    """A job row as a killed server leaves it: running, owned by a dead process, with a worker pid."""
    job = store.create_job("test_count", {"steps": 1})
    store.claim_job(job.id)
    from assistant.db import session_scope
    from assistant.models import Job

    with session_scope() as s:
        row = s.get(Job, job.id)
        row.owner_pid, row.owner_started = _dead_pid(), time.time() - 60
        row.worker_pid, row.worker_started = worker_pid, worker_started
        s.add(row)
        s.commit()
    return job.id


def test_restart_kills_a_left_worker_but_never_a_process_that_took_its_pid():
    import multiprocessing

    from tests.job_fixtures import sleep_forever

    worker = multiprocessing.get_context("spawn").Process(target=sleep_forever)
    worker.start()
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        started = psutil.Process(worker.pid).create_time()
        stranger_started = psutil.Process(stranger.pid).create_time()
        cases = {
            "worker": _left_running(worker.pid, started),
            "same start, not a worker": _left_running(stranger.pid, stranger_started),
            "other start time": _left_running(stranger.pid, stranger_started - 5),
            "row from before worker_started": _left_running(stranger.pid, None),
        }
        assert set(store.recover_orphans()) == set(cases.values())
        worker.join(20)
        assert not worker.is_alive()  # the real left-behind worker is stopped
        assert stranger.poll() is None  # the unrelated process that holds a recorded pid lives on
    finally:
        stranger.kill()
        if worker.is_alive():
            worker.kill()
