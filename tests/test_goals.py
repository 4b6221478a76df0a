"""From a goal to an evaluated model: the plan card, the chain of linked jobs, its cancel and resume.

Real parts throughout: the local test hub serves the tiny Persian BERT (as HooshvareLab/bert-fa-base-uncased) and
the tiny sentiment dataset; the chain downloads them with the real client, trains in a child process, evaluates
beside the two baselines and writes the card.
"""

from __future__ import annotations

from pathlib import Path

from agents.graph import run_agent
from assistant.jobs import store
from assistant.jobs.runner import wait_for_job
from assistant.models import JobStatus
from tests.hub_fixtures import BERT_REPO, SENTIMENT_DATASET
from tests.training_fixtures import drain_runner, sentiment_rows, write_csv

FIXTURES = (drain_runner,)
GOAL = "یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام"


def _labels(reply) -> list[str]:
    return [c["label"] for c in reply.choices]


def test_a_goal_gets_a_plan_card_and_one_yes_runs_the_whole_chain(online_hub):
    from assistant.services.notifications import list_notifications

    session = "goal-chain"
    plan = run_agent(GOAL, session)
    assert plan.tool == "plan_goal" and plan.ok, plan.text
    assert _labels(plan)[0] == "شروع" and "دادهٔ خودم" in _labels(plan), plan.choices
    card = plan.data["plan"]
    assert card["goal"]["task"] == "text-classification" and card["goal"]["topic"] == "sentiment"
    # Only the catalog's models the Hub really has are offered; the sentiment data is the catalog's.
    assert [c["repo_id"] for c in card["candidates"]] == [BERT_REPO], card["candidates"]
    assert card["data"]["ref"] == SENTIMENT_DATASET and card["ready"]
    assert card["download_bytes"] > 0 and card["candidates"][0]["est_seconds"] > 0
    assert BERT_REPO in plan.text and SENTIMENT_DATASET in plan.text and "آموزش ≈" in plan.text

    started = run_agent("شروع", session)  # typed, like the button
    assert started.ok and started.job_id, started.text
    chain = wait_for_job(started.job_id, timeout=600)
    assert chain.status == JobStatus.succeeded, (chain.error, chain.message)
    steps = chain.result["steps"]
    assert [s["name"] for s in steps] == ["download_model", "download_data", "check", "train", "evaluate", "card"]
    assert all(s["state"] == "done" for s in steps), steps
    children = store.steps_of(chain.id)
    assert [c.kind for c in children] == ["download", "download", "training", "evaluation"]
    assert all(c.status == JobStatus.succeeded and c.owner == chain.owner for c in children)
    # /jobs shows the chain as one line; only the chain's end is a notification.
    listed = run_agent("/jobs", session)
    assert [j["id"] for j in listed.data["jobs"]] == [chain.id], listed.data["jobs"]
    notes = list_notifications(limit=50)
    assert [n.job_id for n in notes] == [chain.id], [(n.job_id, n.title) for n in notes]

    found = chain.result["found"]
    model_dir = Path(found["model_dir"])
    readme = (model_dir / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- dastyar:goal -->") == 1 and GOAL in readme and "TF-IDF" in readme
    assert readme.count("<!-- dastyar:evaluation -->") == 1
    assert set(found["evaluation"]["baselines"]) == {"majority", "tfidf_logreg"}

    tried = run_agent("امتحانش کن: غذا عالی و داغ بود", session)  # the chain stands for the model it trained
    assert tried.tool == "try_model" and tried.ok, tried.text
    assert tried.data["prediction"]["label"] in ("negative", "positive", "منفی", "مثبت"), tried.data


def test_own_file_with_the_goal_plans_on_its_columns_and_trains_on_a_copy(online_hub, tmp_path, data_dir):
    uploads = data_dir / ".files" / "s1"
    rows = [{"comment": r["text"], "label": r["label"]} for r in sentiment_rows(60)]
    upload = write_csv(uploads / "reviews.csv", rows)
    attachment = {"name": "reviews.csv", "path": str(upload), "mime": "text/csv"}
    session = "goal-file"
    plan = run_agent("/goal می‌خوام بفهمم مشتری‌ها از غذا راضی‌ان یا نه", session, [attachment])
    assert plan.tool == "plan_goal" and plan.ok, plan.text
    data = plan.data["plan"]["data"]
    assert data["kind"] == "file" and data["text_column"] == "comment" and data["label_column"] == "label"
    assert data["rows"] == 60 and "دادهٔ خودم" not in _labels(plan)
    assert "reviews.csv" in plan.text and "comment" in plan.text

    started = run_agent("بزن بریم", session)
    assert started.job_id, started.text
    upload.unlink()  # the chat's upload may go with its session: the chain works on its own copy
    chain = wait_for_job(started.job_id, timeout=600)
    assert chain.status == JobStatus.succeeded, (chain.error, chain.message)
    assert [s["name"] for s in chain.result["steps"]] == ["download_model", "check", "train", "evaluate", "card"]
    assert chain.params["dataset_kind"] == "file" and Path(chain.params["dataset"]).is_file()


def test_other_model_and_own_data_buttons(online_hub, data_dir):
    session = "goal-buttons"
    plan = run_agent("/goal یه چت‌بات فارسی می‌خوام که مثل ما جواب بده", session)
    assert plan.ok and plan.data["plan"]["goal"]["task"] == "text-generation", plan.text
    # No public data for a chatbot in the person's style: the plan asks for a file, and the file completes it.
    assert plan.data["plan"]["data"]["kind"] == "needed" and "شروع" not in _labels(plan)
    asked = run_agent("دادهٔ خودم", session)
    assert "فایل" in asked.text and asked.ok
    texts = write_csv(data_dir / ".files" / "s2" / "chats.csv", [{"text": r["text"]} for r in sentiment_rows(40)])
    replanned = run_agent("", session, [{"name": "chats.csv", "path": str(texts), "mime": "text/csv"}])
    assert replanned.tool == "plan_goal" and replanned.data["plan"]["ready"], replanned.text
    assert replanned.data["plan"]["data"]["kind"] == "file" and _labels(replanned)[0] == "شروع"


def test_cancel_and_resume_the_chain_as_a_whole(online_hub):
    online_hub.throttle_bytes_per_sec = 200_000  # the model's download takes a few seconds
    session = "goal-cancel"
    assert run_agent("/goal مدل تحلیل احساسات نظرات", session).ok
    chain_id = run_agent("شروع", session).job_id
    assert chain_id

    def first_step_running() -> bool:
        steps = store.steps_of(chain_id)
        return bool(steps) and steps[0].status == JobStatus.running

    from tests.waiting import wait_until

    wait_until(first_step_running, 60, 0.1, "the chain's first step runs")
    assert run_agent(f"/cancel {chain_id}", session).ok
    chain = wait_for_job(chain_id, timeout=60)
    assert chain.status == JobStatus.cancelled
    assert all(not s.status.is_active for s in store.steps_of(chain_id))
    online_hub.throttle_bytes_per_sec = None
    assert run_agent(f"/resume {chain_id}", session).ok
    chain = wait_for_job(chain_id, timeout=600)
    assert chain.status == JobStatus.succeeded, (chain.error, chain.message)
    # The cancelled download was resumed, not started again as a second job.
    assert [c.kind for c in store.steps_of(chain_id)] == ["download", "download", "training", "evaluation"]


# -- kill -9 of the server in the middle of the chain -----------------------------------------------------------------
def _serve_and_kill(params: dict, when, tmp_path: Path) -> int:
    from tests.server_kill import serve_and_kill

    return serve_and_kill({"kind": "goal", "params": params}, tmp_path, when=when)


def _step(chain_id: int, kind: str):
    return next((s for s in store.steps_of(chain_id) if s.kind == kind), None)


def _same_files(snapshot: Path, source: Path) -> None:
    import hashlib

    def digest(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    served = {p.relative_to(source).as_posix(): digest(p) for p in source.rglob("*")
              if p.is_file() and p.name != "dastyar-meta.json"}
    cached = {p.relative_to(snapshot).as_posix(): digest(p) for p in snapshot.rglob("*") if p.is_file()}
    assert cached == served


def test_kill_9_during_the_download_step_then_the_chain_goes_on(online_hub, hub_tree, tmp_path):
    from assistant.jobs.runner import get_runner
    from assistant.services.hub.local import resolve_snapshot

    online_hub.throttle_bytes_per_sec = 150_000
    params = {"task": "text-classification", "base_model": BERT_REPO, "dataset": SENTIMENT_DATASET,
              "dataset_kind": "hub", "epochs": 1}

    def mid_download(chain_id: int) -> bool:
        step = _step(chain_id, "download")
        return step is not None and (step.result.get("bytes_done") or 0) > 0

    chain_id = _serve_and_kill(params, mid_download, tmp_path)
    online_hub.throttle_bytes_per_sec = None
    get_runner()  # the restarted server: the chain and its step were interrupted, and both go on
    chain = wait_for_job(chain_id, timeout=600)
    assert chain.status == JobStatus.succeeded, (chain.error, chain.message)
    kinds = [s.kind for s in store.steps_of(chain_id)]
    assert kinds == ["download", "download", "training", "evaluation"], kinds  # the download resumed, not doubled
    _same_files(resolve_snapshot(BERT_REPO, "model"), hub_tree["models"][BERT_REPO])
    _same_files(resolve_snapshot(SENTIMENT_DATASET, "dataset"), hub_tree["datasets"][SENTIMENT_DATASET])
    from assistant.services.notifications import list_notifications

    assert [n.job_id for n in list_notifications(limit=50) if n.level == "success"] == [chain_id]


def test_kill_9_during_training_then_the_chain_resumes_from_the_checkpoint(online_hub, tmp_path, data_dir):
    from assistant.jobs.runner import get_runner
    from assistant.services.training.run import valid_checkpoints

    data = write_csv(data_dir / "goals" / "drill" / "big.csv", sentiment_rows(334, seed=3))
    params = {"task": "text-classification", "base_model": BERT_REPO, "dataset": str(data), "dataset_kind": "file",
              "epochs": 1, "batch_size": 1, "learning_rate": 1e-3, "save_steps": 10}

    def checkpointed(chain_id: int) -> bool:
        step = _step(chain_id, "training")
        return step is not None and step.result.get("checkpoint_step", 0) >= 10

    chain_id = _serve_and_kill(params, checkpointed, tmp_path)
    training = _step(chain_id, "training")
    worker = training.worker_pid
    import psutil

    from tests.waiting import wait_until

    wait_until(lambda: not psutil.pid_exists(worker) or psutil.Process(worker).status() == psutil.STATUS_ZOMBIE, 15,
               0.1, "the orphaned worker stops")
    get_runner()
    chain = wait_for_job(chain_id, timeout=600)
    assert chain.status == JobStatus.succeeded, (chain.error, chain.message)
    training = _step(chain_id, "training")
    assert training.result["resumed_from_step"] >= 10 and training.result["step"] == 300
    out = Path(training.result["model_dir"])
    assert (out / "config.json").is_file() and (out / "model.safetensors").is_file()
    assert valid_checkpoints(out / "checkpoints")
    assert [s.kind for s in store.steps_of(chain_id)] == ["download", "training", "evaluation"]


# -- /push: to a hub of this module's own (the shared one stays as the other tests expect it) -------------------------
import pytest  # noqa: E402


@pytest.fixture(scope="module")
def _upload_hub(tmp_path_factory):
    from tests.hub_fixtures import build_test_hub
    from tests.hubserver import HubServer

    root = tmp_path_factory.mktemp("push-hub")
    build_test_hub(root, big_file_mb=1)
    with HubServer(root) as server:
        yield server


@pytest.fixture
def upload_hub(_upload_hub, monkeypatch, data_dir):
    import os

    from huggingface_hub import constants

    from assistant.config import reset_settings

    hf_home = Path(os.environ["HF_HOME"])
    monkeypatch.setenv("HF_ENDPOINT", _upload_hub.url)
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    # constants.ENDPOINT stays: hf_hub_url swaps an explicit endpoint in only for URLs that start with it.
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hf_home / "hub"))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    reset_settings()
    return _upload_hub


