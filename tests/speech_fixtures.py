"""Real speech engines with tiny random weights, built offline by the tests, and real audio to feed them.

- A CTranslate2 Whisper (numpy weights, a byte-level `tokenizers` BPE) that faster-whisper loads like any other.
  Traps: the vocabulary needs the empty-string token "" (real Whisper has it at id 50256) and `lang_ids` must be
  filled, or CTranslate2 treats the model as English-only; the folder needs model.bin, config.json,
  vocabulary.json and tokenizer.json. Its output projection favours whole Persian letters and words, so the
  (meaningless) transcripts are Persian text rather than broken UTF-8 bytes.
- A VITS (`VitsModel`) with a `VitsTokenizer` over a Persian character vocabulary, stored in the HF cache layout
  as facebook/mms-tts-fas so the product finds it exactly as it finds a downloaded one.
- Speech recorded by espeak-ng, encoded by PyAV into the formats phones and browsers produce.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np

PERSIAN_UNITS = list("ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی") + ["سلام", "امروز", "هوا", "است", "من"]


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2's byte-level alphabet (the one Whisper's tokenizer uses): the product's table, inverted."""
    from assistant.services.speech.alphabet import _byte_decoder

    return {b: ch for ch, b in _byte_decoder().items()}


def build_tiny_whisper(
    out: Path, d_model: int = 64, heads: int = 2, layers: int = 1, ffn: int = 128, seed: int = 0,
    extra_tokens: Sequence[str | bytes] = (),
) -> Path:
    """A random Whisper in CTranslate2 format (about 2 MB), multilingual, loadable by faster-whisper offline.

    `extra_tokens`: more whole tokens (text, or raw bytes for pieces of characters), favoured by the output
    projection like the Persian units, so that a decoder left free writes them (other scripts, for instance).
    """
    from ctranslate2.specs import whisper_spec
    from faster_whisper.tokenizer import _LANGUAGE_CODES
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    b2u = _bytes_to_unicode()
    base = [b2u[b] for b in range(256)]
    # Byte-level merges so each Persian letter and a few words are one token (" س" → "ĠØ³").
    merges: list[tuple[str, str]] = []
    merged: list[str] = []
    units = []
    for unit in PERSIAN_UNITS:
        parts = list("".join(b2u[b] for b in (" " + unit).encode()))
        units.append("".join(parts))
        while len(parts) > 1:
            pair = (parts[0], parts[1])
            if pair not in merges:
                merges.append(pair)
                if pair[0] + pair[1] not in merged:
                    merged.append(pair[0] + pair[1])
            parts = [pair[0] + pair[1], *parts[2:]]
    extras = []
    for extra in extra_tokens:
        raw = extra if isinstance(extra, bytes) else extra.encode()
        token = "".join(b2u[b] for b in raw)
        if token and token not in base and token not in merged and token not in extras:
            extras.append(token)
    text_tokens = base + merged + extras + [""]
    specials = ["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{c}|>" for c in _LANGUAGE_CODES]
    specials += ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>", "<|notimestamps|>"]
    timestamps = ["<|%.2f|>" % (i * 0.02) for i in range(1501)]
    tokens = text_tokens + specials + timestamps
    ids = {tok: i for i, tok in enumerate(tokens)}

    tokenizer = Tokenizer(models.BPE(vocab={tok: i for i, tok in enumerate(text_tokens)}, merges=merges))
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.add_special_tokens([AddedToken(s, special=True) for s in specials + timestamps])

    vocab_size = len(tokens)

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    def norm(spec) -> None:
        spec.gamma = np.ones(d_model, np.float32)
        spec.beta = np.zeros(d_model, np.float32)

    def linear(spec, rows: int, cols: int) -> None:
        spec.weight = w(rows, cols)
        spec.bias = np.zeros(rows, np.float32)

    def attention(spec, cross: bool = False) -> None:
        norm(spec.layer_norm)
        if cross:
            linear(spec.linear[0], d_model, d_model)
            linear(spec.linear[1], 2 * d_model, d_model)
            linear(spec.linear[2], d_model, d_model)
        else:
            linear(spec.linear[0], 3 * d_model, d_model)
            linear(spec.linear[1], d_model, d_model)

    def feed_forward(spec) -> None:
        norm(spec.layer_norm)
        linear(spec.linear_0, ffn, d_model)
        linear(spec.linear_1, d_model, ffn)

    spec = whisper_spec.WhisperSpec(layers, heads, layers, heads)
    enc = spec.encoder
    enc.conv1.weight, enc.conv1.bias = w(d_model, 80, 3), np.zeros(d_model, np.float32)
    enc.conv2.weight, enc.conv2.bias = w(d_model, d_model, 3), np.zeros(d_model, np.float32)
    enc.position_encodings.encodings = w(1500, d_model)
    norm(enc.layer_norm)
    for layer in enc.layer:
        attention(layer.self_attention)
        feed_forward(layer.ffn)
    dec = spec.decoder
    dec.embeddings.weight = w(vocab_size, d_model)
    dec.position_encodings.encodings = w(448, d_model)
    norm(dec.layer_norm)
    for layer in dec.layer:
        attention(layer.self_attention)
        attention(layer.attention, cross=True)
        feed_forward(layer.ffn)
    projection = w(vocab_size, d_model)
    for unit in units:
        projection[ids[unit]] *= 50  # Persian letters and words win most steps
    for token in extras:
        projection[ids[token]] *= 50  # and so do the extra tokens, when nothing suppresses them
    projection[ids["<|endoftext|>"]] *= 50  # and the end comes after a few dozen of them
    dec.projection.weight = projection

    spec.register_vocabulary(tokens)
    spec.config.suppress_ids = []
    spec.config.suppress_ids_begin = [ids["<|endoftext|>"]]
    spec.config.lang_ids = [ids[f"<|{c}|>"] for c in _LANGUAGE_CODES]
    spec.config.alignment_heads = [(0, h) for h in range(heads)]
    spec.validate()
    spec.optimize(quantization=None)
    spec.save(str(out))
    tokenizer.save(str(out / "tokenizer.json"))
    return out


