"""Text to speech behind one interface, two engines:

- `mms`: facebook/mms-tts-fas (VITS) through transformers, when the model is in the local HF cache (or a folder);
- `espeak`: espeak-ng's Persian voice (`-v fa`), a small system package that always works offline.

`DASTYAR_TTS_ENGINE` picks one (auto: MMS when installed, else espeak-ng); a missing engine falls back to the other
with a note. Audio is cached by a hash of engine, voice and text under the data directory.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.config import get_settings
from assistant.services.speech import text as speech_text
from assistant.services.speech.audio import read_wav, write_wav
from assistant.services.speech.common import SpeechError, speech_dir

log = logging.getLogger(__name__)

ENGINES = ("mms", "espeak")
ESPEAK_TIMEOUT = 60.0
CACHE_MAX_BYTES = 256 * 1024**2


@dataclass
class Speech:
    path: Path
    engine: str
    voice: str
    sample_rate: int
    duration: float
    cached: bool
    seconds: float  # time it took to have the audio (cache hits: the lookup)
    note: str | None = None  # e.g. the engine asked for was missing and the other one spoke

    def to_dict(self) -> dict:
        return {
            "path": str(self.path), "engine": self.engine, "voice": self.voice, "sample_rate": self.sample_rate,
            "duration": round(self.duration, 3), "cached": self.cached, "seconds": round(self.seconds, 4),
            "note": self.note,
        }


class TTSEngine(ABC):
    name: str
    label: str

    @abstractmethod
    def available(self) -> bool: ...

    @abstractmethod
    def identity(self, voice: str) -> str:
        """Everything that changes the sound (engine version, model files, voice): part of the cache key."""

    @abstractmethod
    def synthesize(self, text: str, voice: str) -> tuple[np.ndarray, int]:
        """Prepared Persian text to mono float32 samples and their rate."""

    def details(self) -> dict:
        return {"available": self.available()}


# -- espeak-ng -----------------------------------------------------------------------------------------------------
ESPEAK_VOICES = {"": "fa", "espeak": "fa", "mms": "fa", "male": "fa", "female": "fa+f3"}


class EspeakEngine(TTSEngine):
    name = "espeak"
    label = "espeak-ng"

    @staticmethod
    def binary() -> str | None:
        return shutil.which("espeak-ng")

    def available(self) -> bool:
        return self.binary() is not None

    def version(self) -> str:
        binary = self.binary()
        return _espeak_version(binary) if binary else ""

    def identity(self, voice: str) -> str:
        return f"espeak-ng {self.version()} {ESPEAK_VOICES.get(voice, voice)}"

    def details(self) -> dict:
        return {"available": self.available(), "path": self.binary(), "version": self.version() or None}

    def synthesize(self, text: str, voice: str) -> tuple[np.ndarray, int]:
        binary = self.binary()
        if binary is None:
            raise SpeechError("espeak_missing")
        with tempfile.TemporaryDirectory(prefix="dastyar-espeak-") as tmp:
            out = Path(tmp) / "out.wav"
            # Text goes through stdin: never parsed as options, no length limit on the command line.
            cmd = [binary, "-v", ESPEAK_VOICES.get(voice, voice), "-b", "1", "-w", str(out), "--stdin"]
            try:
                proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=ESPEAK_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise SpeechError("tts_failed", engine=self.label) from None
            if proc.returncode != 0 or not out.is_file():
                log.warning("espeak-ng failed (%s): %s", proc.returncode, proc.stderr.decode(errors="replace")[:300])
                raise SpeechError("tts_failed", engine=self.label)
            return read_wav(out.read_bytes())


@lru_cache(maxsize=4)
def _espeak_version(binary: str) -> str:
    try:
        out = subprocess.run([binary, "--version"], capture_output=True, timeout=10, text=True).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    parts = out.split()
    for i, word in enumerate(parts):
        if word.rstrip(":").lower() == "text-to-speech" and i + 1 < len(parts):
            return parts[i + 1]
    return out.strip()[:40]


# -- MMS (VITS) ----------------------------------------------------------------------------------------------------
class MmsEngine(TTSEngine):
    name = "mms"
    label = "MMS-TTS (facebook/mms-tts-fas)"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loaded: tuple[str, object, object] | None = None

    @staticmethod
    def model_path() -> Path | None:
        """The model folder: a local path from the settings, or the repo's snapshot in the HF cache."""
        from assistant.services.hub.local import resolve_snapshot

        name = get_settings().tts_mms_model.strip()
        candidate = Path(name).expanduser()
        folder = candidate if candidate.is_dir() else resolve_snapshot(name) if "/" in name else None
        if folder is None:
            return None
        weights = any((folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin"))
        if (folder / "config.json").is_file() and (folder / "vocab.json").is_file() and weights:
            return folder
        return None

    def available(self) -> bool:
        return self.model_path() is not None

    def identity(self, voice: str) -> str:
        return f"mms {self.model_path()}"

    def details(self) -> dict:
        path = self.model_path()
        return {"available": path is not None, "model": get_settings().tts_mms_model, "path": str(path) if path else None,
                "loaded": self._loaded is not None}

    def _model(self, path: Path):
        if self._loaded is None or self._loaded[0] != str(path):
            from transformers import VitsModel, VitsTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            try:
                model = VitsModel.from_pretrained(str(path))
                tokenizer = VitsTokenizer.from_pretrained(str(path))
            except Exception as exc:
                log.exception("cannot load the MMS model at %s", path)
                raise SpeechError("tts_model_broken", model=str(path)) from exc
            model.eval()
            self._loaded = (str(path), model, tokenizer)
        return self._loaded[1], self._loaded[2]

    def synthesize(self, text: str, voice: str) -> tuple[np.ndarray, int]:
        import torch

        path = self.model_path()
        if path is None:
            raise SpeechError("mms_missing", model=get_settings().tts_mms_model)
        with self._lock:
            model, tokenizer = self._model(path)
            rate = int(model.config.sampling_rate)
            pause = np.zeros(int(0.25 * rate), dtype=np.float32)
            parts: list[np.ndarray] = []
            for sentence in speech_text.sentences(text.replace("\u200c", ""), max_len=250):
                inputs = tokenizer(sentence, return_tensors="pt")
                if inputs["input_ids"].shape[-1] < 3:  # nothing the model knows how to say
                    continue
                torch.manual_seed(0)  # VITS samples noise: the same text gives the same audio
                with torch.inference_mode():
                    wave = model(**inputs).waveform[0].float().cpu().numpy()
                if parts:
                    parts.append(pause)
                parts.append(wave.astype(np.float32))
            if not parts:
                # The text has Persian letters (checked before), so the model's vocabulary does not cover them
                # (e.g. a checkpoint that expects romanized input): let the other engine speak.
                log.warning("the MMS vocabulary at %s covers none of the text", path)
                raise SpeechError("tts_failed", engine=self.label)
            return np.concatenate(parts), rate


_ENGINES: dict[str, TTSEngine] = {"espeak": EspeakEngine(), "mms": MmsEngine()}


def engines() -> dict[str, TTSEngine]:
    return _ENGINES


def configured_engine() -> str:
    value = get_settings().tts_engine.strip().lower()
    return value if value in ("auto", *ENGINES) else "auto"


def choose_engine(voice: str = "") -> tuple[TTSEngine, str | None]:
    """The engine for a voice (an explicit engine or an espeak-ng variant wins over the setting) and a note when
    the wished one is missing and the other one speaks instead."""
    from prompts import t

    if voice == "mms":
        wanted = "mms"
    elif voice in ("espeak", "male", "female") or voice.startswith("fa+"):
        wanted = "espeak"
    else:
        wanted = configured_engine()
    if wanted == "auto":
        for name in ("mms", "espeak"):
            if _ENGINES[name].available():
                return _ENGINES[name], None
        raise SpeechError("tts_unavailable")
    engine = _ENGINES[wanted]
    if engine.available():
        return engine, None
    other = _ENGINES["espeak" if wanted == "mms" else "mms"]
    if other.available():
        note_key = "speech.mms_fallback" if wanted == "mms" else "speech.espeak_fallback"
        return other, t(note_key, model=get_settings().tts_mms_model)
    raise SpeechError("tts_unavailable")


def _cache_file(engine: TTSEngine, voice: str, text: str) -> Path:
    key = hashlib.sha256(f"{engine.identity(voice)}\n{voice}\n{text}".encode()).hexdigest()
    return speech_dir("tts-cache", key[:2]) / f"{key}.wav"


def _prune_cache(limit: int = CACHE_MAX_BYTES) -> None:
    root = speech_dir("tts-cache")
    files = [(p.stat().st_mtime, p.stat().st_size, p) for p in root.glob("*/*.wav")]
    total = sum(size for _, size, _ in files)
    for _, size, path in sorted(files):
        if total <= limit:
            break
        path.unlink(missing_ok=True)
        total -= size


def _wav_facts(path: Path) -> tuple[int, float]:
    import wave

    with wave.open(str(path), "rb") as wav:
        return wav.getframerate(), wav.getnframes() / float(wav.getframerate())


def synthesize(text: str, voice: str = "", *, max_chars: int | None = None) -> Speech:
    """Speak Persian text: a WAV file (cached by text hash). Raises SpeechError with a Persian message."""
    started = time.perf_counter()
    limit = max_chars if max_chars is not None else get_settings().tts_max_chars
    prepared = speech_text.prepare(text, limit)
    engine, note = choose_engine(voice)
    path = _cache_file(engine, voice, prepared)
    if path.is_file():
        os.utime(path)
        rate, duration = _wav_facts(path)
        return Speech(path, engine.name, voice, rate, duration, True, time.perf_counter() - started, note)
    try:
        samples, rate = engine.synthesize(prepared, voice)
    except SpeechError as exc:
        # One engine failing (a broken model, a crashed process) is not the end: the other one may speak.
        other = _ENGINES["espeak" if engine.name == "mms" else "mms"]
        if exc.key in ("tts_nothing_to_say",) or not other.available():
            raise
        log.warning("%s failed (%s); speaking with %s", engine.name, exc.key, other.name)
        engine, note = other, str(exc)
        path = _cache_file(engine, voice, prepared)
        samples, rate = engine.synthesize(prepared, voice)
    if samples.size == 0:
        raise SpeechError("tts_nothing_to_say")
    write_wav(path, samples, rate)
    _prune_cache()
    return Speech(path, engine.name, voice, rate, samples.size / rate, False, time.perf_counter() - started, note)
