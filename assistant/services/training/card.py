"""The model card: README.md with YAML front matter in the Hub's format, body in Persian."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.persian import fa_digits, format_number, format_percent, jalali_date
from assistant.services.hub.client import is_owner_repo
from assistant.services.training.tasks import CLASSIFICATION, task_label

_METRIC_NAMES = {
    "eval_accuracy": ("accuracy", "دقت (accuracy)"),
    "eval_f1": ("f1", "F1 (میانگین ماکرو)"),
    "eval_loss": ("loss", "خطای ارزیابی (loss)"),
    "eval_perplexity": ("perplexity", "سرگشتگی (perplexity)"),
}


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def write_card(folder: Path, *, name: str, params: dict[str, Any], metrics: dict[str, float], labels: list[str],
               data_summary: dict[str, Any], train_seconds: float, device: str, model_path: Path | None = None,
               finished: datetime | None = None) -> Path:
    finished = finished or datetime.now(UTC)
    task = params["task"]
    base = params.get("base_repo_id") or params.get("base_model")
    dataset_id = params.get("dataset_repo_id")
    hparams = {
        "learning_rate": params["learning_rate"],
        "num_train_epochs": params["epochs"],
        "per_device_train_batch_size": params["batch_size"],
        "max_length": params["max_length"],
        "seed": params.get("seed"),
        "optimizer": "AdamW",
        "lr_scheduler_type": "linear",
    }
    if params.get("lora_settings"):  # what the run used (run.LORA_SETTINGS), not a copy
        settings = params["lora_settings"]
        hparams.update({f"lora_{k}" if not k.startswith("lora_") else k: v for k, v in settings.items()})
    card_metrics = [
        {"type": _METRIC_NAMES[k][0], "value": round(float(v), 4), "name": _METRIC_NAMES[k][0]}
        for k, v in metrics.items() if k in _METRIC_NAMES and v is not None
    ]
    front: dict[str, Any] = {"language": ["fa"], "library_name": "transformers", "pipeline_tag": task}
    if base and is_owner_repo(str(base)):
        front["base_model"] = str(base)
    if dataset_id:
        front["datasets"] = [dataset_id]
    front["tags"] = ["dastyar", "fine-tuned", task, "persian"] + (["lora", "peft"] if params.get("lora") else [])
    front["metrics"] = [m["type"] for m in card_metrics if m["type"] in ("accuracy", "f1", "perplexity")] or ["loss"]
    front["model-index"] = [{
        "name": name,
        "results": [{
            "task": {"type": task, "name": task_label(task)},
            "dataset": {"name": params.get("dataset_display") or params["dataset"], "type": dataset_id or "local-file",
                        "split": "validation"},
            "metrics": card_metrics,
        }],
    }]
    front["training_hyperparameters"] = hparams
    front["date"] = finished.date().isoformat()

    rows = "\n".join(
        f"| {_METRIC_NAMES[k][1]} | {format_percent(v) if k in ('eval_accuracy', 'eval_f1') else format_number(v, 4)} |"
        for k, v in metrics.items() if k in _METRIC_NAMES and v is not None
    )
    label_lines = ""
    if task == CLASSIFICATION and labels:
        counts = data_summary.get("label_counts") or {}
        label_lines = "\n## برچسب‌ها\n\n| شناسه | برچسب | تعداد در دادهٔ آموزش |\n| --- | --- | --- |\n" + "\n".join(
            f"| {fa_digits(i)} | {label} | {fa_digits(counts.get(label, 0))} |" for i, label in enumerate(labels)
        ) + "\n"
    lora_line = "- روش: LoRA (فقط ماتریس‌های کم‌رتبهٔ افزوده آموزش دیدند؛ وزن‌ها پس از آموزش در مدل ادغام شدند)\n" \
        if params.get("lora") else "- روش: تنظیم دقیق کامل (همهٔ وزن‌ها)\n"
    usage_task = "text-classification" if task == CLASSIFICATION else "text-generation"
    example = "غذا سرد بود"
    body = f"""# {name}

این مدل با «دستیار» از روی مدل پایهٔ `{base}` برای «{task_label(task)}» روی دادهٔ `{params.get('dataset_display') or params['dataset']}` تنظیم دقیق (fine-tune) شده است.

- تاریخ: {jalali_date(finished)} ({finished.date().isoformat()})
- دادهٔ آموزش: {fa_digits(data_summary.get('train_examples', 0))} نمونه؛ ارزیابی: {fa_digits(data_summary.get('eval_examples', 0))} نمونه
- ستون متن: `{data_summary.get('text_column')}`{f"، ستون برچسب: `{data_summary.get('label_column')}`" if data_summary.get('label_column') else ''}
{lora_line}- سخت‌افزار: {device}؛ مدت آموزش: {format_number(train_seconds, 1)} ثانیه

## نتایج روی بخش ارزیابی

| معیار | مقدار |
| --- | --- |
{rows}
{label_lines}
## تنظیمات آموزش (hyper-parameters)

| تنظیم | مقدار |
| --- | --- |
""" + "\n".join(f"| `{k}` | `{v}` |" for k, v in hparams.items()) + f"""

## نمودار خطا

![loss](loss.png)

## نحوهٔ استفاده

```python
from transformers import pipeline
pipe = pipeline("{usage_task}", model="{model_path or folder}")
pipe("{example}")
```

در گفتگو با دستیار: `/try {name.removeprefix('job-')} {example}`

## محدودیت‌ها

این مدل فقط روی همین داده آموزش دیده است و کیفیتش به اندازه و کیفیت آن داده بستگی دارد؛ پیش از استفادهٔ جدی، روی دادهٔ تازه ارزیابی‌اش کنید.
"""
    path = folder / "README.md"
    path.write_text(f"---\n{_yaml(front)}---\n\n{body}", encoding="utf-8")
    return path


def card_body(path: Path, max_chars: int = 3500) -> str:
    """The Persian body of a card (front matter and image left out), for the chat's closing message."""
    text = path.read_text(encoding="utf-8")
    if text.startswith("---"):
        end = text.find("\n---", 3)
        text = text[end + 4 :] if end != -1 else text
    text = re.sub(r"\n## [^\n]*\n+!\[loss\]\(loss\.png\)\n", "\n", text).strip()  # the plot is sent with it
    if len(text) > max_chars:
        text = text[:max_chars].rsplit("\n", 1)[0] + "\n…"
    return text


def put_section(card: Path, name: str, title: str, body: str) -> None:
    """A section of the card between `<!-- dastyar:name -->` markers: replaced, not repeated, when written again;
    the card is swapped in whole, so a crash leaves the old card or the new one."""
    if not card.is_file():
        return
    start, end = f"<!-- dastyar:{name} -->", f"<!-- /dastyar:{name} -->"
    text = card.read_text(encoding="utf-8")
    section = f"{start}\n## {title}\n\n{body}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + section + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    tmp = card.with_name(card.name + ".partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(card)
