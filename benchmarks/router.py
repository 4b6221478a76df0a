"""The offline Persian router: accuracy on the project's phrasing set, latency per message, cold start of the CLI.

Run by hand: `.venv/bin/python benchmarks/router.py`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agents.router import route  # noqa: E402
from tests.router_cases import CASES  # noqa: E402


def main() -> None:
    route("سلام")  # load hazm once: the server does this at start-up
    tool_ok = full_ok = 0
    latencies = []
    misses = []
    for text, tool, args in CASES:
        start = time.perf_counter()
        result = route(text)
        latencies.append((time.perf_counter() - start) * 1000)
        if result.tool == tool:
            tool_ok += 1
            if all(result.args.get(k) == v for k, v in args.items()):
                full_ok += 1
                continue
        misses.append((text, tool, result.tool))
    n = len(CASES)
    latencies.sort()
    p95 = latencies[int(0.95 * (n - 1))]
    print(f"phrasings: {n} ({sum(1 for c in CASES if c[1] is None)} that must not trigger a tool)")
    print(f"tool accuracy: {tool_ok / n:.1%}   tool+arguments accuracy: {full_ok / n:.1%}")
    print(f"latency per message: p50 {statistics.median(latencies):.2f} ms, p95 {p95:.2f} ms, max {latencies[-1]:.2f} ms")
    for text, want, got in misses:
        print(f"  miss: {text!r}: expected {want}, got {got}")
    colds = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "assistant.cli", "route", "وضعیت سیستم", "--json"], cwd=ROOT, check=True,
                       capture_output=True)
        colds.append(time.perf_counter() - start)
    print(f"cold start of `dastyar route` (new process, hazm loaded): median {statistics.median(colds):.2f} s")


if __name__ == "__main__":
    main()
