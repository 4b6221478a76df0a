"""Speech to text with faster-whisper: one model per process, loaded on first use and shared by every caller.

The model comes from the settings (`DASTYAR_STT_MODEL`): a faster-whisper size ("small"), a Hub repo id already in
the local cache, or a local CTranslate2 folder. Persian is forced by default (`DASTYAR_STT_LANGUAGE=fa`; "auto"
detects). int8 on CPU, float16 on GPU.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import get_settings
from assistant.services.speech.audio import SAMPLE_RATE, decode_file, iter_decode, probe
from assistant.services.speech.common import SpeechError, clock

log = logging.getLogger(__name__)

# Long files are recognized piece by piece (cut at a pause) so memory does not grow with the file.
PIECE_SECONDS = 300.0
_CUT_WINDOW_SECONDS = 30.0
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


@dataclass
class ModelRef:
    """What the settings name, and where it is on disk (None: not installed)."""

    name: str
    path: Path | None
    repo_id: str | None = None

    @property
    def ready(self) -> bool:
        return self.path is not None


@dataclass
class Segment:
    start: float
    end: float
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": round(self.start, 2), "end": round(self.end, 2), "text": self.text}


@dataclass
class Transcript:
    language: str
    duration: float
    segments: list[Segment] = field(default_factory=list)
    language_probability: float | None = None

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language, "language_probability": self.language_probability,
            "duration": round(self.duration, 2), "text": self.text, "segments": [s.to_dict() for s in self.segments],
        }


# -- the model ---------------------------------------------------------------------------------------------------
def _size_repos() -> dict[str, str]:
    from faster_whisper.utils import _MODELS

    return dict(_MODELS)


def _is_ct2_folder(path: Path) -> bool:
    return (path / "model.bin").is_file() and (path / "config.json").is_file()


def resolve_model(name: str | None = None) -> ModelRef:
    """A size ("small"), a repo id ("Systran/faster-whisper-small") or a folder, resolved to local files only."""
    from assistant.services.hub.local import resolve_snapshot

    name = (name or get_settings().stt_model).strip()
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return ModelRef(name, candidate.resolve() if _is_ct2_folder(candidate) else None)
    repo = _size_repos().get(name) or (name if re.fullmatch(r"[\w.\-]+/[\w.\-]+", name) else None)
    if repo is None:
        return ModelRef(name, None)
    snapshot = resolve_snapshot(repo)
    return ModelRef(name, snapshot if snapshot and _is_ct2_folder(snapshot) else None, repo)


def device_and_compute_type() -> tuple[str, str]:
    setting = get_settings().stt_device.strip().lower()
    if setting in ("cpu", "cuda"):
        device = setting
    else:
        try:
            import ctranslate2

            device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
        except Exception:
            device = "cpu"
    return device, "float16" if device == "cuda" else "int8"


def language_option() -> str | None:
    """The language passed to Whisper: a code, or None to detect ("auto")."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    value = get_settings().stt_language.strip().lower()
    if value in ("auto", "detect", "خودکار", ""):
        return None
    value = {"فارسی": "fa", "persian": "fa", "farsi": "fa", "fas": "fa", "per": "fa"}.get(value, value)
    if value not in _LANGUAGE_CODES:
        log.warning("DASTYAR_STT_LANGUAGE=%r is not a Whisper language; using fa", value)
        return "fa"
    return value


_lock = threading.Lock()
_loaded: dict[tuple[str, str, str], Any] = {}


def missing_model_error(ref: ModelRef) -> SpeechError:
    if ref.repo_id:
        return SpeechError("stt_model_missing", model=ref.name, repo=ref.repo_id)
    return SpeechError("stt_model_not_found", model=ref.name)


def get_model():
    """The shared WhisperModel for the current settings (loaded once; a settings change loads the new one)."""
    ref = resolve_model()
    if ref.path is None:
        raise missing_model_error(ref)
    device, compute_type = device_and_compute_type()
    key = (str(ref.path), device, compute_type)
    with _lock:
        model = _loaded.get(key)
        if model is None:
            _loaded.clear()
            model = _load(ref.path, device, compute_type)
            _loaded[key] = model
        return model


