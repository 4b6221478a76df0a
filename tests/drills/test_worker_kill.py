"""Drill: kill -9 of a job's worker process (the server lives on) in the middle of a training and of an evaluation.

The job ends `failed` with a Persian reason and one notification; no half-written model looks finished; `/resume`
goes on from the last checkpoint and ends with a complete model.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from tests.hub_fixtures import BERT_REPO
from tests.training_fixtures import drain_runner, install, sentiment_rows, tiny_hub, wait_until, write_csv

FIXTURES = (drain_runner, install, tiny_hub)


def test_kill_9_of_the_training_worker_then_resume(install, data_dir):
    from agents.graph import run_agent
    from assistant.jobs import store
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.notifications import list_notifications
    from assistant.services.training.run import valid_checkpoints

    install(BERT_REPO)
    data = write_csv(data_dir / "uploads" / "big.csv", sentiment_rows(334, seed=3))
    started = run_agent(f"/train base={BERT_REPO} data={data} epochs=1 batch=1 lr=1e-3 save_steps=10 confirm=yes")
    assert started.job_id, started.text
    job_id = started.job_id
    row = wait_until(lambda: (j := store.get_job(job_id)).result.get("checkpoint_step", 0) >= 20 and j, 120, 0.05,
                     "two checkpoints written")
    os.kill(row.worker_pid, signal.SIGKILL)
    failed = wait_for_job(job_id, timeout=60)
    assert failed.status == JobStatus.failed and failed.error and "Traceback" not in failed.error, failed.error
    out = Path(failed.result["output_dir"])
    assert not (out / "config.json").exists() and not (out / "model.safetensors").exists()  # nothing looks finished
    kept = valid_checkpoints(out / "checkpoints")
    assert kept, "the checkpoints written before the kill are kept"
    step = int(kept[-1].name.split("-")[1])
    notes = [n for n in list_notifications(limit=50) if n.job_id == job_id]
    assert len(notes) == 1 and notes[0].level == "error"

    assert run_agent(f"/resume {job_id}").ok
    final = wait_for_job(job_id, timeout=300)
    assert final.status == JobStatus.succeeded, (final.error, final.message)
    assert final.result["resumed_from_step"] == step and final.result["step"] == 300
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    notes = [n for n in list_notifications(limit=50) if n.job_id == job_id]
    assert [n.level for n in notes] == ["success", "error"]  # one per end, newest first
