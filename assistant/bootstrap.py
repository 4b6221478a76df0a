"""The composition root: the services whose import registers job handlers and hooks, loaded where a process starts.

Called by the chat server, the command line's `ask` and `doctor`, and first thing in every job worker child
(through the job system's process setup). The job system itself knows none of these modules.
"""

from __future__ import annotations

_done = False


def setup() -> None:
    """Idempotent and cheap after the first call."""
    global _done
    if _done:
        return
    from assistant.jobs import registry
    from assistant.services import (
        notifications,  # noqa: F401  (every job's end becomes a notification)
        schedules,  # noqa: F401  (repeating schedules; a scheduled job's start notice)
    )
    from assistant.services.goals import chain  # noqa: F401  (a goal's chain of jobs)
    from assistant.services.hub import (
        download,  # noqa: F401  (download jobs; partial files swept at start)
        upload,  # noqa: F401  (push jobs)
    )
    from assistant.services.speech import jobs as speech_jobs  # noqa: F401  (transcription jobs)
    from assistant.services.training import job as training_job  # noqa: F401  (fine-tuning jobs)

    registry.set_process_setup(setup)
    _done = True
