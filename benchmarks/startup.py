"""Start-up and memory: `dastyar serve` beside a bare Chainlit app, and the command line's cold start.

Side by side in the same run, alternating, each a fresh process on a free 127.0.0.1 port:
- time from the process start to the first page: HTTP 200 on `/` and on the JS bundle it names;
- idle RSS after that first page (the process and its children, psutil), a few seconds after it loaded;
- which heavy native libraries the idle server has mapped (torch, tokenizers, scipy, ...: what a lazier start skips).
The bare app is a minimal `@cl.on_message` echo written to a temporary folder and run with `chainlit run`.
Then `dastyar ask "/jobs"` and a cold `dastyar route "وضعیت سیستم"`: wall time and peak RSS of the whole command,
run inline (DASTYAR_CLI_WARM=0), and the same two answered by the warm process a first command leaves behind
(assistant/launch.py; the caller's own peak RSS, and the warm process's resident memory beside it).
Everything uses a temporary data directory (DASTYAR_DATA_DIR) and this tree's code (PYTHONPATH).

Targets (issue 15): first page ≤ 1.5× bare Chainlit, idle RSS ≤ 1.3× bare Chainlit, `ask "/jobs"` and cold route
< 1.0 s. Figures are medians of --rounds runs (after one unmeasured warm-up of each, which also writes the bare
app's .chainlit/ folder and the data directory's database).

Run by hand: `.venv/bin/python benchmarks/startup.py [--rounds 3]` (about 2-4 minutes).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import suppress
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import launch  # noqa: E402
from tests.waiting import wait_until  # noqa: E402

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
TARGET_PAGE_RATIO = 1.5
TARGET_RSS_RATIO = 1.3
TARGET_CLI_SECONDS = 1.0
IDLE_SECONDS = 3.0
HEAVY_LIBS = {  # shared objects that say a library was imported, by family
    "torch": ("libtorch_cpu", "libtorch_python", "libc10"),
    "tokenizers": ("tokenizers.abi3", "tokenizers.cpython"),
    "scipy": ("scipy/",),
    "sklearn": ("sklearn/",),
    "pandas": ("pandas/_libs",),
    "pyarrow": ("libarrow",),
    "onnxruntime": ("onnxruntime",),
    "ctranslate2": ("ctranslate2",),
    "sentencepiece": ("sentencepiece",),
    "numpy": ("numpy/core/_multiarray_umath", "numpy/_core/_multiarray_umath"),
}
BARE_APP = '''import chainlit as cl


@cl.on_message
async def echo(message: cl.Message) -> None:
    await cl.Message(content=message.content).send()
'''
RUSAGE_WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[2:], capture_output=True); "
                  "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))")


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def mapped_libs(proc: psutil.Process) -> list[str]:
    paths = set()
    for p in [proc, *proc.children(recursive=True)]:
        with suppress(psutil.Error):
            paths.update(m.path for m in p.memory_maps(grouped=True))
    return [name for name, marks in HEAVY_LIBS.items() if any(mark in path for path in paths for mark in marks)]


def first_page(cmd: list[str], cwd: Path, env: dict[str, str], port: int, log: Path) -> tuple[float, int, list[str]]:
    """(seconds from start to `/` and its JS bundle both 200, idle RSS of the tree, heavy libraries mapped)."""
    url = f"http://{HOST}:{port}"
    with open(log, "w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        ps = psutil.Process(proc.pid)
        deadline = start + 600
        with httpx.Client(base_url=url, timeout=5) as http:
            while True:
                with suppress(httpx.HTTPError):
                    page = http.get("/")
                    if page.status_code == 200:
                        bundle = re.search(r'src="(/assets/index-[^"]+\.js)"', page.text)
                        if bundle and http.get(bundle.group(1)).status_code == 200:
                            seconds = time.perf_counter() - start
                            break
                if proc.poll() is not None or time.perf_counter() > deadline:
                    raise RuntimeError(f"{cmd[:3]} did not serve its page: " + log.read_text()[-3000:])
                time.sleep(0.02)
        time.sleep(IDLE_SECONDS)
        return seconds, tree_rss(ps), mapped_libs(ps)
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def cli_run(args: list[str], env: dict[str, str], work: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of `dastyar <args>` as a fresh process."""
    rss_file = work / "rss.txt"
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", RUSAGE_WRAPPER, str(rss_file), str(BIN / "dastyar"), *args], cwd=ROOT,
                   env=env, check=True, timeout=600)
    seconds = time.perf_counter() - start
    return seconds, int(rss_file.read_text()) / 1024


def med(values: list[float]) -> float:
    return statistics.median(values)


