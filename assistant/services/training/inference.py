"""`/try`: run a fine-tuned or installed model on one text, with a small cache of loaded pipelines."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.identity import can_see
from assistant.persian import parse_int, to_latin_digits
from assistant.services.training import tasks as task_mod
from assistant.services.training.errors import TrainingProblem
from assistant.services.training.job import KIND as TRAINING

_CACHE_SIZE = 2
_cache: OrderedDict[tuple[str, float], Any] = OrderedDict()
_lock = threading.Lock()
_JOB_REF = re.compile(r"^(?:#|job[-_ ]?|کار\s*|آموزش\s*)?([0-9]+)$", re.IGNORECASE)


@dataclass
class TryTarget:
    path: Path
    display: str
    task: str
    job_id: int | None = None


def _job_id(ref: str) -> int | None:
    m = _JOB_REF.match(to_latin_digits(ref.strip()))
    return parse_int(m.group(1)) if m else None


GOAL = "goal"  # the chain's job kind (assistant/services/goals/chain.py): not imported, it imports the trainer


def resolve_target(ref: str) -> TryTarget:
    """A training job number, a fine-tuned folder name, a local path or a downloaded Hub model."""
    from assistant.jobs import store
    from assistant.models import JobStatus
    from assistant.services.hub.local import resolve_local_model
    from prompts import t

    ref = str(ref).strip().strip("«»\"'`")
    job_id = _job_id(ref)
    path: Path | None = None
    display = ref
    if job_id is not None:
        job = store.get_job(job_id)
        if job is not None and not can_see(job.owner):
            job = None  # another person's model reads like a missing one
        if job is not None and job.kind == GOAL:
            # A goal's chain stands for the model it trained (once its training step has one).
            trained = (job.result.get("found") or {}).get("train_job")
            if not trained:
                raise TrainingProblem("try_job_running", id=job_id, status=t(f"jobs.status.{job.status.value}"))
            job_id, job = int(trained), store.get_job(int(trained))
        if job is not None:
            if job.kind != TRAINING:
                raise TrainingProblem("try_job_not_training", id=job_id)
            status = job.status
            label = t(f"jobs.status.{status.value}")
            if status.is_active:
                raise TrainingProblem("try_job_running", id=job_id, status=label)
            if status != JobStatus.succeeded:
                raise TrainingProblem("try_job_failed", id=job_id, status=label, cid=str(job_id))
            path = resolve_local_model(f"job-{job_id}")
            display = f"job-{job_id}"
    if path is None:
        path = resolve_local_model(ref)
    if path is None:
        raise TrainingProblem("try_not_found", model=ref[:200])
    config = task_mod.read_config(path)
    task = _task_of(config)
    if task is None:
        raise TrainingProblem("try_unsupported", model=display, model_type=str(config.get("model_type") or "?"))
    return TryTarget(path=path, display=display, task=task, job_id=job_id)


def _task_of(config: dict[str, Any]) -> str | None:
    archs = config.get("architectures") or []
    if any("SequenceClassification" in a for a in archs):
        return task_mod.CLASSIFICATION
    if any(a.endswith(("ForCausalLM", "LMHeadModel")) for a in archs):
        return task_mod.GENERATION
    if not config.get("model_type"):
        return None
    possible = task_mod.tasks_for(config)
    for task in (task_mod.CLASSIFICATION, task_mod.GENERATION):
        if task in possible:
            return task
    return None


def _pipeline(target: TryTarget):
    config = target.path / "config.json"
    key = (str(target.path), config.stat().st_mtime if config.exists() else 0.0)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    import transformers
    from transformers import pipeline

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    pipe = pipeline(task_mod.TASKS[target.task].pipeline, model=str(target.path), device=_device())
    with _lock:
        _cache[key] = pipe
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return pipe


def _device() -> int:
    import torch

    return 0 if torch.cuda.is_available() else -1


def predict(target: TryTarget, text: str) -> dict[str, Any]:
    """Classification: label and the score of every label. Generation: the continuation."""
    try:
        pipe = _pipeline(target)
        if target.task == task_mod.CLASSIFICATION:
            scores = pipe(text, top_k=None, truncation=True)
            if scores and isinstance(scores[0], list):
                scores = scores[0]
            scores = sorted(({"label": str(s["label"]), "score": float(s["score"])} for s in scores),
                            key=lambda s: s["score"], reverse=True)
            return {"task": target.task, "label": scores[0]["label"], "score": scores[0]["score"], "scores": scores}
        tokenizer = pipe.tokenizer
        out = pipe(text, max_new_tokens=40, do_sample=False, return_full_text=False, repetition_penalty=1.3,
                   pad_token_id=tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id)
        return {"task": target.task, "generated": str(out[0]["generated_text"]).strip()}
    except TrainingProblem:
        raise
    except Exception as exc:
        raise TrainingProblem("try_failed", model=target.display) from exc
