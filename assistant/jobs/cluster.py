"""The Ray job backend (DASTYAR_JOB_BACKEND=ray): decides *where* a job's work runs — APScheduler still decides when,
and the Job table stays the truth.

The server claims a job as it always does; the handler then runs as a Ray task on some node and writes its progress,
its end and its notification straight to the Job row (so every node must reach the same PostgreSQL). The server's
thread only waits on the task, and kills it when a stop request is not honoured in time. When the server dies, Ray
ends the tasks it owns (a job's tasks share their driver's fate), and the next server resumes the job as it would a
local child's. Ray is imported only here, and only when the backend is `ray`: nothing changes for a local user.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from assistant.config import get_settings

log = logging.getLogger(__name__)

# Settings a worker needs to see what the server sees. Secrets (tokens, keys, passwords) are never sent: a node
# takes HF_TOKEN or PGPASSWORD from its own environment (Ray keeps a task's environment in its control store).
_FORWARDED_PREFIXES = ("DASTYAR_", "HF_", "TRANSFORMERS_", "PYTHONPATH")
_SECRET_WORDS = ("TOKEN", "SECRET", "KEY", "PASSWORD", "PASSWD")
_lock = threading.Lock()
_connected_to: str | None = None


class ClusterError(Exception):
    """The cluster cannot be used as configured; `user_message` is one Persian line."""

    def __init__(self, user_message: str, detail: str = "") -> None:
        super().__init__(detail or user_message)
        self.user_message = user_message


def enabled() -> bool:
    return get_settings().job_backend == "ray"


def _is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def check_database() -> None:
    """A cluster someone else's nodes join needs a database they reach: SQLite (a file on this machine) is refused
    with RAY_ADDRESS set. A Ray instance this process starts itself runs on this machine and may share the file."""
    from prompts import t

    settings = get_settings()
    if settings.ray_address and _is_sqlite(settings.db_url):
        raise ClusterError(t("cluster.sqlite_refused"))


def _database_url_without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    user = parts.username or ""
    return urlunsplit((parts.scheme, f"{user}@{host}" if user else host, parts.path, parts.query, parts.fragment))


def worker_env() -> dict[str, str]:
    """The environment a job's task gets: the data directory, HF cache and endpoint, the database (its password
    stripped: libpq reads PGPASSWORD or ~/.pgpass on the node) and the other non-secret DASTYAR_/HF_ settings."""
    settings = get_settings()
    env = {k: v for k, v in os.environ.items()
           if k.startswith(_FORWARDED_PREFIXES) and not any(word in k.upper() for word in _SECRET_WORDS)}
    env["DASTYAR_DATA_DIR"] = str(settings.data_dir.resolve())
    if settings.hf_home:
        env["HF_HOME"] = str(settings.hf_home.resolve())
    env["DATABASE_URL"] = _database_url_without_password(settings.db_url)
    env["DASTYAR_JOB_BACKEND"] = "ray"
    return env


def _reachable(address: str, timeout: float = 3.0) -> bool:
    """A quick TCP look at the head's port, so a wrong address fails in seconds, not after Ray's long retries."""
    if address in ("auto", "local") or "://" in address and not address.startswith("ray://"):
        return True
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        return True  # let Ray judge what it accepts
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
        return True
    except OSError:
        return False


def connect() -> Any:
    """This process joins the cluster at RAY_ADDRESS (once), or starts a Ray instance on this machine when it is
    unset. Returns the `ray` module."""
    global _connected_to
    from prompts import t

    check_database()
    address = get_settings().ray_address
    with _lock:
        # No usage report to Ray's servers (nothing leaves the network unasked), and no warning about a GPU setting.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        os.environ.setdefault("RAY_ACCEL_ENV_VAR_OVERRIDE_ON_ZERO", "0")
        import ray

        if ray.is_initialized() and _connected_to == (address or "local"):
            return ray
        if ray.is_initialized():
            ray.shutdown()
        if address and not _reachable(address):
            raise ClusterError(t("cluster.unreachable", address=address))
        try:
            ray.init(address=address or None, namespace="dastyar", log_to_driver=False, include_dashboard=False,
                     configure_logging=False, ignore_reinit_error=True)
        except Exception as exc:  # Ray's own text is English and long: one Persian line, the detail to the log
            log.warning("could not join the Ray cluster at %s: %s", address or "(local)", exc)
            raise ClusterError(t("cluster.unreachable", address=address or "local"), str(exc)) from exc
        _connected_to = address or "local"
        return ray


def disconnect() -> None:
    global _connected_to
    with _lock:
        import sys

        ray = sys.modules.get("ray")
        if ray is not None and ray.is_initialized():
            ray.shutdown()
        _connected_to = None


def _task_main(job_id: int, target: str, setup: str | None) -> dict[str, Any]:
    """What runs on the node: the app's setup (handlers and hooks), then the handler, as in a local child."""
    from assistant.jobs import store
    from assistant.jobs.registry import resolve_target
    from assistant.jobs.runner import run_handler

    logging.basicConfig(level=logging.INFO)
    if setup:
        resolve_target(setup)()
    where = {"node": _node_ip(), "pid": os.getpid()}
    store.update_progress(job_id, result={"worker": where})
    run_handler(job_id, resolve_target(target))
    return where


