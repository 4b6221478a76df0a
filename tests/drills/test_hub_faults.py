"""Drill: the Hub misbehaves mid-download — a 500, then no answer at all, then a connection cut halfway, then wrong
bytes — and the download still ends with every file equal to the Hub's by sha256; bytes that stay wrong fail the
job in Persian with nothing half-written left in the cache."""

from __future__ import annotations

import hashlib
import time

from tests.hub_fixtures import BIG_FILE, BIG_REPO


def _sha256(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_500_then_stall_then_drop_then_corrupt_bytes_and_the_file_is_still_right(online_hub, hub_tree, monkeypatch):
    from agents.graph import run_agent
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.hub import download
    from assistant.services.hub.local import resolve_snapshot

    monkeypatch.setattr(download, "READ_TIMEOUT", 1.0)  # a stall of 3 s is a dropped connection
    online_hub.stall_seconds = 3.0
    online_hub.faults = ["500", "stall", "drop", "corrupt"]
    started = run_agent(f"/download {BIG_REPO} confirm=yes")
    if started.confirm:
        started = run_agent("بله")
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    assert online_hub.faults == []  # every fault was met
    snapshot = resolve_snapshot(BIG_REPO, "model")
    assert _sha256(snapshot / BIG_FILE) == _sha256(hub_tree["models"][BIG_REPO] / BIG_FILE)
    blobs = snapshot.parent.parent / "blobs"
    assert not [p for p in blobs.iterdir() if p.name.endswith(download.PARTIAL_SUFFIX)]


def test_bytes_that_stay_wrong_fail_in_persian_and_leave_no_blob(online_hub):
    from agents.graph import run_agent
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.hub.local import repo_folder

    online_hub.faults = ["corrupt"] * 10
    started = run_agent(f"/download {BIG_REPO} confirm=yes")
    if started.confirm:
        started = run_agent("بله")
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.failed and "sha256" in job.error, job.error
    from assistant.services.hub.download import PARTIAL_SUFFIX

    # No wrong bytes under a blob's name (partial files of other files stay for `/resume` to continue).
    blobs = repo_folder(BIG_REPO, "model") / "blobs"
    for blob in (blobs.iterdir() if blobs.exists() else []):
        if not blob.name.endswith(PARTIAL_SUFFIX):
            digest = _sha256(blob) if len(blob.name) == 64 else None
            assert digest is None or digest == blob.name, blob.name
    big = [b for b in (blobs.iterdir() if blobs.exists() else []) if b.stat().st_size >= 1024 * 1024
           and not b.name.endswith(PARTIAL_SUFFIX)]
    assert not big, big  # the corrupted big file was never placed


def test_a_server_that_ignores_range_makes_the_file_start_again_and_end_right(online_hub, hub_tree):
    """A connection cut halfway, then a mirror that answers every Range request with the whole file (200): the
    half already fetched is thrown away rather than glued to a second copy, the progress never passes the total,
    and the file is the Hub's by sha256."""
    from agents.graph import run_agent
    from assistant.jobs import store
    from assistant.jobs.runner import wait_for_job
    from assistant.models import JobStatus
    from assistant.services.hub import download
    from assistant.services.hub.local import resolve_snapshot

    size = (hub_tree["models"][BIG_REPO] / BIG_FILE).stat().st_size
    online_hub.fail_after_bytes = size // 2  # only the big file is that long
    online_hub.ignore_range = True
    started = run_agent(f"/download {BIG_REPO} confirm=yes")
    if started.confirm:
        started = run_agent("بله")
    seen: list[float] = []  # the progress the chat could have shown, polled until the job ends
    deadline = time.monotonic() + 180
    while (row := store.get_job(started.job_id)).status.is_active and time.monotonic() < deadline:
        seen.append(row.progress or 0.0)
        time.sleep(0.05)
    job = wait_for_job(started.job_id, timeout=5)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    gets = [r for r in online_hub.requests if r.method == "GET" and r.path.endswith(f"/{BIG_FILE}")]
    ranged = [r for r in gets if "range" in r.headers]
    assert ranged and all(r.status == 200 for r in ranged), [(r.headers.get("range"), r.status) for r in gets]
    # The cut response sent about half; the ignored Range sent the whole file again, which is what was kept.
    assert size < online_hub.sent(BIG_REPO, BIG_FILE) < 2 * size
    assert max(seen, default=0.0) <= 1.0 and job.progress == 1.0
    snapshot = resolve_snapshot(BIG_REPO, "model")
    assert _sha256(snapshot / BIG_FILE) == _sha256(hub_tree["models"][BIG_REPO] / BIG_FILE)
    assert not [p for p in (snapshot.parent.parent / "blobs").iterdir() if p.name.endswith(download.PARTIAL_SUFFIX)]
