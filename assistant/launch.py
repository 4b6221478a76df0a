"""`dastyar` from a shell: `ask` and `route` answered by a warm process when one is ready.

Every `dastyar ask` is a new Python process, and importing what a turn needs (SQLAlchemy and SQLModel, the pydantic
settings, the Hub client, the router's numpy) takes about half a second before any work starts: most of a 100 MB
download's time. So a command run the usual way leaves a warm process behind. It has imported all that once, and
forks a child per command; the child takes the caller's stdin/stdout/stderr (the file descriptors themselves, passed
over a Unix socket), environment, working directory and arguments, and runs exactly what `dastyar` runs otherwise.
The child lives as long as its caller: Ctrl-C and termination are passed on, and a caller killed outright takes its
child with it (as a killed inline command would stop its download).

One warm process per user, environment, working directory and code version (all part of the socket's name, so a
changed setting or an upgrade never meets a stale process). Its socket sits in a directory only this user can enter,
and it answers only this user (SO_PEERCRED). It quits after DASTYAR_CLI_WARM_MINUTES (10) without a command, or
when its socket is gone; DASTYAR_CLI_WARM=0 turns it off. Linux only (elsewhere every command runs inline).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
import sys
from pathlib import Path

WARM_COMMANDS = ("ask", "route")  # those that never read stdin and are run many times from scripts
_ENV_KEYS = ("DASTYAR_", "HF_", "HUGGINGFACE_", "ASSISTANT_", "DATABASE_URL", "PYTHON", "LANG", "LC_", "HOME", "TZ")
_PACKAGES = ("assistant", "agents", "tools", "prompts")
_ROOT = Path(__file__).resolve().parent.parent
_MAX_REQUEST = 1 << 20


def enabled(env: dict[str, str] | None = None) -> bool:
    env = os.environ if env is None else env
    return sys.platform == "linux" and env.get("DASTYAR_CLI_WARM", "1").strip().lower() not in ("0", "false", "no", "off")


def _code_stamp() -> str:
    """Every file of the four packages by name, size and modification time (~2 ms): an edit or an upgrade is a new
    key."""
    digest = hashlib.sha256()
    for package in _PACKAGES:
        for root, dirs, files in os.walk(_ROOT / package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                try:
                    st = os.stat(os.path.join(root, name))
                except OSError:
                    continue
                digest.update(f"{root}/{name}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def key(env: dict[str, str], cwd: str) -> str:
    """What a warm process must share with its caller: what is read at import (HF_* by huggingface_hub), the settings
    (the environment and the working directory's `.env`), the interpreter and the code."""
    parts = {k: v for k, v in env.items() if k.startswith(_ENV_KEYS)}
    try:
        st = os.stat(os.path.join(cwd, ".env"))
        dotenv = f"{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        dotenv = ""
    raw = json.dumps([sorted(parts.items()), cwd, dotenv, sys.executable, sys.version, _code_stamp()])
    return hashlib.sha256(raw.encode()).hexdigest()[:20]


def _private_dir() -> Path | None:
    """A directory of this user's alone (created 0700; refused if another user owns it or others may enter)."""
    uid = os.getuid()
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) / "dastyar" if runtime and os.path.isdir(runtime) else Path("/tmp") / f"dastyar-{uid}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(base)
    except OSError:
        return None
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid or st.st_mode & 0o077:
        return None
    return base


def socket_path(env: dict[str, str] | None = None, cwd: str | None = None) -> Path | None:
    env = dict(os.environ) if env is None else env
    folder = _private_dir()
    return None if folder is None else folder / f"{key(env, cwd or os.getcwd())}.sock"


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        piece = conn.recv(n - len(data))
        if not piece:
            raise ConnectionError("closed")
        data += piece
    return data


def _request(path: Path, message: dict, fds: list[int]) -> socket.socket:
    """Connect and send one request: its length with these file descriptors attached, then its JSON."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
        payload = json.dumps(message).encode()
        socket.send_fds(conn, [struct.pack("!I", len(payload))], fds)
        conn.sendall(payload)
    except OSError:
        conn.close()
        raise
    return conn


# ---- the caller ----------------------------------------------------------------------------------------------------

def _via_warm(path: Path, argv: list[str]) -> int | None:
    """The command's exit code from a warm process; None when none took it (then it runs here)."""
    try:
        conn = _request(path, {"argv": argv, "cwd": os.getcwd(), "env": dict(os.environ)}, [0, 1, 2])
    except OSError:
        return None
    try:
        (pid,) = struct.unpack("!i", _recv_exact(conn, 4))
    except OSError:
        conn.close()
        return None
    import signal

    def forward(signum: int, _frame: object) -> None:
        try:
            os.kill(pid, signum)
        except OSError:
            pass

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, forward)
    try:
        (status,) = struct.unpack("!i", _recv_exact(conn, 4))
    except OSError:
        return 1  # the warm process itself went away mid-command
    if status < 0:  # the child died of a signal: so does its caller
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    return status


