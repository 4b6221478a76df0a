"""The training run itself, in the job's child process: a real `transformers.Trainer` with a callback that
reports to the Job row, checkpoints that a resumed run continues from, and a final model with its card.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from pathlib import Path
from typing import Any

from assistant.disk import is_disk_full, nearly_full
from assistant.jobs import JobCancelled, JobContext, JobError
from assistant.persian import fa_digits, format_duration, format_number, format_percent
from assistant.services.files import shown
from assistant.services.training import metrics as metrics_mod
from assistant.services.training.data import SEED, DataSource, PreparedData, prepare
from assistant.services.training.distributed import Rank, worker_identity
from assistant.services.training.errors import TrainingProblem
from assistant.services.training.tasks import CLASSIFICATION, GENERATION
from prompts import t

log = logging.getLogger(__name__)
# The LoRA adapter of causal-LM fine-tuning; the model card reports what was used from here.
LORA_SETTINGS = {"r": 8, "lora_alpha": 16, "lora_dropout": 0.05}
FINAL_SHARE = 0.97  # progress reserved for the final evaluation and save


def output_dir(job_id: int) -> Path:
    from assistant.services.hub.local import outputs_dir

    return outputs_dir() / f"job-{job_id}"


def checkpoints_dir(job_id: int) -> Path:
    return output_dir(job_id) / "checkpoints"


def valid_checkpoints(folder: Path) -> list[Path]:
    """Complete checkpoints, newest last. The Trainer writes trainer_state.json last: without it a save was cut."""
    found = []
    for path in folder.glob("checkpoint-*"):
        try:
            step = int(path.name.split("-")[-1])
            json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        except (ValueError, OSError):
            continue
        found.append((step, path))
    return [p for _, p in sorted(found)]


def last_checkpoint(folder: Path) -> Path | None:
    checkpoints = valid_checkpoints(folder)
    # A checkpoint cut by a kill would confuse the Trainer's rotation: drop it.
    valid = set(checkpoints)
    for path in folder.glob("checkpoint-*"):
        if path not in valid:
            shutil.rmtree(path, ignore_errors=True)
    return checkpoints[-1] if checkpoints else None


def _step_of(checkpoint: Path) -> int:
    return int(checkpoint.name.split("-")[-1])


def _disk_full_message(folder: Path, job_id: int) -> str:
    """The disk filled up during the run (mostly while a checkpoint was written): what is kept, and how to go on.
    A checkpoint cut halfway is never counted (`valid_checkpoints`); the resume removes it."""
    kept = valid_checkpoints(folder) if folder.is_dir() else []
    where = t("training.disk_full_kept", step=_step_of(kept[-1])) if kept else t("training.disk_full_nothing_kept")
    return t("training.disk_full", kept=where, cid=str(job_id))


def _fmt_lr(value: float | None) -> str:
    if value is None:
        return "—"
    return fa_digits(f"{value:.2g}".replace("e-0", "e-").replace("e+0", "e+").replace(".", "٫"))


def _fmt_loss(value: float | None) -> str:
    return "—" if value is None else format_number(value, 4)


def _quiet_libraries() -> None:
    import datasets
    import transformers

    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    datasets.disable_progress_bars()
    datasets.utils.logging.set_verbosity_error()
    logging.getLogger("peft").setLevel(logging.ERROR)


def _is_oom(exc: BaseException) -> bool:
    text = str(exc).lower()
    return type(exc).__name__ == "OutOfMemoryError" or "out of memory" in text or "can't allocate memory" in text


class _Reporter:
    """Builds the TrainerCallback (transformers is imported only in the child)."""

    def __init__(self, ctx: JobContext, log_file: metrics_mod.MetricsLog, history: list[dict[str, Any]],
                 params: dict[str, Any], samples_per_step: int, rank: Rank | None = None) -> None:
        self.ctx = ctx
        self.rank = rank or Rank()
        self.log = log_file
        self.history = history
        self.params = params
        self.samples_per_step = samples_per_step
        self.stopping = False
        self.last_eval: dict[str, Any] = next((p for p in reversed(history) if "eval_loss" in p), {})
        self.last_train: dict[str, Any] = next((p for p in reversed(history) if "loss" in p), {})
        self.started = time.monotonic()
        self.start_step = 0
        self.checkpoint: str | None = None
        self.final_eval = False

    def fields(self, state) -> dict[str, Any]:
        step, total = int(state.global_step), int(state.max_steps or self.params["total_steps"])
        elapsed = time.monotonic() - self.started
        done = step - self.start_step
        rate = done / elapsed if elapsed > 0 and done > 0 else None
        eta = (total - step) / rate if rate else None
        return {
            "phase": "training", "step": step, "total_steps": total, "epoch": round(float(state.epoch or 0.0), 3),
            "epochs": self.params["epochs"], "loss": self.last_train.get("loss"),
            "learning_rate": self.last_train.get("learning_rate"), "eval_loss": self.last_eval.get("eval_loss"),
            "eval_accuracy": self.last_eval.get("eval_accuracy"), "eval_f1": self.last_eval.get("eval_f1"),
            "eval_perplexity": self.last_eval.get("eval_perplexity"),
            "samples_per_second": round(rate * self.samples_per_step, 2) if rate else None,
            "eta_seconds": round(eta, 1) if eta is not None else None, "elapsed_seconds": round(elapsed, 1),
        }

    def message(self, f: dict[str, Any]) -> str:
        text = t(
            "training.status_line", step=f["step"], total=f["total_steps"], epoch=format_number(f["epoch"], 2),
            epochs=format_number(f["epochs"], 0 if float(f["epochs"]).is_integer() else 1), loss=_fmt_loss(f["loss"]),
            lr=_fmt_lr(f["learning_rate"]),
            speed=format_number(f["samples_per_second"], 1) if f["samples_per_second"] else "—",
            eta=format_duration(f["eta_seconds"]) if f["eta_seconds"] is not None else "—",
        )
        if f.get("eval_loss") is not None:
            if f.get("eval_accuracy") is not None:
                extra = t("training.status_eval_acc", accuracy=format_percent(f["eval_accuracy"]),
                          f1=format_percent(f.get("eval_f1") or 0.0))
            elif f.get("eval_perplexity") is not None:
                extra = t("training.status_eval_ppl", ppl=format_number(f["eval_perplexity"], 2))
            else:
                extra = ""
            text += t("training.status_eval", eval_loss=_fmt_loss(f["eval_loss"]), eval_extra=extra)
        return text

    def report(self, state, *, force: bool = False) -> None:
        f = self.fields(state)
        total = max(1, f["total_steps"])
        self.ctx.progress(FINAL_SHARE * f["step"] / total, self.message(f), force=force,
                          history=metrics_mod.compact(self.history), **f)

    def callback(self):
        from transformers import TrainerCallback

        reporter = self

        class DastyarProgress(TrainerCallback):
            def on_train_begin(self, args, state, control, **kwargs):
                reporter.started = time.monotonic()
                reporter.start_step = int(state.global_step)
                reporter.report(state, force=True)

            def _check_stop(self, state, control) -> None:
                # Every rank asks at every step (a collective), so that all stop at the same one.
                if not reporter.stopping and reporter.rank.agree(reporter.ctx.cancelled()):
                    reporter.stopping = True
                    control.should_training_stop = True
                    control.should_save = True  # keep the work done so far: /resume continues from here
                    control.should_evaluate = False
                    reporter.ctx.progress(message=t("training.status_stopping"), force=True)

            def on_step_end(self, args, state, control, **kwargs):
                self._check_stop(state, control)
                if not reporter.stopping:
                    reporter.report(state)

            def on_substep_end(self, args, state, control, **kwargs):
                if reporter.rank.distributed:
                    return  # asked once per step, together (see _check_stop)
                if not reporter.stopping and reporter.ctx.cancelled():
                    reporter.stopping = True
                    control.should_training_stop = True
                    reporter.ctx.progress(message=t("training.status_stopping"), force=True)

            def on_epoch_end(self, args, state, control, **kwargs):
                if reporter.stopping:
                    control.should_save = False  # saved already at the step it stopped
                    control.should_evaluate = False
                elif reporter.params.get("save_steps"):
                    control.should_save = True  # every N steps and at the end of every epoch

            def on_log(self, args, state, control, logs=None, **kwargs):
                if not reporter.rank.main:
                    return
                logs = logs or {}
                point = metrics_mod.history_point(state.global_step, state.epoch, logs)
                if point is None:
                    reporter.log.write("summary", step=int(state.global_step), **{
                        k: v for k, v in logs.items() if isinstance(v, int | float)})
                    return
                kind = "eval" if "eval_loss" in point else "train"
                if kind == "eval" and reporter.params["task"] == GENERATION:
                    metrics_mod.add_perplexity(point)
                if reporter.final_eval:
                    return  # the closing evaluation is logged as the run's result, not as a curve point
                reporter.log.write(kind, **point)
                reporter.history.append(point)
                if kind == "eval":
                    reporter.last_eval = point
                else:
                    reporter.last_train = point
                reporter.report(state, force=kind == "eval")

            def on_save(self, args, state, control, **kwargs):
                if not reporter.rank.main:
                    return
                path = Path(args.output_dir) / f"checkpoint-{state.global_step}"
                reporter.checkpoint = str(path)
                reporter.log.write("checkpoint", step=int(state.global_step), path=str(path))
                reporter.ctx.progress(checkpoint=str(path), checkpoint_step=int(state.global_step), force=True)

        return DastyarProgress()


def _load_data(params: dict[str, Any], out: Path) -> PreparedData:
    cached = PreparedData.load(out / "data")
    if cached is not None:
        return cached
    from assistant.config import get_settings

    source = DataSource(params["dataset_kind"], Path(params["dataset_path"]), params.get("dataset_display") or "",
                        repo_id=params.get("dataset_repo_id"), fmt=params.get("dataset_format"))
    try:
        data = prepare(source, params["task"], text_column=params.get("text_column"),
                       label_column=params.get("label_column"), eval_fraction=float(params.get("eval_fraction", 0.1)),
                       cache_dir=get_settings().data_dir / "cache" / "datasets")
    except TrainingProblem as exc:
        raise JobError(t("training.data_changed", detail=exc.message)) from exc
    data.save(out / "data")
    return data


def _shared_data(params: dict[str, Any], out: Path, rank: Rank) -> PreparedData:
    """Rank 0 prepares the data (and keeps it in the output folder); the others load what it wrote, or meet the same
    problem."""
    problem = None
    data = None
    if rank.main:
        try:
            data = _load_data(params, out)
        except JobError as exc:
            problem = (exc.user_message, exc.detail)
    problem = rank.share(problem)
    if problem is not None:
        raise JobError(problem[0], detail=problem[1])
    if data is None:
        data = PreparedData.load(out / "data")
        if data is None:
            raise JobError(t("training.data_changed", detail=str(out / "data")))
    return data


def _device() -> dict[str, Any]:
    import torch

    from assistant.config import get_settings

    threads = get_settings().train_threads
    if threads:
        torch.set_num_threads(threads)  # e.g. leave a core to the chat on a busy CPU machine

    if torch.cuda.is_available():
        bf16 = bool(torch.cuda.is_bf16_supported())
        name = torch.cuda.get_device_name(0)
        return {"device": "cuda", "name": name, "bf16": bf16, "fp16": not bf16, "gpus": torch.cuda.device_count(),
                "label": t("training.device_gpu", name=name, precision="bf16" if bf16 else "fp16")}
    import psutil

    return {"device": "cpu", "name": "CPU", "bf16": False, "fp16": False, "gpus": 0,
            "label": t("training.device_cpu", cores=psutil.cpu_count() or 1)}


def _build(params: dict[str, Any], data: PreparedData):
    """Tokenizer, model and tokenized datasets for the task."""
    import datasets
    from transformers import AutoTokenizer

    model_path = params["model_path"]
    tokenizer = AutoTokenizer.from_pretrained(model_path)
    max_length = int(params["max_length"])
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token or tokenizer.unk_token
    train = datasets.Dataset.from_pandas(data.train, preserve_index=False)
    evaluation = datasets.Dataset.from_pandas(data.eval, preserve_index=False)
    if params["task"] == CLASSIFICATION:
        from transformers import AutoModelForSequenceClassification, DataCollatorWithPadding

        labels = data.labels
        model = AutoModelForSequenceClassification.from_pretrained(
            model_path, num_labels=len(labels), id2label=dict(enumerate(labels)),
            label2id={name: i for i, name in enumerate(labels)}, ignore_mismatched_sizes=True,
            problem_type="single_label_classification",
        )
        if model.config.pad_token_id is None:
            model.config.pad_token_id = tokenizer.pad_token_id

        def encode(batch):
            return tokenizer(batch["text"], truncation=True, max_length=max_length)

        collator = DataCollatorWithPadding(tokenizer)
    elif params["task"] == GENERATION:
        from transformers import AutoModelForCausalLM, DataCollatorForLanguageModeling

        model = AutoModelForCausalLM.from_pretrained(model_path)
        if model.config.pad_token_id is None:
            model.config.pad_token_id = tokenizer.pad_token_id
        if params.get("lora"):
            model = _with_lora(model)
        eos = tokenizer.eos_token or ""

        def encode(batch):
            return tokenizer([text + eos for text in batch["text"]], truncation=True, max_length=max_length)

        collator = DataCollatorForLanguageModeling(tokenizer, mlm=False)
    else:  # token classification and seq2seq plug in here
        raise JobError(t("training.task_not_yet", task=params["task"]))
    train = train.map(encode, batched=True, remove_columns=["text"])
    evaluation = evaluation.map(encode, batched=True, remove_columns=["text"])
    return tokenizer, model, train, evaluation, collator


def _with_lora(model):
    from peft import LoraConfig, TaskType, get_peft_model
    from peft.utils.constants import TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING as targets

    known = model.config.model_type in targets
    config = LoraConfig(task_type=TaskType.CAUSAL_LM, **LORA_SETTINGS, target_modules=None if known else "all-linear")
    return get_peft_model(model, config)


def _compute_metrics(prediction) -> dict[str, float]:
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score

    logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
    preds = np.argmax(logits, axis=-1)
    return {"accuracy": float(accuracy_score(prediction.label_ids, preds)),
            "f1": float(f1_score(prediction.label_ids, preds, average="macro", zero_division=0))}


class _NoLog(metrics_mod.MetricsLog):
    """The metrics log of a rank other than 0: rank 0 writes the one log."""

    def write(self, *args: Any, **fields: Any) -> None:
        return None

    def trim(self, step: int) -> None:
        return None


def train(ctx: JobContext) -> dict[str, Any]:
    """The `training` job: on this machine, or on the Ray cluster with DASTYAR_JOB_BACKEND=ray."""
    from assistant.jobs import cluster

    if cluster.enabled():
        from assistant.services.training.distributed import train_on_cluster

        return train_on_cluster(ctx)
    return train_body(ctx, Rank())


def _check_cancel(ctx: JobContext, rank: Rank) -> None:
    if rank.agree(ctx.cancelled()):
        raise JobCancelled()


def train_body(ctx: JobContext, rank: Rank) -> dict[str, Any]:
    """One run of the Trainer, alone (rank 0 of 1) or as one of a Ray Train run's ranks."""
    params = dict(ctx.params)
    out = output_dir(ctx.job_id)
    ckpt_dir = checkpoints_dir(ctx.job_id)
    out.mkdir(parents=True, exist_ok=True)
    log_file = metrics_mod.MetricsLog(out / "metrics.jsonl") if rank.main else _NoLog(out / "metrics.jsonl")
    from assistant.jobs import store

    row = store.get_job(ctx.job_id)
    previous = dict(row.result) if row else {}
    if rank.main:
        found = last_checkpoint(ckpt_dir) if ckpt_dir.is_dir() else None
    resume_from = rank.share(found if rank.main else None)
    resumed_step = _step_of(resume_from) if resume_from else 0
    history = metrics_mod.trim(list(previous.get("history") or []), resumed_step) if resume_from else []
    if resume_from:
        log_file.trim(resumed_step)
        history = log_file.history() or history
        log_file.write("event", event="resume", step=resumed_step, checkpoint=str(resume_from))
        ctx.progress(message=t("training.status_resuming", step=resumed_step), force=True,
                     resumed_from_step=resumed_step, history=metrics_mod.compact(history))
    else:
        if rank.main and log_file.path.exists():
            log_file.path.unlink()
        log_file.write("event", event="start", params=json.dumps(params, ensure_ascii=False))
        ctx.progress(0.0, t("training.status_preparing"), force=True, phase="preparing", output_dir=str(out),
                     metrics_log=str(log_file.path), history=[])
    _check_cancel(ctx, rank)

    _quiet_libraries()
    data = _shared_data(params, out, rank)
    _check_cancel(ctx, rank)
    device = _device()
    tokenizer, model, train_ds, eval_ds, collator = _build(params, data)
    _check_cancel(ctx, rank)
    if rank.distributed:
        workers = rank.gather(worker_identity())
        ctx.progress(force=True, workers=rank.world, worker_processes=workers)

    from transformers import PrinterCallback, Trainer, TrainingArguments

    batch = int(params["batch_size"])
    gpus = max(1, device["gpus"]) * rank.world  # one process's GPUs, times the data-parallel ranks
    steps_per_epoch = max(1, math.ceil(len(train_ds) / (batch * gpus)))
    total_steps = max(1, math.ceil(steps_per_epoch * float(params["epochs"])))
    save_steps = params.get("save_steps")
    is_lm = params["task"] == GENERATION
    args = TrainingArguments(
        output_dir=str(ckpt_dir), num_train_epochs=float(params["epochs"]), per_device_train_batch_size=batch,
        per_device_eval_batch_size=max(batch, 16), learning_rate=float(params["learning_rate"]), weight_decay=0.01,
        lr_scheduler_type="linear", warmup_steps=int(round(0.06 * total_steps)),
        eval_strategy="epoch", save_strategy="steps" if save_steps else "epoch", save_steps=int(save_steps or 500),
        save_total_limit=int(params.get("save_total_limit") or 2), logging_strategy="steps",
        logging_steps=max(1, total_steps // 100), logging_first_step=True, report_to="none", disable_tqdm=True,
        use_cpu=device["device"] == "cpu", bf16=device["bf16"], fp16=device["fp16"], seed=SEED, data_seed=SEED,
        dataloader_num_workers=0, prediction_loss_only=is_lm, log_level="error",
        **({"ddp_find_unused_parameters": False, "ddp_backend": "gloo" if device["device"] == "cpu" else None}
           if rank.distributed else {}),
    )
    reporter = _Reporter(ctx, log_file, history, {**params, "total_steps": total_steps}, batch * gpus, rank)
    trainer = Trainer(
        model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds, processing_class=tokenizer,
        data_collator=collator, compute_metrics=None if is_lm else _compute_metrics, callbacks=[reporter.callback()],
    )
    trainer.remove_callback(PrinterCallback)
    label = t("cluster.device_workers", workers=rank.world, device=device["label"]) if rank.distributed else device[
        "label"]
    ctx.progress(force=True, phase="training", device=device["device"], device_label=label,
                 total_steps=total_steps, steps_per_epoch=steps_per_epoch, train_examples=len(train_ds),
                 eval_examples=len(eval_ds), labels=data.labels, task=params["task"], output_dir=str(out),
                 metrics_log=str(log_file.path))
    try:
        output = trainer.train(resume_from_checkpoint=str(resume_from) if resume_from else None)
    except Exception as exc:
        if _is_oom(exc):
            raise JobError(t("training.oom"), detail=str(exc)[:500]) from exc
        # torch.save on a full disk raises a bare RuntimeError («unexpected pos …»): the free space says why.
        if is_disk_full(exc) or nearly_full(ckpt_dir):
            detail = f"{type(exc).__name__}: {exc}"[:500]
            raise JobError(_disk_full_message(ckpt_dir, ctx.job_id), detail=detail) from exc
        raise
    if reporter.stopping:
        ctx.progress(force=True, **{**reporter.fields(trainer.state), "phase": "cancelled"})
        raise JobCancelled()

    ctx.progress(FINAL_SHARE, t("training.status_saving"), force=True, phase="saving")
    reporter.final_eval = True
    last = reporter.last_eval
    # Rank 0 decides (it alone keeps the history); the evaluation below is a collective every rank joins.
    if rank.share(last.get("step") == trainer.state.global_step and last.get("eval_loss") is not None):
        final_metrics = {k: v for k, v in last.items() if k.startswith("eval_")}  # the last epoch's evaluation
    else:
        final_metrics = trainer.evaluate()
    if is_lm and "eval_loss" in final_metrics:
        final_metrics["eval_perplexity"] = math.exp(min(50.0, final_metrics["eval_loss"]))
    summary = {k: round(float(v), 6) for k, v in final_metrics.items()
               if k in ("eval_loss", "eval_accuracy", "eval_f1", "eval_perplexity")}
    runtime = float(output.metrics.get("train_runtime", 0.0))
    if not rank.main:
        return {}
    from assistant.services.training.plan import record_speed

    if not rank.distributed:  # the estimate is for one process on this machine
        record_speed(device["device"], float(trainer.state.total_flos or 0.0), runtime,
                     int(trainer.state.global_step) - reporter.start_step)
    log_file.write("final", step=int(trainer.state.global_step), **summary)
    result = _save_final(trainer, model, tokenizer, params, data, out, summary, runtime, {**device, "label": label},
                         ctx.job_id, log_file, reporter)
    return result


def _save_final(trainer, model, tokenizer, params, data, out: Path, summary, runtime, device, job_id, log_file,
                reporter) -> dict[str, Any]:
    """Write the model, tokenizer, card and plot to a side folder, then move them in: config.json comes last,
    so a half-written folder never looks like a finished model."""
    from assistant.services.training.card import write_card
    from assistant.services.training.plot import loss_plot

    tmp = out / ".final-partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        if params.get("lora"):
            model.save_pretrained(out / "adapter")
            merged = model.merge_and_unload()
            merged.save_pretrained(tmp)
        else:
            trainer.save_model(str(tmp))
        tokenizer.save_pretrained(tmp)
        info = {
            "job_id": job_id, "base_model": params.get("base_repo_id") or params["base_model"], "task": params["task"],
            "dataset": params.get("dataset_repo_id") or params["dataset"], "labels": data.labels, "metrics": summary,
            "lora": bool(params.get("lora")),
        }
        (tmp / "dastyar.json").write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
        (tmp / "eval_results.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        hparams = {k: params.get(k) for k in ("epochs", "learning_rate", "batch_size", "max_length", "lora", "task")}
        (tmp / "training_params.json").write_text(json.dumps(hparams, ensure_ascii=False, indent=2), encoding="utf-8")
        history = log_file.history()
        plot = loss_plot(history, tmp / "loss.png")
        used = {**params, "seed": SEED, "lora_settings": dict(LORA_SETTINGS) if params.get("lora") else None}
        write_card(tmp, name=out.name, params=used, metrics=summary, labels=data.labels,
                   data_summary=data.summary(), train_seconds=runtime, device=device["label"], model_path=out)
        names = sorted(p.name for p in tmp.iterdir())
        for name in [n for n in names if n != "config.json"] + ["config.json"]:
            source = tmp / name
            if not source.exists():
                continue
            target = out / name
            if target.is_dir():
                shutil.rmtree(target)
            source.replace(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if summary.get("eval_accuracy") is not None:
        metrics_text = t("training.done_metrics_cls", accuracy=format_percent(summary["eval_accuracy"]),
                         f1=format_percent(summary.get("eval_f1", 0.0)), count=len(data.eval))
    else:
        metrics_text = t("training.done_metrics_lm", loss=_fmt_loss(summary.get("eval_loss")),
                         ppl=format_number(summary.get("eval_perplexity", 0.0), 2), count=len(data.eval))
    final = t("training.done", metrics=metrics_text, path=shown(out), cid=str(job_id))
    from assistant.services.training.card import card_body

    reply = t("training.card_header", id=job_id, cid=str(job_id)) + "\n\n" + card_body(out / "README.md")
    media = [{"kind": "image", "path": str(out / "loss.png"), "name": "loss.png"}] if plot else []
    media.append({"kind": "file", "path": str(out / "README.md"), "name": "README.md"})
    fields = reporter.fields(trainer.state)
    fields.update(eta_seconds=0, phase="done")
    return {
        **fields, **summary, "metrics": summary, "model_dir": str(out), "model_card": str(out / "README.md"),
        "loss_plot": str(out / "loss.png") if plot else None, "metrics_log": str(log_file.path),
        "history": metrics_mod.compact(log_file.history()), "train_runtime": round(runtime, 2),
        "message": final, "labels": data.labels, "reply": reply, "media": media,
    }
