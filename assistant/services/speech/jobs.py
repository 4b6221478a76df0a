"""The `transcription` job: long recordings are recognized in the background, piece by piece, with progress."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.jobs import JobContext, JobError, job_handler
from assistant.services.files import shown
from assistant.services.speech.common import SpeechError, clock, speech_dir
from prompts import t

PREVIEW_CHARS = 3000


class TranscriptionParams(BaseModel):
    path: str = Field(min_length=1)  # the kept upload
    name: str = ""  # shown name
    duration: float = Field(default=0.0, ge=0)  # seconds, from the probe


KIND = "transcription"  # the job kind, as tools submit it


@job_handler(KIND, mode="thread", params=TranscriptionParams, cluster=True)
def transcription_job(ctx: JobContext) -> dict:
    from assistant.services.speech import stt  # numpy and the recognizer: not for every process that registers this

    path = Path(ctx.params["path"])
    name = ctx.params.get("name") or path.name
    expected = float(ctx.params.get("duration") or 0.0) or None
    state = {"segments": 0, "last": ""}
    ctx.progress(0.0, t("speech.job_starting", name=name), force=True)

    def on_segment(segment: Any) -> None:  # stt.Segment
        state["segments"] += 1
        state["last"] = segment.text
        fraction = min(0.99, segment.end / expected) if expected else None
        ctx.progress(
            fraction,
            t("speech.job_progress", done=clock(segment.end), total=clock(expected or segment.end),
              text=_short(segment.text)),
            segments=state["segments"], seconds_done=round(segment.end, 1),
        )

    def on_piece(seconds: float) -> None:
        if expected:
            ctx.progress(min(0.99, seconds / expected), seconds_done=round(seconds, 1))

    try:
        transcript = stt.transcribe_file(path, check=ctx.check_cancel, on_segment=on_segment, on_piece=on_piece)
    except SpeechError as exc:
        raise JobError(str(exc)) from None
    if not transcript.segments:
        raise JobError(t("speech.no_speech_in_file", name=name))
    stem = f"job-{ctx.job_id}-" + re.sub(r"[^\w.-]+", "_", path.stem)[:60]
    txt, srt = stt.save_transcript(transcript, speech_dir("transcripts"), stem)
    header = t("speech.transcript_header", name=name, duration=clock(transcript.duration),
               language=stt.language_name(transcript.language), count=len(transcript.segments))
    body = stt.format_transcript(transcript, max_chars=PREVIEW_CHARS)
    ctx.progress(1.0, force=True)
    return {
        # The closing line of the job (progress view, notification, `/job N`).
        "message": t("speech.job_done", name=name, count=len(transcript.segments), text=_short(transcript.text, 200),
                     path=shown(txt)),
        "language": transcript.language,
        "duration": round(transcript.duration, 2),
        "segments": len(transcript.segments),
        "timed_out": transcript.timed_out,  # the wall-time budget ran out: the transcript stops early
        "text": transcript.text[:PREVIEW_CHARS],
        "transcript_path": str(txt),
        "srt_path": str(srt),
        # What the chat shows when the job ends: the transcript and its files.
        "reply": f"{header}\n\n{body}\n\n{t('speech.transcript_files')}",
        "media": [
            {"kind": "file", "path": str(txt), "name": txt.name},
            {"kind": "file", "path": str(srt), "name": srt.name},
        ],
    }


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
