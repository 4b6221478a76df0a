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


def test_kill_9_of_the_worker_while_the_model_folder_and_its_card_are_written(install, data_dir):
    """Killed while the final model, its tokenizer, loss plot and card are assembled: nothing at the model folder's
    top looks finished (the parts are moved in last, config.json last of all); `/resume` ends with a whole model."""
    from agents.graph import run_agent
    from assistant.jobs import store
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus

    install(BERT_REPO)
    data = write_csv(data_dir / "uploads" / "small.csv", sentiment_rows(120, seed=4))
    started = run_agent(f"/train base={BERT_REPO} data={data} epochs=1 batch=4 lr=1e-3 save_steps=10 confirm=yes")
    assert started.ok and started.job_id, started.text
    job_id = started.job_id

    def assembling():
        row = store.get_job(job_id)
        out = row.result.get("output_dir")
        return out and (Path(out) / ".final-partial").is_dir() and row

    row = wait_until(assembling, 300, 0.005, "the final model folder being assembled")
    os.kill(row.worker_pid, signal.SIGKILL)
    failed = wait_for_job(job_id, timeout=60)
    assert failed.status == JobStatus.failed and "Traceback" not in failed.error, failed.error
    out = Path(failed.result["output_dir"])
    assert not (out / "config.json").exists() and not (out / "README.md").exists()

    assert run_agent(f"/resume {job_id}").ok
    final = wait_for_job(job_id, timeout=300)
    assert final.status == JobStatus.succeeded, (final.error, final.message)
    assert not (out / ".final-partial").exists()
    for name in ("config.json", "model.safetensors", "README.md", "loss.png", "dastyar.json"):
        assert (out / name).is_file(), name
    assert "---" in (out / "README.md").read_text(encoding="utf-8")[:4]