def model_loaded() -> bool:
    return bool(_loaded)


def _load(path: Path, device: str, compute_type: str):
    from faster_whisper import WhisperModel

    threads = max(1, (os.cpu_count() or 2))
    log.info("loading faster-whisper model %s on %s (%s)", path, device, compute_type)
    try:
        return WhisperModel(str(path), device=device, compute_type=compute_type, cpu_threads=threads)
    except ValueError:
        # A device without fast int8/float16 kernels: let CTranslate2 pick.
        try:
            return WhisperModel(str(path), device=device, compute_type="default", cpu_threads=threads)
        except Exception as exc:
            log.exception("cannot load the speech model %s", path)
            raise SpeechError("stt_model_broken", model=str(path)) from exc
    except Exception as exc:
        log.exception("cannot load the speech model %s", path)
        raise SpeechError("stt_model_broken", model=str(path)) from exc


# -- recognition -------------------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]")


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cs", "Co"))
    return re.sub(r"\s+", " ", text).strip()


def transcribe_options() -> dict[str, Any]:
    """The decoding options, the same for every caller (and for the benchmark's direct call)."""
    settings = get_settings()
    return {
        "language": language_option(),
        "task": "transcribe",
        "beam_size": settings.stt_beam_size,
        "temperature": list(FALLBACK_TEMPERATURES) if settings.stt_temperature_fallback else 0.0,
        "vad_filter": True,
        "vad_parameters": {"min_silence_duration_ms": 500},
    }


def transcribe_array(
    audio: np.ndarray,
    *,
    offset: float = 0.0,
    check: Callable[[], None] | None = None,
    on_segment: Callable[[Segment], None] | None = None,
) -> Transcript:
    """Recognize 16 kHz mono float32 audio. `check` runs between segments (it may raise to stop)."""
    model = get_model()
    duration = audio.size / SAMPLE_RATE
    if audio.size == 0:
        return Transcript(language=language_option() or "fa", duration=0.0)
    segments, info = model.transcribe(np.ascontiguousarray(audio, dtype=np.float32), **transcribe_options())
    result = Transcript(language=info.language, duration=duration, language_probability=info.language_probability)
    for seg in segments:
        if check is not None:
            check()
        text = _clean(seg.text)
        if not text:
            continue
        start = offset + min(max(0.0, seg.start), duration)
        end = offset + min(max(seg.end, seg.start), duration)
        segment = Segment(start, end, text)
        result.segments.append(segment)
        if on_segment is not None:
            on_segment(segment)
    return result


