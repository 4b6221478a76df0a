"""Speech to text with faster-whisper: one model per process, loaded on first use and shared by every caller.

The model comes from the settings (`DASTYAR_STT_MODEL`): a faster-whisper size ("small"), a Hub repo id already in
the local cache, or a local CTranslate2 folder. Persian is forced by default (`DASTYAR_STT_LANGUAGE=fa`; "auto"
detects, choosing only among `DASTYAR_STT_LANGUAGES`). int8 on CPU, float16 on GPU.

Decoding is kept to the scripts a Persian user writes (`alphabet.py`), temperature fallback is short, and one
recognition has a wall-time budget scaled by the audio's duration, after which the segments so far are returned.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
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
# Temperature fallback stops at 0.4: the hotter the sampling, the more foreign-script and looping text it brings, and
# each extra temperature is one more full decoding pass of the window (faster-whisper's default tries six, to 1.0).
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4)
# Whisper's default threshold; Persian text compresses to a median 1.93 (p99 2.34) with gzip, a loop to 8 or more.
COMPRESSION_RATIO_THRESHOLD = 2.4
# A window that needed 0.4 is reset from the prompt: a failed window must not prime the next one (with faster-whisper's
# default, 0.5, no temperature of the list above would ever reset it).
PROMPT_RESET_ON_TEMPERATURE = 0.3
_LANGUAGE_ALIASES = {"فارسی": "fa", "persian": "fa", "farsi": "fa", "fas": "fa", "per": "fa", "english": "en",
                     "انگلیسی": "en", "eng": "en"}


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
    # True when the wall-time budget ran out: the segments are those recognized until then.
    timed_out: bool = False

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments).strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language, "language_probability": self.language_probability,
            "duration": round(self.duration, 2), "text": self.text, "segments": [s.to_dict() for s in self.segments],
            "timed_out": self.timed_out,
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
    value = _LANGUAGE_ALIASES.get(value, value)
    if value not in _LANGUAGE_CODES:
        log.warning("DASTYAR_STT_LANGUAGE=%r is not a Whisper language; using fa", value)
        return "fa"
    return value


def allowed_languages() -> list[str]:
    """The languages "auto" may choose (`DASTYAR_STT_LANGUAGES`, "fa,en" by default), in the order given."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    codes: list[str] = []
    for part in re.split(r"[\s,،;]+", get_settings().stt_languages.strip().lower()):
        code = _LANGUAGE_ALIASES.get(part, part)
        if not code or code in codes:
            continue
        if code in _LANGUAGE_CODES:
            codes.append(code)
        else:
            log.warning("DASTYAR_STT_LANGUAGES: %r is not a Whisper language; ignored", part)
    return codes or ["fa"]


def choose_language(probabilities: Iterable[tuple[str, float]], allowed: Sequence[str]) -> tuple[str, float]:
    """The most probable of the `allowed` languages in the detector's (language, probability) list, and its
    probability (Whisper's own, over all its languages). Never a language outside `allowed`: the detector ranks
    about a hundred, and on short or accented Persian clips its top choice is often Thai, English, Japanese…
    A tie, or no allowed language in the list, goes to the first allowed one."""
    if not allowed:
        raise ValueError("no allowed language")
    scores: dict[str, float] = {}
    for code, probability in probabilities:
        scores[code] = max(float(probability), scores.get(code, 0.0))
    best = max(allowed, key=lambda code: scores.get(code, 0.0))  # max keeps the first of equals
    return best, scores.get(best, 0.0)


def detect_language(model, audio: np.ndarray, vad_parameters: dict[str, Any] | None = None) -> tuple[str, float]:
    """`DASTYAR_STT_LANGUAGE=auto`: Whisper's language detection on the speech of `audio` (its first 30 s, as
    faster-whisper does itself), limited to `allowed_languages()`."""
    from faster_whisper.vad import VadOptions

    allowed = allowed_languages()
    if len(allowed) == 1:
        return allowed[0], 1.0
    if not model.model.is_multilingual:  # an English-only model (".en") always writes English
        return ("en" if "en" in allowed else allowed[0]), 1.0
    try:
        _top, _probability, probabilities = model.detect_language(
            audio=audio, vad_filter=True, vad_parameters=VadOptions(**(vad_parameters or {})))
    except Exception:  # no speech at all (nothing left after the VAD), or a detector error: the first allowed
        log.warning("speech: language detection failed; using %s", allowed[0], exc_info=True)
        return allowed[0], 0.0
    return choose_language(probabilities or [], allowed)


