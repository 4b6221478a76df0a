"""Ownership: a person sees, cancels, resumes and is notified of their own jobs only; admins see everyone's;
the Hub token and the mirror are an admin's. Driven through the agent, as the chat drives it."""

from __future__ import annotations

import tests.job_fixtures  # noqa: F401  (test_count)
from agents.graph import run_agent
from assistant.identity import Identity, acting_as
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications

ALI, SARA, ADMIN = Identity("ali"), Identity("sara"), Identity("boss", "admin")


def _anon(text: str, job_id: int) -> str:
    from assistant.persian import fa_digits

    return text.replace(fa_digits(str(job_id)), "N").replace(str(job_id), "N")


def _as(who: Identity, text: str, thread: str | None = None):
    with acting_as(who):
        return run_agent(text, thread or f"thread-{who.name}")


def test_a_person_sees_and_touches_only_their_own_jobs():
    with acting_as(ALI):
        done = get_runner().submit("test_count", {"steps": 1, "delay": 0})
        slow = get_runner().submit("test_count", {"steps": 400, "delay": 0.05})
    assert store.get_job(done.id).owner == "ali"
    assert wait_for_job(done.id, timeout=30).status == JobStatus.succeeded

    assert _as(SARA, "/jobs").data["jobs"] == []  # sara's list has none of ali's jobs
    assert {j["id"] for j in _as(ALI, "/jobs").data["jobs"]} == {done.id, slow.id}
    missing = _as(SARA, "/job 999").text
    for command in ("/job", "/cancel", "/resume"):
        answer = _as(SARA, f"{command} {slow.id}")
        assert not answer.ok and _anon(answer.text, slow.id) == _anon(_as(SARA, f"{command} 999").text, 999), command
    assert "۹۹۹" in missing
    assert store.get_job(slow.id).status.is_active and not store.get_job(slow.id).cancel_requested

    assert _as(ALI, f"/job {slow.id}").ok
    assert _as(ADMIN, f"/job {slow.id}").ok  # an admin sees everyone's
    assert _as(ALI, f"/cancel {slow.id}").ok
    assert wait_for_job(slow.id, timeout=30).status == JobStatus.cancelled


def test_notifications_reach_only_their_owner():
    with acting_as(ALI):
        job = get_runner().submit("test_count", {"steps": 1, "delay": 0})
    wait_for_job(job.id, timeout=30)
    note = notifications.list_notifications()[0]
    assert note.job_id == job.id and note.owner == "ali"
    assert notifications.list_notifications(owner="sara") == []
    assert "یادداشت" not in _as(SARA, "/notifications").text
    assert _as(SARA, "اعلان‌ها رو خوندم").ok
    assert notifications.unread_count(owner="ali") == 1  # sara's "read" did not touch ali's
    ali_view = _as(ALI, "/notifications")
    assert ali_view.data["notifications"] and ali_view.data["notifications"][0]["job_id"] == job.id


def test_rows_from_before_owners_are_for_admins():
    legacy = store.create_job("test_count", {"steps": 1}, owner=None)
    assert not _as(SARA, f"/job {legacy.id}").ok
    assert _as(ADMIN, f"/job {legacy.id}").ok


def test_the_hub_token_and_the_mirror_are_an_admins():
    from assistant.services.hub import client

    refused = _as(SARA, "/token hf_abcdefghijklmnop")
    assert not refused.ok and "مدیر" in refused.text and client.current_token() is None
    assert not _as(SARA, "/mirror https://hf-mirror.com").ok
    assert client.current_endpoint() == client.home_endpoint()
    assert _as(SARA, "/mirror").ok  # seeing the setting is fine
    assert _as(ADMIN, "/mirror https://hf-mirror.com").ok
