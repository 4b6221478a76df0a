"""Speech figures: Dastyar's transcription against faster-whisper called directly (same model, same audio, same
options, alternating rounds), and the time to first audio of a short `/speak`.

The model is the configured one (DASTYAR_STT_MODEL, e.g. Systran/faster-whisper-small in the HF cache) when it is
installed, else a tiny random CTranslate2 Whisper built here (then the figures measure Dastyar's overhead around
the engine, not Persian accuracy). The audio is Persian speech from espeak-ng.

Run: `.venv/bin/python benchmarks/speech.py [--seconds 60] [--rounds 3]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [
    "سلام به همه، امروز درباره یادگیری ماشین صحبت می‌کنیم.",
    "مدل‌های زبانی فارسی در چند سال اخیر پیشرفت زیادی کرده‌اند.",
    "برای آموزش یک مدل خوب به داده‌های تمیز و کافی نیاز داریم.",
    "امروز هوا آفتابی است و من به پارک می‌روم.",
]


def speech_file(folder: Path, seconds: float) -> Path:
    import numpy as np

    from tests.speech_fixtures import espeak, read_pcm, write_pcm

    parts, rate = [], 22050
    for i, sentence in enumerate(SENTENCES):
        samples, rate = read_pcm(espeak(sentence, folder / f"s{i}.wav"))
        parts += [samples, np.zeros(int(0.6 * rate), dtype=np.float32)]
    one = np.concatenate(parts)
    repeats = int(np.ceil(seconds * rate / one.size))
    audio = np.tile(one, repeats)[: int(seconds * rate)]
    return write_pcm(folder / f"speech-{int(seconds)}s.wav", audio, rate)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the test recording")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dastyar-bench-speech-"))
    os.environ["DASTYAR_DATA_DIR"] = str(work / "data")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from assistant.config import reset_settings
    from assistant.services.speech import stt

    reset_settings()
    ref = stt.resolve_model()
    if ref.ready:
        model_label = f"{ref.name} ({ref.path})"
    else:
        from tests.speech_fixtures import build_tiny_whisper

        path = build_tiny_whisper(work / "tiny-whisper")
        os.environ.update({"DASTYAR_STT_MODEL": str(path), "DASTYAR_STT_BEAM_SIZE": "1", "DASTYAR_STT_FALLBACK": "false"})
        reset_settings()
        model_label = f"tiny random Whisper (d=64, 1+1 layers; `{ref.name}` is not installed)"

    audio = speech_file(work, args.seconds)
    model = stt.get_model()  # loaded once, shared by both sides
    options = stt.transcribe_options()
    device, compute_type = stt.device_and_compute_type()
    print(f"model: {model_label} — {device}/{compute_type}, options: beam={options['beam_size']}, "
          f"language={options['language']}, vad_filter={options['vad_filter']}")
    print(f"audio: {audio.name}, {args.seconds:.0f} s of Persian espeak-ng speech, {os.cpu_count()} CPU cores")

    def direct() -> tuple[float, tuple[int, int]]:
        started = time.perf_counter()
        segments, _info = model.transcribe(str(audio), **options)
        texts = [seg.text for seg in segments]
        return time.perf_counter() - started, (len(texts), sum(len(x) for x in texts))

    def direct_same_decoder() -> tuple[float, tuple[int, int]]:
        """The library on the samples Dastyar's own decoder makes (Dastyar reads WAV itself; given a path,
        faster-whisper decodes with PyAV): the same work as Dastyar's call, so the fair side of the ratio."""
        from assistant.services.speech.audio import decode_file

        started = time.perf_counter()
        segments, _info = model.transcribe(decode_file(audio), **options)
        texts = [seg.text for seg in segments]
        return time.perf_counter() - started, (len(texts), sum(len(x) for x in texts))

    def dastyar() -> tuple[float, tuple[int, int]]:
        started = time.perf_counter()
        result = stt.transcribe_file(audio)
        return time.perf_counter() - started, (len(result.segments), sum(len(seg.text) for seg in result.segments))

    direct()  # warm-up (VAD model, caches)
    times: dict[str, list[float]] = {"direct": [], "same": [], "dastyar": []}
    counts: dict[str, tuple[int, int]] = {}
    sides = [("direct", direct), ("same", direct_same_decoder), ("dastyar", dastyar)]
    for i in range(args.rounds):
        for name, run in sides if i % 2 == 0 else sides[::-1]:  # alternate who goes first: no side gets warm caches
            seconds, count = run()
            times[name].append(seconds)
            counts[name] = count
    path_time = statistics.median(times["direct"])
    d, o = statistics.median(times["same"]), statistics.median(times["dastyar"])
    print(f"faster-whisper on the file path (PyAV decodes): {path_time:7.3f} s  ({counts['direct'][0]} segments, "
          f"{counts['direct'][1]} characters)")
    print(f"faster-whisper direct : {d:7.3f} s  RTF {d / args.seconds:.4f}  ({counts['same'][0]} segments, "
          f"{counts['same'][1]} characters; same decoder as Dastyar)")
    print(f"Dastyar transcribe    : {o:7.3f} s  RTF {o / args.seconds:.4f}  ({counts['dastyar'][0]} segments, "
          f"{counts['dastyar'][1]} characters)")
    print(f"speed ratio (direct time / Dastyar time): {d / o:.3f}×  (goal ≥ 0.95×)")
    if d / o > 1.0:
        # Dastyar calls this very model: faster than it means it did less work or the timing is noise.
        less = counts["dastyar"][1] < counts["same"][1]
        print("  note: above 1.0 against the library Dastyar calls — "
              + ("Dastyar wrote less text (its script restriction, no-repeat rule or time budget stop decoding "
                 "earlier on this model), so the two did not do the same work" if less else
                 "the same output in less time: run-to-run noise on a shared machine, not a real speed-up"))

    # Time to first audio: from the message to a playable WAV on disk, through the whole agent.
    from agents.graph import run_agent
    from assistant.services.speech.tts import engines

    run_agent("/help")  # the agent graph compiled, as in a running server
    print(f"TTS engines: espeak-ng {'ready' if engines()['espeak'].available() else 'missing'}, "
          f"MMS {'ready' if engines()['mms'].available() else 'not installed'}")
    for label, text in (("first /speak (cold)", "/speak سلام، حالت چطوره؟"),
                        ("another text", "/speak امروز هوا آفتابی است."),
                        ("same text (cache)", "/speak امروز هوا آفتابی است.")):
        started = time.perf_counter()
        reply = run_agent(text)
        elapsed = time.perf_counter() - started
        assert reply.ok and Path(reply.media[0]["path"]).is_file(), reply.text
        print(f"time to first audio, {label:22s}: {elapsed * 1000:7.1f} ms  "
              f"({reply.data['engine']}, {reply.data['duration']:.2f} s of audio)")
    ok = d / o >= 0.95
    print("result:", "OK" if ok else "slower than the goal")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
