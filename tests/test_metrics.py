"""The figures `/metrics` reads from the Job table, through the store's own calls on a real database, parsed by
prometheus_client's text parser (the route and its guards: tests/test_browser_auth.py)."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families
from sqlmodel import select

from assistant import metrics
from assistant.db import session_scope
from assistant.jobs import store
from assistant.models import Job, JobStatus


def _ended(kind: str, seconds: float, status: JobStatus = JobStatus.succeeded, **result) -> int:
    job = store.create_job(kind, {})
    assert store.claim_job(job.id)
    store.finish_job(job.id, status, result=result)
    with session_scope() as s:  # the run time the figures are about, without waiting for it
        row = s.exec(select(Job).where(Job.id == job.id)).one()
        row.started_at = row.finished_at - timedelta(seconds=seconds)
        s.add(row)
        s.commit()
    return job.id


def test_job_figures_come_from_the_table():
    _ended("download", 3.0, bytes_fetched=1_000_000)
    _ended("download", 40.0, JobStatus.failed, bytes_fetched=250_000)
    _ended("transcription", 5.0, duration=20.0)  # 5 s for 20 s of speech: real-time factor 0.25
    running = store.create_job("training", {})
    assert store.claim_job(running.id)
    store.update_progress(running.id, progress=0.5, result={"samples_per_second": 41.5})
    store.create_job("training", {})  # queued
    metrics.observe_message("cancel_job", 0.02)
    metrics.observe_message(None, 0.2)
    body, content_type = metrics.exposition()
    assert content_type.startswith("text/plain")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    jobs = {(s.labels["kind"], s.labels["state"]): s.value for s in families["dastyar_jobs"].samples}
    assert jobs == {("download", "succeeded"): 1, ("download", "failed"): 1, ("transcription", "succeeded"): 1,
                    ("training", "running"): 1, ("training", "queued"): 1}
    took = {(s.name, s.labels.get("kind"), s.labels.get("le")): s.value
            for s in families["dastyar_job_duration_seconds"].samples}
    assert took[("dastyar_job_duration_seconds_count", "download", None)] == 2
    assert took[("dastyar_job_duration_seconds_bucket", "download", "5.0")] == 1
    assert took[("dastyar_job_duration_seconds_bucket", "download", "+Inf")] == 2
    assert abs(took[("dastyar_job_duration_seconds_sum", "download", None)] - 43.0) < 0.01
    assert families["dastyar_download_fetched_bytes"].samples[0].value == 1_250_000
    assert [(s.labels["job"], s.value) for s in families["dastyar_training_samples_per_second"].samples] == [
        (str(running.id), 41.5)]
    rtf = {(s.name, s.labels.get("le")): s.value for s in families["dastyar_speech_real_time_factor"].samples}
    assert rtf[("dastyar_speech_real_time_factor_bucket", "0.1")] == 0
    assert rtf[("dastyar_speech_real_time_factor_bucket", "0.25")] == 1
    messages = {(s.name, s.labels.get("tool")): s.value for s in families["dastyar_message_seconds"].samples}
    assert messages[("dastyar_message_seconds_count", "cancel_job")] >= 1
    assert messages[("dastyar_message_seconds_count", "none")] >= 1
    assert families["process_cpu_seconds"].samples[0].value > 0


def test_the_background_sampler_and_the_status_chart():
    """Real readings (psutil, the disk, the Job table) into the ring `/status` draws; CPU without a wait."""
    from assistant.services.sampler import Sampler
    from assistant.ui.status_view import status_elements, status_figure

    store.create_job("download", {})  # queued
    sampler = Sampler(interval=60)
    first, second = sampler.take(), sampler.take()
    assert second.at >= first.at and second.queue == 1 and 0 <= second.cpu <= 100
    assert 0 < second.ram < 100 and 0 < second.disk <= 100
    history = sampler.history()
    assert len(history) == 2 and history[-1]["queue"] == 1
    assert 0 <= sampler.cpu_now() <= 100
    names = [trace.name for trace in status_figure(history).data]
    assert names[:3] == ["پردازنده", "حافظه", "دیسک"] and names[-1] == "کارهای در صف و در حال اجرا"
    assert status_elements("system_status", {"history": history[:1]}) == []  # one point draws no line
    assert status_elements("list_jobs", {"history": history}) == []
