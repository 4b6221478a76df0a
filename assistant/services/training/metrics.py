"""The metrics of a run: a JSONL log in the output folder (everything) and a compact history for the Job row."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HISTORY_LIMIT = 400
TRAIN_KEYS = ("loss", "learning_rate", "grad_norm")
EVAL_KEYS = ("eval_loss", "eval_accuracy", "eval_f1", "eval_perplexity")


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 6)
    return value


def history_point(step: int, epoch: float | None, logs: dict[str, Any]) -> dict[str, Any] | None:
    """A Job-row history point from a Trainer log, or None for logs that are not curves (run summaries)."""
    keys = TRAIN_KEYS if "loss" in logs else EVAL_KEYS if "eval_loss" in logs else ()
    if not keys:
        return None
    point: dict[str, Any] = {"step": int(step), "epoch": round(float(epoch or 0.0), 4)}
    for key in keys:
        if key in logs and isinstance(logs[key], int | float):
            point[key] = _clean(float(logs[key]))
    return point


def add_perplexity(point: dict[str, Any]) -> dict[str, Any]:
    """Language models: perplexity = exp(eval loss)."""
    if point.get("eval_loss") is not None and point.get("eval_perplexity") is None:
        point["eval_perplexity"] = _clean(math.exp(min(50.0, point["eval_loss"])))
    return point


def compact(history: list[dict[str, Any]], limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """Keep every evaluation and thin the older training points so the row stays small."""
    while len(history) > limit:
        train_idx = [i for i, p in enumerate(history) if "loss" in p]
        if len(train_idx) < 4:
            return history[-limit:]
        drop = set(train_idx[1 : len(train_idx) // 2 : 2])  # every other point of the older half
        if not drop:
            return history[-limit:]
        history = [p for i, p in enumerate(history) if i not in drop]
    return history


def trim(history: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    """Points logged after the checkpoint a resumed run starts from are logged again by that run."""
    return [p for p in history if int(p.get("step", 0)) <= step]


class MetricsLog:
    """metrics.jsonl: one JSON object per line (train logs, evaluations, events)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def write(self, kind: str, **fields: Any) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {"type": kind, "time": datetime.now(UTC).isoformat(timespec="seconds")}
        record.update({k: _clean(v) for k, v in fields.items()})
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut by a killed process
        return records

    def trim(self, step: int) -> None:
        """Drop curve points after `step` (a resumed run logs them again); events stay."""
        records = [r for r in self.read() if r.get("type") not in ("train", "eval") or int(r.get("step", 0)) <= step]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        tmp.replace(self.path)

    def history(self) -> list[dict[str, Any]]:
        points = []
        for r in self.read():
            if r.get("type") in ("train", "eval"):
                point = history_point(int(r.get("step", 0)), r.get("epoch"), r)
                if point:
                    points.append(point)
        return points
