"""Hub in the chat against a local HF-compatible server: search, info, downloads (progress, cancel, resume), bad input."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from agents.graph import run_agent
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services.hub.local import hub_cache, repo_folder, resolve_snapshot
from tests.hub_fixtures import BERT_REPO, BIG_FILE, BIG_REPO, PRIVATE_REPO, SENTIMENT_DATASET
from tests.hubserver import HubServer, env_for
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
FA = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def _wait(predicate, timeout: float = 30.0):
    return wait_until(predicate, timeout, poll=0.05)


def _big_size(hub_tree) -> int:
    return (Path(hub_tree["root"]) / "models" / BIG_REPO / BIG_FILE).stat().st_size


# -- search and info ---------------------------------------------------------------------------------------------------


def test_search_from_persian_text_puts_persian_first(online_hub):
    reply = run_agent("مدل‌های فارسی برای دسته‌بندی متن رو پیدا کن")
    assert reply.tool == "search_models" and reply.ok, reply.text
    ids = [r["id"] for r in reply.data["results"]]
    assert BERT_REPO in ids
    assert all(r["persian"] for r in reply.data["results"][:1])
    assert "دسته‌بندی متن" in reply.text and "`HooshvareLab/bert-fa-base-uncased`" in reply.text
    assert any(ch in reply.text for ch in "۰۱۲۳۴۵۶۷۸۹")


def test_search_slash_and_datasets(online_hub):
    reply = run_agent("/search bert")
    assert reply.ok and reply.data["results"], reply.text
    datasets = run_agent("/datasets sentiment")
    assert datasets.ok and SENTIMENT_DATASET in [r["id"] for r in datasets.data["results"]], datasets.text


def test_model_info(online_hub):
    reply = run_agent(f"اطلاعات مدل {BERT_REPO}")
    assert reply.tool == "model_info" and reply.ok, reply.text
    names = [f[0] for f in reply.data["files"]]
    assert "config.json" in names and reply.data["total_size"] > 0
    assert "fa" in reply.data["languages"]
    assert "مجوز" in reply.text and "حجم کل" in reply.text
    dataset = run_agent(f"/info {SENTIMENT_DATASET} dataset")
    assert dataset.ok, dataset.text


def test_unreachable_hub_answers_in_persian_with_the_offline_catalog(data_dir, monkeypatch):
    from huggingface_hub import constants

    from assistant.config import reset_settings
    from prompts import t

    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    reset_settings()
    reply = run_agent("مدل‌های فارسی برای تبدیل متن به گفتار رو پیدا کن")
    assert not reply.ok and "دسترسی ندارم" in reply.text
    assert "facebook/mms-tts-fas" in reply.text
    assert "Traceback" not in reply.text and "127.0.0.1:9/api" not in reply.text
    info = run_agent(f"/info {BERT_REPO}")
    assert not info.ok and "دسترسی ندارم" in info.text and BERT_REPO in info.text
    catalog = run_agent("/catalog")
    assert catalog.ok and "persiannlp/parsinlu_sentiment" in catalog.text
    nothing = run_agent("/search zzqxv-no-such-model")  # no match offline: one sentence, no heading over nothing
    assert "دسترسی ندارم" in nothing.text and t("hub.catalog_empty") in nothing.text
    assert t("hub.catalog_header") not in nothing.text


def test_the_catalog_shows_no_empty_table():
    """A task the curated catalog has models but no datasets for lists the models and no header over nothing."""
    from assistant.services.hub.catalog import catalog
    from prompts import t
    from tools.hub import show_catalog

    task = next(tag for tag in ("automatic-speech-recognition", "text-to-speech", "fill-mask")
                if catalog("model", tag) and not catalog("dataset", tag))
    text = show_catalog(task).text
    assert t("hub.catalog_models") in text and t("hub.catalog_datasets") not in text
    assert text.count("| # |") == 1


@pytest.mark.parametrize("bad", ["../../etc/passwd", "org/name with spaces", "a" * 500, "org--x/y", "/"])
def test_bad_repo_ids_are_refused_without_a_job(online_hub, bad):
    reply = run_agent(f"/download {bad}")
    assert not reply.ok and reply.job_id is None
    assert store.list_jobs() == []
    assert "Traceback" not in reply.text


def test_unknown_repo_revision_and_private_repo(online_hub):
    for text, expected in [
        ("/download nobody/no-such-model", "پیدا نشد"),
        (f"/download {BERT_REPO} revision=no-such-branch", "وجود ندارد"),
        (f"/download {PRIVATE_REPO}", "پیدا نشد"),
    ]:
        reply = run_agent(text)
        assert not reply.ok and expected in reply.text, (text, reply.text)
    assert store.list_jobs() == []


# -- downloads -----------------------------------------------------------------------------------------------------------


def test_download_lands_in_the_standard_cache_and_transformers_loads_it(online_hub, monkeypatch):
    reply = run_agent(f"{BERT_REPO} رو دانلود کن")
    assert reply.tool == "download" and reply.ok and reply.job_id, reply.text
    job = wait_for_job(reply.job_id, timeout=60)
    assert job.status == JobStatus.succeeded, job.error
    assert job.result["bytes_done"] == job.result["bytes_total"] > 0
    snapshot = resolve_snapshot(BERT_REPO)
    assert snapshot is not None and (snapshot / "config.json").is_symlink()
    assert not list((repo_folder(BERT_REPO) / "blobs").glob("*partial*"))
    # Other tools on the machine find it: huggingface_hub offline, then transformers.
    from huggingface_hub import constants, snapshot_download

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert Path(snapshot_download(BERT_REPO, cache_dir=hub_cache(), local_files_only=True)) == snapshot
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(BERT_REPO, cache_dir=hub_cache(), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(BERT_REPO, cache_dir=hub_cache(), local_files_only=True)
    logits = model(**tokenizer("غذا خوب بود", return_tensors="pt")).logits
    assert logits.shape[-1] == 2
    # Shows up as installed, and a notification says it is done.
    installed = run_agent("چه مدل‌هایی نصب شده؟")
    assert BERT_REPO in installed.text
    assert "انجام شد" in run_agent("اعلان‌ها").text


def test_dataset_download(online_hub):
    reply = run_agent(f"دیتاست {SENTIMENT_DATASET} رو دانلود کن")
    assert reply.ok and reply.job_id, reply.text
    assert wait_for_job(reply.job_id, timeout=60).status == JobStatus.succeeded
    assert resolve_snapshot(SENTIMENT_DATASET, "dataset") is not None


def test_progress_cancel_and_resume_without_refetching(online_hub, hub_tree):
    hub = online_hub
    size = _big_size(hub_tree)
    hub.throttle_bytes_per_sec = 2 * 1024 * 1024
    hub.hold_after_bytes = size // 2  # the file stops halfway until released: mid-file whatever the machine's speed
    reply = run_agent(f"/download {BIG_REPO}")
    job_id = reply.job_id
    row = _wait(lambda: (r := store.get_job(job_id)).result.get("bytes_done", 0) > size * 0.3 and r)
    assert 0 < row.progress < 1 and row.result["speed"] > 0 and row.result["eta"] is not None
    assert row.result["current_file"] == BIG_FILE and "سرعت" in row.message
    assert run_agent(f"/cancel {job_id}").ok
    hub.release()  # the next chunk is where the download sees the cancel
    assert wait_for_job(job_id, timeout=120).status == JobStatus.cancelled
    sent_before = hub.sent(BIG_REPO, BIG_FILE)
    assert 0 < sent_before < size
    assert resolve_snapshot(BIG_REPO) is None  # never reported as present while incomplete
    hub.throttle_bytes_per_sec = None
    assert run_agent(f"/resume {job_id}").ok
    final = wait_for_job(job_id, timeout=60)
    assert final.status == JobStatus.succeeded, final.error
    # Only the missing part travelled again (a little slack for the chunk in flight at cancel time).
    assert hub.sent(BIG_REPO, BIG_FILE) <= size + 2 * 1024 * 1024
    assert final.result["bytes_fetched"] < size


def test_dropped_connection_is_resumed_with_range(online_hub, hub_tree):
    hub = online_hub
    size = _big_size(hub_tree)
    hub.fail_after_bytes = size // 3
    hub.fail_times = 2
    reply = run_agent(f"/download {BIG_REPO}")
    assert wait_for_job(reply.job_id, timeout=60).status == JobStatus.succeeded
    assert hub.sent(BIG_REPO, BIG_FILE) <= size * 1.05
    assert any("bytes=" in (r.headers.get("range") or r.headers.get("Range") or "") for r in hub.requests
               if BIG_FILE in r.path)


def test_same_repo_twice_attaches_and_different_repos_run_at_once(online_hub):
    hub = online_hub
    hub.hold_after_bytes = 1024 * 1024  # only the big file is longer: it waits halfway until released
    first = run_agent(f"/download {BIG_REPO}")
    again = run_agent(f"{BIG_REPO} رو دانلود کن")
    assert again.job_id == first.job_id and again.data.get("attached")
    other = run_agent(f"/download {BERT_REPO}")
    assert other.job_id != first.job_id
    _wait(lambda: store.get_job(other.job_id).status == JobStatus.succeeded, timeout=120)
    # The big one was still running while the small one finished: they ran side by side.
    assert hub.holding.is_set() and store.get_job(first.job_id).status == JobStatus.running
    hub.release()
    assert wait_for_job(first.job_id, timeout=60).status == JobStatus.succeeded


def test_disk_full_is_a_clear_message(online_hub, monkeypatch):
    import shutil

    from assistant.services.hub import download as download_module

    real = shutil.disk_usage

    def tiny(path):
        usage = real(path)
        return type(usage)(usage.total, usage.total - 1000, 1000)

    monkeypatch.setattr(download_module.shutil, "disk_usage", tiny)
    reply = run_agent(f"/download {BIG_REPO}")
    job = wait_for_job(reply.job_id, timeout=30)
    assert job.status == JobStatus.failed and "فضای دیسک" in job.error
    assert resolve_snapshot(BIG_REPO) is None


def test_large_download_asks_first(online_hub, monkeypatch):
    from assistant.config import reset_settings

    monkeypatch.setenv("DASTYAR_CONFIRM_DOWNLOAD_BYTES", "1000")
    reset_settings()
    reply = run_agent(f"/download {BIG_REPO}", session_id="s1")
    assert reply.confirm and reply.job_id is None and store.list_jobs() == []
    assert "شروع شود" in reply.text
    declined = run_agent("نه", session_id="s1")
    assert store.list_jobs() == [] and "انجامش ندادم" in declined.text
    run_agent(f"/download {BIG_REPO}", session_id="s1")
    yes = run_agent("بله", session_id="s1")
    assert yes.job_id and wait_for_job(yes.job_id, timeout=60).status == JobStatus.succeeded


def test_token_is_validated_stored_and_never_echoed(online_hub):
    hub = online_hub
    bad = run_agent("توکن من hf_wrongwrongwrong123 است")
    assert not bad.ok and "hf_wrongwrongwrong123" not in bad.text
    good = run_agent(f"توکن هاگینگ فیس من {hub.valid_token} است")
    assert good.ok and hub.valid_token not in good.text and "tester" in good.text
    token_file = Path(os.environ["HF_HOME"]) / "token"
    assert token_file.read_text() == hub.valid_token and (token_file.stat().st_mode & 0o077) == 0
    # The private repo is reachable now.
    reply = run_agent(f"/download {PRIVATE_REPO}")
    assert reply.ok, reply.text
    assert wait_for_job(reply.job_id, timeout=60).status == JobStatus.succeeded
    assert run_agent("/token abc").ok is False


def test_mirror_switch_applies_to_new_work(online_hub, hub_tree):
    with HubServer(hub_tree["root"]) as mirror:
        reply = run_agent(f"/mirror {mirror.url}")
        assert reply.ok and mirror.url in reply.text
        assert run_agent("/search bert").ok
        assert mirror.requests_matching("GET", "/api/models")
        job = run_agent(f"/download {BERT_REPO}")
        assert wait_for_job(job.job_id, timeout=60).status == JobStatus.succeeded
        assert mirror.requests_matching("GET", "/resolve/")
        assert os.environ.get("HF_HUB_DISABLE_XET") == "1"
    assert run_agent("/mirror off").ok
    assert not run_agent("/mirror ftp://bad host").ok


_SERVER = """
import sys, time
from assistant.jobs.runner import get_runner
from tools import call_tool
get_runner()
result = call_tool("download", {"repo_id": sys.argv[1]})
print(result.job_id, flush=True)
time.sleep(600)
"""


def test_killed_process_leaves_an_interrupted_download_that_resumes_on_start(online_hub, hub_tree):
    hub = online_hub
    size = _big_size(hub_tree)
    hub.hold_after_bytes = size // 2  # killed while the file is certainly half there, however slow the machine
    env = {**os.environ, **env_for(hub)}
    proc = subprocess.Popen([sys.executable, "-c", _SERVER, BIG_REPO], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        job_id = int(proc.stdout.readline())
        assert hub.holding.wait(120), "half the file was sent"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    # What the killed process had written is what a resume can keep: it must be there, and only the rest comes again.
    partials = list((repo_folder(BIG_REPO) / "blobs").glob("*.dastyar-partial"))
    kept = max((p.stat().st_size for p in partials), default=0)
    assert kept > 0, "nothing was written before the kill: the test would not test a resume"
    hub.release()
    # Starting again: the job of the dead process is interrupted, then resumed automatically.
    get_runner()
    job = wait_for_job(job_id, timeout=60)
    assert job.status == JobStatus.succeeded, (job.status, job.error)
    # The resume asked for the rest from the byte the partial file ended at, and got exactly that: none twice.
    resumes = [r for r in hub.requests if r.method == "GET" and r.path.endswith(BIG_FILE) and "range" in r.headers]
    assert resumes and resumes[-1].headers["range"] == f"bytes={kept}-", [r.headers.get("range") for r in resumes]
    assert resumes[-1].body_bytes == size - kept
    assert resolve_snapshot(BIG_REPO) is not None
    assert not list((repo_folder(BIG_REPO) / "blobs").glob("*partial*"))


def test_start_up_sweeps_partials_nothing_can_resume(online_hub):
    import os as _os

    blobs = repo_folder("someone/abandoned") / "blobs"
    blobs.mkdir(parents=True)
    ours = blobs / ("a" * 64 + ".dastyar-partial")
    theirs = blobs / ("b" * 64 + ".incomplete")
    fresh = blobs / ("c" * 64 + ".incomplete")
    for path in (ours, theirs, fresh):
        path.write_bytes(b"x" * 100)
    old = time.time() - 7200
    _os.utime(theirs, (old, old))
    get_runner()
    assert not ours.exists() and not theirs.exists()
    assert fresh.exists()  # may belong to a download running in another program right now


def test_cli_ask_wait_follows_the_download(online_hub):
    env = {**os.environ, **env_for(online_hub)}
    out = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "ask", f"{BERT_REPO} رو دانلود کن", "--wait"], cwd=ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "انجام شد" in out.stdout and "۱۰۰٪" in out.stdout
    assert resolve_snapshot(BERT_REPO) is not None


def test_cli_ask_without_wait_queues_the_job_and_exits_cleanly(online_hub):
    """No server: `ask` queues the download and leaves (no traceback at exit); the next runner runs it."""
    env = {**os.environ, **env_for(online_hub)}
    out = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", f"/download {BERT_REPO}", "--json"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr.strip() == "", out.stderr
    job_id = json.loads(out.stdout)["job_id"]
    assert store.get_job(job_id).status == JobStatus.queued
    get_runner()  # a server starting later
    assert wait_for_job(job_id, timeout=60).status == JobStatus.succeeded


def test_repo_with_an_empty_file_and_identical_files(online_hub, tmp_path, monkeypatch):
    from assistant.config import reset_settings

    # A hub of its own: the shared one's listing is what other tests count.
    folder = tmp_path / "hub" / "models" / "dastyar-test" / "odd-files"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "__init__.py").write_bytes(b"")
    (folder / "a.bin").write_bytes(b"\x01" * 1_500_000)
    (folder / "b.bin").write_bytes(b"\x01" * 1_500_000)  # same content: one blob, fetched once
    own = HubServer(tmp_path / "hub")
    own.start()
    monkeypatch.setenv("HF_ENDPOINT", own.url)
    reset_settings()
    try:
        reply = run_agent("/download dastyar-test/odd-files")
        job = wait_for_job(reply.job_id, timeout=60)
    finally:
        own.stop()
    assert job.status == JobStatus.succeeded, job.error
    snapshot = resolve_snapshot("dastyar-test/odd-files")
    assert (snapshot / "__init__.py").read_bytes() == b""
    assert (snapshot / "a.bin").resolve() == (snapshot / "b.bin").resolve()
    assert own.sent("dastyar-test/odd-files", "a.bin") + own.sent("dastyar-test/odd-files", "b.bin") == 1_500_000


@pytest.mark.parametrize("url", ["http://example.com", "https://169.254.169.254", "https://10.0.0.5", "https://[fe80::1]",
                                 "https://192.168.1.1:8443", "https://user:pw@hf-mirror.com", "https://[::]",
                                 "https://hf-mirror.com:99999", "file:///etc/passwd", "https://0.0.0.0"])
def test_mirror_urls_that_could_reach_inside_are_refused(url):
    from assistant.services.hub import client

    reply = run_agent(f"/mirror {url}")
    assert not reply.ok and ("پذیرفته نشد" in reply.text or "نشانی معتبری" in reply.text), reply.text
    assert client.current_endpoint() == client.home_endpoint()


def test_an_admin_may_allow_a_mirror_on_the_company_network(monkeypatch):
    from assistant.config import reset_settings

    monkeypatch.setenv("DASTYAR_MIRROR_ALLOW_PRIVATE", "1")
    reset_settings()
    assert run_agent("/mirror https://10.0.0.5").ok
    assert not run_agent("/mirror http://10.0.0.5").ok  # still https only


def test_the_token_never_goes_to_a_mirror_and_a_bare_mirror_only_shows_it(online_hub, hub_tree):
    hub_token = "hf_dastyar_test_token_123"  # what the home hub (HF_ENDPOINT) accepts
    with HubServer(hub_tree["root"]) as mirror:
        assert run_agent(f"/mirror {mirror.url}").ok
        assert run_agent(f"/token {hub_token}").ok  # verified by the home hub, not by the mirror
        assert online_hub.requests_matching("GET", "/api/whoami")
        run_agent("/search bert")
        run_agent(f"/info {BERT_REPO}")
        reply = run_agent(f"/download {BERT_REPO}")
        assert wait_for_job(reply.job_id, timeout=60).status == JobStatus.succeeded
        shown = run_agent("/mirror")
        assert shown.ok and mirror.url in shown.text  # a bare /mirror shows the setting ...
        seen = mirror.requests_matching()
    from assistant.services.hub import client

    assert client.current_endpoint() == mirror.url  # ... and does not reset it
    assert seen and not any("authorization" in r.headers for r in seen)
    assert not any("whoami" in r.path for r in seen)


GOOD_SHA = "a" * 40


@pytest.mark.parametrize("sibling,commit", [
    ({"rfilename": "../../outside.txt"}, GOOD_SHA),
    ({"rfilename": "/etc/cron.d/x"}, GOOD_SHA),
    ({"rfilename": "ok/../../../x"}, GOOD_SHA),
    ({"rfilename": "a\\..\\..\\x"}, GOOD_SHA),
    ({"rfilename": "x", "blobId": "../../../../tmp/evil"}, GOOD_SHA),
    ({"rfilename": "x", "lfs": {"sha256": "../../x", "size": 5, "pointerSize": 100}}, GOOD_SHA),
    ({"rfilename": "config.json"}, "../../../../tmp"),
])
def test_hostile_hub_metadata_never_becomes_a_path_outside_the_cache(sibling, commit, monkeypatch, tmp_path):
    """A mirror (or a hub) that answers with file names, blob ids or commits built to escape the cache: refused in
    Persian before any path is made, and nothing is written."""
    import http.server
    import threading

    from huggingface_hub import constants

    from assistant.config import reset_settings

    info = {"id": "evil/x", "sha": commit, "siblings": [{"size": 5, "blobId": "b" * 40, **sibling}]}

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's name)
            body = json.dumps(info).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", url)
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    reset_settings()
    try:
        reply = run_agent("/download evil/x confirm=yes")
    finally:
        server.shutdown()
    assert not reply.ok and "نامعتبر" in reply.text and reply.job_id is None, reply.text
    assert not list(tmp_path.rglob("*evil*")) and not list(tmp_path.rglob("outside*"))
    assert not Path("/tmp/evil").exists()


def test_cli_conversation_quick_turns_and_graph_turns_share_one_memory(online_hub):
    """`dastyar ask` answers a turn that needs no conversation store without LangGraph; what it learned (the job it
    started) is still there for the next turn, whichever way that one is answered, and a waiting question always
    goes to the graph."""
    env = {**os.environ, **env_for(online_hub)}
    # An exit handler reports what was imported (the command line leaves with os._exit once they have run).
    script = ("import atexit, json, sys\nfrom assistant import cli\nsys.argv = ['dastyar', 'ask', sys.argv[1], '--json']\n"
              "atexit.register(lambda: print(json.dumps({'langgraph': 'langgraph' in sys.modules}), file=sys.stderr))\n"
              "cli.main()")

    def ask(text: str) -> tuple[dict, bool]:
        out = subprocess.run([sys.executable, "-c", script, text], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, out.stdout + out.stderr
        return json.loads(out.stdout), json.loads(out.stderr.strip().splitlines()[-1])["langgraph"]

    _, graph = ask("/jobs")
    assert graph  # the first turn: nothing known about this conversation yet
    started, graph = ask(f"/download {BERT_REPO}")
    assert not graph and started["tool"] == "download" and started["job_id"], started
    job_id = started["job_id"]
    assert store.get_job(job_id).status == JobStatus.queued  # no server and no --wait: queued for one
    status, graph = ask("چقدر مونده؟")  # the memory of the quick turn: «it» is that download
    assert not graph and status["tool"] == "job_status" and status["args"]["job_id"] == job_id, status
    offer, graph = ask("وضعیت سیستم رو بگو بعد کارها رو نشون بده")  # a second action waits for a yes
    assert graph and offer["tool"] == "system_status", offer
    listed, graph = ask("بله")
    assert graph and listed["tool"] == "list_jobs" and listed["ok"], listed
    # The graph folded the quick turns in before its own: the job is still «it», now from the store.
    cancelled, graph = ask("لغوش کن")
    assert not graph and cancelled["tool"] == "cancel_job" and cancelled["args"]["job_id"] == job_id, cancelled
    assert store.get_job(job_id).status == JobStatus.cancelled
