"""Training jobs end to end: real transformers Trainer runs of tiny models in the job's child process.

From Persian text and from `/train` through the agent, progress and metrics in the Job row, checkpoints,
cancel, resume after a killed server (the step count continues), the model card, `/try`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from agents.graph import run_agent
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications
from assistant.services.training.run import valid_checkpoints
from tests.hub_fixtures import BERT_REPO, SENTIMENT_DATASET
from tests.training_fixtures import (
    drain_runner,
    install,
    sentiment_rows,
    tiny_hub,
    wait_until,
    write_csv,
    write_jsonl,
)
from tools import call_tool

FIXTURES = (drain_runner, install, tiny_hub)  # pytest finds them here

ROOT = Path(__file__).resolve().parent.parent


def _fa(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def _steps_of(path: Path) -> list[int]:
    return [r["step"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["type"] == "train"]


def test_persian_request_confirm_train_card_and_try(install):
    from huggingface_hub import ModelCard

    install(BERT_REPO)
    install(SENTIMENT_DATASET, "dataset")
    session = "train-fa"
    ask = run_agent(f"مدل {BERT_REPO} رو روی دیتاست {SENTIMENT_DATASET} با ۲ دوره آموزش بده، نرخ یادگیری ۵e-۴", session)
    assert ask.ok and ask.confirm and not store.list_jobs(), ask.text
    started = run_agent("بله", session)
    assert started.tool == "start_training" and started.ok and started.job_id, started.text
    assert f"#{_fa(started.job_id)}" in started.text and f"/cancel {started.job_id}" in started.text

    job = wait_for_job(started.job_id, timeout=120)
    assert job.status == JobStatus.succeeded, (job.status, job.error, job.message)
    r = job.result
    assert r["step"] == r["total_steps"] == 8 and r["epoch"] == pytest.approx(2.0)
    assert r["task"] == "text-classification" and r["labels"] == ["negative", "positive"] and r["device"] == "cpu"
    for key in ("loss", "learning_rate", "eval_loss", "samples_per_second", "train_runtime"):
        assert isinstance(r[key], float), key
    assert 0.0 <= r["eval_accuracy"] <= 1.0 and 0.0 <= r["eval_f1"] <= 1.0
    assert r["metrics"]["eval_accuracy"] == r["eval_accuracy"]
    train_points = [p for p in r["history"] if "loss" in p]
    eval_points = [p for p in r["history"] if "eval_loss" in p]
    assert [p["step"] for p in train_points] == list(range(1, 9))
    assert [p["step"] for p in eval_points] == [4, 8] and all("eval_accuracy" in p for p in eval_points)

    out = Path(r["model_dir"])
    assert out.name == f"job-{job.id}"
    for name in ("config.json", "model.safetensors", "tokenizer.json", "README.md", "loss.png", "metrics.jsonl",
                 "dastyar.json", "eval_results.json"):
        assert (out / name).is_file(), name
    assert (out / "loss.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (out / ".final-partial").exists()
    checkpoints = valid_checkpoints(out / "checkpoints")
    assert [c.name for c in checkpoints] == ["checkpoint-4", "checkpoint-8"]  # every epoch, last two kept
    assert {"optimizer.pt", "trainer_state.json", "model.safetensors"} <= {p.name for p in checkpoints[-1].iterdir()}
    assert _steps_of(out / "metrics.jsonl") == list(range(1, 9))

    card = ModelCard.load(out / "README.md")
    data = card.data.to_dict()
    assert data["base_model"] == BERT_REPO and data["datasets"] == [SENTIMENT_DATASET]
    assert data["language"] == ["fa"] and data["pipeline_tag"] == "text-classification"
    assert set(data["metrics"]) == {"accuracy", "f1"}
    assert data["training_hyperparameters"]["learning_rate"] == pytest.approx(5e-4)
    assert data["training_hyperparameters"]["num_train_epochs"] == 2
    assert card.data.eval_results and {e.metric_type for e in card.data.eval_results} >= {"accuracy", "f1"}
    assert "مدل پایه" in card.text and "تنظیمات آموزش" in card.text and "negative" in card.text
    assert data["date"] and "۱۴۰" in card.text  # Jalali date in the body

    # The end in the chat: a notification with the figures, the card and the plot as the job's outputs.
    note = notifications.list_notifications()[0]
    assert note.job_id == job.id and note.level == "success" and "دقت" in note.body and f"/try {job.id}" in note.body
    assert "کارت مدل" in r["reply"] and {m["name"] for m in r["media"]} == {"loss.png", "README.md"}
    status = run_agent(f"آموزش {job.id} به کجا رسید؟")
    assert status.tool == "job_status" and "دقت" in status.text

    installed = call_tool("list_installed", {})
    assert f"job-{job.id}" in installed.text

    # «این مدل رو امتحان کن» uses the model this conversation trained; `/try N` names it.
    tried = run_agent("این مدل رو امتحان کن: غذا سرد بود", session)
    assert tried.tool == "try_model" and tried.ok, tried.text
    assert tried.data["prediction"]["label"] in ("negative", "positive") and "برچسب" in tried.text
    again = run_agent(f"/try {job.id} غذا خیلی خوشمزه بود")
    assert again.ok and {s["label"] for s in again.data["prediction"]["scores"]} == {"negative", "positive"}
    assert abs(sum(s["score"] for s in again.data["prediction"]["scores"]) - 1) < 1e-4


def test_slash_train_lora_gpt2_with_confirm_flag(tiny_hub, tmp_path):
    data = write_jsonl(tmp_path / "متن‌ها.jsonl", [{"text": r["text"]} for r in sentiment_rows(48)])
    reply = run_agent(f"/train base={tiny_hub['gpt2']} data={data} epochs=1 lr=۱e-۳ batch=8 confirm=yes")
    assert reply.ok and reply.job_id and reply.confirm is None, reply.text
    job = wait_for_job(reply.job_id, timeout=150)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    r = job.result
    assert r["task"] == "text-generation" and r["step"] == r["total_steps"] == 6
    assert r["eval_perplexity"] == pytest.approx(__import__("math").exp(r["eval_loss"]), rel=1e-3)
    out = Path(r["model_dir"])
    assert (out / "adapter" / "adapter_config.json").is_file()  # the LoRA adapter …
    assert json.loads((out / "config.json").read_text())["architectures"] == ["GPT2LMHeadModel"]  # … merged in
    from huggingface_hub import ModelCard

    hp = ModelCard.load(out / "README.md").data.to_dict()["training_hyperparameters"]
    adapter = json.loads((out / "adapter" / "adapter_config.json").read_text())
    # The card reports what the run used: the adapter's own settings and the seed of the split and the Trainer.
    assert (hp["lora_r"], hp["lora_alpha"], hp["lora_dropout"]) == (adapter["r"], adapter["lora_alpha"],
                                                                    adapter["lora_dropout"])
    assert hp["seed"] == 42
    tried = run_agent(f"/try {job.id} غذای این رستوران")
    assert tried.ok and "متن تولیدشده" in tried.text and tried.data["prediction"]["task"] == "text-generation"


def _slow_job_args(bert: Path, tmp_path: Path) -> dict:
    """300 steps of batch 1 with a checkpoint every 10: long enough to watch, stop and resume."""
    data = write_csv(tmp_path / "big.csv", sentiment_rows(334, seed=3))
    return {"base_model": str(bert), "dataset": str(data), "epochs": 1, "batch_size": 1, "learning_rate": "1e-3",
            "save_steps": 10, "confirmed": True}


def test_progress_then_cancel_keeps_the_last_checkpoint(tiny_hub, tmp_path, monkeypatch):
    from assistant.config import reset_settings

    monkeypatch.setenv("DASTYAR_CANCEL_GRACE", "30")  # the cooperative stop is tested here, not the hard kill
    reset_settings()
    started = call_tool("start_training", _slow_job_args(tiny_hub["bert"], tmp_path))
    assert started.ok, started.text
    job_id = started.job_id
    row = wait_until(lambda: (j := store.get_job(job_id)).result.get("checkpoint_step", 0) >= 10 and j, timeout=90)
    assert row.status == JobStatus.running and 0 < row.progress < 1
    r = row.result
    assert r["total_steps"] == 300 and r["step"] >= 10 and r["epochs"] == 1
    for key in ("loss", "learning_rate", "samples_per_second", "eta_seconds"):
        assert r[key] is not None, key
    assert "گام" in row.message and "نمونه در ثانیه" in row.message
    assert row.worker_pid and row.worker_pid != os.getpid()

    cancel = run_agent(f"/cancel {job_id}")
    assert cancel.ok
    final = wait_for_job(job_id, timeout=120)
    assert final.status == JobStatus.cancelled and final.result["step"] < 300  # stopped, not run to the end
    out = Path(final.result["output_dir"])
    kept = valid_checkpoints(out / "checkpoints")
    assert kept and len(kept) <= 2
    # The stop saved a checkpoint where it stopped.
    assert kept[-1].name == f"checkpoint-{final.result['checkpoint_step']}"
    assert final.result["phase"] == "cancelled" and final.result["checkpoint_step"] == final.result["step"]
    assert not (out / "config.json").exists()  # nothing half-written looks like a finished model
    tried = run_agent(f"/try {job_id} سلام")
    assert not tried.ok and "به پایان نرسید" in tried.text


_KILLED_SERVER = """
import sys, time
from assistant.jobs import store
from tools import call_tool
args = {"base_model": sys.argv[1], "dataset": sys.argv[2], "epochs": 1, "batch_size": 1, "learning_rate": "1e-3",
        "save_steps": 10, "confirmed": True}
