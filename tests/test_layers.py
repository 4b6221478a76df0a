"""Layers point one way: each package imports only from the layers below it (read from the source, not from a list
someone keeps up to date by hand)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# A layer and the packages it must never import (at module level or inside a function).
FORBIDDEN = {
    "assistant/jobs": ("assistant.services", "assistant.ui", "assistant.bootstrap", "tools", "agents"),
    "assistant/services": ("assistant.ui", "assistant.bootstrap", "tools", "agents"),
    "tools": ("assistant.ui", "agents"),
    "agents": ("assistant.ui",),
    "assistant/db.py": ("assistant.jobs", "assistant.services", "assistant.ui", "tools", "agents"),
    "assistant/disk.py": ("assistant.jobs", "assistant.services", "assistant.ui", "tools", "agents"),
    "assistant/models.py": ("assistant.jobs", "assistant.services", "assistant.ui", "tools", "agents"),
    "assistant/events.py": ("assistant.jobs", "assistant.services", "assistant.ui", "tools", "agents"),
    "assistant/migrations": ("assistant.jobs", "assistant.services", "assistant.ui", "tools", "agents"),
}


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_nothing_above_it(layer):
    target = ROOT / layer
    files = [target] if target.is_file() else sorted(target.rglob("*.py"))
    assert files
    wrong = []
    for file in files:
        for name in imported_modules(file):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN[layer]):
                wrong.append(f"{file.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_chat_server_module_loads_nothing_heavy(tmp_path):
    """The first page needs Chainlit and the UI module: the agent (LangGraph, LangChain), the ML libraries and Ray
    load when a message or a job needs them."""
    import os
    import subprocess
    import sys

    code = ("import sys; import assistant.ui.chainlit_app; "
            "print(sorted(m for m in ('langgraph', 'langchain_core', 'torch', 'transformers', 'datasets', 'sklearn', "
            "'ray', 'faster_whisper') if m in sys.modules))")
    env = {**os.environ, "DASTYAR_DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]", out.stdout
