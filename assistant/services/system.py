"""Machine and job figures for the status report."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import asdict, dataclass, field

import psutil

from assistant.config import get_settings
from assistant.jobs.store import job_counts


@dataclass
class GpuInfo:
    name: str
    memory_total: int
    memory_used: int
    utilization: float | None = None


@dataclass
class SystemStatus:
    cpu_percent: float
    cpu_count: int
    ram_total: int
    ram_used: int
    ram_percent: float
    disk_total: int
    disk_free: int
    disk_path: str
    gpus: list[GpuInfo] = field(default_factory=list)
    jobs: dict[str, int] = field(default_factory=dict)
    # The last hour's background samples (assistant/services/sampler.py); empty where no sampler runs.
    history: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def gpus() -> list[GpuInfo]:
    # nvidia-smi answers without importing torch (which would cost seconds on the chat's path).
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run(
            [exe, "--query-gpu=name,memory.total,memory.used,utilization.gpu", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    gpus = []
    for line in out.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 4:
            continue
        try:
            gpus.append(
                GpuInfo(
                    name=parts[0],
                    memory_total=int(float(parts[1])) * 1024 * 1024,
                    memory_used=int(float(parts[2])) * 1024 * 1024,
                    utilization=float(parts[3]),
                )
            )
        except ValueError:
            continue
    return gpus


def system_status() -> SystemStatus:
    from assistant.services import sampler

    settings = get_settings()
    vm = psutil.virtual_memory()
    disk = shutil.disk_usage(settings.data_dir)
    running = sampler.current()
    return SystemStatus(
        # With the server's sampler: CPU since its last sample, no wait; alone (the command line): 0.2 s measured.
        cpu_percent=running.cpu_now() if running else psutil.cpu_percent(interval=0.2),
        cpu_count=psutil.cpu_count() or 1,
        ram_total=vm.total,
        ram_used=vm.total - vm.available,
        ram_percent=vm.percent,
        disk_total=disk.total,
        disk_free=disk.free,
        disk_path=str(settings.data_dir.resolve()),
        gpus=gpus(),
        jobs=job_counts(),
        history=running.history() if running else [],
    )
