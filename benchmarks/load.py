"""Many chats at once: N signed-in Socket.IO chat sessions against a real `dastyar serve`, the way the browser talks.

A server is started on 127.0.0.1 with its own temporary data directory and DASTYAR_AUTH=password; accounts are
made for it, each signs in through /login, and every session does what Chainlit's page does: POST
/set-session-cookie, a Socket.IO connection on /ws/socket.io (polling, then the websocket upgrade) with the session
cookie and the same `auth` object, `connection_successful`, then `client_message` events shaped like the composer's.
A message's latency runs from sending it to the server's `task_end` for it (the reply written, the composer free
again). Each session sends, in a loop, `/status`, `/jobs`, «راهنما» and «کارهای من چی شدن؟», waiting for each reply
and then a think time (--think, default 1 s ±50%) before the next.

While it runs, one account ("ops") has a download running (a throttled repo on the local test hub, tests/hubserver.py)
and a training (a tiny random BERT on 3,000 Persian rows, DASTYAR_TRAIN_THREADS=1), both real jobs in the server's
runner; the output says whether both were still running at the end (--no-background: without them).

In the same run: first a single session alone (--baseline-seconds, think time at most 0.2 s for more samples),
then --sessions sessions for --seconds.
Targets (issue 15): at 50 sessions p95 < 300 ms and 0 errors for every kind; 200 sessions are reported.
Loopback only; at most 200 sessions and 300 s. The client runs in this process, on the same machine as the server
(its CPU time is printed too).

Run by hand: `.venv/bin/python benchmarks/load.py [--sessions 50] [--seconds 60] [--think 1.0]`
(`--sessions 200` for the large run, `--think 0` for back-to-back messages).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import socketio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

MAX_SESSIONS = 200
MAX_SECONDS = 300
HOST = "127.0.0.1"
KINDS = ("/status", "/jobs", "راهنما", "کارهای من چی شدن؟")
TARGET_P95_MS = 300
TARGET_SESSIONS = 50
PASSWORD = "bench-pass-123"
DOWNLOAD_REPO = "bench/slow-weights"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


# -- the server and what runs beside it --------------------------------------------------------------------------

def make_accounts(env: dict[str, str], names: list[str]) -> None:
    """Accounts in the server's database, in one process (the first is an admin)."""
    code = ("import sys\nfrom assistant.services import accounts\n"
            "for i, name in enumerate(sys.argv[2:]):\n"
            "    accounts.add_account(name, sys.argv[1], admin=(i == 0))\n")
    subprocess.run([sys.executable, "-c", code, PASSWORD, *names], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=300)


def start_server(env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "w")  # noqa: SIM115  (kept open for the server's life)
    proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--host", HOST, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{HOST}:{port}"
    deadline = time.monotonic() + 900  # a changed tool set or corpus rebuilds the intent model first (minutes)
    while True:
        with suppress(httpx.HTTPError):
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return proc
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError("server did not start: " + log_path.read_text()[-3000:])
        time.sleep(0.3)


def stop_server(proc: subprocess.Popen) -> None:
    """The server and whatever its runner spawned (the job processes share its process group)."""
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # job children still ending


