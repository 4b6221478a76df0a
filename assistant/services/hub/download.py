"""Resumable downloads into the standard HF cache.

huggingface_hub (1.33) does not resume across processes: each run writes to a new randomly named
`.incomplete` file. Dastyar fetches each file itself with HTTP Range requests into a stable partial file
(`blobs/<etag>.dastyar-partial`), verifies size and sha256, then places it exactly where huggingface_hub
and transformers look (`blobs/<etag>` and a symlink in `snapshots/<commit>/`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, field_validator

from assistant.jobs import JobCancelled, JobContext, JobError, job_handler
from assistant.jobs.registry import on_runner_start
from assistant.persian import format_bytes, format_duration
from assistant.services.hub.client import (
    HubError,
    api,
    auth_headers,
    call_hub,
    current_endpoint,
    translate_error,
    validate_repo_id,
)
from assistant.services.hub.local import hub_cache, repo_folder
from prompts import t

log = logging.getLogger(__name__)

KIND = "download"  # the job kind, as tools submit and list it
PARTIAL_SUFFIX = ".dastyar-partial"
INCOMPLETE_MARKER = ".dastyar-incomplete"
CHUNK = 1024 * 1024
MAX_ATTEMPTS = 6
READ_TIMEOUT = 30.0  # seconds without a byte before a connection counts as dropped (and is retried)
VERIFY_ATTEMPTS = 2  # a file whose bytes do not match the Hub's hash is fetched once more before failing
PARALLEL_FILES = 4
DISK_MARGIN = 50 * 1024 * 1024


@dataclass
class RemoteFile:
    path: str
    size: int
    etag: str  # the blob's name in the cache: sha256 for LFS files, the git blob id otherwise
    sha256: str | None


@dataclass
class Plan:
    repo_id: str
    repo_type: str
    revision: str
    commit: str
    files: list[RemoteFile]

    @property
    def total(self) -> int:
        return sum(f.size for f in self.files)


_HEX = re.compile(r"^(?:[0-9a-f]{40}|[0-9a-f]{64})$")
_SEGMENT = re.compile(r"^[^\x00-\x1f\x7f\\/]{1,255}$")


def _safe_relative(path: str) -> bool:
    """A repo file name that stays inside the folder it is placed in: relative, no `..`, no empty or odd segments."""
    if not path or len(path) > 1000 or path.startswith("/"):
        return False
    return all(_SEGMENT.match(seg) and seg not in (".", "..") for seg in path.split("/"))


def _check_metadata(plan: Plan) -> None:
    """What a Hub (or a hostile mirror) said becomes paths in the cache: nothing may point outside it."""
    ok = bool(_HEX.match(plan.commit or "")) and _safe_relative(plan.revision)
    ok = ok and all(_safe_relative(f.path) and _HEX.match(f.etag) and (f.sha256 is None or len(f.sha256) == 64)
                    and 0 <= f.size < 2**50 for f in plan.files)
    if not ok or len({f.path for f in plan.files}) != len(plan.files):
        raise HubError(t("hub.bad_metadata", repo=plan.repo_id), "bad_metadata")


def make_plan(repo_id: str, repo_type: str = "model", revision: str | None = None) -> Plan:
    info = call_hub(
        api().repo_info, repo_id, repo_type=repo_type, revision=revision, files_metadata=True,
        context=(repo_id, revision),
    )
    files = []
    for sib in info.siblings or []:
        lfs = getattr(sib, "lfs", None)
        sha256 = getattr(lfs, "sha256", None) if lfs else None
        etag = sha256 or getattr(sib, "blob_id", None)
        if not etag or sib.size is None:
            raise HubError(t("hub.no_file_metadata", repo=repo_id), "no_metadata")
        files.append(RemoteFile(path=str(sib.rfilename), size=int(sib.size), etag=str(etag), sha256=sha256))
    plan = Plan(repo_id, repo_type, revision or "main", str(info.sha or ""), files)
    _check_metadata(plan)
    return plan


def file_url(plan: Plan, path: str) -> str:
    from urllib.parse import quote

    prefix = "datasets/" if plan.repo_type == "dataset" else ""
    return f"{current_endpoint()}/{prefix}{plan.repo_id}/resolve/{plan.commit}/{quote(path)}"


class _Meter:
    """Bytes done, speed over the last few seconds, ETA."""

    def __init__(self, total: int, done: int) -> None:
        self.total = total
        self.done = done
        self.fetched = 0
        self.window: deque[tuple[float, int]] = deque()

    def add(self, n: int) -> None:
        self.done += n
        self.fetched += n
        now = time.monotonic()
        self.window.append((now, self.fetched))
        while self.window and now - self.window[0][0] > 5.0:
            self.window.popleft()

    @property
    def speed(self) -> float:
        if len(self.window) < 2:
            return 0.0
        (t0, b0), (t1, b1) = self.window[0], self.window[-1]
        return (b1 - b0) / (t1 - t0) if t1 > t0 else 0.0

    @property
    def eta(self) -> float | None:
        speed = self.speed
        return (self.total - self.done) / speed if speed > 0 else None


def _place(folder: Path, plan: Plan, rf: RemoteFile, blob: Path) -> None:
    pointer = folder / "snapshots" / plan.commit / rf.path
    pointer.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(blob, pointer.parent)
    if pointer.is_symlink() or pointer.exists():
        if pointer.is_symlink() and os.readlink(pointer) == target:
            return
        pointer.unlink()
    try:
        pointer.symlink_to(target)
    except OSError:  # file systems without symlinks: copy, as huggingface_hub does
        shutil.copyfile(blob, pointer)


def _hasher(rf: RemoteFile):
    """What the Hub vouches for: sha256 of an LFS file, or the git blob id (sha1 of a header and the bytes)."""
    if rf.sha256:
        return hashlib.sha256()
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(f"blob {rf.size}\0".encode())
    return digest


def _fetch(
    ctx: JobContext,
    plan: Plan,
    rf: RemoteFile,
    partial: Path,
    meter: _Meter,
    report,
    failed: threading.Event,
    lock: threading.RLock,
) -> None:
    """Bring `partial` to the full file, resuming from its current size, retrying dropped connections."""
    import httpx

    hasher = _hasher(rf)
    offset = partial.stat().st_size if partial.exists() else 0
    if offset > rf.size:
        partial.unlink()
        offset = 0
    partial.touch()  # an empty file has nothing to fetch but still needs its blob
    if offset:
        with open(partial, "rb") as fh:
            for block in iter(lambda: fh.read(CHUNK), b""):
                hasher.update(block)
    attempt = 0
    timeout = httpx.Timeout(READ_TIMEOUT, connect=10.0)
    with httpx.Client(follow_redirects=True, timeout=timeout, headers=auth_headers()) as client:
        while offset < rf.size:
            headers = {"Range": f"bytes={offset}-"} if offset else {}
            try:
                with client.stream("GET", file_url(plan, rf.path), headers=headers) as resp:
                    if resp.status_code >= 500 or resp.status_code == 429:
                        resp.read()  # the Hub's hiccup or its rate limit: worth another try, after a pause
                        raise httpx.StreamError(f"HTTP {resp.status_code}")
                    if resp.status_code >= 400:
                        resp.read()
                        raise translate_error(httpx.HTTPStatusError("", request=resp.request, response=resp), plan.repo_id)
                    if offset and resp.status_code != 206:
                        # The server ignored the range: start this file again.
                        meter.done -= offset
                        offset = 0
                        hasher = _hasher(rf)
                        partial.unlink(missing_ok=True)
                    with open(partial, "ab") as fh:
                        # No chunk size: bytes are written as they arrive, so a dropped connection loses none.
                        for chunk in resp.iter_bytes():
                            if failed.is_set() or ctx.cancelled():
                                raise JobCancelled()
                            fh.write(chunk)
                            hasher.update(chunk)
                            offset += len(chunk)
                            with lock:
                                meter.add(len(chunk))
                            report(rf)
                attempt = 0
            except (httpx.TransportError, httpx.StreamError) as exc:
                attempt += 1
                if attempt >= MAX_ATTEMPTS:
                    if isinstance(exc, httpx.StreamError) and str(exc).startswith("HTTP "):
                        raise HubError(t("hub.server_error", endpoint=current_endpoint()), "unreachable") from exc
                    raise translate_error(exc, plan.repo_id) from exc
                log.info("download of %s dropped at %d bytes; retrying (%d)", rf.path, offset, attempt)
                time.sleep(min(2**attempt * 0.25, 5))
    size = partial.stat().st_size
    if size != rf.size or hasher.hexdigest() != (rf.sha256 or rf.etag):
        partial.unlink(missing_ok=True)
        with lock:
            meter.done -= size  # those bytes are fetched again (or not at all)
        raise _Mismatch(rf.path)


class _Mismatch(Exception):
    """The bytes that arrived are not the ones the Hub vouches for (size or hash)."""


def download_repo(ctx: JobContext, repo_id: str, repo_type: str, revision: str | None) -> dict[str, Any]:
    try:
        plan = make_plan(repo_id, repo_type, revision)
    except HubError as exc:
        raise JobError(exc.user_message) from exc
    folder = repo_folder(repo_id, repo_type)
    blobs = folder / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    snapshot = folder / "snapshots" / plan.commit
    snapshot.mkdir(parents=True, exist_ok=True)
    marker = snapshot / INCOMPLETE_MARKER
    marker.touch()

    present = 0
    todo: list[RemoteFile] = []
    for rf in plan.files:
        blob = blobs / rf.etag
        if blob.is_file() and blob.stat().st_size == rf.size:
            _place(folder, plan, rf, blob)
            present += rf.size
        else:
            todo.append(rf)
    partial_bytes = sum(
        (blobs / (rf.etag + PARTIAL_SUFFIX)).stat().st_size for rf in todo if (blobs / (rf.etag + PARTIAL_SUFFIX)).exists()
    )
    need = sum(rf.size for rf in todo) - partial_bytes
    free = shutil.disk_usage(blobs).free
    if need + DISK_MARGIN > free:
        raise JobError(t("hub.disk_full_before", need=format_bytes(need), free=format_bytes(free)))

    meter = _Meter(plan.total, present + partial_bytes)
    files_done = len(plan.files) - len(todo)
    lock = threading.RLock()  # the file threads share the meter and the job context

    def report(rf: RemoteFile | None, force: bool = False) -> None:
        with lock:
            _report(rf, force)

    def _report(rf: RemoteFile | None, force: bool) -> None:
        eta = meter.eta
        message = t(
            "hub.progress",
            file=rf.path if rf else "",
            done=format_bytes(meter.done),
            total=format_bytes(meter.total),
            speed=format_bytes(meter.speed) + "/ث",
            eta=format_duration(eta) if eta is not None else "…",
        )
        ctx.progress(
            meter.done / meter.total if meter.total else 1.0,
            message,
            force=force,
            bytes_done=meter.done,
            bytes_total=meter.total,
            bytes_fetched=meter.fetched,
            speed=round(meter.speed),
            eta=round(eta) if eta is not None else None,
            current_file=rf.path if rf else None,
            files_done=files_done,
            files_total=len(plan.files),
            commit=plan.commit,
        )

    report(todo[0] if todo else None, force=True)
    # Files with the same content share one blob: fetch each blob once, place every name that points to it.
    by_blob: dict[str, list[RemoteFile]] = {}
    for rf in todo:
        by_blob.setdefault(rf.etag, []).append(rf)
    failed = threading.Event()

    def fetch_blob(group: list[RemoteFile]) -> None:
        nonlocal files_done
        rf = group[0]
        blob = blobs / rf.etag
        partial = blobs / (rf.etag + PARTIAL_SUFFIX)
        for verify in range(VERIFY_ATTEMPTS):
            try:
                _fetch(ctx, plan, rf, partial, meter, report, failed, lock)
                break
            except _Mismatch:
                log.warning("%s: the bytes did not match the Hub's hash (%d of %d)", rf.path, verify + 1,
                            VERIFY_ATTEMPTS)
                if verify + 1 == VERIFY_ATTEMPTS:
                    raise JobError(t("hub.verify_failed", file=rf.path)) from None
        os.replace(partial, blob)
        for same in group:
            _place(folder, plan, same, blob)
        with lock:
            meter.done += rf.size * (len(group) - 1)
            files_done += len(group)
        report(rf, force=True)

    # Several connections at once, as `hf download` does; a failure or cancel in one stops the others.
    with ThreadPoolExecutor(max_workers=min(PARALLEL_FILES, max(1, len(by_blob)))) as pool:
        futures = [pool.submit(fetch_blob, group) for group in by_blob.values()]
        try:
            for future in as_completed(futures):
                future.result()
        except BaseException:
            failed.set()
            raise

    if plan.revision != plan.commit:
        ref = folder / "refs" / plan.revision  # "refs/pr/1" nests, as huggingface_hub keeps it
        ref.parent.mkdir(parents=True, exist_ok=True)
        ref.write_text(plan.commit)
    marker.unlink(missing_ok=True)
    clean_partials(folder)
    return {
        "repo_id": repo_id,
        "repo_type": repo_type,
        "commit": plan.commit,
        "path": str(snapshot),
        "bytes_total": plan.total,
        "bytes_done": plan.total,
        "bytes_fetched": meter.fetched,
        "files_total": len(plan.files),
        "files_done": len(plan.files),
        "already_present": present,
        "speed": None,
        "eta": 0,
    }


def clean_partials(folder: Path) -> int:
    """Remove partial files (ours and huggingface_hub's `.incomplete` leftovers) of one repo; bytes freed."""
    freed = 0
    for path in (folder / "blobs").glob("*"):
        if path.name.endswith((PARTIAL_SUFFIX, ".incomplete")):
            freed += path.stat().st_size
            path.unlink(missing_ok=True)
    return freed


STALE_SECONDS = 3600


@on_runner_start
def sweep_partials() -> int:
    """Partial files no job can resume are removed: ours without a resumable job, and huggingface_hub's
    `.incomplete` files (it never resumes them across processes) once they are an hour old."""
    from assistant.jobs import store
    from assistant.models import JobStatus

    keep = {
        (j.params.get("repo_type", "model"), j.params.get("repo_id"))
        for j in store.list_jobs(KIND, [s.value for s in JobStatus if s != JobStatus.succeeded], limit=10_000)
    }
    freed = 0
    cache = hub_cache()
    if not cache.is_dir():
        return 0
    now = time.time()
    for blobs in cache.glob("*--*/blobs"):
        kind, _, name = blobs.parent.name.partition("--")
        repo = (kind.removesuffix("s"), name.replace("--", "/"))
        for path in blobs.iterdir():
            ours = path.name.endswith(PARTIAL_SUFFIX) and repo not in keep
            theirs = path.name.endswith(".incomplete") and now - path.stat().st_mtime > STALE_SECONDS
            if ours or theirs:
                freed += path.stat().st_size
                path.unlink(missing_ok=True)
    if freed:
        log.info("removed %d bytes of partial downloads nothing can resume", freed)
    return freed


class DownloadParams(BaseModel):
    repo_id: str
    repo_type: Literal["model", "dataset"] = "model"
    revision: str | None = None

    @field_validator("repo_id")
    @classmethod
    def _repo(cls, value: str) -> str:
        return validate_repo_id(value)


@job_handler(KIND, mode="thread", auto_resume=True, params=DownloadParams, cluster=True)
def download_job(ctx: JobContext) -> dict[str, Any]:
    p = ctx.params
    result = download_repo(ctx, p["repo_id"], p.get("repo_type", "model"), p.get("revision"))
    result["message"] = t("hub.download_done", repo=p["repo_id"], size=format_bytes(result["bytes_total"]))
    return result
