"""The offline router: slash commands and Persian phrasings (ZWNJ/space/no-space, digit scripts, Arabic letters)."""

from __future__ import annotations

import pytest

from agents.router import route
from tests.router_cases import CASES


@pytest.mark.parametrize(("text", "tool", "args"), CASES, ids=[c[0][:40] for c in CASES])
def test_phrasing(text, tool, args):
    result = route(text)
    assert result.tool == tool, (text, result)
    for key, value in args.items():
        assert result.args.get(key) == value, (text, result.args)


def test_set_of_cases_covers_every_implemented_tool():
    import tools

    covered = {tool for _, tool, _ in CASES}
    assert {t.name for t in tools.list_tools()} <= covered


def test_unknown_slash_command_is_explained():
    r = route("/frobnicate 3")
    assert r.tool is None and r.reply_key == "errors.unknown_command"


def test_missing_job_id_is_asked_for():
    r = route("/cancel")
    assert r.tool == "cancel_job" and r.missing == "job_id"
    r = route("ادامه بده")
    assert r.tool == "resume_job" and r.missing == "job_id"


def test_empty_message():
    assert route("   ").reply_key == "errors.empty_message"
