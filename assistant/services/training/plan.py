"""The check before a training job: model and data on disk, task fit, split, steps, time and memory estimates.

Everything here runs in the chat process, so it reads files (config.json, safetensors headers, the data) and
does not load the model: the answer comes in a second or two.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from assistant.services.files import confined
from assistant.services.training import tasks as task_mod
from assistant.services.training.data import DataSource, PreparedData, prepare, resolve_dataset
from assistant.services.training.errors import TrainingProblem

DEFAULT_LR = {task_mod.CLASSIFICATION: 2e-5, task_mod.GENERATION: 2e-4}
STARTUP_SECONDS = {"cpu": 12.0, "cuda": 20.0}  # child process start, imports, model load
STEP_OVERHEAD_SECONDS = {"cpu": 0.02, "cuda": 0.01}
# Effective training FLOP/s when this machine has not measured its own yet (updated after each real run).
DEFAULT_FLOPS = {"cpu": 1.5e10, "cuda": 2.0e13}
SPEED_SETTING = "training.flops_per_second"
FRAMEWORK_BYTES = 600 * 1024 * 1024


@dataclass
class TrainingRequest:
    base_model: str
    dataset: str
    task: str | None = None
    epochs: float = 3.0
    learning_rate: float | None = None
    batch_size: int = 16
    text_column: str | None = None
    label_column: str | None = None
    save_steps: int | None = None
    save_total_limit: int = 2
    max_length: int = 128
    eval_fraction: float = 0.1
    workers: int = 1  # data-parallel workers of a Ray Train run (DASTYAR_JOB_BACKEND=ray)
    gpu: bool | None = None  # None: a GPU when this machine has one; True on a cluster: one GPU per worker


@dataclass
class ModelInfo:
    name: str
    path: Path
    model_type: str
    architecture: str
    params: int
    weights_bytes: int
    repo_id: str | None
    hidden: int
    layers: int
    vocab: int
    max_positions: int | None


@dataclass
class Hardware:
    device: str  # cpu | cuda
    name: str
    cores: int
    memory_free: int
    memory_total: int
    precision: str  # fp32 | fp16 | bf16
    gpus: int = 0


@dataclass
class TrainingPlan:
    request: TrainingRequest
    model: ModelInfo
    task: str
    lora: bool
    source: DataSource
    data: PreparedData
    learning_rate: float
    steps_per_epoch: int
    total_steps: int
    est_seconds: float
    mem_need: int
    hardware: Hardware
    warnings: list[str] = field(default_factory=list)
    workers: int = 1
    gpu: bool = False
    on_cluster: bool = False

    @property
    def memory_tight(self) -> bool:
        return self.mem_need > 0.8 * self.hardware.memory_free

    def job_params(self) -> dict[str, Any]:
        """What the child process needs, JSON-friendly: the user's request plus what the check resolved."""
        req = self.request
        return {
            "base_model": req.base_model, "dataset": req.dataset, "task": self.task, "epochs": req.epochs,
            "learning_rate": self.learning_rate, "batch_size": req.batch_size, "text_column": self.data.text_column,
            "label_column": self.data.label_column, "save_steps": req.save_steps, "save_total_limit": req.save_total_limit,
            "max_length": self.effective_max_length, "eval_fraction": req.eval_fraction, "lora": self.lora,
            "model_path": str(self.model.path), "base_repo_id": self.model.repo_id, "dataset_path": str(self.source.path),
            "dataset_kind": self.source.kind, "dataset_repo_id": self.source.repo_id, "dataset_format": self.source.fmt,
            "dataset_display": self.source.display, "total_steps": self.total_steps, "est_seconds": round(self.est_seconds),
            "workers": self.workers, "gpu": self.gpu,
        }

    @property
    def effective_max_length(self) -> int:
        limit = self.model.max_positions or self.request.max_length
        return int(min(self.request.max_length, limit))

    def to_dict(self) -> dict[str, Any]:
        return {
            "task": self.task, "lora": self.lora, "learning_rate": self.learning_rate,
            "steps_per_epoch": self.steps_per_epoch, "total_steps": self.total_steps,
            "est_seconds": round(self.est_seconds, 1), "mem_need": self.mem_need, "memory_tight": self.memory_tight,
            "model": {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self.model).items()},
            "hardware": asdict(self.hardware), "data": self.data.summary(),
            "dataset": {"kind": self.source.kind, "path": str(self.source.path), "display": self.source.display,
                        "repo_id": self.source.repo_id, "format": self.source.fmt},
        }


