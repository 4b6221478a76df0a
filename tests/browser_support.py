"""Shared pieces of the end-to-end tests: a Dastyar server on a free port, headless Chromium, sending and reading."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach Google on this offline machine.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (make test installs it)"),
]


# Each running server's log by its address: a reply that never comes shows what the server said meanwhile.
_SERVER_LOGS: dict[str, Path] = {}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def dastyar_server(data: Path, app: Path | None = None, **env_overrides: str) -> Iterator[dict]:
    """`dastyar serve` with its own data dir; yields {"url", "data", "env"} once /health says the runner runs.
    `app`: another Chainlit file to serve (tests/fixture_app.py adds the test job kinds)."""
    port = free_port()
    env = os.environ.copy()
    env.pop("CHAINLIT_AUTH_SECRET", None)  # the server makes and keeps its own
    # Its own HF cache: nothing downloaded lands in (or is served from) the home directory's cache.
    env.update({"DASTYAR_DATA_DIR": str(data), "DASTYAR_PORT": str(port), "HF_ENDPOINT": "http://127.0.0.1:9",
                "HF_HOME": str(data / "hf")})
    env.update(env_overrides)
    data.mkdir(parents=True, exist_ok=True)
    log_path = data / "server.log"
    with open(log_path, "w") as log:
        extra = ["--app", str(app)] if app else []
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port), *extra], cwd=ROOT,
                                env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        _SERVER_LOGS[url] = log_path
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    health = httpx.get(f"{url}/health", timeout=2).json()
                    # With sign-in by password an anonymous caller only learns up or down.
                    if health.get("jobs_runner") == "running" or health == {"status": "ok"}:
                        break
                except (httpx.HTTPError, ValueError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start: " + log_path.read_text()[-3000:])
                time.sleep(0.5)
            yield {"url": url, "data": data, "env": env}
        finally:
            _SERVER_LOGS.pop(url, None)
            proc.terminate()
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chromium(extra_args: list[str] | None = None) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + (extra_args or []), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def open_chat(browser, url: str, **context_args):
    """A new tab on the chat, connected (the starters arrive over the websocket). `page.visited` lists every URL
    the tab showed (a login page would be one of them); close with `page.context.close()`."""
    context = browser.new_context(locale="fa-IR", viewport={"width": 1280, "height": 900}, **context_args)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.visited = []
    page.on("framenavigated", lambda frame: page.visited.append(frame.url) if frame == page.main_frame else None)
    page.goto(url)
    page.wait_for_selector("textarea#chat-input")
    page.get_by_text("وضعیت سیستم").first.wait_for()
    return page


def send(page, text: str) -> None:
    # The composer re-renders when a reply ends; a fill that lands on the old element is lost, so retry.
    submit = page.locator("#chat-submit")
    for _ in range(20):
        page.locator("textarea#chat-input").fill(text)
        try:
            submit.click(timeout=1_500)
            return
        except Exception:
            time.sleep(0.25)
    raise AssertionError(f"could not send {text!r}")


def last_reply(page, contains: str, timeout: float = 30_000):
    loc = page.locator('[data-step-type="assistant_message"] .message-content', has_text=contains)
    try:
        loc.last.wait_for(timeout=timeout)
    except Exception as exc:
        raise AssertionError(f"no reply with {contains!r}:\n" + what_happened(page)) from exc
    return loc.last


def what_happened(page) -> str:
    """The chat's last messages and the end of its server's log, for a failure's report."""
    try:
        shown = page.locator("[data-step-type] .message-content").all_inner_texts()[-6:]
    except Exception as exc:  # the page itself is gone
        shown = [f"(page unreadable: {exc})"]
    origin = "/".join(page.url.split("/")[:3])
    log = _SERVER_LOGS.get(origin)
    tail = log.read_text(errors="replace")[-4000:] if log and log.is_file() else "(no server log)"
    return "messages on screen:\n" + "\n---\n".join(shown) + "\n\nserver log (end):\n" + tail
