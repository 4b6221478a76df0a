"""The curated offline catalog of Persian models and datasets (data in assistant/data/catalog.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PATH = Path(__file__).resolve().parent.parent.parent / "data" / "catalog.json"


@lru_cache(maxsize=1)
def _load() -> dict[str, list[dict[str, Any]]]:
    return json.loads(_PATH.read_text(encoding="utf-8"))


def catalog(repo_type: str = "model", task: str | None = None, query: str = "") -> list[dict[str, Any]]:
    """Entries of the task whose id or description has any of the query's words; with a task, a query that
    matches nothing (a topic such as «reviews») does not hide the task's entries: the list is short."""
    entries = _load()["models" if repo_type == "model" else "datasets"]
    words = (query or "").lower().split()
    of_task = [e for e in entries if not task or e.get("task") == task]

    def matches(entry: dict[str, Any]) -> bool:
        text = f"{entry['id']} {entry.get('description', '')}".lower()
        return any(w in text for w in words)

    picked = [e for e in of_task if matches(e)] if words else of_task
    if not picked and task:
        picked = of_task
    return [{**entry, "repo_type": repo_type, "source": "catalog"} for entry in picked]


def catalog_entry(repo_id: str) -> dict[str, Any] | None:
    for kind, entries in _load().items():
        if kind == "about":
            continue
        for entry in entries:
            if entry["id"].lower() == repo_id.lower():
                return {**entry, "repo_type": "model" if kind == "models" else "dataset"}
    return None
