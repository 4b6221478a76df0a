"""What speech can do right now: for `dastyar doctor`, `/installed` and the settings panel."""

from __future__ import annotations

import importlib.metadata
from typing import Any

from assistant.config import get_settings


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def speech_status() -> dict[str, Any]:
    """Readiness of speech recognition and synthesis, without loading any model.

    {"stt": {"engine", "version", "model", "repo_id", "path", "ready", "loaded", "language", "languages", "device",
             "compute_type"},
     "tts": {"setting", "active", "note", "engines": {"espeak": {...}, "mms": {...}}, "ready"},
     "ready": {"stt": bool, "tts": bool}}
    """
    from assistant.services.speech import stt, tts
    from assistant.services.speech.common import SpeechError

    settings = get_settings()
    ref = stt.resolve_model()
    device, compute_type = stt.device_and_compute_type()
    language = stt.language_option()
    stt_info = {
        "engine": "faster-whisper",
        "version": _version("faster-whisper"),
        "model": ref.name,
        "repo_id": ref.repo_id,
        "path": str(ref.path) if ref.path else None,
        "ready": ref.ready and _version("faster-whisper") is not None,
        "loaded": stt.model_loaded(),
        "language": language or "auto",
        "languages": stt.allowed_languages() if language is None else [language],
        "device": device,
        "compute_type": compute_type,
    }
    engines = {name: engine.details() for name, engine in tts.engines().items()}
    try:
        active, note = tts.choose_engine("")
        active_name: str | None = active.name
    except SpeechError as exc:
        active_name, note = None, str(exc)
    tts_info = {
        "setting": settings.tts_engine,
        "active": active_name,
        "note": note,
        "engines": engines,
        "ready": active_name is not None,
    }
    return {"stt": stt_info, "tts": tts_info, "ready": {"stt": stt_info["ready"], "tts": tts_info["ready"]}}


def doctor_checks() -> list[dict[str, str]]:
    """Rows for `dastyar doctor`: {"name", "level" (ok|warn|error), "detail"}."""
    from assistant.services.speech import stt
    from prompts import t

    status = speech_status()
    s, tt = status["stt"], status["tts"]
    rows = []
    works, reason = stt.health() if s["ready"] else (False, "")
    if s["ready"] and not works:
        rows.append({"name": "speech_stt", "level": "error", "detail": reason})
    elif s["ready"]:
        rows.append({"name": "speech_stt", "level": "ok",
                     "detail": f"faster-whisper {s['version']} — {s['model']} ({s['path']}) — {s['device']}/{s['compute_type']}, "
                               f"language={s['language']}"})
    else:
        rows.append({"name": "speech_stt", "level": "warn",
                     "detail": t("speech.doctor_stt_missing", model=s["model"], repo=s["repo_id"] or s["model"])})
    espeak, mms = tt["engines"]["espeak"], tt["engines"]["mms"]
    rows.append({"name": "speech_tts_espeak", "level": "ok" if espeak["available"] else "warn",
                 "detail": f"{espeak['path']} ({espeak.get('version')})" if espeak["available"] else t("speech.doctor_espeak_missing")})
    rows.append({"name": "speech_tts_mms", "level": "ok" if mms["available"] else "warn",
                 "detail": mms["path"] if mms["available"] else t("speech.doctor_mms_missing", model=mms["model"])})
    rows.append({"name": "speech_tts", "level": "ok" if tt["ready"] else "error",
                 "detail": f"{settings_engine(tt)}" if tt["ready"] else str(tt["note"])})
    return rows


def settings_engine(tts_info: dict[str, Any]) -> str:
    note = f" — {tts_info['note']}" if tts_info.get("note") else ""
    return f"DASTYAR_TTS_ENGINE={tts_info['setting']} → {tts_info['active']}{note}"