def jobs_of(db: Path) -> list[tuple[int, str, str, float]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT id, kind, status, progress FROM job ORDER BY id").fetchall()
    except sqlite3.Error:
        return []


def describe_jobs(db: Path) -> str:
    rows = jobs_of(db)
    return ", ".join(f"#{i} {kind} {status} {progress:.0%}" for i, kind, status, progress in rows) or "no jobs"


# -- one chat, as the page holds it -------------------------------------------------------------------------------

class Chat:
    """One browser tab's chat session: its own session id and Socket.IO connection, one message at a time."""

    def __init__(self, url: str, token: str, user: str) -> None:
        self.url, self.token, self.user = url, token, user
        self.session_id = str(uuid.uuid4())
        self.sio = socketio.AsyncClient(reconnection=False)
        self.ready = asyncio.Event()
        self.done = asyncio.Event()
        self.pending = False
        self.seen_start = False
        self.replies: list[dict] = []
        self.broken: str | None = None
        self.sio.on("*", self._event)
        self.sio.on("disconnect", self._disconnected)

    async def _event(self, event: str, data=None) -> None:
        if event == "task_start":
            self.seen_start = True
        elif event == "task_end":
            if self.pending:
                self.done.set()
            elif self.seen_start:
                self.ready.set()  # on_chat_start ended: commands, settings and followed jobs are in place
        elif event in ("new_message", "update_message") and self.pending and isinstance(data, dict):
            # The reply; or the handler's run step marked as failed (Chainlit's error for an exception).
            if (event == "new_message" and data.get("type") == "assistant_message") or data.get("isError"):
                self.replies.append(data)

    async def _disconnected(self, *args) -> None:
        self.broken = self.broken or "disconnected"
        self.done.set()

    async def connect(self, http: httpx.AsyncClient) -> None:
        cookie = {"access_token": self.token}
        # The page's "sticky" session cookie first, as Chainlit's client does before it opens the socket.
        (await http.post("/set-session-cookie", json={"session_id": self.session_id}, cookies=cookie)).raise_for_status()
        await self.sio.connect(
            self.url, socketio_path="/ws/socket.io", wait_timeout=30,
            headers={"Cookie": f"access_token={self.token}", "Origin": self.url},
            auth={"clientType": "webapp", "sessionId": self.session_id, "threadId": "", "userEnv": "{}",
                  "chatProfile": ""})
        await self.sio.emit("connection_successful")
        await self.sio.emit("fetch_favorites")
        await asyncio.wait_for(self.ready.wait(), 60)

    async def send(self, text: str, timeout: float) -> tuple[float, str | None, str]:
        """(seconds until the reply ended, error or None, the reply's text)."""
        if self.broken:
            return 0.0, self.broken, ""
        self.replies.clear()
        self.done.clear()
        self.pending = True
        message = {"threadId": "", "id": str(uuid.uuid4()), "name": self.user, "type": "user_message",
                   "output": text, "createdAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
                   "metadata": {"location": self.url + "/"}}
        start = time.perf_counter()
        try:
            await self.sio.emit("client_message", {"message": message, "fileReferences": []})
            await asyncio.wait_for(self.done.wait(), timeout)
        except TimeoutError:
            self.broken = "timeout"  # a late task_end would be taken for the next message's: this chat stops
            return time.perf_counter() - start, "timeout", ""
        except Exception as exc:  # noqa: BLE001  (any transport failure is this message's error)
            self.broken = type(exc).__name__
            return time.perf_counter() - start, self.broken, ""
        finally:
            self.pending = False
        seconds = time.perf_counter() - start
        if self.broken:
            return seconds, self.broken, ""
        text_out = "\n".join(str(r.get("output") or "") for r in self.replies)
        if any(r.get("isError") for r in self.replies):
            return seconds, "error message", text_out
        if not self.replies:
            return seconds, "no reply", ""
        if INTERNAL_ERROR and INTERNAL_ERROR in text_out:
            return seconds, "internal error reply", text_out
        return seconds, None, text_out

    async def close(self) -> None:
        with suppress(Exception):
            await self.sio.disconnect()


INTERNAL_ERROR = ""


class Results:
    def __init__(self) -> None:
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, Counter] = defaultdict(Counter)
        self.connect_errors: Counter = Counter()
        self.connect_seconds: list[float] = []
        self.wall = 0.0
        self.server_cpu = 0.0
        self.jobs_cpu = 0.0
        self.client_cpu = 0.0

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        if error:
            self.errors[kind][error] += 1
        else:
            self.latency[kind].append(seconds * 1000)

    def count(self) -> int:
        return sum(len(v) for v in self.latency.values()) + sum(sum(c.values()) for c in self.errors.values())