result = call_tool("start_training", args)
assert result.ok, result.text
print(result.job_id, flush=True)
time.sleep(600)
"""


def test_resume_after_a_killed_server_continues_the_step_count(tiny_hub, tmp_path):
    args = _slow_job_args(tiny_hub["bert"], tmp_path)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-c", _KILLED_SERVER, args["base_model"], args["dataset"]], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=log, text=True, env=os.environ.copy())
    try:
        line = server.stdout.readline()
        assert line.strip().isdigit(), (tmp_path / "server.log").read_text()[-3000:]
        job_id = int(line)
        row = wait_until(lambda: (j := store.get_job(job_id)).result.get("checkpoint_step", 0) >= 10 and j, timeout=120)
        assert row.status == JobStatus.running
        worker = row.worker_pid
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
    # The worker notices its server is gone and stops; the next runner marks the job interrupted.
    wait_until(lambda: not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE, 15)
    get_runner()
    row = store.get_job(job_id)
    assert row.status == JobStatus.interrupted
    out = Path(row.result["output_dir"])
    resume_step = int(valid_checkpoints(out / "checkpoints")[-1].name.split("-")[1])
    assert resume_step >= 10 and resume_step < 300

    reply = run_agent(f"آموزش {job_id} رو ادامه بده")
    assert reply.ok and reply.job_id == job_id
    final = wait_for_job(job_id, timeout=240)
    assert final.status == JobStatus.succeeded, (final.status, final.error, final.message)
    r = final.result
    assert r["resumed_from_step"] == resume_step and r["step"] == r["total_steps"] == 300
    steps = _steps_of(out / "metrics.jsonl")
    assert steps == sorted(set(steps)) and steps[-1] == 300  # no restart at step 1, no step logged twice
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [e["step"] for e in events if e.get("event") == "resume"] == [resume_step]
    history_steps = [p["step"] for p in r["history"] if "loss" in p]
    assert history_steps == sorted(set(history_steps))
