"""Tools through the agent: Persian replies, bad input answered clearly, nothing changed by a refusal."""

from __future__ import annotations

import tests.job_fixtures  # noqa: F401
from agents.graph import run_agent
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications
from tools import call_tool, list_tools


def test_help_lists_commands():
    reply = run_agent("راهنما")
    assert reply.tool == "help" and reply.ok
    for command in ("/status", "/jobs", "/job", "/cancel", "/notifications"):
        assert command in reply.text


def test_system_status_shows_figures():
    reply = run_agent("/status")
    assert reply.ok
    for word in ("پردازنده", "حافظه", "دیسک", "کارت گرافیک", "کارها"):
        assert word in reply.text
    assert reply.data["ram_total"] > 0 and reply.data["disk_total"] > 0
    assert set(reply.data["jobs"]) == {s.value for s in JobStatus}


def test_jobs_list_status_and_cancel_through_the_agent():
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 500, "delay": 0.02}, title="نمونه")
    listing = run_agent("کارها رو نشون بده")
    assert f"#{job.id}".translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")) in listing.text
    assert listing.data["jobs"][0]["id"] == job.id
    status = run_agent(f"وضعیت کار {job.id}")
    assert status.ok and status.job_id == job.id
    cancel = run_agent(f"کار {job.id} رو لغو کن")
    assert cancel.ok and cancel.tool == "cancel_job"
    assert wait_for_job(job.id, timeout=10).status == JobStatus.cancelled
    # Cancelling a finished job: a clear answer, nothing changed.
    again = run_agent(f"/cancel {job.id}")
    assert not again.ok and "تمام شده" in again.text
    assert store.get_job(job.id).status == JobStatus.cancelled


def test_bad_job_ids():
    for text in ("/job abc", "/cancel -3", "/job ۰", "/job 99999999999999"):
        reply = run_agent(text)
        assert not reply.ok and "شمارهٔ کار" in reply.text, text
    missing = run_agent("/job 4242")
    assert not missing.ok and "پیدا نشد" in missing.text
    assert "۴۲۴۲" in missing.text
    assert "شمارهٔ کار" in run_agent("/cancel").text


def test_unknown_command_and_empty_message():
    assert "نمی‌شناسم" in run_agent("/frobnicate").text
    assert "خالی" in run_agent("").text


def test_unmatched_message_explains_what_it_can_do():
    reply = run_agent("پایتخت فرانسه کجاست؟")
    assert reply.tool is None and "راهنما" in reply.text


def test_notifications_tools():
    assert "هیچ اعلانی" in run_agent("اعلان‌ها").text
    notifications.notify("آزمایش", "متن اعلان", level="info")
    reply = run_agent("اعلان‌های خوانده‌نشده")
    assert reply.ok and "آزمایش" in reply.text and reply.data["unread"] == 1
    marked = run_agent("اعلان‌ها رو خوندم")
    assert marked.data["marked"] == 1
    assert notifications.unread_count() == 0
    assert "خوانده‌نشده‌ای ندارید" in run_agent("اعلان‌های خوانده‌نشده").text


def test_resume_rules():
    runner = get_runner()
    job = runner.submit("test_count", {"steps": 1, "delay": 0})
    wait_for_job(job.id)
    assert "پیش‌تر با موفقیت" in run_agent(f"/resume {job.id}").text


def test_tool_failure_is_a_persian_message(monkeypatch):
    import tools.system

    def boom():
        raise RuntimeError("internal secret")

    monkeypatch.setattr(tools.system, "read_status", boom)
    result = call_tool("system_status", {})
    assert not result.ok and "secret" not in result.text and "خطا" in result.text


def test_every_tool_has_a_schema():
    for spec in list_tools():
        schema = spec.json_schema()
        assert schema["name"] == spec.name and schema["description"]