async def sign_in(http: httpx.AsyncClient, name: str) -> str:
    answer = await http.post("/login", data={"username": name, "password": PASSWORD})
    answer.raise_for_status()
    return answer.cookies["access_token"]


async def run_phase(url: str, tokens: dict[str, str], sessions: int, seconds: float, think: float,
                    timeout: float, server: psutil.Process) -> Results:
    """`sessions` chats connect (10 at a time), then each sends its loop until `seconds` have passed."""
    results = Results()
    users = list(tokens)
    chats = [Chat(url, tokens[users[i % len(users)]], users[i % len(users)]) for i in range(sessions)]
    limits = httpx.Limits(max_connections=20)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as http:
        gate = asyncio.Semaphore(10)

        async def connect(chat: Chat) -> bool:
            async with gate:
                start = time.perf_counter()
                try:
                    await chat.connect(http)
                except Exception as exc:  # noqa: BLE001
                    results.connect_errors[type(exc).__name__] += 1
                    chat.broken = "not connected"
                    return False
                results.connect_seconds.append(time.perf_counter() - start)
                return True

        await asyncio.gather(*(connect(c) for c in chats))
        me = psutil.Process()
        cpu0 = me.cpu_times()
        server_cpu0 = sum(server.cpu_times()[:2])
        jobs_cpu0 = children_cpu(server)
        start = time.monotonic()
        deadline = start + seconds

        async def loop(index: int, chat: Chat) -> None:
            rng = random.Random(index)
            await asyncio.sleep(rng.uniform(0, max(think, 0.2)))  # not all in step
            turn = rng.randrange(len(KINDS))
            while time.monotonic() < deadline and not chat.broken:
                kind = KINDS[turn % len(KINDS)]
                turn += 1
                took, error, _ = await chat.send(kind, timeout)
                results.add(kind, took, error)
                if think > 0:
                    await asyncio.sleep(rng.uniform(0.5 * think, 1.5 * think))

        await asyncio.gather(*(loop(i, c) for i, c in enumerate(chats)))
        results.wall = time.monotonic() - start
        cpu1 = me.cpu_times()
        results.client_cpu = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / results.wall
        results.server_cpu = (sum(server.cpu_times()[:2]) - server_cpu0) / results.wall
        results.jobs_cpu = (children_cpu(server) - jobs_cpu0) / results.wall
        await asyncio.gather(*(c.close() for c in chats))
    return results


def children_cpu(server: psutil.Process) -> float:
    total = 0.0
    for child in server.children(recursive=True):
        with suppress(psutil.Error):
            total += sum(child.cpu_times()[:2])
    return total


async def start_background(url: str, token: str, work: Path, db: Path, timeout: float) -> tuple[Chat | None, str]:
    """The ops account starts a download and a training from its chat (answering «بله» if asked)."""
    from tests.hub_fixtures import make_tiny_bert
    from tests.training_fixtures import sentiment_rows, write_csv

    model = make_tiny_bert(work / "tiny-bert")
    data = write_csv(work / "reviews.csv", sentiment_rows(3000, seed=5))  # 100 epochs of it outlast the run
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        chat = Chat(url, token, "ops")
        await chat.connect(http)
    notes = []
    for kind, text in (("download", f"/download {DOWNLOAD_REPO}"),
                       ("training", f"/train base={model} data={data} epochs=100 batch=2 lr=1e-3 confirm=yes")):
        _, error, reply = await chat.send(text, timeout)
        if error is None and not any(k == kind and s in ("queued", "running") for _, k, s, _ in jobs_of(db)):
            _, error, second = await chat.send("بله", timeout)  # asked to confirm
            reply = f"{reply[:200]} | «بله» → {second[:100]}"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(k == kind and s == "running" for _, k, s, _ in jobs_of(db)):
                break
            await asyncio.sleep(0.5)
        else:
            notes.append(f"{kind} did not start ({error or reply!r})")
    return chat, "; ".join(notes)


