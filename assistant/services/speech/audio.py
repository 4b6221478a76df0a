"""Audio in and out: probing and decoding any container PyAV (FFmpeg) reads, resampling, WAV files.

Everything the recognizer sees is mono float32 at 16 kHz. Long files are decoded block by block so memory stays
bounded whatever the file's length; broken packets are skipped instead of failing the whole file.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.services.speech.common import SpeechError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Sample rates outside this range are not audio anyone recorded on purpose.
MIN_RATE, MAX_RATE = 4_000, 384_000


@dataclass
class AudioInfo:
    path: Path
    size: int
    duration: float  # seconds, from the container (estimated for some formats)
    sample_rate: int
    channels: int
    codec: str
    container: str

    def to_dict(self) -> dict:
        return {
            "path": str(self.path), "size": self.size, "duration": self.duration, "sample_rate": self.sample_rate,
            "channels": self.channels, "codec": self.codec, "container": self.container,
        }


def _av():
    import av

    return av


def _is_cover_art(stream) -> bool:
    """An MP3/M4A cover picture shows up as a video stream; it does not make the file a video."""
    from av.stream import Disposition

    try:
        return bool(stream.disposition & Disposition.attached_pic)
    except (AttributeError, TypeError):
        return False


def probe(path: str | os.PathLike) -> AudioInfo:
    """Open a file and describe its audio without decoding it; every problem is a SpeechError."""
    av = _av()
    p = Path(path)
    name = p.name or str(path)
    if not p.is_file():
        raise SpeechError("file_missing", name=name)
    size = p.stat().st_size
    if size == 0:
        raise SpeechError("file_empty", name=name)
    try:
        with av.open(str(p), mode="r", metadata_errors="ignore") as container:
            videos = [s for s in container.streams.video if not _is_cover_art(s)]
            audios = list(container.streams.audio)
            if videos:
                raise SpeechError("video_file", name=name)
            if not audios:
                raise SpeechError("no_audio_stream", name=name)
            stream = audios[0]
            ctx = stream.codec_context
            rate = int(ctx.sample_rate or stream.rate or 0)
            channels = int(getattr(ctx, "channels", 0) or len(getattr(ctx.layout, "channels", ())) or 1)
            duration = 0.0
            if stream.duration and stream.time_base:
                duration = float(stream.duration * stream.time_base)
            elif container.duration:
                duration = container.duration / 1_000_000
            else:
                duration = _duration_from_packets(container, stream)
            codec = ctx.name or "?"
            fmt = container.format.name or "?"
    except SpeechError:
        raise
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        log.info("cannot read %s as audio: %s", p, exc)
        raise SpeechError("file_unreadable", name=name) from None
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SpeechError("bad_sample_rate", name=name, rate=rate)
    return AudioInfo(p, size, max(0.0, duration), rate, channels, codec, fmt)


def _duration_from_packets(container, stream) -> float:
    """Some streams (raw ADTS, Ogg without index) state no duration: add packet durations (no decoding)."""
    end = 0.0
    for packet in container.demux(stream):
        if packet.pts is not None and packet.time_base:
            end = max(end, float((packet.pts + (packet.duration or 0)) * packet.time_base))
    return end


def iter_decode(path: str | os.PathLike, block_seconds: float = 300.0, max_seconds: float | None = None) -> Iterator[np.ndarray]:
    """Decode to 16 kHz mono float32 in blocks of about `block_seconds`; stops at `max_seconds`."""
    av = _av()
    block = int(block_seconds * SAMPLE_RATE)
    limit = int(max_seconds * SAMPLE_RATE) if max_seconds else None
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    parts: list[np.ndarray] = []
    pending = 0
    total = 0
    name = Path(path).name
    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            for frame in _frames(container, stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    arr = out.to_ndarray().reshape(-1)
                    parts.append(arr)
                    pending += arr.size
                if pending >= block:
                    chunk = np.concatenate(parts)
                    parts, pending = [], 0
                    if limit is not None and total + chunk.size >= limit:
                        yield _to_float(chunk[: limit - total])
                        return
                    total += chunk.size
                    yield _to_float(chunk)
            for out in resampler.resample(None):
                parts.append(out.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, IndexError) as exc:
        if not total and not parts:
            log.info("cannot decode %s: %s", path, exc)
            raise SpeechError("file_unreadable", name=name) from None
        log.info("decoding %s stopped early (%s); using what was read", path, exc)
    if parts:
        chunk = np.concatenate(parts)
        if limit is not None:
            chunk = chunk[: max(0, limit - total)]
        if chunk.size:
            yield _to_float(chunk)


def _frames(container, stream):
    """Decoded frames; a corrupt packet (a truncated or damaged file) is skipped, not fatal."""
    av = _av()
    for packet in container.demux(stream):
        try:
            frames = packet.decode()
        except av.error.InvalidDataError:
            continue
        except av.error.FFmpegError as exc:
            if "EOF" in type(exc).__name__:
                return
            continue
        yield from frames


def _to_float(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float32) / 32768.0


def decode_file(path: str | os.PathLike, max_seconds: float | None = None) -> np.ndarray:
    """The whole file as 16 kHz mono float32 (for short files; long ones go through `iter_decode`)."""
    blocks = list(iter_decode(path, block_seconds=60.0, max_seconds=max_seconds))
    if not blocks:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate(blocks)


def pcm16_to_float(data: bytes) -> np.ndarray:
    """Little-endian PCM16 bytes (as browsers send them) to float32; an odd trailing byte is dropped."""
    usable = len(data) - (len(data) % 2)
    return np.frombuffer(data[:usable], dtype="<i2").astype(np.float32) / 32768.0


def resample(samples: np.ndarray, rate_from: int, rate_to: int = SAMPLE_RATE) -> np.ndarray:
    """High-quality resampling (FFmpeg's swresample) of a mono float32 signal."""
    samples = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
    if rate_from == rate_to or samples.size == 0:
        return samples
    if not MIN_RATE <= rate_from <= MAX_RATE:
        raise SpeechError("bad_sample_rate", name="microphone", rate=rate_from)
    av = _av()
    frame = av.AudioFrame.from_ndarray(samples[None, :], format="flt", layout="mono")
    frame.sample_rate = int(rate_from)
    resampler = av.AudioResampler(format="flt", layout="mono", rate=int(rate_to))
    outs = list(resampler.resample(frame)) + list(resampler.resample(None))
    if not outs:
        return np.zeros(0, dtype=np.float32)
    return np.concatenate([o.to_ndarray().reshape(-1) for o in outs]).astype(np.float32)


def to_pcm16(samples: np.ndarray) -> np.ndarray:
    if samples.dtype == np.int16:
        return samples
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")


def write_wav(path: str | os.PathLike, samples: np.ndarray, sample_rate: int) -> Path:
    """Mono 16-bit WAV, written atomically (a reader never sees half a file)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh, wave.open(fh, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(int(sample_rate))
            wav.writeframes(to_pcm16(samples).tobytes())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def read_wav(data: bytes | str | os.PathLike) -> tuple[np.ndarray, int]:
    """A PCM16 WAV (from bytes or a path) as mono float32 and its sample rate."""
    source = io.BytesIO(data) if isinstance(data, bytes | bytearray) else str(data)
    with wave.open(source, "rb") as wav:
        rate, channels, width = wav.getframerate(), wav.getnchannels(), wav.getsampwidth()
        raw = wav.readframes(wav.getnframes())
    if width != 2:
        raise ValueError(f"expected 16-bit PCM, got {8 * width}-bit")
    samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate
