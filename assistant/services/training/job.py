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
    workers: int = Field(default=1, ge=1, le=256)  # >1 or gpu on the Ray backend: a Ray Train run
    gpu: bool = False


KIND = "training"  # the job kind: tools submit it by this name, the UI draws its chart by it


@job_handler(KIND, mode="process", auto_resume=False, params=TrainingParams, cluster=True)
def training_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.run import train

    return train(ctx)


class ModelJobParams(BaseModel):
    """A model the tool resolved at submit (one the person may read), for the jobs that use a trained model."""

    model_path: str = Field(min_length=1)
    model_display: str = Field(min_length=1)
    task: str = "text-classification"  # or text-generation
    own_folder: bool = False  # a fine-tuned output: results go into its folder (and its card)


class EvaluationParams(ModelJobParams):
    """… and the data to evaluate on (None: the fine-tuned model's own held-out split)."""

    base_path: str | None = None  # a fine-tuned LM's base model, scored on the same texts
    base_display: str | None = None
    dataset_kind: str | None = None
    dataset_path: str | None = None
    dataset_display: str | None = None
    dataset_repo_id: str | None = None
    dataset_format: str | None = None
    text_column: str | None = None
    label_column: str | None = None
    compare: list[dict[str, str]] | None = None  # /compare: [{"path", "display"}], all on the same rows


EVAL_KIND = "evaluation"


@job_handler(EVAL_KIND, mode="process", auto_resume=True, params=EvaluationParams, cluster=True)
def evaluation_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.evaluate import run

    return run(ctx)


class LabellingParams(ModelJobParams):
    file_path: str = Field(min_length=1)
    text_column: str | None = None


LABEL_KIND = "labelling"


@job_handler(LABEL_KIND, mode="process", auto_resume=True, params=LabellingParams, cluster=True)
def labelling_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.evaluate import label_file

    return label_file(ctx)


class ExportParams(ModelJobParams):
    format: str = "onnx"


EXPORT_KIND = "export"


@job_handler(EXPORT_KIND, mode="process", auto_resume=True, params=ExportParams, cluster=True)
def export_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.export import run

    return run(ctx)