# -- model -------------------------------------------------------------------------------------------------


def _safetensors_params(files: list[Path]) -> int:
    total = 0
    for path in files:
        with path.open("rb") as fh:
            (length,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(length))
        for name, entry in header.items():
            if name != "__metadata__":
                total += math.prod(entry.get("shape") or [1])
    return total


def model_size(path: Path, config: dict[str, Any]) -> tuple[int, int]:
    """(parameters, bytes of weights) from the files, without loading them."""
    shards = sorted(path.glob("*.safetensors"))
    shards = [p for p in shards if not p.name.startswith("adapter_")]
    weights = sum(p.stat().st_size for p in shards)
    if shards:
        try:
            return _safetensors_params(shards), weights
        except (OSError, ValueError, struct.error):
            pass
    bins = [p for p in path.glob("*.bin") if p.name.startswith("pytorch_model")]
    if bins:
        size = sum(p.stat().st_size for p in bins)
        return size // 4, size
    hidden, layers, vocab = _dims(config)
    params = 12 * layers * hidden * hidden + vocab * hidden
    return params, params * 4


def _dims(config: dict[str, Any]) -> tuple[int, int, int]:
    text = config.get("text_config") or config
    hidden = int(text.get("hidden_size") or text.get("n_embd") or text.get("d_model") or 768)
    layers = int(text.get("num_hidden_layers") or text.get("n_layer") or text.get("num_layers") or 12)
    vocab = int(text.get("vocab_size") or 32000)
    return hidden, layers, vocab


# A model's name as the Hub knows it without an owner («xlm-roberta-base», «gpt2»): Latin letters, digits, «-._», no
# file extension a data file would have.
_HUB_NAME = re.compile(r"(?=[^/]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9._-]{1,95}(?<!\.csv)(?<!\.json)(?<!\.jsonl)(?<!\.txt)"
                       r"(?<!\.tsv)(?<!\.parquet)")


def resolve_model(name: str) -> ModelInfo:
    from assistant.services.hub.local import resolve_local_model

    name = str(name).strip().strip("«»\"'")
    path = resolve_local_model(name)
    if path is None:
        as_path = confined(name)
        if as_path is not None and as_path.is_dir():
            raise TrainingProblem("model_no_config", model=name)
        if "/" in name and not name.startswith(("/", ".", "~")) and name.count("/") == 1:
            raise TrainingProblem("model_missing", model=name)
        if _HUB_NAME.fullmatch(name):  # «xlm-roberta-base»: the Hub still serves its legacy ids without an owner
            raise TrainingProblem("model_not_local", model=name)
        raise TrainingProblem("model_not_found", model=name[:200])
    config = task_mod.read_config(path)
    if not config:
        raise TrainingProblem("model_no_config", model=name)
    if not task_mod.has_tokenizer(path):
        raise TrainingProblem("model_no_tokenizer", model=name)
    if not any(path.glob("*.safetensors")) and not any(path.glob("*.bin")) and not any(path.glob("*.safetensors.index.json")):
        raise TrainingProblem("model_no_weights", model=name)
    params, weights = model_size(path, config)
    hidden, layers, vocab = _dims(config)
    archs = config.get("architectures") or ["?"]
    repo_id = name if ("/" in name and not Path(name).expanduser().exists()) else _base_of(path, config)
    positions = config.get("max_position_embeddings") or config.get("n_positions")
    return ModelInfo(
        name=name, path=path, model_type=str(config.get("model_type") or ""), architecture=str(archs[0]),
        params=int(params), weights_bytes=int(weights), repo_id=repo_id, hidden=hidden, layers=layers, vocab=vocab,
        max_positions=int(positions) if positions else None,
    )


