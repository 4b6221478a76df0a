"""Job handlers used by the tests: real handlers run by the real runner, thread and process modes."""

from __future__ import annotations

import os
import time

from assistant.jobs import JobContext, JobError, job_handler


def _recorded_step(job_id: int) -> int:
    """Where an earlier run of this job got to (a resumed job goes on from there, as the real handlers do)."""
    from assistant.jobs import store

    row = store.get_job(job_id)
    return int((row.result or {}).get("step", 0)) if row else 0


@job_handler("test_count")
def count_job(ctx: JobContext) -> dict:
    """Counts to `steps`, reporting progress; honours cancel between steps; a resumed run goes on where it was."""
    steps = int(ctx.params.get("steps", 10))
    delay = float(ctx.params.get("delay", 0.05))
    done = max(int(ctx.params.get("start", 0)), _recorded_step(ctx.job_id))
    ctx.progress(done / steps, force=True, resumed_from=done)
    for i in range(done, steps):
        ctx.check_cancel()
        time.sleep(delay)
        ctx.progress((i + 1) / steps, f"step {i + 1}/{steps}", step=i + 1)
    return {"counted": steps}


@job_handler("test_proc", mode="process")
def process_job(ctx: JobContext) -> dict:
    start = _recorded_step(ctx.job_id)
    ctx.progress(None, "child", force=True, pid=os.getpid(), resumed_from=start)
    steps = int(ctx.params.get("steps", 20))
    for i in range(start, steps):
        ctx.check_cancel()
        time.sleep(float(ctx.params.get("delay", 0.1)))
        ctx.progress((i + 1) / steps, f"step {i + 1}", step=i + 1)
    return {"pid": os.getpid()}


@job_handler("test_stubborn", mode="process")
def stubborn_job(ctx: JobContext) -> dict:
    """Never looks at the cancel flag: only the hard stop can end it."""
    ctx.progress(0.1, "stubborn", force=True, pid=os.getpid())
    time.sleep(600)
    return {}


@job_handler("test_fail")
def failing_job(ctx: JobContext) -> dict:
    raise JobError("داده‌ها خراب بود")


@job_handler("test_crash")
def crashing_job(ctx: JobContext) -> dict:
    raise RuntimeError("secret internal detail")


def sleep_forever() -> None:
    """A multiprocessing child standing in for a job worker left behind by a dead server."""
    time.sleep(600)
