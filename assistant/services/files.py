"""Paths people type (`/transcribe <file>`, `data=`, `base=`, `/try <folder>`), confined to where Dastyar may read
and to what the person asking may read.

Everyone: the HF cache (downloaded repos are shared; not the token files beside it) and the folders an operator
lists in DASTYAR_FILE_ROOTS. In the data directory: a person's own chat uploads (this chat's session folder) and
the fine-tuned models of their own jobs (`models/job-<id>`); an admin also the rest of it. Never the files at the
top of the data directory or of HF_HOME (the database, the session and widget keys, the Hub token). Anything else
reads as "not found": a missing file and a forbidden one get the same answer, so the chat cannot be used to learn
what exists on the server.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from assistant.config import get_settings
from assistant.identity import Identity, can_see, current

# A folder of training data is walked at most this far (files and folders seen), never the whole disk.
MAX_WALK_ENTRIES = 20_000
MAX_WALK_DEPTH = 6


def allowed_roots() -> list[Path]:
    from assistant.services.hub.local import hf_home, hub_cache

    settings = get_settings()
    extra = [Path(p).expanduser() for p in settings.file_roots.split(os.pathsep) if p.strip()]
    roots = [settings.data_dir, hf_home(), hub_cache(), *extra]
    return [r.resolve() for r in roots]


def readable(path: Path, who: Identity | None = None) -> bool:
    """May `who` (default: whoever is asking) read this resolved path? See the module's rules."""
    from assistant.services.hub.local import hf_home, hub_cache

    who = who or current()
    settings = get_settings()
    home, cache, data = hf_home().resolve(), hub_cache().resolve(), settings.data_dir.resolve()
    if path.parent == home and not path.is_dir():
        return False  # HF_HOME's own files: token, stored_tokens
    if path.is_relative_to(cache):
        return True  # downloaded repos are shared
    # The data directory's rules come before an operator's root that contains it.
    if path.is_relative_to(data):
        inside = path.relative_to(data).parts
        if not inside or (len(inside) == 1 and not path.is_dir()):
            return False  # the data directory's own files: database, keys, locks
        if inside[0] == "models" and len(inside) >= 2:
            return _model_visible(inside[1], who)
        if inside[0] == ".files" and who.uploads is not None and path.is_relative_to(who.uploads.resolve()):
            return True
        return who.is_admin
    if path.is_relative_to(home) and path != home:
        return True
    extra = [Path(p).expanduser().resolve() for p in settings.file_roots.split(os.pathsep) if p.strip()]
    return any(path.is_relative_to(root) for root in extra)


def _model_visible(folder: str, who: Identity) -> bool:
    """A fine-tuned model folder: `job-<id>` belongs to that job's owner; other folders are an admin's."""
    import re

    match = re.fullmatch(r"job-(\d{1,12})", folder)
    if match is None:
        return who.is_admin
    from assistant.jobs import store

    job = store.get_job(int(match.group(1)))
    return who.is_admin if job is None else can_see(job.owner, who)


def confined(text: str | Path) -> Path | None:
    """The existing path `text` names, resolved (symlinks followed), if the person asking may read it; else None."""
    raw = str(text).strip()
    if not raw or "\x00" in raw or len(raw) > 4096:
        return None
    try:
        path = Path(raw).expanduser().resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if not any(path.is_relative_to(root) for root in allowed_roots()) or not readable(path):
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
