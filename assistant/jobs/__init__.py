"""One job system for all long work: a Job row per run, handlers by kind, a scheduler that runs them."""

from assistant.jobs.context import JobCancelled, JobContext, JobError
from assistant.jobs.registry import get_handler, job_handler
from assistant.jobs.store import (
    CancelOutcome,
    create_job,
    finish_job,
    get_job,
    job_counts,
    list_jobs,
    recover_orphans,
    request_cancel,
)

__all__ = [
    "CancelOutcome",
    "JobCancelled",
    "JobContext",
    "JobError",
    "create_job",
    "finish_job",
    "get_handler",
    "get_job",
    "job_counts",
    "job_handler",
    "list_jobs",
    "recover_orphans",
    "request_cancel",
]