# -- the wall-time budget ----------------------------------------------------------------------------------------
_clock = time.monotonic  # tests replace it to move time by state, not by waiting


@dataclass
class Deadline:
    """When one recognition (a file, an utterance) must stop decoding."""

    at: float

    def expired(self) -> bool:
        return _clock() >= self.at

    @classmethod
    def for_audio(cls, seconds: float) -> Deadline:
        """`DASTYAR_STT_TIME_MIN` + `DASTYAR_STT_TIME_FACTOR` × the audio's duration, from now. The default
        (30 s + 4×) is meant to be well above a healthy run and to stop a pathological one: windows that fail every
        temperature and decode to the 448-token limit each time. A large model on a slow CPU may need a larger
        factor."""
        settings = get_settings()
        return cls(_clock() + settings.stt_time_limit_min + settings.stt_time_limit_factor * max(0.0, seconds))


class _OutOfTime(Exception):
    """Raised inside faster-whisper's segment generator when the budget is spent before a new window."""


_run = threading.local()  # per thread: the running recognition's deadline, cancel check and state


class _GuardedWhisper:
    """The CTranslate2 Whisper inside a WhisperModel, checked before every decoding pass.

    faster-whisper decodes each 30-s window with one `generate` call per temperature, and CTranslate2 cannot stop a
    call midway: between calls is the finest point to honour a cancel request and the wall-time budget. When the
    budget is spent, a window already decoded once keeps that first (temperature 0) result instead of sampling again,
    so its text is not lost; the next window is not started (`_OutOfTime`). Outside `transcribe_array` (no deadline
    set in this thread) it only forwards.
    """

    def __init__(self, inner) -> None:
        self._inner = inner

    def __getattr__(self, name: str):
        return getattr(self._inner, name)

    def generate(self, *args, **kwargs):
        deadline: Deadline | None = getattr(_run, "deadline", None)
        check: Callable[[], None] | None = getattr(_run, "check", None)
        if check is not None:
            check()
        fallback = float(kwargs.get("sampling_temperature") or 0.0) > 0.0  # only fallback passes sample
        if deadline is not None and deadline.expired():
            _run.out_of_time = True
            first = getattr(_run, "first_pass", None)
            if fallback and first is not None:
                return first
            raise _OutOfTime
        results = self._inner.generate(*args, **kwargs)
        if deadline is not None and not fallback:
            _run.first_pass = results
        return results


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


def health() -> tuple[bool, str]:
    """Load the model for real and decode one second of silence: (works, a Persian reason when it does not)."""
    try:
        transcribe_array(np.zeros(SAMPLE_RATE, dtype=np.float32))
    except SpeechError as exc:
        return False, str(exc)
    except Exception as exc:  # a model folder that loads but cannot decode
        log.warning("the speech model failed a one-second decode: %s", type(exc).__name__)
        return False, str(SpeechError("stt_model_broken", model=str(resolve_model().path)))
    return True, ""


def model_loaded() -> bool:
    return bool(_loaded)


def _load(path: Path, device: str, compute_type: str):
    model = _load_whisper(path, device, compute_type)
    model.model = _GuardedWhisper(model.model)
    return model


def _load_whisper(path: Path, device: str, compute_type: str):
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
            log.warning("cannot load the speech model %s: %s", path, type(exc).__name__)
            raise SpeechError("stt_model_broken", model=str(path)) from exc
    except Exception as exc:
        # One line, no traceback: the Persian reason is what the person sees (the CLI prints the log to stderr).
        log.warning("cannot load the speech model %s: %s", path, type(exc).__name__)
        raise SpeechError("stt_model_broken", model=str(path)) from exc


# -- recognition -------------------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffd]")


# A decoding loop: the same one to four words four times or more in a row («ممنون ممنون ممنون ممنون …»), or the same
# one to three letters six times or more inside a word. Real speech repeats a word twice or three times, not more.
_LOOP_WORDS = re.compile(r"(?<!\S)(\S+(?:\s+\S+){0,3}?)(?:\s+\1){3,}(?!\S)")
_LOOP_LETTERS = re.compile(r"(\S{1,3}?)\1{5,}")


