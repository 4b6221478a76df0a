"""A chain's steps as text (the chat's progress message, `/job N`, the command line)."""

from __future__ import annotations

from assistant.persian import fa_digits
from prompts import t

# Plain marks that every font draws (emoji need an emoji font, which a server's browser may lack).
_STEP_MARKS = {"done": "✓", "running": "●", "failed": "✗", "cancelled": "■", "interrupted": "‖"}


def steps_text(steps: list[dict]) -> str:
    """A chain's steps, one per line, each with its mark and its own job number."""
    rows = [t("goals.steps_header")]
    for step in steps:
        name = step.get("name", "")
        job = f" (#{fa_digits(step['job_id'])})" if step.get("job_id") else ""
        rows.append(t("goals.step_row", mark=_STEP_MARKS.get(step.get("state", ""), "○"),
                      step=t(f"goals.step.{name}") if name else "?", job=job))
    return "\n".join(rows)
