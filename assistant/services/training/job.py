"""The `training` job kind: runs in a child process (heavy imports happen there, never in the chat)."""

from __future__ import annotations

from typing import Any

from assistant.jobs import JobContext, job_handler


@job_handler("training", mode="process", auto_resume=False)
def training_job(ctx: JobContext) -> dict[str, Any]:
    from assistant.services.training.run import train

    return train(ctx)