def runs(values: list[float], fmt: str) -> str:
    return ", ".join(format(v, fmt) for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    opts = parser.parse_args()
    rounds = max(1, min(opts.rounds, 10))
    work = Path(tempfile.mkdtemp(prefix="dastyar-bench-startup-"))
    try:
        bare_dir = work / "bare"
        bare_dir.mkdir()
        (bare_dir / "app.py").write_text(BARE_APP)
        env = {k: v for k, v in os.environ.items() if k not in ("CHAINLIT_AUTH_SECRET", "ASSISTANT_LLM", "HF_TOKEN")}
        env.update({"DASTYAR_DATA_DIR": str(work / "data"), "HF_HOME": str(work / "hf"), "HF_HUB_OFFLINE": "1",
                    "PYTHONPATH": str(ROOT)})  # this tree's code, whichever checkout the venv was installed from
        bare_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}

        def dastyar(port: int) -> tuple[float, int, list[str]]:
            return first_page([str(BIN / "dastyar"), "serve", "--port", str(port)], ROOT, env, port,
                              work / "dastyar.log")

        def bare(port: int) -> tuple[float, int, list[str]]:
            return first_page([str(BIN / "chainlit"), "run", "app.py", "--headless", "--host", HOST, "--port",
                               str(port)], bare_dir, bare_env, port, work / "bare.log")

        print(f"{os.cpu_count()} cores; {rounds} rounds after a warm-up of each; idle RSS read {IDLE_SECONDS:g} s "
              "after the first page")
        dastyar(free_port())
        bare(free_port())
        figures: dict[str, list[tuple[float, int, list[str]]]] = {"dastyar": [], "bare": []}
        for i in range(rounds):
            for name in ("dastyar", "bare") if i % 2 == 0 else ("bare", "dastyar"):
                figures[name].append((dastyar if name == "dastyar" else bare)(free_port()))
        page = {k: [f[0] for f in v] for k, v in figures.items()}
        rss = {k: [f[1] / 2**20 for f in v] for k, v in figures.items()}
        libs = {k: v[-1][2] for k, v in figures.items()}
        page_ratio = med(page["dastyar"]) / med(page["bare"])
        rss_ratio = med(rss["dastyar"]) / med(rss["bare"])

        cold = {**env, "DASTYAR_CLI_WARM": "0"}
        ask = [cli_run(["ask", "/jobs"], cold, work) for _ in range(rounds)]
        route = [cli_run(["route", "وضعیت سیستم"], cold, work) for _ in range(rounds)]
        ask_s, route_s = med([a[0] for a in ask]), med([r[0] for r in route])
        warm = {**env, "DASTYAR_CLI_WARM": "1"}
        cli_run(["ask", "/jobs"], warm, work)  # leaves the warm process behind
        path = launch.socket_path(warm, str(ROOT))
        assert path is not None
        wait_until(path.exists, timeout=60, poll=0.02, what="the warm process")
        warm_ask = [cli_run(["ask", "/jobs"], warm, work) for _ in range(rounds)]
        warm_route = [cli_run(["route", "وضعیت سیستم"], warm, work) for _ in range(rounds)]
        warm_pid = int(path.with_suffix(".log").read_text().split()[2])
        warm_rss = psutil.Process(warm_pid).memory_info().rss / 2**20
        launch.stop(path)

        def mark(ok: bool) -> str:
            return "✓" if ok else "✗"

        print(f"\n{'':34}{'dastyar serve':>15}{'bare Chainlit':>15}{'ratio':>8}   target")
        print(f"{'first page (/ + JS bundle), s':34}{med(page['dastyar']):>15.2f}{med(page['bare']):>15.2f}"
              f"{page_ratio:>7.2f}×   ≤ {TARGET_PAGE_RATIO}× {mark(page_ratio <= TARGET_PAGE_RATIO)}")
        print(f"{'idle RSS after it, MiB':34}{med(rss['dastyar']):>15.0f}{med(rss['bare']):>15.0f}"
              f"{rss_ratio:>7.2f}×   ≤ {TARGET_RSS_RATIO}× {mark(rss_ratio <= TARGET_RSS_RATIO)}")
        print(f"  runs: dastyar page {runs(page['dastyar'], '.2f')} s, RSS {runs(rss['dastyar'], '.0f')} MiB; "
              f"bare page {runs(page['bare'], '.2f')} s, RSS {runs(rss['bare'], '.0f')} MiB")
        print(f"  heavy native libraries mapped when idle: dastyar {', '.join(libs['dastyar']) or 'none'}; "
              f"bare {', '.join(libs['bare']) or 'none'}")
        print(f"\n{'command line (fresh process)':34}{'wall, s':>15}{'peak RSS, MB':>15}   target")
        ask_label, route_label = 'dastyar ask "/jobs"', 'dastyar route "وضعیت سیستم"'
        print(f"{ask_label:34}{ask_s:>15.2f}{med([a[1] for a in ask]):>15.0f}   "
              f"< {TARGET_CLI_SECONDS:g} s {mark(ask_s < TARGET_CLI_SECONDS)}   (runs {runs([a[0] for a in ask], '.2f')})")
        print(f"{route_label:34}{route_s:>15.2f}{med([r[1] for r in route]):>15.0f}   "
              f"< {TARGET_CLI_SECONDS:g} s {mark(route_s < TARGET_CLI_SECONDS)}   "
              f"(runs {runs([r[0] for r in route], '.2f')})")
        print(f"\n{'answered by the warm process':34}{'wall, s':>15}{'caller RSS, MB':>15}   "
              f"(the warm process holds {warm_rss:.0f} MiB)")
        for label, figs in ((ask_label, warm_ask), (route_label, warm_route)):
            print(f"{label:34}{med([a[0] for a in figs]):>15.2f}{med([a[1] for a in figs]):>15.0f}   "
                  f"(runs {runs([a[0] for a in figs], '.2f')})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
