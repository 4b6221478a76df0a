"""Paths people type (`/transcribe <file>`, `data=`, `base=`, `/try <folder>`), confined to where Dastyar may read.

Allowed: the data directory (uploads, fine-tuned models), the HF cache, and the folders an operator lists in
DASTYAR_FILE_ROOTS. Anything else reads as "not found": a missing file and a forbidden one get the same answer, so
the chat cannot be used to learn what exists on the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from assistant.config import get_settings

# A folder of training data is walked at most this far (files and folders seen), never the whole disk.
MAX_WALK_ENTRIES = 20_000
MAX_WALK_DEPTH = 6


def allowed_roots() -> list[Path]:
    from assistant.services.hub.local import hf_home, hub_cache

    settings = get_settings()
    extra = [Path(p).expanduser() for p in settings.file_roots.split(os.pathsep) if p.strip()]
    roots = [settings.data_dir, hf_home(), hub_cache(), *extra]
    return [r.resolve() for r in roots]


def confined(text: str | Path) -> Path | None:
    """The existing path `text` names, resolved (symlinks followed), if it lies inside an allowed root; else None."""
    raw = str(text).strip()
    if not raw or "\x00" in raw or len(raw) > 4096:
        return None
    try:
        path = Path(raw).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not any(path.is_relative_to(root) for root in allowed_roots()):
        return None
    try:
        return path if path.exists() else None
    except OSError:
        return None


def looks_like_path(text: str) -> bool:
    return str(text).strip().startswith(("/", "./", "../", "~", ".\\"))


def shown(path: Path) -> str:
    """A path as a reply shows it: relative to the data directory when inside it (no server layout in the chat)."""
    data = get_settings().data_dir.resolve()
    try:
        return str(path.resolve().relative_to(data))
    except ValueError:
        return path.name


def walk_files(folder: Path) -> Iterator[Path]:
    """Files under `folder`, breadth first, bounded in depth and count; unreadable folders are skipped."""
    queue: list[tuple[Path, int]] = [(folder, 0)]
    seen = 0
    while queue:
        current, depth = queue.pop(0)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_WALK_ENTRIES:
                return
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth + 1 < MAX_WALK_DEPTH:
                        queue.append((Path(entry.path), depth + 1))
                elif entry.is_file():
                    yield Path(entry.path)
            except OSError:
                continue
