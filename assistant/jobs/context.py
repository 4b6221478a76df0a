"""What a running job sees: its parameters, a progress reporter and a cooperative stop flag."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any


class JobCancelled(Exception):
    """Raised inside a handler when the user asked to stop."""


class JobError(Exception):
    """A failure with a message meant for the user (Persian, no traceback)."""

    def __init__(self, user_message: str, *, detail: str | None = None) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.detail = detail


class JobContext:
    """Progress goes to the Job row at a sane rate; the cancel flag is read from it."""

    def __init__(self, job_id: int, params: dict[str, Any], *, min_interval: float = 0.5) -> None:
        self.job_id = job_id
        self.params = params
        self.min_interval = min_interval
        self._last_write = 0.0
        self._last_check = 0.0
        self._cancelled = False
        self._pending: dict[str, Any] = {}
        # A repeating job's next time: set by its handler, the runner queues the job again for then.
        self.again_at: datetime | None = None

    def progress(
        self, fraction: float | None = None, message: str | None = None, *, force: bool = False, **result: Any
    ) -> None:
        """Record progress (0–1), a short status line and live figures; written at most every `min_interval`."""
        if fraction is not None:
            self._pending["progress"] = max(0.0, min(1.0, float(fraction)))
        if message is not None:
            self._pending["message"] = message
        if result:
            self._pending.setdefault("result", {}).update(result)
        now = time.monotonic()
        if force or now - self._last_write >= self.min_interval:
            self.flush()
            self._last_write = now

    def flush(self) -> None:
        """Write what is pending. Progress is not worth stopping the work for: while another process holds the
        database locked, or its disk is full, it stays pending (newer values over older) and goes with the next
        write. (A full disk stops the work where the work writes, with a reason the job's end can record.)"""
        from assistant.disk import is_disk_full
        from assistant.jobs.store import is_locked, update_progress

        if self._pending:
            pending, self._pending = self._pending, {}
            try:
                update_progress(self.job_id, **pending)
            except Exception as exc:
                if not (is_locked(exc) or is_disk_full(exc)):
                    raise
                result = {**pending.get("result", {}), **self._pending.get("result", {})}
                self._pending = {**pending, **self._pending}
                if result:
                    self._pending["result"] = result

    def cancelled(self) -> bool:
        if self._cancelled:
            return True
        now = time.monotonic()
        if now - self._last_check >= min(self.min_interval, 0.5):
            from assistant.jobs.store import is_cancel_requested

            self._last_check = now
            self._cancelled = is_cancel_requested(self.job_id)
        return self._cancelled

    def check_cancel(self) -> None:
        if self.cancelled():
            raise JobCancelled()
