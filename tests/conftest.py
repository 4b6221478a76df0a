"""Every test gets its own data directory and database; no test touches the network beyond 127.0.0.1."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"

# Set before any project import: offline, quiet, no telemetry.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.pop("ASSISTANT_LLM", None)
os.environ.pop("HF_TOKEN", None)
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from assistant.config import reset_settings
    from assistant.db import dispose_engines
    from assistant.jobs import runner

    data = tmp_path / "data"
    monkeypatch.setenv("DASTYAR_DATA_DIR", str(data))
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASTYAR_CANCEL_GRACE", "3")
    reset_settings()
    dispose_engines()
    runner.set_runner_mode(paused=False)
    yield data
    runner.stop_runner()
    dispose_engines()
    reset_settings()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
