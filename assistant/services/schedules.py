"""Work scheduled for later, on the one job system: a one-off is a queued job with its `run_at`; a repeating one is a
series row (kind `schedule`) that, at each time, queues a copy of its job and waits in the queue for the next time.

Both live in the Job table and in APScheduler's job store on the project's database, so they survive restarts;
the atomic queued → running claim makes each time run once however many server processes there are. A scheduled
job's start is a notification (its end already is one), saying so when it starts late because the server was off.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.jobs import store
from assistant.jobs.context import JobContext, JobError
from assistant.jobs.registry import job_handler, on_job_start
from assistant.jobs.runner import SERIES_KIND, get_runner
from assistant.models import Job, utcnow
from assistant.persian import format_duration, jalali_datetime
from assistant.services.notifications import notify
from assistant.when import user_zone
from prompts import job_kind, t

# A start this much after its time says it is late (the server was off, or the queue was full).
LATE = timedelta(minutes=5)
_STEP = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}


class SeriesParams(BaseModel):
    kind: str = Field(min_length=1, max_length=64)
    params: dict[str, Any] = Field(default_factory=dict)
    title: str = Field(default="", max_length=500)
    repeat: Literal["daily", "weekly"]
    first: datetime  # the first time: later times keep its wall clock (and weekday)


def aware(at: datetime) -> datetime:
    """The database gives SQLite's times back without a zone: they are UTC."""
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def next_time(first: datetime, repeat: str, now: datetime) -> datetime:
    """The series' first time after `now`: its first time's wall clock in the people's timezone, a whole number of
    steps (days, weeks) on — times the server was off through are not made up (one run, then on schedule)."""
    zone = user_zone()
    local = aware(first).astimezone(zone).replace(tzinfo=None)
    step = _STEP[repeat]
    while (candidate := local.replace(tzinfo=zone).astimezone(UTC)) <= now:
        local += step
    return candidate


@job_handler(SERIES_KIND, mode="thread", coordinator=True, params=SeriesParams)
def run_series(ctx: JobContext) -> dict[str, Any]:
    row = store.get_job(ctx.job_id)
    assert row is not None
    p = ctx.params
    runs = int((row.result or {}).get("runs", 0)) + 1
    out: dict[str, Any] = {"runs": runs}
    try:
        child = get_runner().submit(p["kind"], p["params"], title=p["title"], owner=row.owner,
                                    session_id=row.session_id)
        out["last_job"] = child.id
        notify(t("schedule.series_started", id=row.id, job=child.id, kind=job_kind(p["kind"]), title=p["title"]),
               level="info", job_id=child.id, owner=row.owner)
    except JobError as exc:  # this time's parameters no longer hold (a file gone): said, and the series goes on
        notify(t("schedule.series_failed", id=row.id, kind=job_kind(p["kind"])), exc.user_message, level="error",
               job_id=row.id, owner=row.owner)
    ctx.again_at = next_time(datetime.fromisoformat(p["first"]), p["repeat"], utcnow())
    out["next_at"] = ctx.again_at.isoformat()
    return out


@on_job_start
def scheduled_start_notice(job: Job) -> None:
    """«⏰ Job #N (download) began», for work that was set for a time (not a series row: its copies say it)."""
    if job.run_at is None or job.kind == SERIES_KIND or job.parent_id is not None:
        return
    late = utcnow() - aware(job.run_at)
    if late < -timedelta(seconds=1) or aware(job.created_at) >= aware(job.run_at) - timedelta(seconds=1):
        return  # queued to run now: nothing was scheduled
    body = t("schedule.started_late", late=format_duration(late.total_seconds())) if late > LATE else ""
    notify(t("schedule.started", id=job.id, kind=job_kind(job.kind), title=job.title or ""), body, level="info",
           job_id=job.id, owner=job.owner)


def describe(at: datetime, repeat: str | None = None, now: datetime | None = None) -> str:
    """«جمعه ۱۴ آذر ۱۴۰۵، ساعت ۰۲:۰۰ (۶ ساعت و ۴۰ دقیقهٔ دیگر)», and «هر روز»/«هر هفته» for a series."""
    now = now or utcnow()
    local = aware(at).astimezone(user_zone())
    text = t("schedule.at", weekday=t(f"schedule.weekday.{local.weekday()}"), when=jalali_datetime(local),
             left=format_duration(_rounded(max(0.0, (aware(at) - now).total_seconds()))))
    return t(f"schedule.repeat_{repeat}", first=text) if repeat else text


def _rounded(seconds: float) -> float:
    """«۱۵ ساعت و ۸ دقیقه», not «… و ۴۴ ثانیه»: seconds only when under a minute is left."""
    return seconds if seconds < 60 else round(seconds / 60) * 60


def scheduled_jobs(owner: str | None) -> list[Job]:
    """What waits for its time: queued jobs with a time ahead, and series, soonest first."""
    now = utcnow()
    rows = store.list_jobs(statuses=["queued"], limit=500, owner=owner, top_level=True)
    waiting = [j for j in rows if j.kind == SERIES_KIND or (j.run_at is not None and aware(j.run_at) > now)]
    return sorted(waiting, key=lambda j: aware(j.run_at or now))
