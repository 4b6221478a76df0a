"""Machine figures sampled in the background for `/status`'s chart of the last hour.

One daemon thread per server process reads CPU, memory, disk, GPU and the job queue every `sample_seconds` into a
ring of the last hour. `/status` then reads CPU since the last sample instead of blocking a reply for 0.2 s, and
draws the ring. The command line (`dastyar ask "/status"`) starts no sampler: it measures CPU for 0.2 s as before
and shows no chart.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from typing import Any

import psutil

HOUR = 3600.0


@dataclass
class Sample:
    at: float  # unix seconds
    cpu: float  # percent of all cores since the previous sample
    ram: float  # percent used
    disk: float  # percent used, the data directory's disk
    gpu: float | None  # utilization percent of the first GPU, None without one
    queue: int  # jobs queued or running


def _cpu_busy(before: Any, after: Any) -> float:
    """Percent of CPU time not idle between two psutil.cpu_times() readings (own readings: psutil's module-wide
    `cpu_percent(None)` baseline would be shared with every other caller)."""
    idle = (after.idle + getattr(after, "iowait", 0.0)) - (before.idle + getattr(before, "iowait", 0.0))
    total = sum(after) - sum(before)
    return round(max(0.0, min(100.0, 100.0 * (1.0 - idle / total))), 1) if total > 0 else 0.0


class Sampler:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.samples: deque[Sample] = deque(maxlen=max(2, int(HOUR / interval) + 1))
        self._times = psutil.cpu_times()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="dastyar-sampler", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.take()
            except Exception:  # noqa: BLE001 — a failed reading (database busy, disk gone) skips one point
                continue

    def take(self) -> Sample:
        from assistant.config import get_settings
        from assistant.jobs.store import job_counts
        from assistant.services.system import gpus

        now = psutil.cpu_times()
        with self._lock:
            cpu, self._times = _cpu_busy(self._times, now), now
        disk = shutil.disk_usage(get_settings().data_dir)
        found = gpus()
        counts = job_counts()
        sample = Sample(at=time.time(), cpu=cpu, ram=psutil.virtual_memory().percent,
                        disk=round(100.0 * (disk.total - disk.free) / disk.total, 1) if disk.total else 0.0,
                        gpu=found[0].utilization if found else None,
                        queue=int(counts.get("queued", 0)) + int(counts.get("running", 0)))
        with self._lock:
            self.samples.append(sample)
        return sample

    def cpu_now(self) -> float:
        """CPU since the last sample (no waiting)."""
        with self._lock:
            before = self._times
        return _cpu_busy(before, psutil.cpu_times())

    def history(self) -> list[dict[str, Any]]:
        cutoff = time.time() - HOUR
        with self._lock:
            return [asdict(s) for s in self.samples if s.at >= cutoff]


_current: Sampler | None = None
_guard = threading.Lock()


def start() -> Sampler:
    """The process's sampler, started once (the server calls this at start-up); its first point comes after one
    interval (CPU is a rate: it needs a span to be measured over)."""
    global _current
    from assistant.config import get_settings

    with _guard:
        if _current is None:
            _current = Sampler(get_settings().sample_seconds)
            _current.start()
        return _current


def current() -> Sampler | None:
    return _current


def stop() -> None:
    global _current
    with _guard:
        if _current is not None:
            _current.stop()
            _current = None
