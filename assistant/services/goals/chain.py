"""The `goal` job: one chain of linked jobs from a plan to an evaluated model.

Steps: download the model → download the data (a Hub dataset) → check → train → evaluate → card. Downloads,
training and evaluation are jobs of their own (their kinds, their progress, their resume), linked to the chain by
`parent_id`; the check and the card are quick and run here. The chain's row keeps which job each step is, so a
chain resumed after a crash (or after a failed step was fixed) picks up the step it was on: a finished step is not
run again, an interrupted one is resumed from where it stopped.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from assistant.config import get_settings
from assistant.jobs import JobCancelled, JobContext, JobError, job_handler, store
from assistant.models import Job, JobStatus
from prompts import t

log = logging.getLogger(__name__)

KIND = "goal"
POLL_SECONDS = 0.5


class GoalParams(BaseModel):
    task: Literal["text-classification", "text-generation"]
    base_model: str = Field(min_length=3, max_length=200)
    dataset: str = Field(min_length=1, max_length=4096)
    dataset_kind: Literal["hub", "file"]
    text_column: str | None = Field(default=None, max_length=200)
    label_column: str | None = Field(default=None, max_length=200)
    epochs: float = Field(default=3.0, gt=0, le=100)
    batch_size: int = Field(default=16, ge=1, le=1024)
    learning_rate: float | None = Field(default=None, gt=0, lt=1)
    save_steps: int | None = Field(default=None, ge=1, le=1_000_000)
    goal: str = Field(default="", max_length=1000)

    @field_validator("base_model")
    @classmethod
    def _repo(cls, value: str) -> str:
        from assistant.services.hub.client import validate_repo_id

        return validate_repo_id(value)

    @model_validator(mode="after")
    def _dataset(self) -> GoalParams:
        if self.dataset_kind == "hub":
            from assistant.services.hub.client import validate_repo_id

            self.dataset = validate_repo_id(self.dataset)
        return self


def step_names(params: dict[str, Any]) -> list[str]:
    names = ["download_model"]
    if params["dataset_kind"] == "hub":
        names.append("download_data")
    return [*names, "check", "train", "evaluate", "card"]


@job_handler(KIND, mode="thread", auto_resume=True, params=GoalParams, coordinator=True)
def goal_job(ctx: JobContext) -> dict[str, Any]:
    return Chain(ctx).run()


class Chain:
    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.p = ctx.params
        row = store.get_job(ctx.job_id)
        assert row is not None
        self.row = row
        names = step_names(self.p)
        before = {s["name"]: s for s in (row.result.get("steps") or []) if isinstance(s, dict)}
        self.steps: list[dict[str, Any]] = [{"name": n, "state": "waiting", **before.get(n, {})} for n in names]
        self.found: dict[str, Any] = dict(row.result.get("found") or {})

    # -- bookkeeping -------------------------------------------------------------------------------------------------
    def _save(self, index: int, fraction: float = 0.0, detail: str = "", *, force: bool = True) -> None:
        total = len(self.steps)
        step = self.steps[index]
        line = t("goals.step_line", n=index + 1, total=total, step=t(f"goals.step.{step['name']}"))
        message = f"{line} — {detail}" if detail else line
        self.ctx.progress((index + max(0.0, min(1.0, fraction))) / total, message, force=force,
                          steps=self.steps, current=index, found=self.found)

    def _mark(self, index: int, state: str, **more: Any) -> None:
        self.steps[index].update(state=state, **more)
        self._save(index, 1.0 if state == "done" else 0.0)

    # -- the run -----------------------------------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        for index, step in enumerate(self.steps):
            if step.get("state") == "done":
                continue
            self.ctx.check_cancel()
            self.steps[index]["state"] = "running"
            self._save(index)
            getattr(self, f"_{step['name']}")(index)
            self._mark(index, "done")
        # What the chat shows at the end: the evaluation report with its picture, and how to try the model.
        reply = "\n\n".join(x for x in (self.found.get("eval_reply"), t("goals.try_offer", id=self.ctx.job_id)) if x)
        return {"steps": self.steps, "found": self.found, "current": len(self.steps), "reply": reply,
                "media": self.found.get("eval_media") or [],
                "message": t("goals.done", job=self.found.get("train_job", "?"))}

    def _download_model(self, index: int) -> None:
        from assistant.services.hub.download import KIND as DOWNLOAD

        self._child(index, DOWNLOAD, {"repo_id": self.p["base_model"], "repo_type": "model"}, self.p["base_model"])

    def _download_data(self, index: int) -> None:
        from assistant.services.hub.download import KIND as DOWNLOAD

        self._child(index, DOWNLOAD, {"repo_id": self.p["dataset"], "repo_type": "dataset"}, self.p["dataset"])

    def _check(self, index: int) -> None:
        from assistant.services.training.errors import TrainingProblem
        from assistant.services.training.plan import TrainingRequest, check

        request = TrainingRequest(
            base_model=self.p["base_model"], dataset=self.p["dataset"], task=self.p["task"], epochs=self.p["epochs"],
            learning_rate=self.p.get("learning_rate"), batch_size=self.p["batch_size"],
            text_column=self.p.get("text_column"), label_column=self.p.get("label_column"),
            save_steps=self.p.get("save_steps"),
        )
        try:
            plan = check(request, cache_dir=get_settings().data_dir / "cache" / "datasets")
        except TrainingProblem as exc:
            raise JobError(t("goals.check_failed", problem=exc.message), detail=exc.key) from None
        self.found["train_params"] = plan.job_params()
        self.found["est_seconds"] = round(plan.est_seconds)
        self.found["labels"] = plan.data.labels[:50]

    def _train(self, index: int) -> None:
        from assistant.services.training.job import KIND as TRAINING

        params = self.found.get("train_params")
        if not params:  # a chain from before the check kept its figures: check again
            self._check(index)
            params = self.found["train_params"]
        title = t("training.title", model=self.p["base_model"].split("/")[-1][:60],
                  dataset=str(params.get("dataset_display") or self.p["dataset"]).split("/")[-1][:60])
        child = self._child(index, TRAINING, params, title)
        self.found["train_job"] = child.id
        self.found["model_dir"] = str(child.result.get("model_dir") or "")

    def _evaluate(self, index: int) -> None:
        from assistant.services.hub.local import outputs_dir
        from assistant.services.training.job import EVAL_KIND

        train_id = self.found.get("train_job")
        folder = outputs_dir() / f"job-{train_id}"
        params: dict[str, Any] = {"model_path": str(folder), "model_display": f"job-{train_id}",
                                  "task": self.p["task"], "own_folder": True}
        if self.p["task"] == "text-generation":
            from assistant.services.hub.local import resolve_snapshot

            base = resolve_snapshot(self.p["base_model"], "model")
            if base is not None:
                params.update(base_path=str(base), base_display=self.p["base_model"])
        child = self._child(index, EVAL_KIND, params, t("training.eval_title", model=f"job-{train_id}"))
        self.found["eval_job"] = child.id
        self.found["evaluation"] = child.result.get("evaluation") or {"perplexity": child.result.get("perplexity")}
        self.found["eval_reply"] = child.result.get("reply") or ""
        self.found["eval_media"] = child.result.get("media") or []

    def _card(self, index: int) -> None:
        from assistant.services.goals.card import add_goal_section
        from assistant.services.hub.local import outputs_dir

        folder = outputs_dir() / f"job-{self.found.get('train_job')}"
        card = folder / "README.md"
        if not card.is_file():
            raise JobError(t("goals.card_missing"))
        add_goal_section(card, self.p, self.found)
        self.found["card"] = str(card)

    # -- a step that is a job of its own -----------------------------------------------------------------------------
    def _child(self, index: int, kind: str, params: dict[str, Any], title: str) -> Job:
        from assistant.jobs.runner import get_runner

        runner = get_runner()
        step = self.steps[index]
        child = store.get_job(step["job_id"]) if step.get("job_id") else None
        if child is None:
            child = runner.submit(kind, params, title=title, parent_id=self.ctx.job_id, owner=self.row.owner,
                                  session_id=self.row.session_id)
            step["job_id"] = child.id
            self._save(index)
        elif child.status in (JobStatus.interrupted, JobStatus.failed, JobStatus.cancelled):
            # Resumed as a whole: the step goes on from where it stopped (a download from its bytes, a training
            # from its last checkpoint).
            runner.resume(child.id)
        assert child.id is not None
        return self._wait(index, child.id)

    def _wait(self, index: int, child_id: int) -> Job:
        from assistant.jobs.runner import get_runner

        shown = None
        while True:
            child = store.get_job(child_id)
            if child is None:
                raise JobError(t("goals.step_lost", step=t(f"goals.step.{self.steps[index]['name']}")))
            if self.ctx.cancelled():
                get_runner().cancel(child_id)
                self._settle(child_id)
                raise JobCancelled()
            if child.status == JobStatus.succeeded:
                return child
            if child.status in (JobStatus.failed, JobStatus.cancelled, JobStatus.interrupted):
                self.steps[index]["state"] = child.status.value
                self._save(index)
                step = t(f"goals.step.{self.steps[index]['name']}")
                reason = child.error or child.message or ""
                raise JobError(t(f"goals.step_{child.status.value}", step=step, id=child.id, reason=reason,
                                 chain=self.ctx.job_id))
            state = (child.status.value, round(child.progress, 3), child.message)
            if state != shown:
                shown = state
                self._save(index, child.progress, child.message, force=False)
            time.sleep(POLL_SECONDS)

    def _settle(self, child_id: int, timeout: float = 60.0) -> None:
        """After a stop request, let the step reach its end (its own worker stops at its next check)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            child = store.get_job(child_id)
            if child is None or not child.status.is_active:
                return
            time.sleep(POLL_SECONDS)
