"""Drill: kill -9 of the server at chosen moments — inside the database write of a download's progress, inside the
write of a job's end and its notification, in the middle of an evaluation and of a transcription — then a restart
(this test process plays the restarted server) and checks: files intact by sha256, no partial left, no job stuck
`running`, each job resumed or clearly interrupted, one notification per end.

The moments inside a write are reached by the server's own code: a hook the drill adds to that server process
prints KILL-ME inside the open transaction and waits there to be killed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.hub_fixtures import BERT_REPO, BIG_REPO
from tests.server_kill import SAY, serve_and_kill
from tests.speech_fixtures import build_tiny_whisper, espeak, read_pcm, write_pcm
from tests.training_fixtures import drain_runner, install, sentiment_rows, tiny_hub, write_csv

FIXTURES = (drain_runner, install, tiny_hub)

# In the server: the commit that stores a download's progress past 30% hangs, its rows written but not committed.
IN_PROGRESS_WRITE = """
from sqlalchemy import event
from sqlmodel import Session
from assistant.models import Job

@event.listens_for(Session, "before_commit")
def _die_here(session):
    for row in list(session.dirty):
        if isinstance(row, Job) and row.kind == "download" and 0.3 < (row.progress or 0) < 1:
            session.flush()
            print("KILL-ME", flush=True)
            time.sleep(600)
"""

# In the server: the transaction that ends the download and adds its notification hangs before it commits.
IN_END_WRITE = """
from assistant.jobs.registry import on_job_end

@on_job_end
def _die_here(session, job):
    if job.kind == "download":
        session.flush()  # the end and the notification are in the database's journal, not committed
        print("KILL-ME", flush=True)
        time.sleep(600)
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _notes(job_id: int) -> list[str]:
    from assistant.services.notifications import list_notifications

    return [n.level for n in list_notifications(limit=100) if n.job_id == job_id]


def _restart_and_wait(job_id: int, timeout: float = 300):
    from assistant.jobs.runner import get_runner, wait_for_job

    get_runner()  # the restarted server: orphans become interrupted, auto-resumable kinds go on
    return wait_for_job(job_id, timeout=timeout)


def _download_intact(hub_tree) -> None:
    from assistant.services.hub import download
    from assistant.services.hub.local import resolve_snapshot

    snapshot = resolve_snapshot(BIG_REPO, "model")
    source = hub_tree["models"][BIG_REPO]
    served = {p.relative_to(source).as_posix(): _sha256(p) for p in source.rglob("*")
              if p.is_file() and p.name != "dastyar-meta.json"}
    assert {p.relative_to(snapshot).as_posix(): _sha256(p) for p in snapshot.rglob("*") if p.is_file()} == served
    blobs = snapshot.parent.parent / "blobs"
    assert not [p for p in blobs.iterdir() if p.name.endswith(download.PARTIAL_SUFFIX)]


@pytest.mark.parametrize("moment", ["progress", "end"])
def test_kill_9_inside_a_database_write_then_the_download_goes_on(moment, online_hub, hub_tree, tmp_path):
    from assistant.jobs import store
    from assistant.models import JobStatus

    online_hub.throttle_bytes_per_sec = 2_000_000 if moment == "progress" else None
    setup = IN_PROGRESS_WRITE if moment == "progress" else IN_END_WRITE
    job_id = serve_and_kill(f"/download {BIG_REPO} confirm=yes", tmp_path, start=SAY, setup=setup)
    online_hub.throttle_bytes_per_sec = None
    before = store.get_job(job_id)
    # The killed transaction left nothing: the row is as its last committed write had it.
    assert before.status == JobStatus.running and _notes(job_id) == []
    assert moment == "end" or before.progress <= 0.3  # the hanging write (past 30%) never landed
    job = _restart_and_wait(job_id)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    _download_intact(hub_tree)
    assert sorted(_notes(job_id)) == ["success", "warning"]  # interrupted, then done: one notification per end
    assert not store.list_jobs(statuses=[JobStatus.running, JobStatus.queued], limit=100)


def test_kill_9_mid_evaluation_then_it_runs_again_and_reports_once(install, data_dir, tmp_path):
    from assistant.jobs import store
    from assistant.models import JobStatus

    install(BERT_REPO)
    data = write_csv(tmp_path / "labelled.csv", sentiment_rows(1500, seed=5, names=False))

    def evaluating(job_id: int) -> bool:
        job = store.get_job(job_id)
        return job.status == JobStatus.running and 0.1 < job.progress < 0.8

    job_id = serve_and_kill(f"/eval {BERT_REPO} {data}", tmp_path, start=SAY, when=evaluating)
    job = _restart_and_wait(job_id)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    report = json.loads((data_dir / "evaluations" / f"job-{job_id}" / "evaluation.json").read_text(encoding="utf-8"))
    from assistant.services.training.data import DataSource
    from assistant.services.training.evaluate import split_from_source

    held = split_from_source(DataSource("file", data, data.name), None, None, None)  # the rows an evaluation scores
    assert report["examples"] == len(held.texts) > 100 and 0 <= report["accuracy"] <= 1  # each counted once
    assert sorted(_notes(job_id)) == ["success", "warning"]


@pytest.fixture(scope="module")
def whisper(tmp_path_factory) -> Path:
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper") / "model")


def test_kill_9_mid_transcription_then_interrupted_in_persian_and_resumable(whisper, tmp_path, monkeypatch):
    import numpy as np

    from agents.graph import run_agent
    from assistant.config import reset_settings
    from assistant.jobs import store
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus

    monkeypatch.setenv("DASTYAR_STT_MODEL", str(whisper))
    monkeypatch.setenv("DASTYAR_STT_BEAM_SIZE", "1")
    monkeypatch.setenv("DASTYAR_STT_FALLBACK", "false")
    reset_settings()
    speech, rate = read_pcm(espeak("امروز درباره یادگیری ماشین صحبت می‌کنیم", tmp_path / "sentence.wav"))
    pause = np.zeros(int(1.5 * rate), dtype=np.float32)
    repeats = int(8 * 60 * rate / (speech.size + pause.size)) + 1  # eight minutes: a job of two pieces
    path = write_pcm(tmp_path / "lecture.wav", np.tile(np.concatenate([speech, pause]), repeats), rate)

    def decoding(job_id: int) -> bool:
        job = store.get_job(job_id)
        return job.status == JobStatus.running and 0 < job.progress < 0.9

    job_id = serve_and_kill(f"/transcribe {path}", tmp_path, start=SAY, when=decoding)
    _restart_and_wait(job_id, timeout=5)
    job = store.get_job(job_id)
    assert job.status == JobStatus.interrupted and "Traceback" not in (job.message or ""), (job.status, job.message)
    assert any("\u0600" <= ch <= "\u06ff" for ch in job.message)
    assert _notes(job_id) == ["warning"]
    assert run_agent(f"/resume {job_id}").ok
    done = wait_for_job(job_id, timeout=600)
    assert done.status == JobStatus.succeeded, (done.status, done.error)
    assert done.result["duration"] == pytest.approx(len(np.tile(np.concatenate([speech, pause]), repeats)) / rate, abs=0.1)
    assert Path(done.result["transcript_path"]).read_text(encoding="utf-8").strip()
    assert sorted(_notes(job_id)) == ["success", "warning"]
