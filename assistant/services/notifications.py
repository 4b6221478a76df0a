"""Notifications: created by any process (job ends, warnings), read by every open chat from the database."""

from __future__ import annotations

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from assistant import events
from assistant.db import session_scope
from assistant.jobs.registry import on_job_end
from assistant.models import Job, JobStatus, Notification
from prompts import job_kind, t

_LEVEL_BY_STATUS = {
    JobStatus.succeeded: "success",
    JobStatus.failed: "error",
    JobStatus.cancelled: "warning",
    JobStatus.interrupted: "warning",
}


def notify(
    title: str, body: str = "", *, level: str = "info", job_id: int | None = None, owner: str | None = None
) -> Notification:
    """A notification for `owner` (None: for admins — the server's own news)."""
    note = Notification(title=title, body=body, level=level, job_id=job_id, owner=owner)
    with session_scope() as s:
        s.add(note)
        events.commit(s)
        s.refresh(note)
    return note


@on_job_end
def add_job_end_notification(session: Session, job: Job) -> None:
    """Every job's end is a notification, written in the transaction that ends the job — except a chain's steps:
    the chain's own end says how it went (a failed step's reason included)."""
    if job.parent_id is not None:
        return
    session.add(job_end_notification(job))


def job_end_notification(job: Job) -> Notification:
    """The notification for a job's end (its title names the job's kind and number)."""
    status = job.status
    kind = job_kind(job.kind)
    title = t(f"notifications.job_{status.value}", id=job.id, kind=kind, title=job.title or kind)
    body = job.error or job.message or ""
    return Notification(title=title, body=body, level=_LEVEL_BY_STATUS.get(status, "info"), job_id=job.id,
                        owner=job.owner)


def _mine(query, owner: str | None):
    return query if owner is None else query.where(Notification.owner == owner)


def list_notifications(unread_only: bool = False, limit: int = 20, *, owner: str | None = None) -> list[Notification]:
    """Newest first; `owner`: only that person's (None: everyone's)."""
    with session_scope() as s:
        query = _mine(select(Notification), owner)
        if unread_only:
            query = query.where(col(Notification.read).is_(False))
        return list(s.exec(query.order_by(col(Notification.id).desc()).limit(limit)))


def notifications_after(last_id: int, limit: int = 50) -> list[Notification]:
    with session_scope() as s:
        query = (
            select(Notification)
            .where(col(Notification.id) > last_id)
            .order_by(col(Notification.id))
            .limit(limit)
        )
        return list(s.exec(query))


def latest_id() -> int:
    with session_scope() as s:
        return s.exec(select(func.max(Notification.id))).one() or 0


def unread_count(*, owner: str | None = None) -> int:
    with session_scope() as s:
        query = select(func.count()).select_from(Notification).where(col(Notification.read).is_(False))
        return s.exec(_mine(query, owner)).one()


def mark_all_read(*, owner: str | None = None) -> int:
    with session_scope() as s:
        query = update(Notification).where(col(Notification.read).is_(False))
        if owner is not None:
            query = query.where(Notification.owner == owner)
        res = s.exec(query.values(read=True))  # type: ignore[call-overload]
        s.commit()
        return res.rowcount or 0