PERSIAN_CHARS = list("_ آابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیئءأؤ") + ["'", "-"]


def build_tiny_vits(out: Path, seed: int = 0) -> Path:
    """A random VITS (about 30 k parameters) with a Persian character tokenizer, saved like mms-tts-fas."""
    import torch
    from transformers import VitsConfig, VitsModel, VitsTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    out.mkdir(parents=True, exist_ok=True)
    vocab: dict[str, int] = {}
    for ch in PERSIAN_CHARS:
        vocab.setdefault(ch, len(vocab))
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    tokenizer = VitsTokenizer(
        str(out / "vocab.json"), language="fas", is_uroman=False, phonemize=False, normalize=True,
        pad_token="_", unk_token="<unk>",
    )
    config = VitsConfig(
        vocab_size=len(vocab), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, ffn_dim=32, flow_size=16,
        spectrogram_bins=33, upsample_initial_channel=32, upsample_rates=[8, 8, 2, 2],
        upsample_kernel_sizes=[16, 16, 4, 4], resblock_kernel_sizes=[3], resblock_dilation_sizes=[[1]],
        duration_predictor_filter_channels=16, prior_encoder_num_flows=1, prior_encoder_num_wavenet_layers=1,
        posterior_encoder_num_wavenet_layers=1, duration_predictor_num_flows=1, depth_separable_num_layers=1,
        sampling_rate=16_000,
    )
    torch.manual_seed(seed)
    model = VitsModel(config).eval()
    model.save_pretrained(str(out))
    tokenizer.save_pretrained(str(out))
    return out


def install_in_hf_cache(folder: Path, repo_id: str, hub_cache: Path, commit: str = "a" * 40) -> Path:
    """Put a model folder where huggingface_hub would have downloaded it (refs/main → snapshots/<commit>)."""
    repo_dir = hub_cache / f"models--{repo_id.replace('/', '--')}"
    snapshot = repo_dir / "snapshots" / commit
    if snapshot.exists():
        shutil.rmtree(snapshot)
    shutil.copytree(folder, snapshot)
    (repo_dir / "refs").mkdir(parents=True, exist_ok=True)
    (repo_dir / "refs" / "main").write_text(commit)
    return snapshot