def _base_of(path: Path, config: dict[str, Any]) -> str | None:
    """A fine-tuned output records the Hub id it came from."""
    meta = path / "dastyar.json"
    if meta.is_file():
        try:
            return json.loads(meta.read_text(encoding="utf-8")).get("base_model")
        except ValueError:
            return None
    return None


# -- machine -----------------------------------------------------------------------------------------------


def detect_hardware() -> Hardware:
    from assistant.services.system import gpus as _gpus

    cores = psutil.cpu_count() or 1
    gpus = _gpus()
    if gpus:
        gpu = gpus[0]
        return Hardware(
            device="cuda", name=gpu.name, cores=cores, memory_free=gpu.memory_total - gpu.memory_used,
            memory_total=gpu.memory_total, precision="bf16" if _bf16_name(gpu.name) else "fp16", gpus=len(gpus),
        )
    vm = psutil.virtual_memory()
    return Hardware(device="cpu", name="CPU", cores=cores, memory_free=vm.available, memory_total=vm.total,
                    precision="fp32")


def placement(req: TrainingRequest, hw: Hardware) -> tuple[int, bool, bool]:
    """(workers, one GPU per worker, on the Ray cluster). Several workers need the Ray backend; a request for more
    CPUs or GPUs than the cluster has is refused with what it has and what is free now (more than is free waits in
    Ray's queue)."""
    from assistant.config import get_settings

    workers = max(1, int(req.workers or 1))
    if get_settings().job_backend != "ray":
        if workers > 1:
            raise TrainingProblem("cluster.needs_ray")
        if req.gpu and not hw.gpus:
            raise TrainingProblem("cluster.no_local_gpu")
        return 1, bool(hw.gpus), False
    from assistant.jobs import cluster
    from prompts import t

    try:
        have = cluster.resources()
    except cluster.ClusterError as exc:
        raise TrainingProblem("cluster.unreachable", address=get_settings().ray_address or "local") from exc
    gpu = bool(req.gpu)
    if gpu and workers > have.gpus:
        fit = int(have.gpus)
        hint = t("cluster.hint_gpu_fewer", fit=str(fit)) if fit else t("cluster.hint_cpu")
        raise TrainingProblem("cluster.too_many_gpus", total=int(have.gpus), free=int(have.gpus_free), want=workers,
                              hint=hint)
    if not gpu and workers > have.cpus:
        fit = max(1, int(have.cpus))
        raise TrainingProblem("cluster.too_many_cpus", total=int(have.cpus), free=int(have.cpus_free), want=workers,
                              hint=t("cluster.hint_fewer", fit=str(fit)))
    return workers, gpu, True


def _bf16_name(name: str) -> bool:
    # Ampere and newer have bf16; the child process decides for real with torch.cuda.is_bf16_supported().
    return any(k in name for k in ("A100", "A10", "A30", "A40", "A6000", "L4", "L40", "H100", "H200", "RTX 30", "RTX 40",
                                   "RTX 50", "B200"))


def measured_speed(device: str) -> float:
    from assistant.db import get_setting

    raw = get_setting(SPEED_SETTING)
    try:
        value = float(json.loads(raw or "{}").get(device, 0))
    except (ValueError, AttributeError):
        value = 0.0
    return value if value > 0 else DEFAULT_FLOPS[device]


def record_speed(device: str, flos: float, seconds: float, steps: int) -> None:
    """Remember this machine's effective FLOP/s from a finished run (only runs big enough to say something)."""
    from assistant.db import get_setting, set_setting

    compute = seconds - STEP_OVERHEAD_SECONDS[device] * steps
    if flos <= 0 or steps <= 0 or flos / steps < 1e9 or compute <= 0:
        return
    try:
        data = json.loads(get_setting(SPEED_SETTING) or "{}")
    except ValueError:
        data = {}
    data[device] = flos / compute
    set_setting(SPEED_SETTING, json.dumps(data))


