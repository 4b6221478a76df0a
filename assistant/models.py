"""Database tables: one Job model for all long work, notifications, key/value settings.

A change here needs a revision in assistant/migrations/versions (a test compares the two).
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, String
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    interrupted = "interrupted"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES

    @property
    def is_active(self) -> bool:
        return self in (JobStatus.queued, JobStatus.running)


FINAL_STATUSES = frozenset({JobStatus.succeeded, JobStatus.failed, JobStatus.cancelled})


class _StatusColumn(TypeDecorator):
    """A job's status: stored as its plain name (the column stays VARCHAR), read back as the enum."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        return None if value is None else JobStatus(value).value

    def process_result_value(self, value: Any, dialect: Any) -> JobStatus | None:
        return None if value is None else JobStatus(value)


class Job(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(index=True)
    title: str = ""
    status: JobStatus = Field(default=JobStatus.queued, sa_column=Column(_StatusColumn(), nullable=False, index=True))
    progress: float = 0.0
    message: str = ""
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None
    cancel_requested: bool = False
    # The process that owns the run and, for process-mode jobs, its worker child.
    owner_pid: int | None = None
    owner_started: float | None = None
    worker_pid: int | None = None
    worker_started: float | None = None  # the worker's start time: a reused pid is not the worker
    session_id: str | None = Field(default=None, index=True)
    owner: str | None = Field(default=None, index=True)  # who made it (None: from before owners existed)
    # A step of a chain (e.g. the goal job's download, training, evaluation): the chain it belongs to.
    parent_id: int | None = Field(default=None, index=True)
    run_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    updated_at: datetime = Field(default_factory=utcnow, index=True)


class Notification(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    level: str = "info"  # info | success | warning | error
    title: str
    body: str = ""
    job_id: int | None = Field(default=None, index=True)
    owner: str | None = Field(default=None, index=True)  # whose it is (None: for admins)
    created_at: datetime = Field(default_factory=utcnow)
    read: bool = Field(default=False, index=True)


class Setting(SQLModel, table=True):
    key: str = Field(primary_key=True)
    value: str = ""
    updated_at: datetime = Field(default_factory=utcnow)


class Account(SQLModel, table=True):
    """A person who signs in (DASTYAR_AUTH=password). Only a salted argon2 hash of the password is kept."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    password_hash: str
    role: str = "user"  # admin | user
    disabled: bool = False
    created_at: datetime = Field(default_factory=utcnow)