def _start_warm(path: Path, env: dict[str, str]) -> None:
    """Leave a warm process behind for the next command (unless one is starting or running: it holds the lock)."""
    import fcntl
    import subprocess

    try:
        with open(path.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    try:
        # -P: the working directory is not put on the import path (a folder there named like a module must not be
        # imported in its place).
        subprocess.Popen([sys.executable, "-P", "-m", "assistant.launch", "--serve", str(path)], env=env, cwd=os.getcwd(),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except OSError:
        pass


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] and argv[0] in WARM_COMMANDS and enabled():
        env = dict(os.environ)
        try:
            path = socket_path(env)
        except OSError:  # e.g. the working directory was removed under the shell
            path = None
        if path is not None:
            code = _via_warm(path, argv) if path.exists() else None
            if code is not None:
                sys.stdout.flush()
                os._exit(code)
            import atexit

            atexit.register(_start_warm, path, env)  # after the command: it must not take the command's CPU
    from assistant.cli import main as cli_main

    cli_main()


# ---- the warm process ----------------------------------------------------------------------------------------------

_PRELOAD = (
    # What `ask` and `route` import on their way (found by diffing sys.modules around a command).
    "numpy", "huggingface_hub.hf_api", "sqlalchemy.dialects.sqlite", "apscheduler.schedulers.background",
    "apscheduler.executors.pool", "apscheduler.jobstores.sqlalchemy", "tzlocal", "concurrent.futures.process",
    "multiprocessing.connection", "multiprocessing.queues", "_strptime", "encodings.idna", "typer._adapters",
    "assistant.cli", "assistant.bootstrap", "assistant.db", "assistant.migrations", "assistant.errors",
    "assistant.events", "assistant.jobs.runner", "assistant.jobs.store", "assistant.ui.progress",
    "assistant.services.files", "assistant.services.goals", "assistant.services.hub.catalog",
    "assistant.services.hub.download", "assistant.services.hub.installed", "assistant.services.hub.search",
    "assistant.services.hub.upload", "assistant.services.speech", "assistant.services.system",
    "assistant.services.training", "agents.quick", "agents.router", "agents.turn", "tools.registry", "tools.goals",
    "tools.hub", "tools.jobs", "tools.notifications", "tools.schedules", "tools.sharing", "tools.speech",
    "tools.system", "tools.training",
)


def _preload() -> None:
    """Import what a command needs and route two sentences (the intent model loaded, the rules' patterns compiled),
    without opening anything a fork must not share: no database connection, no thread."""
    import importlib
    import threading

    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    from agents.router import route
    from assistant.config import get_settings

    for text in ("bench/repo رو دانلود کن", "/jobs"):
        route(text)
    get_settings.cache_clear()
    assert threading.active_count() == 1, "a preloaded module started a thread"


def _log(path: Path, line: str) -> None:
    import time

    try:
        log = path.with_suffix(".log")
        mode = "w" if log.exists() and log.stat().st_size > 1 << 20 else "a"
        with open(log, mode, encoding="utf-8") as fh:
            fh.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {os.getpid()} {line}\n")
    except OSError:
        pass


def _child(conn: socket.socket, fds: list[int], request: dict, closing: list[int]) -> None:
    """In the forked child: become the caller's command."""
    import io
    import signal
    import threading

    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for fd in closing:
        os.close(fd)
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    encoding, errors = sys.stdout.encoding, sys.stdout.errors
    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding=encoding)
    sys.stdout = sys.__stdout__ = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding=encoding,
                                                   errors=errors, line_buffering=os.isatty(1))
    sys.stderr = sys.__stderr__ = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding=encoding,
                                                   errors="backslashreplace", line_buffering=True)
    os.environ.clear()
    os.environ.update(request["env"])
    os.chdir(request["cwd"])
    sys.argv = ["dastyar", *request["argv"]]

    def watch() -> None:  # the caller never writes again: the read ends when it is gone
        try:
            conn.recv(1)
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGKILL)

    threading.Thread(target=watch, name="dastyar-caller", daemon=True).start()
    from assistant.cli import main as cli_main
    from assistant.config import get_settings

    get_settings.cache_clear()
    cli_main()
    os._exit(0)


