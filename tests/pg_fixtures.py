"""A throwaway PostgreSQL cluster from the machine's binaries, for the tests that need one (skipped where none)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.browser_support import free_port

BIN = next((p for p in (Path("/usr/lib/postgresql/15/bin"), Path("/usr/lib/postgresql/16/bin")) if p.is_dir()), None)
if BIN is None and shutil.which("initdb"):
    BIN = Path(shutil.which("initdb")).resolve().parent


@pytest.fixture(scope="module")
def postgres_url():
    import tempfile

    # Not under pytest's tmp dir: that is private to root, and the cluster may run as the postgres user.
    folder = Path(tempfile.mkdtemp(prefix="dastyar-pg-"))
    data = folder / "data"
    port = free_port()
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no postgres user")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, str(BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", "dastyar"], check=True,
                   capture_output=True, timeout=120)
    proc = subprocess.Popen(
        [*as_user, str(BIN / "postgres"), "-D", str(data), "-p", str(port), "-k", str(folder), "-h", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.2)
    subprocess.run([*as_user, str(BIN / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "dastyar", "dastyar"],
                   check=True, capture_output=True, timeout=60)
    yield f"postgresql+psycopg://dastyar@127.0.0.1:{port}/dastyar"
    proc.terminate()
    proc.wait(30)
    shutil.rmtree(folder, ignore_errors=True)
