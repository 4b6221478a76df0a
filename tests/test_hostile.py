"""Hostile and odd input gets a Persian answer and leaks nothing (issue 12's hardening, first part)."""

from __future__ import annotations

import re
import sqlite3

import pytest

from tests.conftest import ROOT  # noqa: F401  (project on sys.path)

TOKEN = "hf_" + "Zq7" * 12  # shaped like a real token, never sent anywhere
LATIN_WORDS = re.compile(r"\b(Error|error|Traceback|Field required|should|valid|Input)\b")


@pytest.mark.parametrize("text", ["/job 1e999", "/job ۱e۹۹۹", "/job nan", "/job inf", "/cancel -1e400",
                                  "/train base=x data=y epochs=1e999", "/train base=x data=y lr=nan"])
def test_numbers_beyond_any_float_get_the_arguments_persian_error(text):
    from agents.graph import run_agent

    reply = run_agent(text)
    assert not reply.ok and "ورودی درست نیست" in reply.text, reply.text
    assert not LATIN_WORDS.search(reply.text), reply.text
    # The field is named in Persian first («شمارهٔ کار (`job_id`): …»), not by its code name alone.
    assert re.search(r"^- [«\u0600-\u06ff]", reply.text, re.M) and "- `" not in reply.text, reply.text


def test_every_tool_argument_has_a_persian_name():
    from prompts import has
    from tools import list_tools

    missing = {(spec.name, field) for spec in list_tools() for field in spec.args_model.model_fields
               if not has(f"fields.{field}")}
    assert not missing, missing


@pytest.mark.parametrize("text", [f"/info {TOKEN}!", f"/download {TOKEN}--x", f"/search {TOKEN} bert",
                                  f"اطلاعات مدل {TOKEN}/x رو بده", f"/job {TOKEN}", f"/train base={TOKEN} data=x"])
def test_a_token_typed_into_any_argument_comes_back_in_no_reply_and_no_checkpoint(text, data_dir):
    from agents.graph import run_agent

    reply = run_agent(text, "hostile-thread")
    assert TOKEN not in reply.text and TOKEN not in repr(reply.data), reply.text
    # The agent's memory (LangGraph checkpoints on the project's SQLite database) holds no copy either.
    db = sqlite3.connect(data_dir / "dastyar.db")
    try:
        rows = [row for table in ("checkpoints", "writes") for row in db.execute(f"SELECT * FROM {table}")]  # noqa: S608
        assert rows  # the turn was remembered
        for row in rows:
            for cell in row:
                raw = cell if isinstance(cell, bytes) else str(cell).encode()
                assert TOKEN.encode() not in raw, text
    finally:
        db.close()


def test_a_token_too_long_is_told_so_not_that_it_lacks_its_prefix():
    from agents.graph import run_agent

    reply = run_agent("/token hf_" + "a" * 250)
    assert not reply.ok and "بلند" in reply.text and "با `hf_` شروع" not in reply.text