def test_push_asks_first_uploads_privately_and_a_second_push_sends_nothing(upload_hub, monkeypatch, tmp_path):
    from huggingface_hub import HfApi, snapshot_download

    from assistant.config import reset_settings
    from assistant.services.hub.upload import shared_files

    session = "push"
    assert run_agent("/goal مدل تحلیل احساسات نظرات", session).ok
    chain = wait_for_job(run_agent("شروع", session).job_id, timeout=600)
    assert chain.status == JobStatus.succeeded, chain.error
    model_dir = Path(chain.result["found"]["model_dir"])

    refused = run_agent(f"/push {chain.id} my-sentiment", session)  # no token yet
    assert not refused.ok and "/token" in refused.text

    monkeypatch.setenv("HF_TOKEN", upload_hub.valid_token)
    reset_settings()
    asked = run_agent("مدلمو با اسم my-sentiment بفرست رو هاگینگ‌فیس", session)  # the model this chat trained
    assert asked.tool == "push_model" and asked.confirm, asked.text
    assert "tester/my-sentiment" in asked.text and "خصوصی" in asked.text
    assert upload_hub.valid_token not in asked.text
    pushed = run_agent("بله", session)
    assert pushed.job_id, pushed.text
    job = wait_for_job(pushed.job_id, timeout=120)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    assert job.result["url"].endswith("/tester/my-sentiment") and job.result["private"] is True
    assert job.result["sent_files"] == job.result["files"] > 3

    from huggingface_hub.errors import RepositoryNotFoundError

    with pytest.raises(RepositoryNotFoundError):  # private: not for anonymous eyes
        HfApi(endpoint=upload_hub.url, token=False).model_info("tester/my-sentiment")
    pulled = Path(snapshot_download("tester/my-sentiment", endpoint=upload_hub.url, token=upload_hub.valid_token,
                                    cache_dir=tmp_path / "pulled"))
    local = {p.relative_to(model_dir).as_posix(): p.read_bytes() for p in shared_files(model_dir)}
    remote = {p.relative_to(pulled).as_posix(): p.read_bytes() for p in pulled.rglob("*") if p.is_file()}
    assert remote == local and {"README.md", "model.safetensors", "config.json"} <= set(remote)
    assert not any(name.startswith(("data/", "checkpoints/")) or name == "metrics.jsonl" for name in remote)

    again = run_agent(f"/push {chain.id} my-sentiment confirm=yes", session)
    assert again.ok
    if again.confirm:
        again = run_agent("بله", session)
    second = wait_for_job(again.job_id, timeout=120)
    assert second.status == JobStatus.succeeded and second.result["sent_files"] == 0  # what is there is not sent again