def _node_ip() -> str:
    try:
        import ray

        return ray.util.get_node_ip_address()
    except Exception:
        return socket.gethostname()


@dataclass
class Submitted:
    ref: Any

    def wait(self, timeout: float) -> bool:
        import ray

        ready, _ = ray.wait([self.ref], timeout=timeout)
        return bool(ready)

    def outcome(self) -> str | None:
        """None when the task returned; else the kind of its end: 'cancelled' or 'lost' (worker or node died)."""
        import ray
        from ray import exceptions as rex

        try:
            ray.get(self.ref)
            return None
        except rex.TaskCancelledError:
            return "cancelled"
        except (rex.WorkerCrashedError, rex.NodeDiedError, rex.OwnerDiedError, rex.ObjectLostError,
                rex.LocalRayletDiedError) as exc:
            log.warning("job task lost: %s", exc)
            return "lost"
        except rex.RayError as exc:
            log.warning("job task failed: %s", exc)
            return "lost"

    def kill(self) -> None:
        import ray

        ray.cancel(self.ref, force=True, recursive=True)


def submit(job_id: int, target: str, setup: str | None, *, num_cpus: float = 0) -> Submitted:
    """Run the handler `target` for the claimed job on the cluster. A coordinating task (a Ray Train driver, a
    download) holds no CPU: the cluster's CPUs are for the work itself."""
    ray = connect()
    remote = ray.remote(_task_main).options(
        num_cpus=num_cpus, max_retries=0, name=f"dastyar-job-{job_id}",
        runtime_env={"env_vars": worker_env()},
    )
    return Submitted(remote.remote(job_id, target, setup))


@dataclass(frozen=True)
class Resources:
    nodes: int
    cpus: float
    cpus_free: float
    gpus: float
    gpus_free: float
    memory: float
    memory_free: float


def resources() -> Resources:
    """The cluster's nodes, CPUs and GPUs (total, and not reserved by tasks now) and memory (the nodes' physical
    memory, total and available; Ray's own "memory" figure counts only what tasks reserved)."""
    ray = connect()
    total = ray.cluster_resources()
    free = ray.available_resources()
    alive = [n for n in ray.nodes() if n.get("Alive")]
    memory = _physical_memory(ray, alive)
    if memory is None:
        memory = (float(total.get("memory", 0)), float(free.get("memory", 0)))
    return Resources(
        nodes=len(alive), cpus=float(total.get("CPU", 0)), cpus_free=float(free.get("CPU", 0)),
        gpus=float(total.get("GPU", 0)), gpus_free=float(free.get("GPU", 0)),
        memory=memory[0], memory_free=memory[1],
    )


_MEMORY_TTL = 10.0
_memory_cache: tuple[float, tuple[float, float]] | None = None


def _memory_of_this_node() -> tuple[int, int]:
    import psutil

    vm = psutil.virtual_memory()
    return vm.total, vm.available


def _physical_memory(ray: Any, alive: list[dict[str, Any]]) -> tuple[float, float] | None:
    """(total, available) over the nodes, from a tiny task pinned to each (kept 10 s: /status may be asked often)."""
    global _memory_cache
    now = time.monotonic()
    if _memory_cache is not None and now - _memory_cache[0] < _MEMORY_TTL:
        return _memory_cache[1]
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    probe = ray.remote(_memory_of_this_node)
    refs = [probe.options(num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False))
            .remote() for n in alive]
    if not refs:
        return None
    ready, _ = ray.wait(refs, num_returns=len(refs), timeout=5.0)
    if len(ready) != len(refs):
        return None
    values = ray.get(ready)
    result = (float(sum(v[0] for v in values)), float(sum(v[1] for v in values)))
    _memory_cache = (now, result)
    return result
