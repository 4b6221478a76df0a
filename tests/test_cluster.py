"""Jobs on a Ray cluster (DASTYAR_JOB_BACKEND=ray): a real Ray head started for this module (`ray start --head`, two
CPUs, its own temporary folder) and a throwaway PostgreSQL that the server and the workers share.

A download runs as a Ray task; a 2-worker data-parallel training (gloo) survives a killed worker, stops on /cancel
and continues on /resume to a saved model with its card; a request for more GPUs than the cluster has is answered
with what it has; /status and doctor show the cluster; SQLite with a remote cluster is refused in one line.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import psutil
import pytest

from agents.graph import run_agent
from assistant.jobs import store
from assistant.jobs.runner import wait_for_job
from assistant.models import JobStatus
from tests.browser_support import free_port
from tests.hub_fixtures import BERT_REPO
from tests.pg_fixtures import BIN, postgres_url
from tests.training_fixtures import install, sentiment_rows, tiny_hub, wait_until, write_csv
from tools import call_tool

FIXTURES = (postgres_url, install, tiny_hub)  # pytest finds them here
RAY = Path(sys.executable).parent / "ray"
ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(BIN is None, reason="no PostgreSQL server binaries on this machine"),
    pytest.mark.skipif(not RAY.exists(), reason="ray is not installed"),
]


@pytest.fixture(scope="module")
def ray_head():
    """A Ray head in the foreground (--block) in its own process group: stopping it stops exactly its processes,
    not another Ray on the machine (`ray stop` would)."""
    folder = Path(tempfile.mkdtemp(prefix="dr-"))  # short: Ray's socket paths must fit in 107 bytes
    port = free_port()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO": "0"}
    log = (folder / "head.log").open("w")
    head = subprocess.Popen(
        [str(RAY), "start", "--head", "--block", f"--port={port}", "--num-cpus=2", "--num-gpus=0",
         f"--temp-dir={folder}", "--include-dashboard=false", "--disable-usage-stats", "--node-ip-address=127.0.0.1"],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )
    address = f"127.0.0.1:{port}"
    try:
        wait_until(lambda: head.poll() is not None or _listening(port), timeout=120)
        assert head.poll() is None, (folder / "head.log").read_text()[-3000:]
        yield address
    finally:
        from assistant.jobs import cluster

        cluster.disconnect()
        try:
            os.killpg(head.pid, signal.SIGTERM)
            head.wait(30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(head.pid, signal.SIGKILL)
        log.close()


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.fixture
def on_cluster(ray_head, postgres_url, monkeypatch):
    from assistant.config import reset_settings
    from assistant.db import dispose_engines

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DASTYAR_JOB_BACKEND", "ray")
    monkeypatch.setenv("RAY_ADDRESS", ray_head)
    monkeypatch.setenv("DASTYAR_CANCEL_GRACE", "60")  # the cooperative stop is tested, not the hard kill
    reset_settings()
    dispose_engines()
    yield ray_head
    dispose_engines()


def _ray_worker(pid: int) -> bool:
    try:
        return "ray" in " ".join(psutil.Process(pid).cmdline()).lower()
    except psutil.NoSuchProcess:
        return False


def test_download_runs_as_a_ray_task(on_cluster, online_hub):
    from assistant.services.hub.local import resolve_snapshot

    reply = run_agent(f"{BERT_REPO} رو دانلود کن")
    assert reply.tool == "download" and reply.ok and reply.job_id, reply.text
    job = wait_for_job(reply.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, (job.status, job.error, job.message)
    assert job.result["bytes_done"] == job.result["bytes_total"] > 0
    # Not a thread of this server: a Ray worker process wrote the progress and the end.
    assert job.result["worker"]["pid"] != os.getpid()
    snapshot = resolve_snapshot(BERT_REPO)
    assert snapshot is not None and (snapshot / "config.json").exists()
    assert "انجام شد" in run_agent("اعلان‌ها").text


def _training_args(bert: Path, tmp_path: Path, **extra) -> dict:
    data = write_csv(tmp_path / "big.csv", sentiment_rows(334, seed=3))
    return {"base_model": str(bert), "dataset": str(data), "epochs": 1, "batch_size": 1, "learning_rate": "1e-3",
            "save_steps": 10, "confirmed": True, **extra}


def _steps_of(path: Path) -> list[int]:
    return [r["step"] for r in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if r["type"] == "train"]


def test_two_workers_survive_a_killed_worker_stop_and_resume(on_cluster, tiny_hub, tmp_path):
    args = _training_args(tiny_hub["bert"], tmp_path, workers=2)
    check = call_tool("start_training", {**args, "confirmed": False})
    assert check.ok and "۲ کارگر" in check.text, check.text
    started = call_tool("start_training", args)
    assert started.ok, started.text
    job_id = started.job_id
    # 300 rows at batch 1 on two workers: 150 steps, a checkpoint every 10.
    row = wait_until(lambda: (j := store.get_job(job_id)).result.get("checkpoint_step", 0) >= 20 and j, timeout=240)
    assert row.status == JobStatus.running and row.result["total_steps"] == 150, row.result.get("total_steps")
    processes = row.result["worker_processes"]
    assert len(processes) == 2 and all(_ray_worker(p["pid"]) for p in processes)
    killed_at = row.result["checkpoint_step"]
    os.kill(processes[1]["pid"], signal.SIGKILL)  # a lost worker: Ray Train starts the group again

    before = {p["pid"] for p in processes}

    def restarted():
        j = store.get_job(job_id)
        now = {p["pid"] for p in j.result.get("worker_processes", [])}
        return j.result.get("resumed_from_step") and now and now != before and j

    resumed = wait_until(restarted, timeout=240)
    assert resumed.status == JobStatus.running and resumed.result["resumed_from_step"] >= killed_at
    wait_until(lambda: store.get_job(job_id).result.get("checkpoint_step", 0) > resumed.result["resumed_from_step"],
               timeout=240)

    assert run_agent(f"/cancel {job_id}").ok
    stopped = wait_for_job(job_id, timeout=240)
    assert stopped.status == JobStatus.cancelled, (stopped.status, stopped.error, stopped.message)
    assert stopped.result["step"] < 150
    out = Path(stopped.result["output_dir"])
    assert not (out / "config.json").exists()

    reply = run_agent(f"/resume {job_id}")
    assert reply.ok and reply.job_id == job_id, reply.text
    final = wait_for_job(job_id, timeout=300)
    assert final.status == JobStatus.succeeded, (final.status, final.error, final.message)
    r = final.result
    assert r["step"] == r["total_steps"] == 150
    assert (out / "config.json").is_file() and "۲ کارگر Ray" in (out / "README.md").read_text(encoding="utf-8")
    steps = _steps_of(out / "metrics.jsonl")
    assert steps == sorted(set(steps)) and steps[-1] == 150  # each start continued; no step logged twice
    tried = run_agent(f"/try {job_id} این فیلم عالی بود")
    assert tried.ok, tried.text


def test_more_gpus_than_the_cluster_has_is_answered_with_what_is_free(on_cluster, tiny_hub, tmp_path):
    reply = call_tool("start_training", _training_args(tiny_hub["bert"], tmp_path, workers=4, gpu="yes"))
    assert not reply.ok and reply.job_id is None
    assert "۰ کارت گرافیک" in reply.text and "۴ تا خواستید" in reply.text, reply.text
    reply = call_tool("start_training", _training_args(tiny_hub["bert"], tmp_path, workers=8))
    assert not reply.ok and "۲ هستهٔ پردازنده" in reply.text and "workers=2" in reply.text, reply.text


def test_status_and_doctor_show_the_cluster(on_cluster):
    import psutil as ps

    from assistant.persian import format_bytes
    from assistant.services.doctor import cluster_check

    reply = run_agent("/status")
    assert reply.ok and "خوشهٔ Ray** (۱ گره)" in reply.text, reply.text
    part = reply.text.split("خوشهٔ Ray")[1]
    assert "- پردازنده: ۰ از ۲ هسته" in part and "- کارت گرافیک: ۰ از ۰" in part, part
    # The nodes' physical memory (one node: this machine), not Ray's count of what tasks reserved.
    assert f"از {format_bytes(ps.virtual_memory().total)}" in part, part
    assert reply.data["cluster"]["nodes"] == 1 and reply.data["cluster"]["cpus"] == 2
    check = cluster_check()
    assert check.level == "ok" and "۱ گره" in check.detail


def test_sqlite_with_a_remote_cluster_is_refused_in_one_line(monkeypatch, data_dir):
    from assistant.config import reset_settings
    from assistant.jobs import cluster
    from assistant.services.doctor import cluster_check

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASTYAR_JOB_BACKEND", "ray")
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    reset_settings()
    with pytest.raises(cluster.ClusterError) as refused:
        cluster.connect()
    assert "PostgreSQL" in refused.value.user_message and "\n" not in refused.value.user_message
    assert cluster_check().level == "error"
    # The server refuses to start, with that one line (and no traceback).
    env = {**os.environ, "DATABASE_URL": ""}
    env.pop("DATABASE_URL")
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "serve", "--port", str(free_port())], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 2 and out.stderr.strip() == refused.value.user_message, out.stderr[-2000:]


def test_worker_environment_carries_no_secret(monkeypatch, data_dir):
    from assistant.config import reset_settings
    from assistant.jobs import cluster

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://dastyar:s3cret-pw@db.example:5432/dastyar")
    monkeypatch.setenv("HF_TOKEN", "hf_secret_token_value")
    monkeypatch.setenv("DASTYAR_METRICS_TOKEN", "metrics-secret")
    monkeypatch.setenv("DASTYAR_WIDGET_SECRET", "w" * 40)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    reset_settings()
    env = cluster.worker_env()
    text = json.dumps(env)
    for secret in ("s3cret-pw", "hf_secret_token_value", "metrics-secret", "w" * 40):
        assert secret not in text
    assert env["DATABASE_URL"] == "postgresql+psycopg://dastyar@db.example:5432/dastyar"
    assert env["HF_ENDPOINT"] == "http://127.0.0.1:9" and env["DASTYAR_JOB_BACKEND"] == "ray"


def test_without_the_ray_backend_ray_is_never_imported(data_dir):
    code = ("import sys; from assistant import bootstrap; bootstrap.setup(); from tools import call_tool; "
            "assert call_tool('system_status').ok; from agents.graph import run_agent; run_agent('/jobs'); "
            "print('ray' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k not in ("DASTYAR_JOB_BACKEND", "RAY_ADDRESS")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=180, env=env)
    assert out.returncode == 0 and out.stdout.strip().endswith("False"), out.stderr[-2000:]


_SERVER = """
import json, sys, time
from assistant import bootstrap
bootstrap.setup()
from tools import call_tool
result = call_tool("start_training", json.loads(sys.argv[1]))
assert result.ok, result.text
print(result.job_id, flush=True)
time.sleep(600)
"""


def test_a_killed_server_takes_its_ray_tasks_with_it_and_the_next_resumes(on_cluster, tiny_hub, tmp_path):
    from assistant.jobs.runner import get_runner

    args = _training_args(tiny_hub["bert"], tmp_path, workers=2)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen([sys.executable, "-c", _SERVER, json.dumps(args)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=log, text=True, env=os.environ.copy())
    try:
        line = server.stdout.readline()
        assert line.strip().isdigit(), (tmp_path / "server.log").read_text()[-3000:]
        job_id = int(line)
        row = wait_until(lambda: (j := store.get_job(job_id)).result.get("checkpoint_step", 0) >= 10
                         and j.result.get("worker_processes") and j, timeout=240)
        workers = [p["pid"] for p in row.result["worker_processes"]]
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
    # Ray ends what the dead driver owned: no worker goes on writing to a job nobody runs.
    wait_until(lambda: not any(_ray_worker(pid) for pid in workers), timeout=120)
    get_runner()
    row = store.get_job(job_id)
    assert row.status == JobStatus.interrupted, row.status
    reply = run_agent(f"/resume {job_id}")
    assert reply.ok, reply.text
    final = wait_for_job(job_id, timeout=300)
    assert final.status == JobStatus.succeeded, (final.status, final.error, final.message)
    assert final.result["resumed_from_step"] >= 10 and final.result["step"] == 150


def test_several_workers_on_the_local_backend_say_what_to_set(tiny_hub, tmp_path):
    reply = run_agent(f"/train base={tiny_hub['bert']} data={write_csv(tmp_path / 'd.csv', sentiment_rows(40))} "
                      "workers=4 gpu=yes")
    assert not reply.ok and reply.job_id is None
    assert "DASTYAR_JOB_BACKEND=ray" in reply.text, reply.text
    from assistant.services.system import gpus

    if not gpus():  # a GPU on this machine is simply used
        reply = run_agent(f"/train base={tiny_hub['bert']} data={tmp_path / 'd.csv'} gpu=yes")
        assert not reply.ok and "کارت گرافیک ندارد" in reply.text, reply.text
