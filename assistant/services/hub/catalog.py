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
    entries = _load()["models" if repo_type == "model" else "datasets"]
    q = (query or "").lower()
    out = []
    for entry in entries:
        if task and entry.get("task") != task:
            continue
        if q and q not in entry["id"].lower() and q not in entry.get("description", "").lower():
            continue
        out.append({**entry, "repo_type": repo_type, "source": "catalog"})
    return out


def catalog_entry(repo_id: str) -> dict[str, Any] | None:
    for kind, entries in _load().items():
        if kind == "about":
            continue
        for entry in entries:
            if entry["id"].lower() == repo_id.lower():
                return {**entry, "repo_type": "model" if kind == "models" else "dataset"}
    return None