def test_a_goal_without_a_task_is_asked_one_question_with_buttons(online_hub):
    session = "goal-ask"
    asked = run_agent("/goal یه مدل می‌خوام", session)
    assert asked.ok and len(asked.choices) == 4 and "چه کاری" in asked.text, asked.text
    picked = run_agent("اولی", session)  # like the first button
    assert picked.tool == "plan_goal" and picked.data["plan"]["goal"]["topic"] == "sentiment", picked.text
    assert picked.data["plan"]["data"]["ref"] == SENTIMENT_DATASET and _labels(picked)[0] == "شروع"
    speech = run_agent("/goal یه مدل می‌خوام", session)
    ready = run_agent("چهارمی", session)  # speech: a task Dastyar does not fine-tune gets ready models
    assert speech.choices and ready.ok and "مدل‌های آمادهٔ" in ready.text, ready.text



def test_no_base_model_on_a_hub_without_them_says_so_without_asking_for_another_file(tmp_path, monkeypatch):
    """A reachable hub that has none of the candidates, nothing on disk: the plan cannot pick a model. The reply says
    so and how to name one; it does not ask for "another file" the person never sent."""
    from huggingface_hub import constants

    from assistant.config import reset_settings
    from tests.hubserver import HubServer

    (tmp_path / "hub" / "models").mkdir(parents=True)
    with HubServer(tmp_path / "hub") as empty:
        monkeypatch.setenv("HF_ENDPOINT", empty.url)
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "ENDPOINT", empty.url)
        reset_settings()
        reply = run_agent(GOAL, "goal-no-model")
    assert reply.tool == "plan_goal", reply.text
    assert "مدل پایه‌ای" in reply.text and "فایل دیگری" not in reply.text, reply.text
