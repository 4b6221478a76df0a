"""Drill: another process holds the database locked for 12 s (more than the 10 s asked for) while a job runs and the chat asks about it.

Nothing may be lost: the job's progress waits or is retried, the job ends exactly once with its one notification,
the chat answers in Persian (late, not with an error), and nothing is left `running`.
"""

from __future__ import annotations

import subprocess
import sys

from tests.job_fixtures import count_job  # noqa: F401  (registers the test job kinds)
from tests.waiting import wait_until

LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=30, isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("COMMIT")
print("released", flush=True)
"""


def test_a_database_locked_for_twelve_seconds_loses_nothing(data_dir):
    from agents.graph import run_agent
    from assistant.jobs import store
    from assistant.jobs.runner import get_runner, wait_for_job
    from assistant.models import JobStatus
    from assistant.services.notifications import list_notifications

    runner = get_runner()
    job = runner.submit("test_count", {"steps": 400, "delay": 0.05})  # about 20 s of progress writes
    wait_until(lambda: store.get_job(job.id).progress > 0.05, 60, 0.05, "the job reports progress")
    locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(data_dir / "dastyar.db"), "12"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert locker.stdout.readline().strip() == "locked"
        reply = run_agent("/jobs", "drill-lock")  # a reader: WAL lets it through while the writer waits
        assert reply.ok and "کار" in reply.text, reply.text
        assert locker.stdout.readline().strip() == "released"
    finally:
        locker.wait(30)
    final = wait_for_job(job.id, timeout=120)
    assert final.status == JobStatus.succeeded, (final.status, final.error, final.message)
    assert final.result["counted"] == 400
    notes = [n for n in list_notifications(limit=50) if n.job_id == job.id]
    assert len(notes) == 1, [(n.title, n.body) for n in notes]
    assert not store.list_jobs(statuses=[JobStatus.running], limit=10)
