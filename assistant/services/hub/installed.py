"""What is on disk: cached Hub repos (complete snapshots only) and fine-tuned outputs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.services.hub.download import INCOMPLETE_MARKER, PARTIAL_SUFFIX
from assistant.services.hub.local import hub_cache, outputs_dir


@dataclass
class InstalledItem:
    name: str
    kind: str  # model | dataset | finetuned
    size: int
    files: int
    last_used: datetime | None
    path: str
    partial_bytes: int = 0  # a download that is not finished (resumable)
    complete: bool = True


def _dir_stats(path: Path) -> tuple[int, int, float]:
    size = files = 0
    newest = 0.0
    for p in path.rglob("*"):
        if p.is_file() and not p.is_symlink():
            st = p.stat()
            size += st.st_size
            files += 1
            newest = max(newest, st.st_atime, st.st_mtime)
    return size, files, newest


def list_installed() -> list[InstalledItem]:
    items: list[InstalledItem] = []
    cache = hub_cache()
    if cache.is_dir():
        for folder in sorted(cache.iterdir()):
            if not folder.is_dir() or "--" not in folder.name:
                continue
            kind, _, name = folder.name.partition("--")
            if kind not in ("models", "datasets"):
                continue
            repo_id = name.replace("--", "/")
            snapshots = [s for s in (folder / "snapshots").glob("*") if s.is_dir()] if (folder / "snapshots").is_dir() else []
            complete = [s for s in snapshots if not (s / INCOMPLETE_MARKER).exists()]
            blobs = folder / "blobs"
            size = files = 0
            newest = 0.0
            partial = 0
            if blobs.is_dir():
                for blob in blobs.iterdir():
                    st = blob.stat()
                    if blob.name.endswith((PARTIAL_SUFFIX, ".incomplete")):
                        partial += st.st_size
                        continue
                    size += st.st_size
                    files += 1
                    newest = max(newest, st.st_atime, st.st_mtime)
            if not snapshots and not partial:
                continue
            items.append(
                InstalledItem(
                    name=repo_id,
                    kind=kind[:-1],
                    size=size,
                    files=files,
                    last_used=datetime.fromtimestamp(newest, UTC) if newest else None,
                    path=str(complete[0] if complete else folder),
                    partial_bytes=partial,
                    complete=bool(complete),
                )
            )
    for folder in sorted(outputs_dir().iterdir()):
        if folder.is_dir() and (folder / "config.json").exists():
            size, files, newest = _dir_stats(folder)
            items.append(
                InstalledItem(
                    name=folder.name,
                    kind="finetuned",
                    size=size,
                    files=files,
                    last_used=datetime.fromtimestamp(newest, UTC) if newest else None,
                    path=str(folder),
                )
            )
    return items
