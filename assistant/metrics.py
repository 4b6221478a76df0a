"""What the people who run the server watch, in the Prometheus text format (`/metrics`, assistant/ui/health.py).

Two kinds of figures. Counted in this process as things happen: chat messages and their latency by tool, open chat
sessions. Read from the Job table at each scrape, so they are the same whichever server process ran the work and
survive restarts: jobs by kind and state, job durations, bytes downloaded, training samples/s of running trainings,
speech real-time factor. Plus the process's memory and CPU (prometheus_client's own collectors).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# Seconds: a chat reply is a few ms to a few s; a job, seconds to hours.
MESSAGE_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
JOB_BUCKETS = (1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0, 4 * 3600.0, 24 * 3600.0)
FINAL = ("succeeded", "failed", "cancelled", "interrupted")


class _JobCollector:
    """Figures read from the Job table when scraped (one query of the columns they need)."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily
        from sqlmodel import select

        from assistant.db import session_scope
        from assistant.models import Job

        with session_scope() as s:
            rows = s.exec(select(Job.id, Job.kind, Job.status, Job.started_at, Job.finished_at, Job.result)).all()
        counts: dict[tuple[str, str], int] = defaultdict(int)
        durations: dict[str, list[float]] = defaultdict(list)
        fetched = 0.0
        samples = GaugeMetricFamily("dastyar_training_samples_per_second", "Training speed of running trainings",
                                    labels=["job"])
        rtf = HistogramMetricFamily("dastyar_speech_real_time_factor",
                                    "Transcription wall time over audio duration, finished transcriptions")
        rtfs: list[float] = []
        for job_id, kind, status, started, finished, result in rows:
            status = str(getattr(status, "value", status))
            counts[(kind, status)] += 1
            result = result or {}
            seconds = (finished - started).total_seconds() if started and finished else None
            if status in FINAL and seconds is not None:
                durations[kind].append(seconds)
            if kind == "download":
                fetched += float(result.get("bytes_fetched") or 0)
            if kind == "training" and status == "running" and result.get("samples_per_second"):
                samples.add_metric([str(job_id)], float(result["samples_per_second"]))
            if kind == "transcription" and status == "succeeded" and seconds and result.get("duration"):
                rtfs.append(seconds / float(result["duration"]))
        jobs = GaugeMetricFamily("dastyar_jobs", "Jobs in the table by kind and state", labels=["kind", "state"])
        for (kind, status), n in sorted(counts.items()):
            jobs.add_metric([kind, status], n)
        yield jobs
        took = HistogramMetricFamily("dastyar_job_duration_seconds", "Run time of ended jobs (start to end)",
                                     labels=["kind"])
        for kind, values in sorted(durations.items()):
            took.add_metric([kind], _buckets(values, JOB_BUCKETS), sum(values))
        yield took
        downloaded = GaugeMetricFamily("dastyar_download_fetched_bytes",
                                       "Bytes fetched from the Hub or a mirror by download jobs in the table")
        downloaded.add_metric([], fetched)
        yield downloaded
        yield samples
        if rtfs:
            rtf.add_metric([], _buckets(rtfs, (0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)), sum(rtfs))
        yield rtf


def _buckets(values: list[float], bounds: tuple[float, ...]) -> list[tuple[str, float]]:
    """Cumulative bucket counts, Prometheus style, ending with +Inf."""
    out = [(repr(float(b)), float(sum(v <= b for v in values))) for b in bounds]
    return [*out, ("+Inf", float(len(values)))]


@lru_cache(maxsize=1)
def _registry() -> dict[str, Any]:
    from prometheus_client import CollectorRegistry, Gauge, Histogram
    from prometheus_client.platform_collector import PlatformCollector
    from prometheus_client.process_collector import ProcessCollector

    registry = CollectorRegistry(auto_describe=False)
    ProcessCollector(registry=registry)  # process_resident_memory_bytes, process_cpu_seconds_total …
    PlatformCollector(registry=registry)
    registry.register(_JobCollector())
    return {
        "registry": registry,
        "messages": Histogram("dastyar_message_seconds", "Chat messages answered and their latency, by tool",
                              ["tool"], buckets=MESSAGE_BUCKETS, registry=registry),
        "sessions": Gauge("dastyar_chat_sessions", "Chat sessions open on this server process", registry=registry),
    }


def observe_message(tool: str | None, seconds: float) -> None:
    _registry()["messages"].labels(tool=tool or "none").observe(seconds)


def session_opened() -> None:
    _registry()["sessions"].inc()


def session_closed() -> None:
    _registry()["sessions"].dec()


def exposition() -> tuple[bytes, str]:
    """The current figures as Prometheus text and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return generate_latest(_registry()["registry"]), CONTENT_TYPE_LATEST