# -- the report ---------------------------------------------------------------------------------------------------

def row(values: list[float], errors: Counter) -> str:
    if not values:
        return f"{0:>5} {'-':>6} {'-':>6} {'-':>6} {sum(errors.values()):>4}"
    return (f"{len(values):>5} {statistics.median(values):>6.0f} {pct(values, 95):>6.0f} {max(values):>6.0f} "
            f"{sum(errors.values()):>4}")


def report(base: Results, load: Results, sessions: int) -> bool:
    print("\nlatency in ms, send → reply ended (task_end); err = timeouts, disconnects, error replies")
    head = f"{'n':>5} {'p50':>6} {'p95':>6} {'max':>6} {'err':>4}"
    print(f"{'':22} | {'1 session':^29} | {f'{sessions} sessions':^29} | p95 ratio | target @{TARGET_SESSIONS}: "
          f"p95 < {TARGET_P95_MS} ms, 0 err")
    print(f"{'kind':22} | {head} | {head} |")
    ok_all = True
    for kind in (*KINDS, "all"):
        if kind == "all":
            b = [v for vs in base.latency.values() for v in vs]
            lv = [v for vs in load.latency.values() for v in vs]
            be = sum(base.errors.values(), Counter())
            le = sum(load.errors.values(), Counter())
        else:
            b, lv, be, le = base.latency[kind], load.latency[kind], base.errors[kind], load.errors[kind]
        ratio = f"{pct(lv, 95) / pct(b, 95):>8.1f}×" if b and lv else f"{'-':>9}"
        met = bool(lv) and pct(lv, 95) < TARGET_P95_MS and not sum(le.values())
        ok_all &= met
        mark = ("✓" if met else "✗") if sessions == TARGET_SESSIONS else ("(met)" if met else "(not met)")
        print(f"{kind:22} | {row(b, be)} | {row(lv, le)} | {ratio} | {mark}")
    for name, res in (("1 session", base), (f"{sessions} sessions", load)):
        errs = sum(res.errors.values(), Counter()) + res.connect_errors
        print(f"{name}: {res.count()} messages in {res.wall:.0f} s = {res.count() / max(res.wall, 1e-9):.1f} msg/s; "
              f"server process CPU {res.server_cpu:.0%} of a core, job processes {res.jobs_cpu:.0%}, "
              f"this client {res.client_cpu:.0%}"
              + (f"; connect p50 {statistics.median(res.connect_seconds) * 1000:.0f} ms" if res.connect_seconds else "")
              + (f"; errors: {dict(errs)}" if errs else ""))
    return ok_all