def _clean(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cs", "Co"))
    text = re.sub(r"\s+", " ", text).strip()
    text = _LOOP_LETTERS.sub(r"\1", text)
    return _LOOP_WORDS.sub(r"\1", text)


def transcribe_options(model=None) -> dict[str, Any]:
    """The decoding options, the same for every caller (and for the benchmark's direct call). `language` is None for
    "auto": `transcribe_array` then detects it among the allowed languages. The suppressed tokens depend on the
    model (the shared one unless given) and are computed once per loaded model."""
    settings = get_settings()
    options: dict[str, Any] = {
        "language": language_option(),
        "task": "transcribe",
        "beam_size": settings.stt_beam_size,
        "temperature": list(FALLBACK_TEMPERATURES) if settings.stt_temperature_fallback else 0.0,
        # A window whose text compresses too well (a loop) or is improbable is decoded again at the next temperature.
        "compression_ratio_threshold": COMPRESSION_RATIO_THRESHOLD,
        "log_prob_threshold": -1.0,
        # No token 20-gram twice in a window: a loop is cut after about 20 tokens instead of running to 448.
        # Persian takes 3.1 Whisper tokens a word, so a smaller n would block real text (see the README).
        "no_repeat_ngram_size": settings.stt_no_repeat_ngram,
        "prompt_reset_on_temperature": PROMPT_RESET_ON_TEMPERATURE,
        "vad_filter": True,
        "vad_parameters": {"min_silence_duration_ms": 500},
    }
    if settings.stt_restrict_scripts:
        from assistant.services.speech.alphabet import suppressed_tokens

        # A fresh list each time: faster-whisper extends the list it is given.
        options["suppress_tokens"] = list(suppressed_tokens(model if model is not None else get_model()))
    return options


def transcribe_array(
    audio: np.ndarray,
    *,
    offset: float = 0.0,
    check: Callable[[], None] | None = None,
    on_segment: Callable[[Segment], None] | None = None,
    deadline: Deadline | None = None,
) -> Transcript:
    """Recognize 16 kHz mono float32 audio. `check` runs before each decoding pass and between segments (it may
    raise to stop). When `deadline` (by default one scaled by the audio's duration) passes, the segments recognized
    so far are returned with `timed_out` set."""
    model = get_model()
    duration = audio.size / SAMPLE_RATE
    if audio.size == 0:
        return Transcript(language=language_option() or allowed_languages()[0], duration=0.0)
    if deadline is None:
        deadline = Deadline.for_audio(duration)
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    options = transcribe_options(model)
    detected: float | None = None
    if options["language"] is None:
        options["language"], detected = detect_language(model, audio, options["vad_parameters"])
    _run.deadline, _run.check, _run.first_pass, _run.out_of_time = deadline, check, None, False
    try:
        segments, info = model.transcribe(audio, **options)
        result = Transcript(language=info.language, duration=duration,
                            language_probability=info.language_probability if detected is None else detected)
        try:
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
        except _OutOfTime:
            pass
        result.timed_out = bool(_run.out_of_time)
    finally:
        _run.deadline = _run.check = _run.first_pass = None
    if result.timed_out:
        log.warning("speech: time budget spent; returning the %d segments recognized up to %.1f s",
                    len(result.segments), result.segments[-1].end if result.segments else offset)
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
    deadline = Deadline.for_audio(info.duration)  # one budget for the whole file, all pieces
    if info.duration <= PIECE_SECONDS:
        audio = decode_file(path, max_seconds=limit)
        if audio.size == 0:
            raise SpeechError("file_unreadable", name=Path(path).name)
        result = transcribe_array(audio, check=check, on_segment=on_segment, deadline=deadline)
        if on_piece:
            on_piece(result.duration)
        return result
    total: Transcript | None = None
    for offset, audio in iter_pieces(path, max_seconds=limit):
        if check is not None:
            check()
        if total is not None and deadline.expired():
            total.timed_out = True  # the budget ran out with the piece before: this one is not decoded at all
            break
        part = transcribe_array(audio, offset=offset, check=check, on_segment=on_segment, deadline=deadline)
        if total is None:
            total = part
        else:
            total.segments.extend(part.segments)
            total.timed_out = part.timed_out
        total.duration = offset + part.duration
        if on_piece:
            on_piece(total.duration)
        if total.timed_out:
            break
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
