"""The `training` job kind: runs in a child process (heavy imports happen there, never in the chat)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assistant.jobs import JobContext, job_handler


class TrainingParams(BaseModel):
    """What the check resolved (plan.job_params): the child process trusts these types."""

    model_config = ConfigDict(extra="allow")  # further figures of the plan ride along

    base_model: str = Field(min_length=1)
    dataset: str = Field(min_length=1)
    task: str = Field(min_length=1)
    epochs: int | float = Field(gt=0, le=1000)
    learning_rate: float = Field(gt=0, lt=1)
    batch_size: int = Field(ge=1, le=4096)
    max_length: int = Field(ge=8, le=1_000_000)
    model_path: str = Field(min_length=1)
    dataset_path: str = Field(min_length=1)
    dataset_kind: str = Field(min_length=1)
    total_steps: int = Field(ge=1)
    text_column: str | None = None
    label_column: str | None = None
    save_steps: int | None = Field(default=None, ge=1)
    save_total_limit: int | None = Field(default=None, ge=1)
    eval_fraction: float = Field(default=0.1, ge=0, lt=1)
    lora: bool = False


KIND = "training"  # the job kind: tools submit it by this name, the UI draws its chart by it


@job_handler(KIND, mode="process", auto_resume=False, params=TrainingParams)
def training_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.run import train

    return train(ctx)
