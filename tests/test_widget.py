"""The embeddable widget's parts without a browser: access tokens, who a widget session is, visitors' limits."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT


def test_a_minted_token_names_a_widget_person_and_nothing_else_passes(monkeypatch):
    import jwt

    from assistant.config import reset_settings
    from assistant.services import widget_tokens as wt

    token = wt.mint("sara", 600)
    assert wt.verify(token) == "sara@widget"  # kept apart from the server's own accounts
    now = int(time.time())
    key = wt.secret()
    forged = [
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now, "exp": now + 60}, "another-key-" * 4, algorithm="HS256"),
        jwt.encode({"sub": "sara", "aud": "other", "iat": now, "exp": now + 60}, key, algorithm="HS256"),
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now - 7200, "exp": now - 3600}, key, algorithm="HS256"),
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now}, key, algorithm="HS256"),  # no expiry
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now, "exp": now + 30 * 24 * 3600}, key, algorithm="HS256"),
        jwt.encode({"sub": "../x y", "aud": wt.AUDIENCE, "iat": now, "exp": now + 60}, key, algorithm="HS256"),
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now, "exp": now + 60}, key, algorithm="HS512"),
        jwt.encode({"sub": "sara", "aud": wt.AUDIENCE, "iat": now, "exp": now + 60}, None, algorithm="none"),
        token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"), "", "x" * 5000, "anonymous",
    ]
    for bad in forged:
        with pytest.raises(wt.WidgetTokenError):
            wt.verify(bad)
    for name, ttl in (("bad name", 60), ("sara", 0), ("sara", -5), ("sara", 25 * 3600)):
        with pytest.raises(wt.WidgetTokenError):
            wt.mint(name, ttl)
    monkeypatch.setenv("DASTYAR_WIDGET_SECRET", "short")
    reset_settings()
    with pytest.raises(wt.WidgetTokenError, match="secret_short"):
        wt.mint("sara", 60)


def test_the_kept_secret_is_private_and_stable(data_dir):
    from assistant.services import widget_tokens as wt

    first = wt.secret()
    assert wt.secret() == first and len(first) >= wt.MIN_SECRET
    assert (data_dir / wt.SECRET_FILE).stat().st_mode & 0o777 == 0o600


def test_nobody_is_an_admin_inside_the_widget_and_visitors_get_the_configured_tools(monkeypatch):
    from chainlit.user import User

    from assistant.config import reset_settings
    from assistant.identity import LOCAL
    from assistant.ui.widget import identity_of

    admin = User(identifier="maryam", metadata={"provider": "password", "role": "admin"})
    assert identity_of(admin, "webapp").is_admin
    assert not identity_of(admin, "copilot").is_admin and identity_of(admin, "copilot").name == "maryam"
    local = User(identifier="local", metadata={"provider": "local"})
    assert identity_of(local, "webapp") == LOCAL and not identity_of(local, "copilot").is_admin
    widget_user = identity_of(User(identifier="sara@widget", metadata={"provider": "widget", "role": "user"}), "copilot")
    assert widget_user.role == "user" and widget_user.may_use("download")
    monkeypatch.setenv("DASTYAR_WIDGET_TOOLS", "help, search_models")
    reset_settings()
    visitor = identity_of(User(identifier="visitor-ab", metadata={"provider": "visitor", "role": "visitor"}), "copilot")
    assert visitor.role == "visitor" and visitor.may_use("help") and not visitor.may_use("download")


def test_a_visitor_can_use_only_the_allowed_tools_whatever_the_path(monkeypatch):
    from agents.graph import run_agent
    from agents.llm import tool_specs
    from assistant.identity import Identity, acting_as
    from tools import call_tool

    visitor = Identity("visitor-1", "visitor", frozenset({"help", "catalog"}))
    with acting_as(visitor):
        refused = call_tool("list_jobs", {})
        assert not refused.ok and refused.data["error"] == "not_allowed" and "راهنما" in refused.text
        assert call_tool("help", {}).ok
        assert {s["function"]["name"] for s in tool_specs()} == {"help", "catalog"}
        reply = run_agent("کارهای من رو نشون بده", "visitor-thread")
        assert not reply.ok and "در دسترس نیست" in reply.text


def test_the_message_rate_of_a_visitor_is_bounded_and_recovers():
    from assistant.ui.widget import RateLimiter

    limiter = RateLimiter(3, 60)
    assert [limiter.wait_seconds("v", now=100.0 + i) for i in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.wait_seconds("v", now=104.0) == pytest.approx(56.0)
    assert limiter.wait_seconds("other", now=104.0) == 0.0  # per visitor
    assert limiter.wait_seconds("v", now=161.0) == 0.0  # the window moved on
    many = RateLimiter(1, 60, max_keys=100)
    for i in range(1000):
        many.wait_seconds(f"k{i}", now=1.0)
    assert len(many._events) <= 101  # memory stays bounded under a flood of new visitors


def test_widget_token_cli_prints_a_token_or_a_persian_error(data_dir):
    env = {**os.environ, "DASTYAR_DATA_DIR": str(data_dir)}
    ok = subprocess.run([sys.executable, "-m", "assistant.cli", "widget-token", "--user", "sara", "--ttl", "۳۰m"],
                        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout.count(".") == 2 and not ok.stderr.strip()
    from assistant.services import widget_tokens

    assert widget_tokens.verify(ok.stdout.strip()) == "sara@widget"
    for ttl in ("100h", "soon", "-1m", "nan"):
        bad = subprocess.run([sys.executable, "-m", "assistant.cli", "widget-token", "--user", "sara", "--ttl", ttl],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert bad.returncode == 2 and "مدت اعتبار" in bad.stderr and "Traceback" not in bad.stderr
