"""The microphone: PCM16 chunks in, end of speech detected with Silero VAD (bundled with faster-whisper).

Chainlit streams raw PCM16 at the rate set in `.chainlit/config.toml` and has no silence detection. A `Listener`
collects the chunks, runs the VAD on every new 32 ms window (at 16 kHz) and says when the speaker has stopped:
after some speech, a pause of `DASTYAR_VAD_SILENCE_MS`. It also gives up when nobody speaks for a while, and cuts
an utterance that runs too long. Memory is bounded by `max_seconds`.
"""

from __future__ import annotations

import logging
from enum import StrEnum

import numpy as np

from assistant.config import get_settings
from assistant.services.speech.audio import MAX_RATE, MIN_RATE, SAMPLE_RATE, pcm16_to_float, resample
from assistant.services.speech.common import SpeechError

log = logging.getLogger(__name__)

WINDOW = 512  # samples at 16 kHz: Silero's window, 32 ms
_CONTEXT = 64


class ListenState(StrEnum):
    waiting = "waiting"  # nothing said yet
    speaking = "speaking"
    ended = "ended"  # speech, then a pause: the utterance is complete
    no_speech = "no_speech"  # nobody spoke before the timeout
    too_long = "too_long"  # cut at max_seconds


class Listener:
    def __init__(
        self,
        sample_rate: int,
        *,
        silence_ms: int | None = None,
        min_speech_ms: int = 250,
        no_speech_seconds: float = 12.0,
        max_seconds: float = 90.0,
        threshold: float = 0.5,
    ) -> None:
        if not MIN_RATE <= int(sample_rate) <= MAX_RATE:
            raise SpeechError("bad_sample_rate", name="microphone", rate=int(sample_rate))
        self.sample_rate = int(sample_rate)
        self.silence_ms = silence_ms if silence_ms is not None else get_settings().vad_silence_ms
        self.min_speech_ms = min_speech_ms
        self.no_speech_seconds = no_speech_seconds
        self.max_seconds = max_seconds
        self.threshold = threshold
        self.neg_threshold = max(threshold - 0.15, 0.01)
        self.state = ListenState.waiting
        self._raw: list[np.ndarray] = []  # float32 at the input rate
        self._raw_samples = 0
        self._max_raw = int(max_seconds * self.sample_rate)
        # Streaming linear resampling to 16 kHz for the VAD (the recognizer gets a better resampling at the end).
        self._step = self.sample_rate / SAMPLE_RATE
        self._tail = np.zeros(0, dtype=np.float32)
        self._pos = 0.0
        self._pending = np.zeros(0, dtype=np.float32)
        self._prev_window = np.zeros(WINDOW, dtype=np.float32)
        self.windows = 0
        self.speech_ms = 0.0
        self.silence_run_ms = 0.0
        self.speech_start: float | None = None  # seconds
        self.speech_end: float | None = None

    # -- input -----------------------------------------------------------------------------------------------------
    @property
    def seconds(self) -> float:
        return self._raw_samples / self.sample_rate

    @property
    def done(self) -> bool:
        return self.state in (ListenState.ended, ListenState.no_speech, ListenState.too_long)

    def feed(self, data: bytes) -> ListenState:
        """Add one PCM16 chunk; returns the state after it (chunks after the end are ignored)."""
        if self.done or not data:
            return self.state
        samples = pcm16_to_float(data)
        room = self._max_raw - self._raw_samples
        if samples.size > room:
            samples = samples[:room]
        if samples.size:
            self._raw.append(samples)
            self._raw_samples += samples.size
            self._run_vad(self._to_16k(samples))
        if not self.done:
            if self._raw_samples >= self._max_raw:
                self.state = ListenState.too_long if self.speech_start is not None else ListenState.no_speech
            elif self.speech_start is None and self.seconds >= self.no_speech_seconds:
                self.state = ListenState.no_speech
        return self.state

    def _to_16k(self, x: np.ndarray) -> np.ndarray:
        if self.sample_rate == SAMPLE_RATE:
            return x
        buf = np.concatenate([self._tail, x])
        last = buf.size - 1
        if last < self._pos:
            self._tail = buf
            return np.zeros(0, dtype=np.float32)
        n = int(np.floor((last - self._pos) / self._step)) + 1
        positions = self._pos + self._step * np.arange(n)
        out = np.interp(positions, np.arange(buf.size), buf).astype(np.float32)
        self._pos = self._pos + self._step * n - last
        self._tail = buf[-1:]
        return out

    def _run_vad(self, audio16: np.ndarray) -> None:
        from faster_whisper.vad import get_vad_model

        pending = np.concatenate([self._pending, audio16]) if self._pending.size else audio16
        usable = pending.size - pending.size % WINDOW
        if usable == 0:
            self._pending = pending
            return
        windows = pending[:usable]
        self._pending = pending[usable:]
        # The previous window goes first so the first new one has its real context; its probability is dropped.
        probs = get_vad_model()(np.concatenate([self._prev_window, windows]), WINDOW, _CONTEXT)
        probs = np.asarray(probs).reshape(-1)[1:]
        self._prev_window = windows[-WINDOW:].copy()
        step_ms = 1000.0 * WINDOW / SAMPLE_RATE
        for prob in probs:
            self.windows += 1
            now = self.windows * WINDOW / SAMPLE_RATE
            if prob >= self.threshold:
                self.speech_ms += step_ms
                self.silence_run_ms = 0.0
                if self.speech_start is None and self.speech_ms >= self.min_speech_ms:
                    self.speech_start = max(0.0, now - self.speech_ms / 1000.0)
                    self.state = ListenState.speaking
                self.speech_end = now
            elif prob < self.neg_threshold:
                self.silence_run_ms += step_ms
                if self.speech_start is None and self.silence_run_ms > 1000:
                    self.speech_ms = 0.0  # scattered blips are not speech
                if self.speech_start is not None and self.silence_run_ms >= self.silence_ms:
                    self.state = ListenState.ended
                    return
            else:
                self.silence_run_ms = 0.0

    # -- output ----------------------------------------------------------------------------------------------------
    def finish(self) -> None:
        """The user stopped the microphone: whatever was said is the utterance."""
        if not self.done:
            self.state = ListenState.ended if self.speech_start is not None else ListenState.no_speech

    def heard_speech(self) -> bool:
        return self.speech_start is not None

    def audio(self) -> np.ndarray:
        """The utterance at 16 kHz, from a little before the speech started to a little after it ended."""
        if not self._raw:
            return np.zeros(0, dtype=np.float32)
        raw = np.concatenate(self._raw)
        audio = resample(raw, self.sample_rate, SAMPLE_RATE)
        if self.speech_start is not None:
            start = max(0, int((self.speech_start - 0.4) * SAMPLE_RATE))
            end = audio.size if self.speech_end is None else min(audio.size, int((self.speech_end + 0.5) * SAMPLE_RATE))
            audio = audio[start:end]
        return audio


def transcribe_utterance(listener: Listener) -> str:
    """The text of what was said; SpeechError("no_speech_heard") when there was nothing to hear."""
    from assistant.services.speech.stt import transcribe_array

    if not listener.heard_speech():
        raise SpeechError("no_speech_heard")
    result = transcribe_array(listener.audio())
    text = result.text
    if not text:
        raise SpeechError("no_speech_heard")
    return text