def serve(path: Path) -> None:
    import fcntl
    import select
    import signal
    import time

    os.umask(0o077)
    lock = open(path.with_suffix(".lock"), "a")  # held for life: one warm process per socket
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return
    _preload()
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp))
    listener.listen(32)
    os.replace(tmp, path)  # appears only when ready
    inode = os.stat(path).st_ino
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    idle = float(os.environ.get("DASTYAR_CLI_WARM_MINUTES", "10") or 10) * 60
    children: dict[int, socket.socket] = {}
    last = time.monotonic()
    _log(path, "ready")
    try:
        while True:
            ready, _, _ = select.select([listener, wake_r], [], [], 30.0)
            if wake_r in ready:
                try:
                    while os.read(wake_r, 512):
                        pass
                except BlockingIOError:
                    pass
            while children:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    children.clear()
                    break
                if pid == 0:
                    break
                conn = children.pop(pid, None)
                if conn is not None:
                    try:
                        conn.sendall(struct.pack("!i", os.waitstatus_to_exitcode(status)))
                    except OSError:
                        pass
                    conn.close()
                last = time.monotonic()
            if listener in ready:
                conn, _ = listener.accept()
                last = time.monotonic()
                if _take(conn, listener, (wake_r, wake_w, lock.fileno()), children, path) == "quit":
                    break
            try:
                gone = os.stat(path).st_ino != inode
            except OSError:
                gone = True
            if gone or (not children and time.monotonic() - last > idle):
                break
    finally:
        # Its files go with it (a new environment or code version is a new name: they would pile up otherwise).
        try:
            if os.stat(path).st_ino == inode:
                os.unlink(path)
        except OSError:
            pass
        for leftover in (path.with_suffix(".log"), path.with_suffix(".lock")):
            leftover.unlink(missing_ok=True)


def _take(conn: socket.socket, listener: socket.socket, closing: tuple[int, ...], children: dict, path: Path) -> str:
    fds: list[int] = []
    try:
        creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
        _, uid, _ = struct.unpack("3i", creds)
        if uid != os.getuid():
            conn.close()
            return "refused"
        conn.settimeout(5.0)
        head, fds, _, _ = socket.recv_fds(conn, 4, 3)
        (size,) = struct.unpack("!I", head) if len(head) == 4 else (0,)
        if not 0 < size <= _MAX_REQUEST:
            raise ValueError("bad request")
        request = json.loads(_recv_exact(conn, size))
        if request.get("op") == "quit":
            conn.close()
            return "quit"
        argv = request.get("argv")
        if len(fds) != 3 or not isinstance(argv, list) or not argv or argv[0] not in WARM_COMMANDS:
            raise ValueError("bad request")
        conn.settimeout(None)
    except (OSError, ValueError):
        for fd in fds:
            os.close(fd)
        conn.close()
        return "bad"
    pid = os.fork()
    if pid == 0:
        try:
            _child(conn, fds, request, [listener.fileno(), *closing, *(c.fileno() for c in children.values())])
        except SystemExit as done:
            os._exit(done.code if isinstance(done.code, int) else 1)
        except BaseException:
            os._exit(70)
    for fd in fds:
        os.close(fd)
    children[pid] = conn
    _log(path, f"{request['argv'][0]} -> {pid}")
    try:
        conn.sendall(struct.pack("!i", pid))
    except OSError:
        pass  # the caller is gone; its child sees it too and stops
    return "forked"


def running_pid(path: Path) -> int | None:
    """The pid of the warm process ready on `path`, if one is."""
    try:
        first = path.with_suffix(".log").read_text(encoding="utf-8").split("\n", 1)[0].split()
        pid = int(first[2]) if path.exists() and first[3:4] == ["ready"] else None
        if pid is not None:
            os.kill(pid, 0)
        return pid
    except (OSError, ValueError, IndexError):
        return None


def stop(path: Path) -> None:
    """Ask the warm process on `path` to quit (benchmarks and tests tidy up with it)."""
    try:
        _request(path, {"op": "quit"}, []).close()
    except OSError:
        pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"] and len(sys.argv) == 3:
        serve(Path(sys.argv[2]))
    else:
        main()