# -- estimates ---------------------------------------------------------------------------------------------


def tokens_per_example(avg_chars: float, max_length: int) -> float:
    # Persian WordPiece/BPE vocabularies give roughly one token per 3–4 characters, plus the special tokens.
    return float(min(max_length, avg_chars / 3.5 + 2))


def estimate_seconds(model: ModelInfo, data: PreparedData, req: TrainingRequest, total_steps: int, hw: Hardware,
                     lora: bool, max_length: int) -> float:
    tokens = tokens_per_example(data.avg_chars, max_length)
    speed = measured_speed(hw.device) * max(1, hw.gpus)
    factor = 4 if lora else 6  # forward + backward; LoRA skips most weight gradients
    step_flops = factor * model.params * tokens * req.batch_size
    train = total_steps * (STEP_OVERHEAD_SECONDS[hw.device] + step_flops / speed)
    evals = max(1, math.ceil(req.epochs)) * len(data.eval) * 2 * model.params * tokens / speed
    return STARTUP_SECONDS[hw.device] + train + evals + 2.0


def estimate_memory(model: ModelInfo, req: TrainingRequest, lora: bool, max_length: int, hw: Hardware) -> int:
    bytes_per = 2 if hw.precision in ("fp16", "bf16") and hw.device == "cuda" else 4
    if lora:
        states = model.params * bytes_per + int(model.params * 0.02) * 16
    else:
        states = model.params * (bytes_per + 4 + 8)  # weights, gradients, Adam's two moments
    activations = req.batch_size * max_length * model.hidden * model.layers * 34
    logits = req.batch_size * max_length * model.vocab * 4 * 2 if lora else 0
    return int(states + activations + logits + FRAMEWORK_BYTES)


def check(req: TrainingRequest, cache_dir: Path | None = None) -> TrainingPlan:
    """Everything the user should know before training; raises `TrainingProblem` with a Persian message."""
    if not str(req.base_model or "").strip():
        raise TrainingProblem("missing_model_arg")
    if not str(req.dataset or "").strip():
        raise TrainingProblem("missing_dataset_arg")
    requested = task_mod.parse_task(req.task)
    model = resolve_model(req.base_model)
    config = task_mod.read_config(model.path)
    task = task_mod.check_model_task(req.base_model, config, requested)
    source = resolve_dataset(req.dataset)
    data = prepare(source, task, text_column=req.text_column, label_column=req.label_column,
                   eval_fraction=req.eval_fraction, cache_dir=cache_dir)
    lora = task_mod.TASKS[task].lora
    hw = detect_hardware()
    workers, gpu, on_cluster = placement(req, hw)
    parallel = workers if on_cluster else max(1, hw.gpus)
    steps_per_epoch = max(1, math.ceil(len(data.train) / (req.batch_size * parallel)))
    total_steps = max(1, math.ceil(steps_per_epoch * req.epochs))
    max_length = int(min(req.max_length, model.max_positions or req.max_length))
    plan = TrainingPlan(
        request=req, model=model, task=task, lora=lora, source=source, data=data,
        learning_rate=req.learning_rate or DEFAULT_LR[task], steps_per_epoch=steps_per_epoch, total_steps=total_steps,
        est_seconds=estimate_seconds(model, data, req, total_steps, hw, lora, max_length),
        mem_need=estimate_memory(model, req, lora, max_length, hw), hardware=hw,
        workers=workers, gpu=gpu, on_cluster=on_cluster,
    )
    if plan.mem_need > hw.memory_free and not on_cluster:  # a cluster's nodes have their own memory
        from assistant.persian import format_bytes

        raise TrainingProblem("memory_too_small", need=format_bytes(plan.mem_need), free=format_bytes(hw.memory_free))
    return plan
