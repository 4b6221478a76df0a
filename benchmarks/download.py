"""Download throughput: a Dastyar download job vs `hf download`, against the same local hub, alternating.

Also: bytes fetched again after the downloading process is killed (kill -9) at about 50%.
Run by hand: `.venv/bin/python benchmarks/download.py [--size-mb 1024] [--files 4] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import launch  # noqa: E402
from tests.hubserver import HubServer, env_for  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

REPO = "bench/big-repo"
BIN = Path(sys.executable).parent


def make_repo(root: Path, size_mb: int, files: int) -> int:
    folder = root / "models" / REPO
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    per = size_mb * 1024 * 1024 // files
    for i in range(files):
        with open(folder / f"pytorch_model-{i:05d}.bin", "wb") as fh:
            left = per
            while left > 0:
                n = min(left, 8 * 1024 * 1024)
                fh.write(os.urandom(n))  # distinct content: identical files would share one blob
                left -= n
    return sum(p.stat().st_size for p in folder.iterdir())


def run_env(hub: HubServer, work: Path) -> dict[str, str]:
    env = {**os.environ, **env_for(hub)}
    env.update({"HF_HOME": str(work / "hf"), "DASTYAR_DATA_DIR": str(work / "data"), "DASTYAR_MAX_JOBS": "2"})
    return env


def job_seconds(work: Path) -> float:
    """The download job's own duration (started → finished) from its row: transfer time without process start-up."""
    import sqlite3
    from datetime import datetime

    with sqlite3.connect(work / "data" / "dastyar.db") as db:
        started, finished = db.execute("SELECT started_at, finished_at FROM job ORDER BY id DESC LIMIT 1").fetchone()
    parse = datetime.fromisoformat
    return (parse(finished) - parse(started)).total_seconds()


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def ask_command(repo: str) -> list[str]:
    """The command as the issue states it: a Persian sentence, routed offline, followed to the end."""
    return [str(BIN / "dastyar"), "ask", f"{repo} رو دانلود کن", "--wait"]


def warm_ready(env: dict[str, str]) -> Path | None:
    """Wait until the warm process the last command left behind (assistant/launch.py) answers; its socket path."""
    path = launch.socket_path(env, str(ROOT)) if launch.enabled(env) else None
    if path is not None:
        wait_until(path.exists, timeout=60, poll=0.02, what="the warm process")
    return path


