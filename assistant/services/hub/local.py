"""Where things live on disk: the standard HF cache (shared with transformers and `hf`) and fine-tuned outputs."""

from __future__ import annotations

import os
import re
from pathlib import Path

from assistant.config import get_settings

REPO_TYPES = ("model", "dataset")


def hf_home() -> Path:
    settings = get_settings()
    if settings.hf_home:
        return Path(settings.hf_home)
    return Path(os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface")


def hub_cache() -> Path:
    """HF_HUB_CACHE, as huggingface_hub resolves it (read per call: tests and settings may change it)."""
    explicit = os.environ.get("HF_HUB_CACHE")
    return Path(explicit) if explicit else hf_home() / "hub"


def repo_folder(repo_id: str, repo_type: str = "model") -> Path:
    return hub_cache() / f"{repo_type}s--{repo_id.replace('/', '--')}"


def outputs_dir() -> Path:
    """Fine-tuned models are saved here, one folder per training job."""
    path = get_settings().data_dir / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resolve_snapshot(repo_id: str, repo_type: str = "model", revision: str = "main") -> Path | None:
    """The local snapshot folder of a downloaded repo (complete downloads only), or None."""
    folder = repo_folder(repo_id, repo_type)
    ref = folder / "refs" / revision
    commit = ref.read_text().strip() if ref.is_file() else revision
    if not re.fullmatch(r"[0-9a-f]{40}", commit or ""):
        return None
    snapshot = folder / "snapshots" / commit
    if not snapshot.is_dir() or (snapshot / ".dastyar-incomplete").exists():
        return None
    return snapshot


def resolve_local_model(name: str) -> Path | None:
    """A model the user names: a fine-tuned output (by folder name or job id), a local path, or a cached repo."""
    from assistant.services.files import confined

    candidate = confined(name)
    if candidate is not None and candidate.is_dir() and (candidate / "config.json").exists():
        return candidate
    from assistant.services.files import readable

    for folder in (outputs_dir() / name, outputs_dir() / f"job-{name}"):
        try:
            folder = folder.resolve()
        except (OSError, RuntimeError, ValueError):
            continue
        # Only a folder of the outputs (no "../" out of it) and only the asker's own fine-tuned models.
        if folder.parent == outputs_dir().resolve() and folder.is_dir() and (folder / "config.json").exists() \
                and readable(folder):
            return folder
    return resolve_snapshot(name, "model")
