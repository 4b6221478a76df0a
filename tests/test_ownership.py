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


def test_files_and_fine_tuned_models_are_their_owners(data_dir, tmp_path):
    """Typed paths: a person's own uploads and own fine-tuned models; never another's, never the server's keys."""
    import os
    from pathlib import Path

    from assistant.services.files import confined
    from assistant.services.hub.local import outputs_dir, resolve_local_model
    from assistant.services.training.job import KIND as TRAINING

    with acting_as(ALI):
        job = store.create_job(TRAINING, {})
    assert store.claim_job(job.id)
    store.finish_job(job.id, JobStatus.succeeded, result={})
    model = outputs_dir() / f"job-{job.id}"
    model.mkdir(parents=True)
    (model / "config.json").write_text('{"model_type": "bert", "architectures": ["BertForSequenceClassification"]}')
    ali_files, sara_files = data_dir / ".files" / "1" / "ali-session", data_dir / ".files" / "1" / "sara-session"
    for folder in (ali_files, sara_files):
        folder.mkdir(parents=True)
        (folder / "reviews.csv").write_text("text,label\nخوب بود,1\nبد بود,0\n", encoding="utf-8")
    ali = Identity("ali", uploads=ali_files)
    sara = Identity("sara", uploads=sara_files)
    hf_home = Path(os.environ["HF_HOME"])
    hf_home.mkdir(parents=True, exist_ok=True)
    (hf_home / "token").write_text("hf_" + "x" * 34)
    secrets = [data_dir / "dastyar.db", data_dir / ".chainlit-auth-secret", hf_home / "token"]
    for path in secrets:
        path.touch()

    with acting_as(ali):
        assert resolve_local_model(str(job.id)) == model.resolve() and confined(model) == model.resolve()
        assert confined(ali_files / "reviews.csv") and confined(sara_files / "reviews.csv") is None
    with acting_as(sara):
        assert resolve_local_model(str(job.id)) is None and resolve_local_model(f"job-{job.id}") is None
        assert confined(model) is None and confined(model / "config.json") is None
        assert resolve_local_model(f"../models/job-{job.id}") is None
        assert confined(ali_files / "reviews.csv") is None and confined(sara_files / "reviews.csv")
        # Through the agent, another's model and another's upload read exactly like missing ones.
        tried = run_agent(f"/try {job.id} سلام", "thread-sara-files")
        assert not tried.ok and _anon(tried.text, job.id) == _anon(run_agent("/try 999 سلام", "t2").text, 999)
        data = run_agent(f"/train base={model} data={ali_files / 'reviews.csv'}", "thread-sara-train")
        assert not data.ok and "reviews" not in data.text.replace("reviews.csv", "") and "خوب" not in data.text
    with acting_as(ADMIN):
        assert confined(model) and confined(ali_files / "reviews.csv") and confined(sara_files / "reviews.csv")
    for who in (ali, sara, ADMIN):
        with acting_as(who):
            assert all(confined(p) is None for p in secrets), who  # nobody names the database, keys or token
            assert confined(data_dir) is None or who.is_admin