async def main_async(opts: argparse.Namespace) -> None:
    global INTERNAL_ERROR
    from prompts import t

    INTERNAL_ERROR = t("errors.internal")
    work = Path(tempfile.mkdtemp(prefix="dastyar-bench-load-"))
    data = work / "data"
    port = free_port()
    url = f"http://{HOST}:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("CHAINLIT_AUTH_SECRET", "ASSISTANT_LLM", "HF_TOKEN")}
    env.update({"DASTYAR_DATA_DIR": str(data), "HF_HOME": str(work / "hf"), "DASTYAR_AUTH": "password",
                "DASTYAR_FILE_ROOTS": str(work), "DASTYAR_TRAIN_THREADS": "1", "HF_HUB_OFFLINE": "1",
                "HF_ENDPOINT": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost",
                "PYTHONPATH": str(ROOT)})  # this tree's code, whichever checkout the venv was installed from
    hub = None
    proc = None
    ops_chat = None
    try:
        if not opts.no_background:
            from tests.hub_fixtures import make_big_file_repo
            from tests.hubserver import HubServer, env_for

            total_s = opts.baseline_seconds + opts.seconds + 120  # set-up and connecting included
            rate = 1024 * 1024  # 1 MiB/s: the download is still running when the measurement ends
            make_big_file_repo(work / "hub" / "models" / DOWNLOAD_REPO, size_mb=total_s * rate / 2**20)
            hub = HubServer(work / "hub", throttle_bytes_per_sec=rate)
            hub.start()
            env.update(env_for(hub))
        users = ["ops", *(f"student{i:02d}" for i in range(1, opts.users + 1))]
        make_accounts(env, users)
        proc = start_server(env, port, work / "server.log")
        server = psutil.Process(proc.pid)
        async with httpx.AsyncClient(base_url=url, timeout=60) as http:
            tokens = {name: await sign_in(http, name) for name in users}
        db = data / "dastyar.db"
        print(f"server: dastyar serve, DASTYAR_AUTH=password, {url}, {os.cpu_count()} cores; "
              f"{opts.users} accounts; python-socketio {socketio.__version__ if hasattr(socketio, '__version__') else ''}"
              f" client in this process (polling, then websocket, as the page)")
        print(f"each session: {' → '.join(KINDS)} in a loop, think time {opts.think:g} s ±50% after each reply")
        background = "none (--no-background)"
        if hub is not None:
            ops_chat, problem = await start_background(url, tokens["ops"], work, db, opts.timeout)
            background = describe_jobs(db) + (f"  !! {problem}" if problem else "")
        print(f"background at the start: {background}")
        students = {k: v for k, v in tokens.items() if k != "ops"}
        # Alone, with a shorter pause (more samples; one chat's latency does not depend on its own pauses).
        base = await run_phase(url, students, 1, opts.baseline_seconds, min(opts.think, 0.2), opts.timeout, server)
        load = await run_phase(url, students, opts.sessions, opts.seconds, opts.think, opts.timeout, server)
        if hub is not None:
            end = jobs_of(db)
            running = {k for _, k, s, _ in end if s == "running"}
            held = {"download", "training"} <= running
            print(f"background at the end: {describe_jobs(db)} -> "
                  f"{'both still running ✓' if held else 'NOT both running: the figures are without that load'}")
        ok = report(base, load, opts.sessions)
        if opts.sessions == TARGET_SESSIONS:
            print(f"\ntarget (p95 < {TARGET_P95_MS} ms, 0 errors for every kind at {TARGET_SESSIONS} sessions): "
                  f"{'met ✓' if ok else 'not met ✗'}")
        if load.connect_errors:
            print(f"sessions that could not connect: {sum(load.connect_errors.values())}")
    finally:
        if ops_chat is not None:
            await ops_chat.close()
        if proc is not None:
            stop_server(proc)
        if hub is not None:
            hub.stop()
        if opts.keep:
            print(f"kept: {work} (server log: {work / 'server.log'})")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, default=TARGET_SESSIONS, help=f"1..{MAX_SESSIONS}")
    parser.add_argument("--seconds", type=float, default=60, help=f"length of the many-session phase, ≤ {MAX_SECONDS}")
    parser.add_argument("--baseline-seconds", type=float, default=15, help="length of the single-session phase")
    parser.add_argument("--think", type=float, default=1.0, help="pause after each reply (±50%%), seconds")
    parser.add_argument("--users", type=int, default=10, help="accounts the sessions are spread over")
    parser.add_argument("--timeout", type=float, default=30, help="a reply later than this is an error")
    parser.add_argument("--no-background", action="store_true", help="no download and training beside the chats")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server log)")
    opts = parser.parse_args()
    if not 1 <= opts.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be 1..{MAX_SESSIONS}")
    if not 0 < opts.seconds <= MAX_SECONDS or not 0 < opts.baseline_seconds <= MAX_SECONDS:
        parser.error(f"--seconds and --baseline-seconds must be in (0, {MAX_SECONDS}]")
    opts.users = max(1, min(opts.users, 50))
    asyncio.run(main_async(opts))


if __name__ == "__main__":
    main()