def test_the_token_file_is_private_even_when_it_existed_before(data_dir):
    import os
    import stat

    from assistant.services.hub import client

    path = client.token_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("hf_old")
    os.chmod(path, 0o644)
    client.save_token(TOKEN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == TOKEN
    assert [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("template", ["/transcribe {path}", "/train base=HooshvareLab/bert-fa-base-uncased data={path}",
                                      "/train base={path} data=x.csv", "/try {path} سلام"])
def test_paths_outside_the_allowed_folders_read_as_missing(template, monkeypatch, tmp_path):
    """A forbidden path and a missing one get the same answer (no probing the server's disk)."""
    from agents.graph import run_agent
    from assistant.config import reset_settings

    allowed = tmp_path / "allowed"
    allowed.mkdir()
    monkeypatch.setenv("DASTYAR_FILE_ROOTS", str(allowed))
    reset_settings()
    (tmp_path / "secret.csv").write_text("text,label\nسلام,1\n")  # exists, but outside the allowed folders
    answers = {}
    for name, path in {"exists": "/etc/passwd", "missing": "/etc/no-such-file-x", "folder": "/etc",
                       "outside": str(tmp_path / "secret.csv"), "gone": str(tmp_path / "gone.csv")}.items():
        reply = run_agent(template.format(path=path))
        assert not reply.ok and not LATIN_WORDS.search(reply.text), reply.text
        answers[name] = reply.text.replace(path, "<p>").replace(path[:120], "<p>")
    assert answers["exists"] == answers["missing"] == answers["folder"], answers
    assert answers["outside"] == answers["gone"], answers
    assert "root:" not in " ".join(answers.values())


def test_a_data_folder_is_walked_within_bounds(tmp_path, monkeypatch):
    from assistant.services import files

    deep = tmp_path.joinpath(*[f"d{i}" for i in range(files.MAX_WALK_DEPTH + 2)])
    deep.mkdir(parents=True)
    (deep / "far.csv").write_text("x")
    (tmp_path / "near.csv").write_text("x")
    (tmp_path / "loop").symlink_to(tmp_path)  # a link back to the top is not followed
    found = [p.name for p in files.walk_files(tmp_path)]
    assert found == ["near.csv"]
    monkeypatch.setattr(files, "MAX_WALK_ENTRIES", 3)
    for i in range(10):
        (tmp_path / f"f{i}.csv").write_text("x")
    assert len(list(files.walk_files(tmp_path))) <= 3


HOSTILE_VALUES = ["x" * 5000, "-1", "1e999", "nan", "\u202eabc\u202c", "\ue000\x00\x07", "../../etc/passwd", "",
                  -(10**30), 10**30, float("inf"), [], {}, True]


def test_every_tool_answers_any_argument_in_persian():
    """Each argument of each tool, given values no person means: a Persian answer, never English validation text
    or a traceback (speech and training only get as far as their checks)."""
    from tools import call_tool, list_tools

    for spec in list_tools():
        for arg in spec.args_model.model_fields:
            for value in HOSTILE_VALUES:
                if spec.name == "speak" and arg == "text" and isinstance(value, str) and len(value) < 100:
                    continue  # short text is spoken: a real synthesis per value adds nothing here
                result = call_tool(spec.name, {arg: value})
                assert re.search(r"[\u0600-\u06ff]", result.text), (spec.name, arg, value, result.text[:200])
                assert not LATIN_WORDS.search(result.text), (spec.name, arg, value, result.text[:300])


def test_length_limits_are_said_with_the_limit():
    from agents.graph import run_agent

    reply = run_agent("/search " + "ab " * 150)
    assert not reply.ok and "۲۰۰" in reply.text and "نویسه" in reply.text


@pytest.mark.parametrize("text", ["مدل\u202e فارسی\u202c پیدا کن", "\ue000\ue001 سلام \U000f0000", "\x00\x07\x1b[31m کارها",
                                  "\u200f\u200e\u2066/help\u2069", "ـــــــ", "\ufeff/status", "ﷺ ﷽", "🧪" * 3000])
def test_any_character_gets_a_persian_answer(text):
    from agents.graph import run_agent

    reply = run_agent(text)
    assert re.search(r"[\u0600-\u06ff]", reply.text) and not LATIN_WORDS.search(reply.text), reply.text[:300]
    assert reply.text != __import__("prompts").t("errors.internal")


def test_a_message_longer_than_anyone_types_is_read_up_to_a_limit_and_says_so():
    from agents.graph import MAX_MESSAGE_CHARS, run_agent

    reply = run_agent("مدل فارسی برای تحلیل احساسات پیدا کن " * 20_000)  # ~760,000 characters
    assert "فقط ابتدای آن خوانده شد" in reply.text and reply.tool == "search_models"
    assert run_agent("سلام " * (MAX_MESSAGE_CHARS // 10)).text.count("فقط ابتدای") == 0


@pytest.mark.parametrize("text,tool", [("\u200f\u200e\u2066/jobs\u2069", "list_jobs"), ("/status\x00", "system_status"),
                                       ("/info \u2067HooshvareLab/bert\u2068-fa\u2069", "model_info"),
                                       ("کار\u202e ۷ رو لغو کن", "cancel_job")])
def test_invisible_direction_marks_and_control_characters_do_not_change_the_command(text, tool):
    from agents.router import route

    r = route(text)
    assert r.tool == tool, (text, r.tool, r.reply_key)
    assert not any(c in repr(r.args) for c in ("\\u2067", "\\u2068", "\\x00", "\\u202e"))