def compare(hub: HubServer, base: Path, size: int, rounds: int) -> None:
    """Alternating rounds; each tool downloads into an empty cache. Dastyar's data directory is one that has been
    used before (one `dastyar ask "/jobs"` first), as a person's is, so its warm process is ready; the same command
    without it (DASTYAR_CLI_WARM=0) and the very first command in a new data directory (which also creates the
    database and the conversation) are measured apart. Nothing else runs beside a measurement: a warm process that a
    first command leaves behind is waited for and stopped before the next one."""
    used = base / "used"
    env = run_env(hub, used)
    cold_env = {**env, "DASTYAR_CLI_WARM": "0"}
    subprocess.run([str(BIN / "dastyar"), "ask", "/jobs"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    warm = warm_ready(env)
    dastyar_s, hf_s, job_s, first_s, cold_s = [], [], [], [], []
    for i in range(rounds):
        for name in ("dastyar", "hf", "cold", "first") if i % 2 == 0 else ("first", "cold", "hf", "dastyar"):
            if name in ("dastyar", "cold"):
                shutil.rmtree(used / "hf", ignore_errors=True)
                (dastyar_s if name == "dastyar" else cold_s).append(timed(ask_command(REPO),
                                                                          env if name == "dastyar" else cold_env))
                if name == "dastyar":
                    job_s.append(job_seconds(used))
            elif name == "first":
                work = base / f"run-first-{i}"
                first_env = run_env(hub, work)
                first_s.append(timed(ask_command(REPO), first_env))
                left = warm_ready(first_env)
                if left is not None:
                    launch.stop(left)
                    wait_until(lambda gone=left: not gone.exists(), timeout=30, poll=0.02, what="the warm process quits")
                shutil.rmtree(work, ignore_errors=True)
            else:
                work = base / f"run-hf-{i}"
                hf_s.append(timed([str(BIN / "hf"), "download", REPO, "--cache-dir", str(work / "hf" / "hub")], env))
                shutil.rmtree(work, ignore_errors=True)
    if warm is not None:
        launch.stop(warm)
    d, h, j, f, c = (statistics.median(x) for x in (dastyar_s, hf_s, job_s, first_s, cold_s))
    mib = size / 2**20
    runs = lambda xs: ", ".join(f"{x:.2f}" for x in xs)  # noqa: E731
    print(f"  dastyar ask «… رو دانلود کن» --wait: median {d:.2f} s -> {mib / d:.0f} MiB/s  (runs: {runs(dastyar_s)})")
    print(f"  hf download                       : median {h:.2f} s -> {mib / h:.0f} MiB/s  (runs: {runs(hf_s)})")
    print(f"    of which the download job itself: median {j:.2f} s -> {mib / j:.0f} MiB/s")
    print(f"    without the warm process (DASTYAR_CLI_WARM=0): median {c:.2f} s  (runs: {runs(cold_s)})")
    print(f"    the first command in a new data directory: median {f:.2f} s  (runs: {runs(first_s)})")
    goal = 0.9 if size < 512 * 2**20 else 0.95
    print(f"  ratio dastyar/hf, whole command: {h / d:.3f}  (goal >= {goal}: {'met' if h / d >= goal else 'NOT met'})"
          f"; without the warm process: {h / c:.3f}; first command in a new data directory: {h / f:.3f}")
    print(f"  ratio dastyar job/hf whole command: {h / j:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes-mb", default="100,1024", help="repo sizes to compare, comma-separated")
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 and resume measurement")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="dastyar-bench-"))
    try:
        sizes = [int(x) for x in args.sizes_mb.split(",")]
        for size_mb in sizes:
            hub_dir = base / f"hub-{size_mb}"
            size = make_repo(hub_dir, size_mb, args.files)
            print(f"repo: {REPO}, {size / 2**20:.0f} MiB in {args.files + 1} files")
            with HubServer(hub_dir) as hub:
                compare(hub, base / f"runs-{size_mb}", size, args.rounds)
            shutil.rmtree(hub_dir, ignore_errors=True)
        if args.no_kill:
            return
        size = make_repo(base / "hub", max(sizes), args.files)
        with HubServer(base / "hub") as hub:
            # Kill at about 50%, start again, measure what travels twice.
            work = base / "run-kill"
            env = {**run_env(hub, work), "DASTYAR_CLI_WARM": "0"}  # the inline command, killed as before
            hub.reset_stats()
            hub.throttle_bytes_per_sec = 200 * 1024 * 1024  # slow enough to stop it near the middle
            proc = subprocess.Popen([str(BIN / "dastyar"), "ask", f"/download {REPO}", "--wait"], env=env, cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            hub.wait_for(lambda: hub.total_bytes_sent >= size // 2, timeout=600, interval=0.005)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            done = hub.total_bytes_sent
            hub.throttle_bytes_per_sec = None
            # Any start resumes interrupted downloads; `ask --wait` on the same job follows it to the end.
            subprocess.run([str(BIN / "dastyar"), "ask", "/resume 1", "--wait"], env=env, cwd=ROOT, check=False,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            total = hub.total_bytes_sent
            refetched = total - size
            print(f"killed at {done / size:.0%} ({done / 2**20:.0f} MiB sent); after resume {total / 2**20:.0f} MiB sent in all")
            print(f"re-fetched after kill: {max(refetched, 0) / 2**20:.1f} MiB = {max(refetched, 0) / done:.2%} of what was done (goal < 5%)")
    finally:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
