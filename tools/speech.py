"""Speech tools: `speak(text, voice)` reads Persian text aloud; `transcribe(audio)` turns a recording into text."""

from __future__ import annotations

import re
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator

from assistant.persian import format_duration, format_number, normalize
from assistant.services.files import confined
from assistant.services.speech import SpeechError, speech_status
from assistant.services.speech.jobs import KIND as TRANSCRIPTION
from prompts import t
from tools.registry import ToolArgs, ToolResult, tool

_VOICE_ALIASES = {
    "": "", "default": "", "پیش‌فرض": "", "پیشفرض": "",
    "mms": "mms", "vits": "mms",
    "espeak": "espeak", "espeak-ng": "espeak", "اسپیک": "espeak",
    "male": "male", "man": "male", "m": "male", "مرد": "male", "مردانه": "male", "آقا": "male",
    "female": "female", "woman": "female", "f": "female", "زن": "female", "زنانه": "female", "خانم": "female",
}


def _voice(value: Any) -> str:
    text = normalize(str(value or "")).lower().strip()
    if text in _VOICE_ALIASES:
        return _VOICE_ALIASES[text]
    if re.fullmatch(r"fa\+[mf][1-7]", text):  # an espeak-ng variant, e.g. fa+f2
        return text
    raise ValueError(t("speech.bad_voice", value=str(value)[:40]))


def _speech_text(value: Any) -> str:
    from assistant.config import get_settings

    text = str(value or "").strip()
    limit = get_settings().tts_max_chars
    if len(text) > limit:
        raise ValueError(t("speech.tts_too_long", count=format_number(len(text)), limit=format_number(limit)))
    return text


def _audio_path(value: Any) -> str:
    text = str(value or "").strip().strip("«»\"'")
    if not text:
        return ""
    path = confined(text)
    if path is None or not path.is_file():  # missing or outside the allowed folders: the same answer
        raise ValueError(t("speech.file_missing", name=text[:120]))
    return str(path)


Voice = Annotated[str, BeforeValidator(_voice)]
SpeechText = Annotated[str, BeforeValidator(_speech_text)]
AudioPath = Annotated[str, BeforeValidator(_audio_path)]


class SpeakArgs(ToolArgs):
    text: SpeechText = ""
    voice: Voice = ""


@tool(
    "speak",
    "Read Persian text aloud and return a playable WAV. voice: '' (default engine), 'mms' (facebook/mms-tts-fas), "
    "'espeak', 'male' or 'female' (espeak-ng variants).",
    SpeakArgs,
)
def speak(text: str = "", voice: str = "") -> ToolResult:
    from assistant.services.speech.tts import synthesize

    if not text:
        return ToolResult(False, t("speech.speak_what"), {"error": "empty"})
    try:
        speech = synthesize(text, voice)
    except SpeechError as exc:
        return ToolResult(False, str(exc), {"error": exc.key})
    engine = t(f"speech.engine.{speech.engine}")
    reply = t("speech.spoken", engine=engine, duration=format_duration(max(1.0, speech.duration)))
    if speech.note:
        reply += "\n\n" + speech.note
    media = [{"kind": "audio", "path": str(speech.path), "name": "speech.wav"}]
    return ToolResult(True, reply, speech.to_dict(), media=media)


class TranscribeArgs(ToolArgs):
    audio: AudioPath = ""


@tool(
    "transcribe",
    "Turn an audio file (wav, mp3, ogg/opus, m4a, webm, flac) into Persian text with timestamps; long files run "
    "as a background job with progress.",
    TranscribeArgs,
)
def transcribe(audio: str = "") -> ToolResult:
    from assistant.config import get_settings
    from assistant.services.speech import stt
    from assistant.services.speech.audio import probe

    if not audio:
        return ToolResult(False, t("speech.transcribe_what"), {"error": "no_audio"})
    path = Path(audio)
    try:
        info = probe(path)
        stt.check_duration(info.duration)
        ref = stt.resolve_model()
        if not ref.ready:
            raise stt.missing_model_error(ref)
    except SpeechError as exc:
        return ToolResult(False, str(exc), {"error": exc.key})
    name = _shown_name(path)
    if info.duration > get_settings().stt_inline_seconds:
        from assistant.jobs.runner import get_runner

        params = {"path": str(_keep_upload(path)), "name": name, "duration": info.duration}
        job = get_runner().submit(TRANSCRIPTION, params, title=name)
        reply = t("speech.transcribe_job", id=job.id, cid=str(job.id), name=name,
                  duration=format_duration(info.duration))
        return ToolResult(True, reply, {"job_id": job.id, "audio": info.to_dict()}, job_id=job.id)
    try:
        transcript = stt.transcribe_file(path)
    except SpeechError as exc:
        return ToolResult(False, str(exc), {"error": exc.key})
    data = {"audio": info.to_dict(), **transcript.to_dict()}
    if not transcript.segments:
        return ToolResult(False, t("speech.no_speech_in_file", name=name), {**data, "error": "no_speech"})
    from assistant.services.speech.common import clock

    header = t("speech.transcript_header", name=name, duration=clock(transcript.duration),
               language=stt.language_name(transcript.language), count=len(transcript.segments))
    body = stt.format_transcript(transcript, max_chars=6000)
    if transcript.timed_out:
        body += "\n\n" + t("speech.timed_out")
    return ToolResult(True, f"{header}\n\n{body}", data)


def _shown_name(path: Path) -> str:
    # Chainlit stores uploads under a generated id, which means nothing to people.
    if re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(\.\w+)?", path.name):
        return t("speech.your_file")
    return path.name if len(path.name) <= 60 else path.name[:57] + "…"


def _keep_upload(path: Path) -> Path:
    """A chat upload lives in the session's folder, removed when the session ends: a job gets its own copy."""
    if ".files" not in path.parts:
        return path
    from assistant.services.speech.common import speech_dir

    target = speech_dir("uploads") / f"{uuid.uuid4().hex}{path.suffix}"
    shutil.copyfile(path, target)
    return target


def speech_status_lines(status: dict[str, Any] | None = None, *, try_model: bool = False) -> list[str]:
    """The speech engines' readiness in Persian, one markdown line per engine (for `/installed`); `try_model`:
    the recognizer is loaded and decodes a second of silence, so a broken model folder says so."""
    from assistant.services.speech import stt

    status = status or speech_status()
    s, tt = status["stt"], status["tts"]
    lines = []
    works, reason = stt.health() if s["ready"] and try_model else (True, "")
    if s["ready"] and not works:
        lines.append(t("speech.status_stt_broken", reason=reason))
    elif s["ready"]:
        lines.append(t("speech.status_stt_ready", model=s["model"], device=s["device"], compute=s["compute_type"],
                       language=s["language"]))
    else:
        lines.append(t("speech.status_stt_missing", model=s["model"], repo=s["repo_id"] or s["model"]))
    espeak, mms = tt["engines"]["espeak"], tt["engines"]["mms"]
    lines.append(t("speech.status_espeak_ready", version=espeak.get("version") or "?") if espeak["available"]
                 else t("speech.status_espeak_missing"))
    lines.append(t("speech.status_mms_ready") if mms["available"] else t("speech.status_mms_missing", model=mms["model"]))
    if tt["active"]:
        lines.append(t("speech.status_tts_active", engine=tt["active"], setting=tt["setting"]))
    return lines