# -- audio ---------------------------------------------------------------------------------------------------------
def espeak(text: str, path: Path, voice: str = "fa") -> Path:
    """Persian speech from espeak-ng (22.05 kHz mono WAV)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["espeak-ng", "-v", voice, "-b", "1", "-w", str(path), "--stdin"], input=text.encode(), check=True,
                   capture_output=True, timeout=60)
    return path


def read_pcm(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV as float32 samples and its rate."""
    with wave.open(str(path), "rb") as wav:
        rate = wav.getframerate()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        if wav.getnchannels() > 1:
            data = data.reshape(-1, wav.getnchannels()).mean(axis=1)
    return data, rate


def write_pcm(path: Path, samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> Path:
    """A WAV of any rate, channel count and sample width (1: unsigned 8-bit, 2: 16-bit)."""
    samples = np.clip(samples, -1.0, 1.0)
    if channels > 1:
        samples = np.repeat(samples[:, None], channels, axis=1).reshape(-1)
    raw = ((samples * 127) + 128).astype(np.uint8) if width == 1 else (samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(raw.tobytes())
    return path


def resample_linear(samples: np.ndarray, rate_from: int, rate_to: int) -> np.ndarray:
    n = int(round(samples.size * rate_to / rate_from))
    return np.interp(np.arange(n) * rate_from / rate_to, np.arange(samples.size), samples).astype(np.float32)


def encode(samples: np.ndarray, rate: int, path: Path, codec: str, *, with_video: bool = False) -> Path:
    """Encode speech with PyAV: mp3 (libmp3lame), ogg/opus (libopus), m4a (aac), mp4 with a video track."""
    import av

    target_rate = {"libopus": 48_000}.get(codec, rate)
    audio = resample_linear(samples, rate, target_rate) if target_rate != rate else samples.astype(np.float32)
    with av.open(str(path), "w") as container:
        video = None
        if with_video:
            video = container.add_stream("mpeg4", rate=10)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        stream = container.add_stream(codec, rate=target_rate)
        stream.layout = "mono"
        ctx = stream.codec_context
        frame_size = ctx.frame_size or 1024
        fmt = ctx.format.name if ctx.format else "fltp"
        pcm = np.clip(audio, -1, 1)
        for start in range(0, pcm.size, frame_size):
            piece = pcm[start : start + frame_size]
            if piece.size < frame_size:
                piece = np.pad(piece, (0, frame_size - piece.size))
            if fmt.startswith("s16"):
                array = (piece * 32767).astype(np.int16)[None, :]
            elif fmt.startswith("s32"):
                array = (piece * 2147483647).astype(np.int32)[None, :]
            else:
                array = piece.astype(np.float32)[None, :]
            frame = av.AudioFrame.from_ndarray(array, format=fmt, layout="mono")
            frame.sample_rate = target_rate
            frame.pts = start
            frame.time_base = Fraction(1, target_rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
        if video is not None:
            seconds = pcm.size / target_rate
            for i in range(max(1, int(seconds * 10))):
                image = np.full((48, 64, 3), (i * 7) % 255, dtype=np.uint8)
                vframe = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(format="yuv420p")
                vframe.pts = i
                for packet in video.encode(vframe):
                    container.mux(packet)
            for packet in video.encode(None):
                container.mux(packet)
    return path


def pcm16_chunks(samples: np.ndarray, rate_from: int, rate_to: int, chunk_ms: int = 100) -> list[bytes]:
    """What Chainlit's recorder sends: little-endian PCM16 at `rate_to`, in chunks."""
    audio = resample_linear(samples, rate_from, rate_to) if rate_from != rate_to else samples
    pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
    size = int(rate_to * chunk_ms / 1000) * 2
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]
