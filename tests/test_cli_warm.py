"""`dastyar` from a shell through the warm process (assistant/launch.py): the same answers, exit codes and job
semantics as a command run inline, and a caller killed outright takes its command with it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import launch
from assistant.jobs import store
from assistant.models import JobStatus
from assistant.services.hub.local import resolve_snapshot
from tests.hub_fixtures import BERT_REPO
from tests.hubserver import env_for
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
DASTYAR = Path(sys.executable).parent / "dastyar"

pytestmark = pytest.mark.skipif(not launch.enabled({}) or not DASTYAR.exists(), reason="Linux and the installed script")


def _served(path: Path) -> list[int]:
    """Pids of the commands the warm process on `path` has forked (from its log)."""
    log = path.with_suffix(".log")
    lines = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return [int(line.rsplit("-> ", 1)[1]) for line in lines if "-> " in line]


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def warm_env(online_hub):
    env = {**os.environ, **env_for(online_hub), "DASTYAR_CLI_WARM": "1"}
    path = launch.socket_path(env, str(ROOT))
    assert path is not None
    yield env, path
    launch.stop(path)
    wait_until(lambda: not path.exists(), timeout=30, what="the warm process quits")


def _dastyar(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DASTYAR), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


def test_the_second_command_is_answered_by_the_warm_process_as_the_first(warm_env):
    env, path = warm_env
    first = _dastyar(env, "route", "وضعیت سیستم", "--json")  # inline; leaves the warm process behind
    assert first.returncode == 0, first.stderr
    wait_until(path.exists, timeout=60, what="the warm process is ready")
    assert _served(path) == []
    doctor = subprocess.run([sys.executable, "-m", "assistant.cli", "doctor", "--json"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    warm = next(c for c in json.loads(doctor.stdout) if c["name"] == "cli_warm")
    assert str(launch.running_pid(path)) in warm["detail"].translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))

    again = _dastyar(env, "route", "وضعیت سیستم", "--json")
    assert again.returncode == 0 and again.stdout == first.stdout
    assert json.loads(again.stdout) == {"tool": "system_status", "args": {}}
    assert len(_served(path)) == 1

    # A download followed to the end, in the caller's working directory and environment (the hub is the test's).
    out = _dastyar(env, "ask", f"{BERT_REPO} رو دانلود کن", "--wait")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "انجام شد" in out.stdout and "۱۰۰٪" in out.stdout
    assert resolve_snapshot(BERT_REPO) is not None
    # A failing command's exit code and stderr reach the caller as they would inline.
    inline = subprocess.run([sys.executable, "-m", "assistant.cli", "ask", "/job 987654"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    warm = _dastyar(env, "ask", "/job 987654")
    assert warm.returncode == inline.returncode != 0
    assert warm.stdout == inline.stdout and "987654" in warm.stdout.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    assert len(_served(path)) == 3

    # Garbage on the socket is dropped; the warm process keeps answering.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as bad:
        bad.connect(str(path))
        bad.sendall(b"\xff" * 64)
    assert _dastyar(env, "route", "سلام", "--json").returncode == 0
    assert len(_served(path)) == 4


def test_a_caller_killed_outright_takes_its_command_along_and_the_next_resumes_it(warm_env, online_hub):
    env, path = warm_env
    assert _dastyar(env, "ask", "/jobs").returncode == 0
    wait_until(path.exists, timeout=60, what="the warm process is ready")
    online_hub.throttle_bytes_per_sec = 64 * 1024  # the download lasts long enough to be killed in the middle
    caller = subprocess.Popen([str(DASTYAR), "ask", f"/download {BERT_REPO}", "--wait"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    child = wait_until(lambda: (_served(path) or [None])[-1], timeout=60, what="the command is forked")
    wait_until(lambda: online_hub.total_bytes_sent > 0, timeout=60, what="the download has started")
    caller.send_signal(signal.SIGKILL)
    caller.wait(timeout=30)
    wait_until(lambda: _gone(child), timeout=30, what="the command dies with its caller")
    job = store.list_jobs(limit=1)[0]
    assert job.kind == "download" and job.status == JobStatus.running  # as a killed process leaves it

    online_hub.throttle_bytes_per_sec = None
    out = _dastyar(env, "ask", f"{BERT_REPO} رو دانلود کن", "--wait")  # finds the job and resumes it
    assert out.returncode == 0, out.stdout + out.stderr
    assert store.get_job(job.id).status == JobStatus.succeeded
    assert resolve_snapshot(BERT_REPO) is not None


def test_ctrl_c_reaches_the_command_and_ends_it_as_inline(warm_env, online_hub):
    env, path = warm_env
    assert _dastyar(env, "ask", "/jobs").returncode == 0
    wait_until(path.exists, timeout=60, what="the warm process is ready")
    online_hub.throttle_bytes_per_sec = 16 * 1024
    codes = []
    for command in ([str(DASTYAR)], [sys.executable, "-m", "assistant.cli"]):  # warm, then inline
        served = len(_served(path))
        caller = subprocess.Popen([*command, "ask", f"/download {BERT_REPO}", "--wait"], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def downloading(caller: subprocess.Popen = caller, served: int = served) -> bool:
            runs = {caller.pid, *_served(path)[served:]}  # the inline process, or the warm process's child
            return any(job.owner_pid in runs for job in store.list_jobs(statuses=[JobStatus.running]))

        wait_until(downloading, timeout=60, what="the download runs")
        caller.send_signal(signal.SIGINT)
        out, err = caller.communicate(timeout=60)
        assert "Traceback" not in err, err
        codes.append(caller.returncode)
    assert codes[0] == codes[1] != 0
    child = _served(path)[-1]
    wait_until(lambda: _gone(child), timeout=30, what="the command has ended")
