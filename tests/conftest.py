"""Every test gets its own data directory and database; no test touches the network beyond 127.0.0.1."""

from __future__ import annotations

import os
import sys
import tempfile
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
# Tests name files in their own temporary folders: let the chat read there (as an operator would list a folder).
os.environ.setdefault("DASTYAR_FILE_ROOTS", tempfile.gettempdir())
# `dastyar` run by tests leaves no warm process behind (tests/test_cli_warm.py turns it on for itself).
os.environ.setdefault("DASTYAR_CLI_WARM", "0")
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from assistant import bootstrap  # noqa: E402  (after the environment above)

bootstrap.setup()  # the app's job handlers and hooks, as every entry point loads them


def use_data_dir(monkeypatch: pytest.MonkeyPatch, data: Path, hf_home: Path) -> None:
    """Point this process at a data directory and HF home: fresh settings, database engine, event feed and chat
    checkpointers (the autouse `data_dir` does it per test; a test may move to another disk before it starts)."""
    from agents.checkpoint import reset_checkpointers
    from assistant import events
    from assistant.config import reset_settings
    from assistant.db import dispose_engines
    from assistant.jobs import runner

    monkeypatch.setenv("DASTYAR_DATA_DIR", str(data))
    monkeypatch.setenv("HF_HOME", str(hf_home))
    reset_settings()
    events.reset_feed()
    dispose_engines()
    runner.set_runner_mode(paused=False)
    reset_checkpointers()


def release_data_dir() -> None:
    """Stop what the test left running and close the database before the next test's database takes over: a runner
    thread still ending a job would otherwise write that job's end into the next test's job with the same id."""
    from agents.checkpoint import reset_checkpointers
    from assistant import events
    from assistant.config import reset_settings
    from assistant.db import dispose_engines
    from assistant.jobs import runner

    if runner.runner_active():
        from assistant.jobs import store
        from assistant.models import JobStatus

        for job in store.list_jobs(statuses=[JobStatus.queued, JobStatus.running], limit=1000):
            store.request_cancel(job.id)
    runner.stop_runner(wait=True)
    events.reset_feed()
    reset_checkpointers()
    dispose_engines()
    reset_settings()


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("DASTYAR_CANCEL_GRACE", "3")
    use_data_dir(monkeypatch, data, tmp_path / "hf-home")
    yield data
    release_data_dir()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- a local HF-compatible hub, built once per session and shared by the hub, training and speech tests -------------
@pytest.fixture(scope="session")
def hub_tree(tmp_path_factory):
    from tests.hub_fixtures import build_test_hub

    return build_test_hub(tmp_path_factory.mktemp("test-hub"))


@pytest.fixture(scope="session")
def _hub_session(hub_tree):
    from tests.hubserver import HubServer

    with HubServer(hub_tree["root"]) as server:
        yield server


@pytest.fixture
def hub(_hub_session):
    """The shared server with knobs reset and counters cleared for each test."""
    server = _hub_session
    server.throttle_bytes_per_sec = None
    server.fail_after_bytes = None
    server.fail_times = 1
    server.page_size = None
    server.faults = []
    server.ignore_range = False
    server.reset_hold()
    server.reset_stats()
    return server


@pytest.fixture
def online_hub(hub, monkeypatch: pytest.MonkeyPatch, data_dir: Path):
    """Dastyar and huggingface_hub both pointed at the local hub (HF_ENDPOINT), online, Xet off."""
    from huggingface_hub import constants

    from assistant.config import reset_settings

    hf_home = Path(os.environ["HF_HOME"])
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "ENDPOINT", hub.url)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hf_home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    reset_settings()
    return hub


# The agent's LLM path (litellm over HTTP) pointed at a scripted OpenAI-compatible server, with a fake key
# (llmserver.LLM_TEST_KEY) that tests look for wherever it must never appear (replies, logs, memory, request bodies).
@pytest.fixture
def llm_server(monkeypatch: pytest.MonkeyPatch, data_dir: Path):
    """A ScriptedLLMServer (tests/llmserver.py) as `ASSISTANT_LLM`; fill `server.script`, break it with its knobs.

    The offline router defers every free-text message (DASTYAR_ROUTER_CONFIDENCE above 1), so the model decides;
    slash commands still go straight to their tools."""
    from assistant.config import reset_settings
    from tests.llmserver import LLM_TEST_KEY, ScriptedLLMServer

    with ScriptedLLMServer() as server:
        monkeypatch.setenv("DASTYAR_ROUTER_CONFIDENCE", "1.5")
        monkeypatch.setenv("ASSISTANT_LLM", "openai/test-model")
        monkeypatch.setenv("ASSISTANT_LLM_BASE_URL", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", LLM_TEST_KEY)
        reset_settings()
        yield server


# Browser tests: one Chromium per module, a fresh tab on the module's `server` fixture per test.
@pytest.fixture(scope="module")
def browser():
    from tests.browser_support import chromium

    with chromium() as b:
        yield b


@pytest.fixture
def page(browser, server):
    from tests.browser_support import open_chat

    pg = open_chat(browser, server["url"])
    yield pg
    pg.context.close()
