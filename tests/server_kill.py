"""Kill -9 of a server process at a chosen moment: the drills start work in a process of its own (the app's
bootstrap, its runner), kill it, and the test process plays the restarted server."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parent.parent
KILL_ME = "KILL-ME"  # printed by the server's own code at the moment it must die (inside a write, say)

_SCRIPT = """
import json, sys, time
from assistant import bootstrap
bootstrap.setup()
ARG = json.loads(sys.argv[1])
{setup}
{start}
print(job_id, flush=True)
time.sleep(600)
"""

SUBMIT = 'from assistant.jobs.runner import get_runner\njob_id = get_runner().submit(ARG["kind"], ARG["params"], title="drill").id'
SAY = "from agents.graph import run_agent\nreply = run_agent(ARG)\nassert reply.job_id, reply.text\njob_id = reply.job_id"


def serve_and_kill(arg: Any, tmp_path: Path, *, start: str = SUBMIT, when: Callable[[int], bool] | None = None,
                   setup: str = "") -> int:
    """Run `setup` and `start` (code that sets `job_id`, with `ARG` = `arg`) in a server process; kill -9 it once
    `when(job_id)` holds, or, without `when`, once the process prints KILL_ME. Returns the job id."""
    log = (tmp_path / "server.log").open("w")
    script = _SCRIPT.format(setup=setup, start=start)
    server = subprocess.Popen([sys.executable, "-c", script, json.dumps(arg)], cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=log, text=True, env=os.environ.copy())
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in server.stdout], daemon=True).start()
    said: list[str] = []

    def printed(text: str) -> bool:
        while not lines.empty():
            said.append(lines.get())
        return text in said or (text == "id" and any(s.isdigit() for s in said))

    def server_log() -> str:
        return (tmp_path / "server.log").read_text()[-3000:]

    try:
        wait_until(lambda: printed("id") or server.poll() is not None, 180, 0.05, "the server's job id")
        ids = [s for s in said if s.isdigit()]
        assert ids, server_log()
        job_id = int(ids[0])
        moment = (lambda: when(job_id)) if when else (lambda: printed(KILL_ME))
        wait_until(lambda: moment() or server.poll() is not None, 300, 0.02, "the moment to kill the server")
        assert server.poll() is None, f"the server ended before the moment: {server_log()}"
        os.kill(server.pid, signal.SIGKILL)
        server.wait(10)
    finally:
        if server.poll() is None:
            server.kill()
    return job_id
