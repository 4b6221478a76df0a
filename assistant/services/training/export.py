"""`/export N onnx`: an ONNX copy of a model, checked against the original before it is called done.

Exported with torch.onnx (the TorchScript exporter: no extra compiler needed) with dynamic batch and sequence
axes, beside the tokenizer, then run with onnxruntime on held-out texts: the predicted labels must be the same and
the logits within a small tolerance, or the export is refused. Runs in a job's child process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from assistant.services.training.errors import TrainingProblem

CHECK_TEXTS = 64
TOLERANCE = 1e-3
FALLBACK_TEXTS = ("غذا سرد بود و دیر رسید.", "کیفیت عالی بود، ممنون از فروشنده.", "بسته‌بندی معمولی بود.",
                  "The delivery was quick.")


def check_texts(model_dir: Path) -> list[str]:
    """Held-out texts of a fine-tuned model, else a few Persian sentences."""
    from assistant.services.training.data import PreparedData

    data = PreparedData.load(model_dir / "data")
    texts = [str(x) for x in data.eval["text"][:CHECK_TEXTS]] if data is not None else []
    return texts or list(FALLBACK_TEXTS)


def export_onnx(model_dir: Path, out: Path, task: str, on_step=None) -> dict[str, Any]:
    import warnings

    import numpy as np
    import onnxruntime as ort
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer

    from assistant.services.training.tasks import GENERATION

    transformers.utils.logging.set_verbosity_error()
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    loader = AutoModelForCausalLM if task == GENERATION else AutoModelForSequenceClassification
    model = loader.from_pretrained(model_dir)
    model.eval()
    texts = check_texts(model_dir)
    sample = tokenizer(texts[:2], padding=True, truncation=True, max_length=128, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    if on_step:
        on_step(0.2, "export")
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["logits"] = {0: "batch", 1: "sequence"} if task == GENERATION else {0: "batch"}

    class Logits(torch.nn.Module):
        """The model with positional inputs and the logits alone as output (no cache, no dict)."""

        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, *inputs):
            extra = {"use_cache": False} if task == GENERATION else {}
            return self.inner(**dict(zip(names, inputs, strict=True)), return_dict=True, **extra).logits

    wrapped = Logits().eval()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")
        torch.onnx.export(wrapped, tuple(sample[n] for n in names), str(partial / "model.onnx"), dynamo=False,
                          input_names=names, output_names=["logits"], dynamic_axes=axes, opset_version=17)
    tokenizer.save_pretrained(partial)
    model.config.save_pretrained(partial)
    if on_step:
        on_step(0.7, "check")
    # The check: the same texts through both, in small batches.
    session = ort.InferenceSession(str(partial / "model.onnx"), providers=["CPUExecutionProvider"])
    worst, same, total = 0.0, 0, 0
    for start in range(0, len(texts), 8):
        batch = tokenizer(texts[start:start + 8], padding=True, truncation=True, max_length=128, return_tensors="pt")
        with torch.no_grad():
            expected = wrapped(*(batch[n] for n in names)).float().numpy()
        got = session.run(["logits"], {n: batch[n].numpy().astype(np.int64) for n in names})[0]
        if task == GENERATION:  # compare where there is text (padding positions are not predictions)
            mask = batch["attention_mask"].numpy().astype(bool)
            expected, got = expected[mask], got[mask]
        worst = max(worst, float(np.abs(expected - got).max()))
        same += int((expected.argmax(-1) == got.argmax(-1)).sum())
        total += int(expected.argmax(-1).size)
    check = {"texts": len(texts), "predictions": total, "same_predictions": same, "max_abs_diff": worst,
             "tolerance": TOLERANCE, "opset": 17, "inputs": names}
    (partial / "check.json").write_text(json.dumps(check, indent=2), encoding="utf-8")
    if same != total or worst > TOLERANCE:
        shutil.rmtree(partial, ignore_errors=True)
        raise TrainingProblem("export_mismatch", same=same, total=total, diff=f"{worst:.2e}")
    shutil.rmtree(out, ignore_errors=True)
    partial.replace(out)
    return {**check, "size": (out / "model.onnx").stat().st_size}


def run(ctx) -> dict[str, Any]:
    from assistant.config import get_settings
    from assistant.jobs.context import JobError
    from assistant.persian import fa_digits, format_bytes
    from assistant.services.files import shown
    from prompts import t

    p = ctx.params
    model_dir = Path(p["model_path"])
    out = model_dir / "onnx" if p.get("own_folder") else get_settings().data_dir / "exports" / f"job-{ctx.job_id}"

    def on_step(fraction: float, phase: str) -> None:
        ctx.check_cancel()
        ctx.progress(fraction, t(f"training.export_status_{phase}"), force=True)

    ctx.progress(0.05, t("training.export_status_load"), force=True)
    try:
        check = export_onnx(model_dir, out, p.get("task") or "text-classification", on_step)
    except TrainingProblem as exc:
        raise JobError(exc.message) from exc
    text = t("training.export_done", model=p["model_display"], path=shown(out / "model.onnx"),
             size=format_bytes(check["size"]), same=fa_digits(check["same_predictions"]),
             total=fa_digits(check["predictions"]), diff=f"{check['max_abs_diff']:.1e}")
    return {"message": text, "reply": text, "onnx": shown(out / "model.onnx"), "check": check}
