"""Tiny real models and small Persian datasets for the training tests, built once per session.

Models: a random-init BERT-like classifier and a GPT-2-like LM with tokenizers trained on Persian sentences
(tests/hub_fixtures.py). They reach the HF cache the way a user's downloads do: the real huggingface_hub
client against the local test hub (tests/hubserver.py) on 127.0.0.1.
"""

from __future__ import annotations

import csv
import json
import os
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.hub_fixtures import (
    BERT_REPO,
    GPT2_REPO,
    SENTIMENT_DATASET,
    make_sentiment_dataset,
    make_tiny_bert,
    make_tiny_gpt2,
    sentiment_examples,
)
from tests.hubserver import HubServer
from tests.waiting import wait_until  # noqa: F401  (re-exported for the training tests)


@pytest.fixture(scope="session")
def tiny_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("training-hub")
    bert = make_tiny_bert(root / "models" / BERT_REPO)
    gpt2 = make_tiny_gpt2(root / "models" / GPT2_REPO)
    sentiment = make_sentiment_dataset(root / "datasets" / SENTIMENT_DATASET)
    with HubServer(root) as server:
        yield {"server": server, "bert": bert, "gpt2": gpt2, "sentiment": sentiment}


@pytest.fixture
def install(tiny_hub: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], Path]:
    """Download a repo of the test hub into this test's HF cache with the real client (as `/download` would)."""
    from huggingface_hub import constants, snapshot_download

    from assistant.services.hub.local import hub_cache

    def run(repo_id: str, repo_type: str = "model") -> Path:
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
        cache = hub_cache()
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
        path = snapshot_download(repo_id, repo_type=repo_type, endpoint=tiny_hub["server"].url, cache_dir=cache,
                                 token=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
        return Path(path)

    return run


def write_csv(path: Path, rows: list[dict[str, Any]], *, sep: str = ",", encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=sep)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def sentiment_rows(n: int, seed: int = 0, *, text: str = "text", label: str = "label", names: bool = True) -> list[dict]:
    """Persian sentiment rows; labels as words (منفی/مثبت) or 0/1."""
    rows = []
    for row in sentiment_examples(n, seed=seed):
        value: Any = ("منفی", "مثبت")[row["label"]] if names else row["label"]
        rows.append({text: row["text"], label: value})
    return rows


def shuffled(rows: list[dict], seed: int = 1) -> list[dict]:
    rows = list(rows)
    random.Random(seed).shuffle(rows)
    return rows


def child_env() -> dict[str, str]:
    return os.environ.copy()


@pytest.fixture(autouse=True)
def drain_runner(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """One torch thread per training worker (tiny models on a shared 2-core machine run fastest so). After each
    test, stop what still runs and let the runner's threads see their workers end, so none of them writes into
    the next test's database (the data dir is process-wide settings)."""
    monkeypatch.setenv("DASTYAR_TRAIN_THREADS", "1")
    yield
    from assistant.jobs import runner, store
    from assistant.models import JobStatus

    current = runner._runner
    if current is None:
        return
    for job in store.list_jobs(statuses=[JobStatus.running, JobStatus.queued], limit=100):
        current.cancel(job.id)
    current.scheduler.shutdown(wait=True)
    current.running = False
    runner._runner = None
