"""Training on the Ray cluster (DASTYAR_JOB_BACKEND=ray): the same run as on one machine (run.py), under Ray Train's
`TorchTrainer` with `workers` data-parallel workers (gloo on CPUs, NCCL with `gpu`), checkpoints in the job's output
folder on storage every node sees.

Rank 0 does what a single run does alone — reads the stop flag, reports progress, writes the metrics log, the final
model and its card — and the other ranks follow its decisions (`Rank.agree`, `Rank.share`), so that a stop or an
error ends every worker at the same step instead of leaving one waiting in an all-reduce. A lost worker or node makes
Ray Train start the group again (DASTYAR_RAY_MAX_FAILURES times): each start resumes from the last complete checkpoint.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.jobs import JobCancelled, JobContext, JobError
from prompts import t

log = logging.getLogger(__name__)
RESULT_FILE = "run-result.json"  # rank 0's outcome, read by the driver when the run ends


@dataclass(frozen=True)
class Rank:
    """This process's place in the run; one process alone is rank 0 of 1 and every collective is a no-op."""

    rank: int = 0
    world: int = 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world > 1

    def agree(self, flag: bool) -> bool:
        """True on every rank when it is true on any (rank 0 is the one that reads the stop flag)."""
        if not self.distributed:
            return flag
        import torch
        import torch.distributed as dist

        value = torch.tensor([1 if flag else 0], dtype=torch.int32)
        dist.all_reduce(value, op=dist.ReduceOp.MAX)
        return bool(value.item())

    def share(self, value: Any) -> Any:
        """Rank 0's value, on every rank."""
        if not self.distributed:
            return value
        import torch.distributed as dist

        box = [value if self.main else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def gather(self, value: Any) -> list[Any]:
        if not self.distributed:
            return [value]
        import torch.distributed as dist

        out: list[Any] = [None] * self.world
        dist.all_gather_object(out, value)
        return out


class FollowerContext(JobContext):
    """What a rank other than 0 sees: the parameters; its progress goes nowhere and it never reads the stop flag
    itself (rank 0's decision reaches it through `Rank.agree`)."""

    def progress(self, fraction: float | None = None, message: str | None = None, *, force: bool = False,
                 **result: Any) -> None:
        return None

    def flush(self) -> None:
        return None

    def cancelled(self) -> bool:
        return False


def _worker_loop(config: dict[str, Any]) -> None:
    """Ray Train runs this on every worker (again after a lost worker: it resumes from the last checkpoint)."""
    import ray.train

    from assistant.services.training.run import output_dir, train_body

    context = ray.train.get_context()
    rank = Rank(context.get_world_rank(), context.get_world_size())
    job_id = int(config["job_id"])
    params = dict(config["params"])
    ctx = JobContext(job_id, params) if rank.main else FollowerContext(job_id, params)
    outcome: dict[str, Any]
    try:
        outcome = {"result": train_body(ctx, rank)}
    except JobCancelled:
        outcome = {"cancelled": True}
    except JobError as exc:
        if not rank.main:
            raise  # rank 0 met the same (shared) problem and reports it
        outcome = {"error": exc.user_message, "detail": exc.detail}
    if rank.main:
        path = output_dir(job_id) / RESULT_FILE
        tmp = path.with_suffix(".partial")
        tmp.write_text(json.dumps(outcome, ensure_ascii=False, default=str), encoding="utf-8")
        tmp.replace(path)


def train_on_cluster(ctx: JobContext) -> dict[str, Any]:
    """The driver (a Ray task holding no CPU): starts the Ray Train run, waits for it, and returns rank 0's result."""
    from ray.train import FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchTrainer

    from assistant.config import get_settings
    from assistant.services.training.run import output_dir

    params = dict(ctx.params)
    workers, gpu = max(1, int(params.get("workers") or 1)), bool(params.get("gpu"))
    settings = get_settings()
    out = output_dir(ctx.job_id)
    out.mkdir(parents=True, exist_ok=True)
    result_file = out / RESULT_FILE
    result_file.unlink(missing_ok=True)
    ctx.progress(force=True, workers=workers, gpu=gpu, backend="ray")
    trainer = TorchTrainer(
        _worker_loop,
        train_loop_config={"job_id": ctx.job_id, "params": params},
        scaling_config=ScalingConfig(num_workers=workers, use_gpu=gpu),
        run_config=RunConfig(
            # A new name each start: a resumed job continues from its own checkpoints, not from Ray's run state.
            name=f"dastyar-job-{ctx.job_id}-{int(time.time())}",
            storage_path=str((settings.data_dir / "ray-train").resolve()),
            failure_config=FailureConfig(max_failures=settings.ray_max_failures),
        ),
    )
    failure: BaseException | None = None
    try:
        result = trainer.fit()
        failure = getattr(result, "error", None)
    except Exception as exc:  # TrainingFailedError: lost more often than DASTYAR_RAY_MAX_FAILURES allows
        failure = exc
    outcome = _read_outcome(result_file)
    if outcome.get("cancelled"):
        raise JobCancelled()
    if outcome.get("error"):
        raise JobError(outcome["error"], detail=outcome.get("detail"))
    if failure is not None or "result" not in outcome:
        if ctx.cancelled():
            raise JobCancelled()
        raise JobError(t("cluster.train_failed", tries=settings.ray_max_failures + 1),
                       detail=f"{type(failure).__name__}: {failure}"[:800] if failure else "no result")
    return outcome["result"]


def _read_outcome(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def worker_identity() -> dict[str, Any]:
    try:
        import ray

        node = ray.util.get_node_ip_address()
    except Exception:
        node = os.uname().nodename
    return {"pid": os.getpid(), "node": node}
