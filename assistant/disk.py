"""A full disk: telling it apart from other failures, and the room kept so that a job can still say so.

A full disk shows up in many shapes: OSError 28 from Python, «database or disk is full» from SQLite, a Rust error's
text from safetensors, or a bare RuntimeError from torch.save («unexpected pos …») that names no cause at all.

When the disk that holds the SQLite database fills up, the write that records a job's end fails like every other
write, and the job would stay `running` with no word to anyone. So a small reserve file is kept beside the database
while there is room; the write that ends a job gives it up when the disk is full and tries once more.
"""

from __future__ import annotations

import errno
import logging
import os
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

RESERVE_NAME = ".dastyar-reserve"
# A job's end and its notification are a few database pages; the rest is room for the next few writes (a chat turn).
RESERVE_BYTES = 2 * 1024 * 1024
# Less free than this after a failed write: the write failed because the disk is full (torch says nothing more).
NEARLY_FULL_BYTES = 1024 * 1024
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_FULL_TEXTS = ("no space left on device", "database or disk is full", "disk quota exceeded")
_SQLITE_FULL = 13


def is_disk_full(exc: BaseException) -> bool:
    """Does this error, or one it was raised from, say that the disk (or the user's quota) is full?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _FULL_ERRNOS:
            return True
        if getattr(current, "sqlite_errorcode", None) == _SQLITE_FULL:
            return True
        if any(text in str(current).lower() for text in _FULL_TEXTS):
            return True
        current = current.__cause__ or current.__context__
    return False


def free_bytes(path: Path) -> int | None:
    """Free bytes on the disk of `path` (its nearest existing folder); None when that cannot be read."""
    for folder in (path, *path.parents):
        if folder.exists():
            try:
                return shutil.disk_usage(folder).free
            except OSError:
                return None
    return None


def nearly_full(path: Path) -> bool:
    """Is the disk of `path` full to its last megabyte? (For errors that do not say why a write failed.)"""
    free = free_bytes(path)
    return free is not None and free < NEARLY_FULL_BYTES


def reserve_path() -> Path | None:
    """Where the reserve lives: beside the SQLite database (None for a database server — its disk is not ours)."""
    from assistant.config import get_settings

    url = get_settings().db_url
    if not url.startswith("sqlite:///"):
        return None
    database = url.removeprefix("sqlite:///")
    if not database or database.startswith(":memory:"):
        return None
    return Path(database).parent / RESERVE_NAME


def ensure_reserve() -> bool:
    """Keep the reserve while the disk has room for it (twice over: it must never take the last bytes itself)."""
    path = reserve_path()
    if path is None:
        return False
    try:
        if path.is_file() and path.stat().st_size == RESERVE_BYTES:
            return True
        free = free_bytes(path)
        if free is None or free < 2 * RESERVE_BYTES:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        # Random bytes: a compressing file system would keep zeros in no space at all, and the reserve would be none.
        with open(partial, "wb") as fh:
            fh.write(os.urandom(RESERVE_BYTES))
        os.replace(partial, path)
        return True
    except OSError as exc:
        log.info("no room for the database's disk reserve: %s", exc)
        try:
            path.with_name(path.name + ".partial").unlink(missing_ok=True)
        except OSError:
            pass
        return False


def release_reserve() -> bool:
    """Give the reserve's room back to the disk; True when there was one to give."""
    path = reserve_path()
    if path is None:
        return False
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        log.warning("could not remove the disk reserve %s: %s", path, exc)
        return False
    log.warning("the disk is full: the database's reserve (%d bytes) was given up to record a job's end",
                RESERVE_BYTES)
    return True