def _cut_point(audio: np.ndarray) -> int:
    """Where to end a piece: the middle of the last pause in its last seconds (else its end)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    window = int(_CUT_WINDOW_SECONDS * SAMPLE_RATE)
    if audio.size <= window:
        return audio.size
    base = audio.size - window
    speech = get_speech_timestamps(audio[base:], VadOptions(min_silence_duration_ms=300, speech_pad_ms=0))
    if not speech:
        return audio.size  # silence throughout: any cut is fine
    gaps = [(a["end"], b["start"]) for a, b in zip(speech, speech[1:], strict=False)]
    if speech[-1]["end"] < window - SAMPLE_RATE // 5:
        gaps.append((speech[-1]["end"], window))
    if gaps:
        end, start = gaps[-1]
        return base + (end + start) // 2
    return audio.size


def iter_pieces(path: str | os.PathLike, max_seconds: float | None = None) -> Iterator[tuple[float, np.ndarray]]:
    """(offset in seconds, audio) pieces of about PIECE_SECONDS, cut at pauses."""
    carry = np.zeros(0, dtype=np.float32)
    offset = 0
    for block in iter_decode(path, block_seconds=PIECE_SECONDS, max_seconds=max_seconds):
        audio = np.concatenate([carry, block]) if carry.size else block
        cut = _cut_point(audio)
        yield offset / SAMPLE_RATE, audio[:cut]
        offset += cut
        carry = audio[cut:]
    if carry.size:
        yield offset / SAMPLE_RATE, carry


def check_duration(seconds: float) -> None:
    limit = get_settings().stt_max_seconds
    if seconds > limit:
        from assistant.persian import format_duration

        raise SpeechError("too_long", duration=format_duration(seconds), limit=format_duration(limit))


def transcribe_file(
    path: str | os.PathLike,
    *,
    check: Callable[[], None] | None = None,
    on_segment: Callable[[Segment], None] | None = None,
    on_piece: Callable[[float], None] | None = None,
) -> Transcript:
    """Recognize an audio file of any length (pieces for long ones). Raises SpeechError for bad files."""
    info = probe(path)
    check_duration(info.duration)
    get_model()  # a missing model is reported before any decoding
    limit = get_settings().stt_max_seconds
    if info.duration <= PIECE_SECONDS:
        audio = decode_file(path, max_seconds=limit)
        if audio.size == 0:
            raise SpeechError("file_unreadable", name=Path(path).name)
        result = transcribe_array(audio, check=check, on_segment=on_segment)
        if on_piece:
            on_piece(result.duration)
        return result
    total: Transcript | None = None
    for offset, audio in iter_pieces(path, max_seconds=limit):
        if check is not None:
            check()
        part = transcribe_array(audio, offset=offset, check=check, on_segment=on_segment)
        if total is None:
            total = part
        else:
            total.segments.extend(part.segments)
        total.duration = offset + part.duration
        if on_piece:
            on_piece(total.duration)
    if total is None:
        raise SpeechError("file_unreadable", name=Path(path).name)
    return total


# -- presenting --------------------------------------------------------------------------------------------------
def language_name(code: str | None) -> str:
    from prompts import has, t

    if code and has(f"speech.lang.{code}"):
        return t(f"speech.lang.{code}")
    return code or "?"


def format_transcript(transcript: Transcript, max_chars: int | None = None) -> str:
    """Timestamped lines «`[۰:۰۳ ← ۰:۰۷]` متن», cut at `max_chars` with a note."""
    from prompts import t

    lines: list[str] = []
    used = 0
    for seg in transcript.segments:
        line = f"`[{clock(seg.start)} – {clock(seg.end)}]` {seg.text}"
        if max_chars is not None and used + len(line) > max_chars:
            lines.append(t("speech.transcript_cut"))
            break
        lines.append(line)
        used += len(line) + 1
    return "\n".join(lines)


def srt_text(transcript: Transcript) -> str:
    def stamp(seconds: float) -> str:
        ms = int(round(seconds * 1000))
        hours, rest = divmod(ms, 3_600_000)
        minutes, rest = divmod(rest, 60_000)
        secs, ms = divmod(rest, 1000)
        return f"{hours:02d}:{minutes:02d}:{secs:02d},{ms:03d}"

    blocks = [f"{i}\n{stamp(s.start)} --> {stamp(s.end)}\n{s.text}\n" for i, s in enumerate(transcript.segments, 1)]
    return "\n".join(blocks)


def save_transcript(transcript: Transcript, folder: Path, stem: str) -> tuple[Path, Path]:
    """The transcript as plain text with timestamps and as SRT subtitles."""
    folder.mkdir(parents=True, exist_ok=True)
    txt = folder / f"{stem}.txt"
    srt = folder / f"{stem}.srt"

    def plain(seconds: float) -> str:
        total = int(seconds)
        return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"

    txt.write_text(
        "\n".join(f"[{plain(s.start)} - {plain(s.end)}] {s.text}" for s in transcript.segments) + "\n", encoding="utf-8"
    )
    srt.write_text(srt_text(transcript), encoding="utf-8")
    return txt, srt
