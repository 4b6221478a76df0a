"""Training tools: `start_training` (a check, the user's yes, then a `training` job) and `try_model`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.config import get_settings
from assistant.persian import (
    fa_digits,
    format_bytes,
    format_duration,
    format_number,
    normalize,
    parse_int,
    parse_number,
)
from assistant.services.files import shown
from assistant.services.training import TrainingProblem
from assistant.services.training.job import KIND as TRAINING
from prompts import t
from tools.registry import ToolArgs, ToolResult, tool

MAX_EPOCHS = 100
MIN_LR, MAX_LR = 1e-8, 0.1
MAX_BATCH = 1024
MAX_LENGTH = 4096
MAX_WORKERS = 256


def _shown(value: Any) -> str:
    return str(value)[:40]


def _epochs(value: Any) -> float:
    number = parse_number(value)
    if number is None or not (0 < number <= MAX_EPOCHS):
        raise ValueError(t("training.bad_epochs", value=_shown(value), max=MAX_EPOCHS))
    return float(number)


def _learning_rate(value: Any) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = parse_number(value)
    if number is None or not (MIN_LR <= number <= MAX_LR):
        raise ValueError(t("training.bad_lr", value=_shown(value), min="1e-8", max="0.1"))
    return float(number)


def _batch(value: Any) -> int:
    number = parse_int(value)
    if number is None or not (1 <= number <= MAX_BATCH):
        raise ValueError(t("training.bad_batch", value=_shown(value), max=MAX_BATCH))
    return number


def _optional_steps(value: Any) -> int | None:
    if value in (None, "", 0, "0"):
        return None
    number = parse_int(value)
    if number is None or not (1 <= number <= 1_000_000):
        raise ValueError(t("training.bad_steps", value=_shown(value), max=1_000_000))
    return number


def _keep(value: Any) -> int:
    number = parse_int(value)
    if number is None or not (1 <= number <= 20):
        raise ValueError(t("training.bad_keep", value=_shown(value), max=20))
    return number


def _max_length(value: Any) -> int:
    number = parse_int(value)
    if number is None or not (8 <= number <= MAX_LENGTH):
        raise ValueError(t("training.bad_max_length", value=_shown(value), max=MAX_LENGTH))
    return number


def _fraction(value: Any) -> float:
    number = parse_number(value)
    if number is not None and number > 1:
        number = number / 100  # «۲۰» meaning 20%
    if number is None or not (0.01 <= number <= 0.5):
        raise ValueError(t("training.bad_fraction", value=_shown(value)))
    return float(number)


def _name(value: Any) -> str:
    text = str(value or "").strip().strip("«»\"'`")
    if len(text) > 1000 or "\n" in text or "\x00" in text:
        raise ValueError(t("training.bad_name", value=_shown(value)))
    return text


def _column(value: Any) -> str | None:
    text = str(value or "").strip().strip("«»\"'`")
    if not text:
        return None
    if len(text) > 200:
        raise ValueError(t("training.bad_name", value=_shown(value)))
    return text


def _task(value: Any) -> str | None:
    from assistant.services.training.tasks import parse_task

    try:
        return parse_task(value)
    except TrainingProblem as exc:
        raise ValueError(exc.message) from exc


_YES = ("1", "yes", "y", "true", "ok", "بله", "آره", "باشه", "تایید", "تأیید")
_NO = ("", "0", "no", "n", "false", "نه", "خیر")


def _confirm(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = normalize(str(value or "")).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise ValueError(t("training.bad_confirm", value=_shown(value)))


def _workers(value: Any) -> int:
    number = parse_int(value)
    if number is None or not (1 <= number <= MAX_WORKERS):
        raise ValueError(t("training.bad_workers", value=_shown(value), max=MAX_WORKERS))
    return number


def _gpu(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    text = normalize(str(value)).lower()
    if text in _YES or text in ("gpu", "cuda"):
        return True
    if text in _NO or text in ("cpu",):
        return False if text else None
    raise ValueError(t("training.bad_gpu", value=_shown(value)))


class StartTrainingArgs(ToolArgs):
    base_model: Annotated[str, BeforeValidator(_name)] = ""
    dataset: Annotated[str, BeforeValidator(_name)] = ""
    task: Annotated[str | None, BeforeValidator(_task)] = None
    epochs: Annotated[float, BeforeValidator(_epochs)] = 3.0
    learning_rate: Annotated[float | None, BeforeValidator(_learning_rate)] = None
    batch_size: Annotated[int, BeforeValidator(_batch)] = 16
    text_column: Annotated[str | None, BeforeValidator(_column)] = None
    label_column: Annotated[str | None, BeforeValidator(_column)] = None
    save_steps: Annotated[int | None, BeforeValidator(_optional_steps)] = None
    save_total_limit: Annotated[int, BeforeValidator(_keep)] = 2
    max_length: Annotated[int, BeforeValidator(_max_length)] = 128
    eval_fraction: Annotated[float, BeforeValidator(_fraction)] = 0.1
    workers: Annotated[int, BeforeValidator(_workers)] = 1
    gpu: Annotated[bool | None, BeforeValidator(_gpu)] = None
    confirmed: Annotated[bool, BeforeValidator(_confirm)] = False


def _lr_text(value: float) -> str:
    return fa_digits(f"{value:g}".replace("e-0", "e-").replace("e+0", "e+").replace(".", "٫"))


def _epochs_text(value: float) -> str:
    return format_number(value, 0 if float(value).is_integer() else 1)


def _summary(plan) -> str:
    from assistant.services.training.tasks import task_label

    data, model, hw, req = plan.data, plan.model, plan.hardware, plan.request
    lines = [t("training.check_header")]
    lines.append(t("training.check_model", model=req.base_model, params=_params_text(model.params),
                   arch=model.architecture))
    lines.append(t("training.check_task", task=task_label(plan.task), lora=t("training.check_lora") if plan.lora else ""))
    source = t("training.source.file", fmt=plan.source.fmt) if plan.source.kind == "file" else t(
        f"training.source.{plan.source.kind}")
    lines.append(t("training.check_data", dataset=plan.source.display, source=source, rows=data.rows))
    if data.label_column:
        lines.append(t("training.check_columns", text=data.text_column, label=data.label_column))
        shown = "، ".join(f"{name} ({fa_digits(data.label_counts.get(name, 0))})" for name in data.labels[:12])
        if len(data.labels) > 12:
            shown += "، …"
        lines.append(t("training.check_labels", count=len(data.labels), labels=shown))
    else:
        lines.append(t("training.check_columns_text", text=data.text_column))
    if data.dropped:
        lines.append(t("training.check_dropped", count=data.dropped))
    lines.append(t("training.check_split", train=len(data.train), eval=len(data.eval), how=data.split_text()))
    lines.append(t("training.check_hparams", epochs=_epochs_text(req.epochs), lr=_lr_text(plan.learning_rate),
                   batch=req.batch_size, steps=plan.total_steps, per_epoch=plan.steps_per_epoch))
    when = t("training.every_steps", steps=req.save_steps) if req.save_steps else t("training.every_epoch")
    lines.append(t("training.check_checkpoints", when=when, keep=req.save_total_limit))
    if plan.on_cluster:  # this machine's hardware and speed say nothing of the cluster's
        lines.append(t("cluster.check_workers", workers=plan.workers, gpu=t("cluster.check_gpu") if plan.gpu else ""))
    else:
        device = t("training.device_cpu", cores=hw.cores) if hw.device == "cpu" else t(
            "training.device_gpu", name=hw.name, precision=hw.precision)
        lines.append(t("training.check_device", device=device))
        lines.append(t("training.check_time", time=format_duration(plan.est_seconds)))
    key = "training.check_memory_tight" if plan.memory_tight else "training.check_memory_ok"
    lines.append(t(key, need=format_bytes(plan.mem_need), free=format_bytes(hw.memory_free)))
    return "\n".join(lines)


def _params_text(params: int) -> str:
    if params >= 1e9:
        return format_number(params / 1e9, 1) + " میلیارد"
    if params >= 1e6:
        return format_number(params / 1e6, 1) + " میلیون"
    if params >= 1e3:
        return format_number(params / 1e3, 1) + " هزار"
    return format_number(params)


def _problem(exc: TrainingProblem, **extra: Any) -> ToolResult:
    return ToolResult(False, exc.message, {"error": exc.code, **exc.values, **extra})


@tool(
    "start_training",
    "Fine-tune a model on a dataset (Hub dataset or uploaded CSV/TSV/JSONL/parquet): text classification, or "
    "text generation with LoRA. First answers with a check and asks for confirmation; confirmed=true starts the job. "
    "workers>1 (and gpu=true for one GPU each) trains data-parallel on the Ray cluster.",
    StartTrainingArgs,
)
def start_training(
    base_model: str = "",
    dataset: str = "",
    task: str | None = None,
    epochs: float = 3.0,
    learning_rate: float | None = None,
    batch_size: int = 16,
    text_column: str | None = None,
    label_column: str | None = None,
    save_steps: int | None = None,
    save_total_limit: int = 2,
    max_length: int = 128,
    eval_fraction: float = 0.1,
    workers: int = 1,
    gpu: bool | None = None,
    confirmed: bool = False,
) -> ToolResult:
    from assistant.services.training.plan import TrainingRequest, check

    if not base_model:
        return ToolResult(False, t("training.missing_model_arg"), {"error": "missing_model_arg"})
    if not dataset:
        return ToolResult(False, t("training.missing_dataset_arg"), {"error": "missing_dataset_arg"})
    request = TrainingRequest(
        base_model=base_model, dataset=dataset, task=task, epochs=epochs, learning_rate=learning_rate,
        batch_size=batch_size, text_column=text_column, label_column=label_column, save_steps=save_steps,
        save_total_limit=save_total_limit, max_length=max_length, eval_fraction=eval_fraction, workers=workers, gpu=gpu,
    )
    try:
        plan = check(request, cache_dir=get_settings().data_dir / "cache" / "datasets")
    except TrainingProblem as exc:
        return _problem(exc)
    summary = _summary(plan)
    args = {
        "base_model": base_model, "dataset": dataset, "task": plan.task, "epochs": epochs,
        "learning_rate": plan.learning_rate, "batch_size": batch_size, "text_column": plan.data.text_column,
        "label_column": plan.data.label_column, "save_steps": save_steps, "save_total_limit": save_total_limit,
        "max_length": max_length, "eval_fraction": eval_fraction, "confirmed": True,
    }
    if plan.on_cluster:
        args.update(workers=plan.workers, gpu=plan.gpu)
    data = {"plan": plan.to_dict()}
    if not confirmed:
        text = summary + "\n\n" + t("training.check_question")
        return ToolResult(True, text, {**data, "needs_confirmation": True}, confirm={"tool": "start_training", "args": args})

    from assistant.jobs.runner import get_runner
    from tools.jobs import job_dict

    title = t("training.title", model=base_model.split("/")[-1][:60], dataset=plan.source.display.split("/")[-1][:60])
    job = get_runner().submit(TRAINING, plan.job_params(), title=title)
    text = summary + "\n\n" + t("training.started", id=job.id, cid=str(job.id))
    return ToolResult(True, text, {**data, "job": job_dict(job)}, job_id=job.id)


class TryModelArgs(ToolArgs):
    model: Annotated[str, BeforeValidator(_name)] = ""
    text: str = ""
    file: Annotated[str | None, BeforeValidator(_column)] = None  # a CSV/TSV/JSONL/… whose every row is labelled
    text_column: Annotated[str | None, BeforeValidator(_column)] = None


@tool(
    "try_model",
    "Run a fine-tuned (by training job number) or installed model on one text: a label with scores for "
    "classification, a continuation for generation.",
    TryModelArgs,
)
def try_model(model: str = "", text: str = "", file: str | None = None, text_column: str | None = None) -> ToolResult:
    from assistant.persian import format_percent
    from assistant.services.training.inference import predict, resolve_target

    text = (text or "").strip().strip("«»\"'")
    if not model:
        return ToolResult(False, t("training.try_missing_model"), {"error": "missing_model"})
    if file:
        return _label_file(model, file, text_column)
    if not text:
        return ToolResult(False, t("training.try_missing_text", model=model), {"error": "missing_text"})
    try:
        target = resolve_target(model)
        output = predict(target, text[:4000])
    except TrainingProblem as exc:
        return _problem(exc)
    lines = [t("training.try_header", model=target.display, text=text[:300])]
    if "label" in output:
        lines.append(t("training.try_label", label=output["label"], score=format_percent(output["score"])))
        lines.append(t("training.try_scores", scores="، ".join(
            f"{s['label']}: {format_percent(s['score'])}" for s in output["scores"])))
    else:
        generated = (output.get("generated") or "").strip(" \n\t\u200c\u200b\ufeff")
        lines.append(t("training.try_generated", generated=generated or "—"))
    data = {"model": target.display, "path": shown(target.path), "prediction": output}
    return ToolResult(True, "\n".join(lines), data)


class EvaluateArgs(ToolArgs):
    model: Annotated[str, BeforeValidator(_name)] = ""
    dataset: Annotated[str | None, BeforeValidator(_column)] = None
    text_column: Annotated[str | None, BeforeValidator(_column)] = None
    label_column: Annotated[str | None, BeforeValidator(_column)] = None


@tool(
    "evaluate_model",
    "Evaluate a text classifier (a fine-tuned model by training job number, or an installed one) on a held-out "
    "split: accuracy, macro-F1, per-class figures, a confusion matrix and two baselines (majority class, TF-IDF + "
    "logistic regression). Without a dataset, a fine-tuned model's own held-out split is used.",
    EvaluateArgs,
)
def evaluate_model(model: str = "", dataset: str | None = None, text_column: str | None = None,
                   label_column: str | None = None) -> ToolResult:
    from assistant.jobs.runner import get_runner
    from assistant.services.hub.local import outputs_dir
    from assistant.services.training.data import resolve_dataset
    from assistant.services.training.inference import resolve_target
    from assistant.services.training.job import EVAL_KIND
    from assistant.services.training.tasks import CLASSIFICATION, GENERATION
    from tools.jobs import job_dict

    if not model:
        return ToolResult(False, t("training.eval_missing_model"), {"error": "missing_model"})
    try:
        target = resolve_target(model)
        if target.task not in (CLASSIFICATION, GENERATION):
            raise TrainingProblem("eval_not_classifier", model=target.display)
        params: dict[str, Any] = {
            "model_path": str(target.path), "model_display": target.display, "task": target.task,
            "own_folder": target.path.resolve().parent == outputs_dir().resolve(),
            "text_column": text_column, "label_column": label_column,
        }
        if target.task == GENERATION:
            params.update(_base_of(target.path))
        if dataset:
            source = resolve_dataset(dataset)
            params.update(dataset_kind=source.kind, dataset_path=str(source.path), dataset_display=source.display,
                          dataset_repo_id=source.repo_id, dataset_format=source.fmt)
        elif not (target.path / "data" / "validation.parquet").is_file():
            raise TrainingProblem("eval_need_data", model=target.display)
    except TrainingProblem as exc:
        return _problem(exc)
    job = get_runner().submit(EVAL_KIND, params, title=t("training.eval_title", model=target.display[:80]))
    return ToolResult(True, t("training.eval_started", id=job.id, model=target.display, cid=str(job.id)),
                      {"job": job_dict(job)}, job_id=job.id)


class CompareArgs(ToolArgs):
    models: Annotated[str, BeforeValidator(_name)] = ""  # «3 5», «۳ و ۵», «job-3, HooshvareLab/x»
    dataset: Annotated[str | None, BeforeValidator(_column)] = None
    text_column: Annotated[str | None, BeforeValidator(_column)] = None
    label_column: Annotated[str | None, BeforeValidator(_column)] = None


MAX_COMPARED = 6


@tool(
    "compare_models",
    "Compare two or more text classifiers (training job numbers or installed models) on the same held-out split: "
    "accuracy and macro-F1 side by side with the baselines, as a table and a chart.",
    CompareArgs,
)
def compare_models(models: str = "", dataset: str | None = None, text_column: str | None = None,
                   label_column: str | None = None) -> ToolResult:
    import re

    from assistant.jobs.runner import get_runner
    from assistant.services.training.data import resolve_dataset
    from assistant.services.training.inference import resolve_target
    from assistant.services.training.job import EVAL_KIND
    from assistant.services.training.tasks import CLASSIFICATION
    from tools.jobs import job_dict

    refs = [r for r in re.split(r"[\s,،]+|(?<!\S)و(?!\S)", normalize(models)) if r and r not in ("و", "با")]
    refs = list(dict.fromkeys(refs))
    if len(refs) < 2:
        return ToolResult(False, t("training.compare_missing"), {"error": "missing_models"})
    if len(refs) > MAX_COMPARED:
        return ToolResult(False, t("training.compare_too_many", limit=fa_digits(MAX_COMPARED)), {"error": "too_many"})
    try:
        targets = [resolve_target(r) for r in refs]
        for target in targets:
            if target.task != CLASSIFICATION:
                raise TrainingProblem("eval_not_classifier", model=target.display)
        params: dict[str, Any] = {
            "model_path": str(targets[0].path), "model_display": targets[0].display,
            "compare": [{"path": str(x.path), "display": x.display} for x in targets],
            "text_column": text_column, "label_column": label_column,
        }
        if dataset:
            source = resolve_dataset(dataset)
            params.update(dataset_kind=source.kind, dataset_path=str(source.path), dataset_display=source.display,
                          dataset_repo_id=source.repo_id, dataset_format=source.fmt)
        elif not (targets[0].path / "data" / "validation.parquet").is_file():
            raise TrainingProblem("eval_need_data", model=targets[0].display)
    except TrainingProblem as exc:
        return _problem(exc)
    names = "، ".join(x.display for x in targets)
    job = get_runner().submit(EVAL_KIND, params, title=t("training.compare_title", models=names[:100]))
    return ToolResult(True, t("training.compare_started", id=job.id, models=names, cid=str(job.id)),
                      {"job": job_dict(job)}, job_id=job.id)


def _label_file(model: str, file: str, text_column: str | None) -> ToolResult:
    """`/try N` with a data file: a `labelling` job that returns the file with a predicted label on every row."""
    from assistant.jobs.runner import get_runner
    from assistant.services.files import confined
    from assistant.services.training.data import FORMATS
    from assistant.services.training.inference import resolve_target
    from assistant.services.training.job import LABEL_KIND
    from assistant.services.training.tasks import CLASSIFICATION
    from tools.jobs import job_dict

    try:
        target = resolve_target(model)
        if target.task != CLASSIFICATION:
            raise TrainingProblem("label_not_classifier", model=target.display)
        path = confined(file)
        if path is None or not path.is_file():
            raise TrainingProblem("dataset_not_found", dataset=str(file)[:200])
        if path.suffix.lower() not in FORMATS:
            raise TrainingProblem("file_format", name=path.name)
    except TrainingProblem as exc:
        return _problem(exc)
    params = {"model_path": str(target.path), "model_display": target.display, "file_path": str(path),
              "text_column": text_column}
    job = get_runner().submit(LABEL_KIND, params, title=f"{target.display[:60]} ← {path.name[:60]}")
    return ToolResult(True, t("training.label_started", name=path.name, model=target.display, id=job.id,
                              cid=str(job.id)), {"job": job_dict(job)}, job_id=job.id)


def _base_of(model_dir: Any) -> dict[str, str]:
    """A fine-tuned LM's base model, when it is on this machine and the person may read it: its perplexity on the
    same texts shows what fine-tuning bought."""
    import json

    from assistant.services.hub.local import resolve_local_model

    try:
        base = json.loads((model_dir / "dastyar.json").read_text(encoding="utf-8")).get("base_model")
    except (OSError, ValueError):
        return {}
    path = resolve_local_model(str(base)) if base else None
    return {"base_path": str(path), "base_display": str(base)} if path is not None else {}


class ExportArgs(ToolArgs):
    model: Annotated[str, BeforeValidator(_name)] = ""
    format: Annotated[str | None, BeforeValidator(_column)] = None


@tool(
    "export_model",
    "Write an ONNX copy of a fine-tuned (by training job number) or installed model, checked with onnxruntime to "
    "give the same predictions as the original.",
    ExportArgs,
)
def export_model(model: str = "", format: str | None = None) -> ToolResult:  # noqa: A002  (the argument's name)
    from assistant.jobs.runner import get_runner
    from assistant.services.hub.local import outputs_dir
    from assistant.services.training.inference import resolve_target
    from assistant.services.training.job import EXPORT_KIND
    from assistant.services.training.tasks import CLASSIFICATION, GENERATION
    from tools.jobs import job_dict

    if not model:
        return ToolResult(False, t("training.export_missing_model"), {"error": "missing_model"})
    wanted = (format or "onnx").strip().lower().replace("اُنیکس", "onnx").replace("انیکس", "onnx")
    if wanted != "onnx":
        return ToolResult(False, t("training.export_format", format=str(format)[:40]), {"error": "bad_format"})
    try:
        target = resolve_target(model)
        if target.task not in (CLASSIFICATION, GENERATION):
            raise TrainingProblem("eval_not_classifier", model=target.display)
    except TrainingProblem as exc:
        return _problem(exc)
    params = {"model_path": str(target.path), "model_display": target.display, "task": target.task,
              "own_folder": target.path.resolve().parent == outputs_dir().resolve(), "format": "onnx"}
    job = get_runner().submit(EXPORT_KIND, params, title=target.display[:80])
    return ToolResult(True, t("training.export_started", model=target.display, id=job.id, cid=str(job.id)),
                      {"job": job_dict(job)}, job_id=job.id)
