"""The model card's «from a goal» section: what the person asked for and what the chain chose and measured."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.persian import format_percent
from assistant.services.training.card import put_section
from prompts import t


def add_goal_section(card: Path, params: dict[str, Any], found: dict[str, Any]) -> None:
    lines = []
    if params.get("goal"):
        lines.append(t("goals.card_goal", goal=params["goal"].replace("\n", " ")[:300]))
    lines.append(t("goals.card_base", model=params["base_model"]))
    data = params["dataset"] if params["dataset_kind"] == "hub" else Path(params["dataset"]).name
    lines.append(t("goals.card_data", data=data))
    figures = found.get("evaluation") or {}
    if "macro_f1" in figures:
        tfidf = (figures.get("baselines") or {}).get("tfidf_logreg") or {}
        lines.append(t("goals.card_figures", accuracy=format_percent(figures["accuracy"]),
                       f1=format_percent(figures["macro_f1"]),
                       tfidf=format_percent(tfidf["macro_f1"]) if "macro_f1" in tfidf else "—"))
    put_section(card, "goal", t("goals.card_title"), "\n".join(f"- {line}" for line in lines))
