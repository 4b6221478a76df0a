"""Drill: the disk fills up mid-download and mid-checkpoint (issue 14).

The data directory (database, uploads, fine-tuned models) and the HF cache share one small tmpfs, as on a machine
with one disk. The job ends `failed` with a Persian reason that names the full disk and one notification, even
though the database is on the full disk too; nothing half-written looks whole (no blob with wrong bytes, no cut
checkpoint counted, no finished-looking model folder); once there is room, `/resume` finishes the work.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import signal
from pathlib import Path
from typing import Any

from tests.drills.small_disk import SmallDisk, small_disk
from tests.hub_fixtures import BERT_REPO, BIG_FILE, BIG_REPO
from tests.hubserver import META_FILENAME
from tests.training_fixtures import drain_runner, install, sentiment_rows, tiny_hub, wait_until, write_csv

FIXTURES = (small_disk, drain_runner, install, tiny_hub)
MB = 1024 * 1024


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(f"blob {len(data)}\0".encode() + data, usedforsecurity=False).hexdigest()


def _says_disk_full_in_persian(text: str | None) -> None:
    """Persian that names the full disk: no traceback, no errno, no English (a command in backticks is fine)."""
    assert text and "دیسک پر" in text, text
    assert not re.search(r"Traceback|Errno|Error|errno", text), text
    assert not re.search(r"[A-Za-z]", re.sub(r"`[^`]*`", "", text)), text


def _notes(job_id: int) -> list:
    from assistant.services.notifications import list_notifications

    return [n for n in list_notifications(limit=100) if n.job_id == job_id]


def test_the_disk_fills_up_mid_download_then_resume_once_there_is_room(online_hub, hub_tree, small_disk: SmallDisk):
    """Another program takes the last free byte while the big file arrives. The bytes already fetched stay as the
    partial file (a true prefix of the Hub's file), no blob carries wrong bytes, and after room is made `/resume`
    asks only for the rest."""
    from agents.graph import run_agent
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.hub import download
    from assistant.services.hub.local import repo_folder, resolve_snapshot

    source = hub_tree["models"][BIG_REPO]
    served = {p.relative_to(source).as_posix(): p for p in source.rglob("*")
              if p.is_file() and p.name != META_FILENAME}
    total = sum(p.stat().st_size for p in served.values())
    big = served[BIG_FILE].read_bytes()
    # Room for the whole repo by the download's own check (it wants DISK_MARGIN spare): the disk passes it, then
    # fills up under the download.
    small_disk.resize(small_disk.used() + total + download.DISK_MARGIN + 8 * MB)
    held = len(big) // 2
    online_hub.hold_after_bytes = held  # the big file stops halfway until released, however slow the machine
    started = run_agent(f"/download {BIG_REPO} confirm=yes")
    if started.confirm:
        started = run_agent("بله")
    job_id = started.job_id
    assert job_id, started.text
    blobs = repo_folder(BIG_REPO, "model") / "blobs"
    partial = blobs / (hashlib.sha256(big).hexdigest() + download.PARTIAL_SUFFIX)
    assert online_hub.holding.wait(60), "half the big file was sent"
    wait_until(lambda: partial.is_file() and partial.stat().st_size == held, 60, 0.02, "half the big file on disk")
    assert small_disk.fill() > 0
    online_hub.release()  # the rest arrives on a full disk

    failed = wait_for_job(job_id, timeout=60)
    assert failed.status in (JobStatus.failed, JobStatus.interrupted), (failed.status, failed.message)
    _says_disk_full_in_persian(failed.error)
    notes = _notes(job_id)
    assert len(notes) == 1 and notes[0].level == "error", [(n.title, n.body) for n in notes]
    _says_disk_full_in_persian(notes[0].body)
    # Nothing under a blob's final name that is not the Hub's bytes; the big file is not among them.
    for blob in blobs.iterdir():
        if blob.name.endswith(download.PARTIAL_SUFFIX):
            continue
        assert blob.name in (_sha256(blob), _git_blob_id(blob)), blob.name
    assert not (blobs / hashlib.sha256(big).hexdigest()).exists()
    assert resolve_snapshot(BIG_REPO, "model") is None  # never shown as downloaded
    kept = partial.stat().st_size
    assert held <= kept < len(big) and partial.read_bytes() == big[:kept]  # what was fetched is kept, and right

    small_disk.resize(small_disk.size + total + download.DISK_MARGIN + 8 * MB)  # the operator makes room
    resumed = run_agent(f"/resume {job_id}")
    assert resumed.ok, resumed.text
    final = wait_for_job(job_id, timeout=60)
    assert final.status == JobStatus.succeeded, (final.error, final.message)
    snapshot = resolve_snapshot(BIG_REPO, "model")
    assert snapshot is not None
    cached = {p.relative_to(snapshot).as_posix(): _sha256(p) for p in snapshot.rglob("*") if p.is_file()}
    assert cached == {name: _sha256(p) for name, p in served.items()}
    leftovers = [p.name for p in blobs.iterdir() if p.name.endswith((download.PARTIAL_SUFFIX, ".incomplete"))]
    assert not leftovers and not (snapshot / download.INCOMPLETE_MARKER).exists(), leftovers
    ranged = [r for r in online_hub.requests if r.method == "GET" and r.path.endswith(f"/{BIG_FILE}")
              and "range" in r.headers]
    assert ranged and ranged[-1].headers["range"] == f"bytes={kept}-"  # only the rest travelled again
    assert [n.level for n in _notes(job_id)] == ["success", "error"]


def _freeze_between_checkpoints(job_id: int, folder: Path, keep: int) -> tuple[int, list[Path]]:
    """Stop the training worker (SIGSTOP) at a moment when no checkpoint is being written or rotated away: every
    `checkpoint-*` folder complete, at most `keep` of them. Returns the worker's pid and the checkpoints."""
    from assistant.jobs import store
    from assistant.services.training.run import valid_checkpoints

    def saved_after(step: int) -> Any:
        row = store.get_job(job_id)
        return row.result.get("checkpoint_step", 0) > step and row

    seen = 0
    for _ in range(50):
        row = wait_until(functools.partial(saved_after, seen), 120, 0.02, "a new checkpoint")
        pid = row.worker_pid
        os.kill(pid, signal.SIGSTOP)
        complete = valid_checkpoints(folder)
        if complete and sorted(folder.glob("checkpoint-*")) == sorted(complete) and len(complete) <= keep:
            return pid, complete
        os.kill(pid, signal.SIGCONT)  # caught mid-save: let it finish and try at the next checkpoint
        seen = row.result["checkpoint_step"]
    raise AssertionError("never caught the worker between two checkpoints")


def test_the_disk_fills_up_mid_checkpoint_then_resume_from_the_last_whole_one(install, small_disk: SmallDisk):
    """The disk is given half a checkpoint of room beyond what it holds: the next checkpoint is cut halfway
    (torch.save then fails with a bare RuntimeError). The job says «disk full» in Persian and which step is kept;
    the cut checkpoint is not counted; `/resume` with room continues from the last whole one to a complete model."""
    from agents.graph import run_agent
    from assistant.config import get_settings
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.training.run import checkpoints_dir, valid_checkpoints
    from prompts import t

    install(BERT_REPO)
    data = write_csv(get_settings().data_dir / "uploads" / "big.csv", sentiment_rows(334, seed=3))
    started = run_agent(f"/train base={BERT_REPO} data={data} epochs=1 batch=1 lr=1e-3 save_steps=10 confirm=yes")
    assert started.ok and started.job_id, started.text
    job_id = started.job_id
    folder = checkpoints_dir(job_id)
    pid, complete = _freeze_between_checkpoints(job_id, folder, keep=2)
    try:
        # Measured, not guessed: the biggest whole checkpoint, and what the disk holds now.
        checkpoint = max(sum(f.stat().st_size for f in c.rglob("*") if f.is_file()) for c in complete)
        small_disk.resize(small_disk.used() + checkpoint // 2)
        assert small_disk.free() < checkpoint
    finally:
        os.kill(pid, signal.SIGCONT)

    failed = wait_for_job(job_id, timeout=120)
    assert failed.status == JobStatus.failed, (failed.status, failed.message)
    _says_disk_full_in_persian(failed.error)
    kept = valid_checkpoints(folder)
    assert kept, "the checkpoints written before the disk filled are kept"
    step = int(kept[-1].name.split("-")[1])
    assert t("training.disk_full_kept", step=step) in failed.error  # where a resume goes on from
    cut = sorted(set(folder.glob("checkpoint-*")) - set(kept))
    assert cut, "the disk filled outside a checkpoint: the drill missed its moment"
    assert all(int(c.name.split("-")[1]) > step for c in cut)
    out = folder.parent
    assert not (out / "config.json").exists() and not (out / "model.safetensors").exists()  # nothing looks finished
    notes = _notes(job_id)
    assert len(notes) == 1 and notes[0].level == "error", [(n.title, n.body) for n in notes]

    small_disk.resize(1024**3)  # the operator makes room
    assert run_agent(f"/resume {job_id}").ok
    final = wait_for_job(job_id, timeout=300)
    assert final.status == JobStatus.succeeded, (final.error, final.message)
    assert final.result["resumed_from_step"] == step > 0
    assert final.result["step"] == final.result["total_steps"]
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    assert sorted(folder.glob("checkpoint-*")) == valid_checkpoints(folder)  # the cut one is gone
    assert [n.level for n in _notes(job_id)] == ["success", "error"]
