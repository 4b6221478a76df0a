"""Sharing a fine-tuned model: the `push` job uploads its folder to the Hub (or the configured Hub endpoint).

What goes: weights, config, tokenizer, the model card with its pictures, the evaluation, ONNX copies. What stays:
the training data split (`data/`), checkpoints, the raw metrics log and the trainer's pickled arguments (they hold
this machine's paths). Files go up in commits of a bounded size, so a stopped or crashed push resumes by asking the
repo what it already has (same path, same size and hash) and sending only the rest.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from assistant.jobs import JobContext, JobError, job_handler
from assistant.persian import fa_digits, format_bytes
from assistant.services.hub.client import HubError, api, call_hub, current_endpoint, validate_repo_id
from prompts import t

log = logging.getLogger(__name__)

KIND = "push"
LEFT_OUT_DIRS = frozenset({"checkpoints", "data", "runs", "__pycache__"})
LEFT_OUT_FILES = frozenset({"metrics.jsonl", "training_args.bin", "optimizer.pt", "scheduler.pt", "rng_state.pth"})
COMMIT_BYTES = 64 * 1024 * 1024  # one commit holds at most this much (a big file goes alone)


class PushParams(BaseModel):
    folder: str = Field(min_length=1, max_length=4096)
    repo_id: str = Field(min_length=3, max_length=200)
    private: bool = True
    display: str = Field(default="", max_length=200)

    @field_validator("repo_id")
    @classmethod
    def _repo(cls, value: str) -> str:
        return validate_repo_id(value)


def shared_files(folder: Path) -> list[Path]:
    """The files of a model folder that are shared, sorted by their path in the repo."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if not path.is_file() or path.is_symlink() or rel.parts[0] in LEFT_OUT_DIRS:
            continue
        if rel.name in LEFT_OUT_FILES or rel.name.endswith((".partial", ".tmp", ".lock")) or rel.name.startswith("."):
            continue
        out.append(path)
    return out


def _git_blob_sha1(path: Path) -> str:
    digest = hashlib.sha1(f"blob {path.stat().st_size}\0".encode())
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _already_there(client, repo_id: str) -> dict[str, Any]:
    """The repo's files: path → its entry (size, blob id, LFS sha256)."""
    from huggingface_hub.hf_api import RepoFile

    entries = call_hub(lambda: list(client.list_repo_tree(repo_id, recursive=True)), context=(repo_id, None))
    return {e.path: e for e in entries if isinstance(e, RepoFile)}


def _same(path: Path, entry: Any) -> bool:
    if entry is None or entry.size != path.stat().st_size:
        return False
    lfs = getattr(entry, "lfs", None)
    if lfs is not None:
        return getattr(lfs, "sha256", None) == _sha256(path)
    return entry.blob_id == _git_blob_sha1(path)


def _batches(files: list[Path]) -> list[list[Path]]:
    batches: list[list[Path]] = []
    size = 0
    for path in files:
        n = path.stat().st_size
        if not batches or size + n > COMMIT_BYTES:
            batches.append([])
            size = 0
        batches[-1].append(path)
        size += n
    return batches


@job_handler(KIND, mode="thread", auto_resume=True, params=PushParams)
def push_job(ctx: JobContext) -> dict[str, Any]:
    from huggingface_hub import CommitOperationAdd

    p = ctx.params
    folder, repo_id = Path(p["folder"]), p["repo_id"]
    if not (folder / "config.json").is_file():
        raise JobError(t("hub.push_folder_missing", model=p.get("display") or folder.name))
    client = api()
    if not client.token:
        raise JobError(t("hub.push_needs_token"))
    try:
        ctx.progress(0.01, t("hub.push_status_repo", repo=repo_id), force=True)
        call_hub(client.create_repo, repo_id, private=p["private"], exist_ok=True, context=(repo_id, None))
        remote = _already_there(client, repo_id)
        files = shared_files(folder)
        total = sum(f.stat().st_size for f in files) or 1
        todo = [f for f in files if not _same(f, remote.get(f.relative_to(folder).as_posix()))]
        done = total - sum(f.stat().st_size for f in todo)
        commit = None
        for batch in _batches(todo):
            ctx.check_cancel()
            ctx.progress(done / total, t("hub.push_status_files", done=format_bytes(done), total=format_bytes(total)),
                         force=True)
            operations = [CommitOperationAdd(path_in_repo=f.relative_to(folder).as_posix(), path_or_fileobj=str(f))
                          for f in batch]
            info = call_hub(client.create_commit, repo_id, operations,
                            commit_message=t("hub.push_commit", model=p.get("display") or folder.name),
                            context=(repo_id, None))
            commit = info.oid
            done += sum(f.stat().st_size for f in batch)
    except HubError as exc:
        raise JobError(exc.user_message, detail=exc.code) from None
    url = f"{current_endpoint().rstrip('/')}/{repo_id}"
    visibility = t("hub.private") if p["private"] else t("hub.public")
    return {"repo_id": repo_id, "url": url, "commit": commit, "files": len(files), "bytes": total,
            "sent_files": len(todo), "private": p["private"],
            # The closing line is the job's message (its progress message and its notification show it): no
            # separate reply, or the chat would say it three times.
            "message": t("hub.push_done", repo=repo_id, url=url, visibility=visibility, files=fa_digits(len(files)),
                         size=format_bytes(total))}
