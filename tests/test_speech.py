"""Speech to text: real faster-whisper (a tiny random CTranslate2 Whisper built here), real Silero VAD, real audio
from espeak-ng encoded by FFmpeg (PyAV). Random weights give meaningless Persian text: the tests check the
language, the structure and the plumbing, never the words."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from agents.graph import run_agent
from assistant.config import reset_settings
from assistant.jobs import store
from assistant.jobs.runner import get_runner, wait_for_job
from assistant.models import JobStatus
from assistant.services import notifications
from tests.speech_fixtures import (
    build_tiny_whisper,
    encode,
    espeak,
    install_in_hf_cache,
    pcm16_chunks,
    read_pcm,
    write_pcm,
)
from tools import call_tool

SENTENCE = "امروز هوا آفتابی است و من به پارک می‌روم"
FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture(scope="session")
def tiny_whisper(tmp_path_factory) -> Path:
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper") / "model")


@pytest.fixture
def stt(tiny_whisper, monkeypatch) -> Path:
    """The product configured with the tiny model; greedy decoding (random weights would try every temperature)."""
    monkeypatch.setenv("DASTYAR_STT_MODEL", str(tiny_whisper))
    monkeypatch.setenv("DASTYAR_STT_BEAM_SIZE", "1")
    monkeypatch.setenv("DASTYAR_STT_FALLBACK", "false")
    reset_settings()
    return tiny_whisper


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory) -> Path:
    """Persian speech by espeak-ng and the same speech in the formats people send."""
    folder = tmp_path_factory.mktemp("speech-audio")
    wav = espeak(SENTENCE, folder / "sentence.wav")
    samples, rate = read_pcm(wav)
    encode(samples, rate, folder / "voice.mp3", "libmp3lame")
    encode(samples, rate, folder / "voice.ogg", "libopus")  # a phone voice note (Opus in Ogg)
    encode(samples, rate, folder / "voice.m4a", "aac")
    encode(samples, rate, folder / "clip.mp4", "aac", with_video=True)
    pause = np.zeros(int(1.2 * rate), dtype=np.float32)
    sentences = [read_pcm(espeak(s, folder / f"s{i}.wav"))[0] for i, s in enumerate(
        ["سلام به همه", "امروز درباره یادگیری ماشین صحبت می‌کنیم", "مدل‌های زبانی فارسی پیشرفت زیادی کرده‌اند",
         "این یک آزمایش است", "ممنون که گوش دادید"])]
    long = np.concatenate([x for s in sentences for x in (s, pause)] * 2)
    write_pcm(folder / "long.wav", long, rate)
    write_pcm(folder / "silence.wav", np.zeros(3 * rate, dtype=np.float32), rate)
    return folder


# -- the engine --------------------------------------------------------------------------------------------------
def test_round_trip_espeak_speech_to_persian_transcript(stt, audio_dir):
    from assistant.services.speech import stt as engine

    result = engine.transcribe_file(audio_dir / "sentence.wav")
    assert result.language == "fa"
    assert result.segments, "the pipeline produced no text"
    assert abs(result.duration - 3.3) < 0.3
    for seg in result.segments:
        assert 0 <= seg.start <= seg.end <= result.duration + 1e-6
        assert seg.text and "\ufffd" not in seg.text
    # Persian letters (the tiny model's vocabulary), clean of control characters.
    assert any("\u0600" <= ch <= "\u06ff" for ch in result.text)
    assert all(ch.isprintable() for ch in result.text)


def test_language_is_forced_to_persian_unless_auto(stt, audio_dir, monkeypatch):
    from assistant.services.speech import stt as engine

    assert engine.transcribe_options()["language"] == "fa"
    monkeypatch.setenv("DASTYAR_STT_LANGUAGE", "auto")
    reset_settings()
    assert engine.transcribe_options()["language"] is None  # detected per recording, among DASTYAR_STT_LANGUAGES
    detected = engine.transcribe_file(audio_dir / "sentence.wav")
    assert detected.language in ("fa", "en") and detected.language_probability is not None
    monkeypatch.setenv("DASTYAR_STT_LANGUAGE", "فارسی")
    reset_settings()
    assert engine.language_option() == "fa"


def test_model_is_loaded_once_and_shared_between_threads(stt):
    from assistant.services.speech import stt as engine

    seen = []
    threads = [threading.Thread(target=lambda: seen.append(engine.get_model())) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len({id(m) for m in seen}) == 1 and seen[0] is engine.get_model()
    assert engine.device_and_compute_type() == ("cpu", "int8")


def test_model_found_in_hf_cache_by_size_name(tiny_whisper, monkeypatch):
    """DASTYAR_STT_MODEL=small means Systran/faster-whisper-small from the local HF cache."""
    from assistant.services.hub.local import hub_cache
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_MODEL", "small")
    reset_settings()
    ref = engine.resolve_model()
    assert ref.repo_id == "Systran/faster-whisper-small" and not ref.ready
    snapshot = install_in_hf_cache(tiny_whisper, "Systran/faster-whisper-small", hub_cache())
    assert engine.resolve_model().path == snapshot


def test_missing_model_is_explained(audio_dir, monkeypatch):
    monkeypatch.setenv("DASTYAR_STT_MODEL", "small")
    reset_settings()
    reply = run_agent("/transcribe " + str(audio_dir / "sentence.wav"))
    assert not reply.ok and reply.data["error"] == "stt_model_missing"
    assert "/download Systran/faster-whisper-small" in reply.text
    monkeypatch.setenv("DASTYAR_STT_MODEL", "no-such-model")
    reset_settings()
    reply = run_agent("/transcribe " + str(audio_dir / "sentence.wav"))
    assert not reply.ok and "DASTYAR_STT_MODEL" in reply.text


# -- files through the agent -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "mime"), [
    ("sentence.wav", "audio/wav"), ("voice.mp3", "audio/mpeg"), ("voice.ogg", "audio/ogg"), ("voice.m4a", "audio/mp4"),
])
def test_uploaded_voice_note_is_transcribed_with_timestamps(stt, audio_dir, name, mime):
    attachment = {"name": name, "path": str(audio_dir / name), "mime": mime}
    # A bare upload, and an upload with the Persian request: both transcribe.
    for text in ("", "این فایل رو به متن تبدیل کن"):
        reply = run_agent(text, attachments=[attachment])
        assert reply.tool == "transcribe" and reply.ok, reply.text
        assert reply.args["audio"] == str(audio_dir / name)
        assert reply.data["language"] == "fa" and reply.data["segments"]
        assert reply.job_id is None  # short: answered at once
        assert "فارسی" in reply.text and "`[۰:۰۰ – ۰:۰" in reply.text
        assert reply.data["audio"]["duration"] == pytest.approx(3.3, abs=0.2)


def test_a_sent_file_is_found_by_the_name_people_know_it_by(stt, audio_dir):
    """Chainlit keeps an upload under a generated name: «voice.ogg», typed or spelled aloud, is that upload — in the
    message it came with and in a later one of the same conversation."""
    import shutil
    import uuid

    stored = audio_dir / f"{uuid.uuid4()}.ogg"
    shutil.copyfile(audio_dir / "voice.ogg", stored)
    sent = {"name": "voice.ogg", "path": str(stored), "mime": "audio/ogg"}
    thread = f"named-upload-{uuid.uuid4().hex}"
    reply = run_agent("voice.ogg رو به متن تبدیل کن", thread, attachments=[sent])
    assert reply.tool == "transcribe" and reply.ok and reply.args["audio"] == str(stored), reply.text
    reply = run_agent("اِ ویس دات او جی جی رو دوباره به متن تبدیل کن", thread)
    assert reply.tool == "transcribe" and reply.ok and reply.args["audio"] == str(stored), reply.text
    assert reply.data["segments"]
    # When the session's folder is gone, the name is answered as a name, never with the server's path.
    stored.rename(stored.with_suffix(".gone"))
    reply = run_agent("voice.ogg رو به متن تبدیل کن", thread)
    assert not reply.ok and reply.args["audio"] == "voice.ogg" and str(audio_dir) not in reply.text, reply.text
    stored.with_suffix(".gone").rename(stored)
    # In another conversation the name is no file of theirs.
    reply = run_agent("voice.ogg رو به متن تبدیل کن", f"other-{uuid.uuid4().hex}")
    assert not reply.ok and reply.args["audio"] == "voice.ogg", reply.text


def test_which_names_stand_for_a_sent_file():
    from agents.turn import sent_file

    uploads = [{"name": "نظرات.csv", "path": "/s/1.csv", "mime": ""}, {"name": "Voice.OGG", "path": "/s/2.ogg", "mime": ""},
               {"name": "voice.ogg", "path": "/s/3.ogg", "mime": ""}]
    assert sent_file("voice.ogg", uploads)["path"] == "/s/3.ogg"  # the newest of two with one name
    assert sent_file("نظرات", uploads)["path"] == "/s/1.csv"  # said without its extension
    assert sent_file("~/Downloads/voice.ogg", uploads) is None  # a path with folders is a path
    assert sent_file("voice.mp3", uploads) is None and sent_file("", uploads) is None
    assert sent_file("voicenote.ogg", [{"name": "voice-note.ogg", "path": "/s/7.ogg", "mime": ""}])  # «ویس نوت»
    # The other script: a file named in Finglish, said or typed in Persian letters (and back).
    uploads = [{"name": "nazarat.csv", "path": "/s/4.csv", "mime": ""}, {"name": "mosahebe-2.mp3", "path": "/s/5.mp3", "mime": ""},
               {"name": "گزارش.txt", "path": "/s/6.txt", "mime": ""}]
    assert sent_file("نظرات.csv", uploads)["path"] == "/s/4.csv" and sent_file("نظرات", uploads)["path"] == "/s/4.csv"
    assert sent_file("مصاحبه۲.mp3", uploads)["path"] == "/s/5.mp3" and sent_file("gozaresh", uploads)["path"] == "/s/6.txt"
    assert sent_file("نظرات.mp3", uploads) is None and sent_file("مصاحبه.mp3", uploads) is None  # extension, number


def test_an_upload_is_kept_under_the_name_it_was_sent_with(tmp_path):
    """Chainlit stores an upload as `<uuid>.<extension guessed from the mime type>`: the chat's file is linked under
    its own name (shown in transcripts and data cards), a hostile name staying one plain file in the same folder."""
    from assistant.ui.uploads import by_its_name

    stored = tmp_path / "0b7c3e2a-1f2d-4c5b-9a8e-7d6c5b4a3f21.oga"
    stored.write_bytes(b"OggS")
    named = by_its_name(stored, "voice-note.ogg")
    assert named.name == "voice-note.ogg" and named.read_bytes() == b"OggS" and named.parent.parent == tmp_path
    assert by_its_name(stored, "voice-note.ogg") == named  # sent again: the same link
    assert by_its_name(stored, "نظرات مشتری‌ها.csv").name == "نظرات_مشتری‌ها.csv"  # one word in a command
    for hostile in ("../../etc/passwd", "..\\..\\boot.ini", "a\x00b\nc.ogg", "/abs/x.ogg", "x" * 400 + ".ogg"):
        kept = by_its_name(stored, hostile)
        assert kept.parent == named.parent and kept.is_file() and len(kept.name) <= 110, (hostile, kept)
        assert "\x00" not in kept.name and "\n" not in kept.name
    assert by_its_name(stored, "x" * 400 + ".ogg").suffix == ".ogg"
    for nothing in ("", "..", " / ", "\x00"):
        assert by_its_name(stored, nothing) == stored  # no name to keep: Chainlit's own
    assert by_its_name(tmp_path / "gone.ogg", "voice.ogg") == tmp_path / "gone.ogg"


def test_a_file_name_is_shown_as_code_that_it_cannot_break(data_dir):
    """File names are code in replies (a Persian name with a Latin extension keeps its order); a name's own
    backquote cannot close the span and let the rest of the name be read as markdown."""
    from tools.registry import call_tool

    missing = data_dir / "پیام `**bold**`.wav"
    result = call_tool("transcribe", {"audio": str(missing)})
    assert not result.ok and "پیام '**bold**'.wav`" in result.text, result.text
    assert result.text.count("`") % 2 == 0


def test_long_recording_runs_as_a_job_with_progress_in_pieces(stt, audio_dir, monkeypatch):
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_INLINE_SECONDS", "5")
    monkeypatch.setattr(engine, "PIECE_SECONDS", 8.0)  # several pieces, cut at pauses
    monkeypatch.setattr(engine, "_CUT_WINDOW_SECONDS", 4.0)
    reset_settings()
    get_runner()
    path = audio_dir / "long.wav"
    reply = run_agent("/transcribe " + str(path))
    assert reply.ok and reply.job_id is not None, reply.text
    assert f"#{reply.job_id}".translate(FA_DIGITS) in reply.text
    messages = set()

    def finished():
        job = store.get_job(reply.job_id)
        messages.add(job.message)
        return not job.status.is_active

    deadline = time.monotonic() + 60
    while not finished() and time.monotonic() < deadline:
        time.sleep(0.05)
    job = wait_for_job(reply.job_id, timeout=5)
    assert job.status == JobStatus.succeeded, job.error
    result = job.result
    assert result["language"] == "fa" and result["segments"] >= 2
    assert result["duration"] == pytest.approx(read_pcm(path)[0].size / read_pcm(path)[1], abs=0.1)
    starts = [float(line.split("]")[0].strip("[").split(" - ")[0].replace(":", "")) for line in
              Path(result["transcript_path"]).read_text(encoding="utf-8").splitlines()]
    assert starts == sorted(starts) and starts[-1] > 0  # later pieces keep their offsets
    srt = Path(result["srt_path"]).read_text(encoding="utf-8")
    assert srt.startswith("1\n00:00:") and " --> " in srt
    assert result["media"][0]["path"] == result["transcript_path"] and "فارسی" in result["reply"]
    assert "به متن تبدیل شد" in job.message  # the closing line, also the notification's body
    note = notifications.list_notifications()[0]
    assert note.job_id == job.id and note.level == "success" and "speech/transcripts/job-1-long.txt" in note.body  # relative to the data dir: no server paths in a reply
    assert result["transcript_path"] not in note.body


def test_two_hour_recording_is_a_job_with_bounded_memory_and_stops_on_cancel(stt, tmp_path, monkeypatch):
    """A 2-hour recording: refused above the limit; below it, a background job whose memory stays bounded."""
    rate = 4000  # 8-bit 4 kHz keeps the 2-hour file at 29 MB
    seconds = 2 * 3600
    samples = np.zeros(seconds * rate, dtype=np.float32)
    samples[rate * 5 : rate * 6] = 0.3 * np.sin(np.arange(rate) / rate * 2 * np.pi * 220)
    path = write_pcm(tmp_path / "meeting.wav", samples, rate, width=1)
    del samples
    monkeypatch.setenv("DASTYAR_STT_MAX_SECONDS", "3600")
    reset_settings()
    refused = run_agent("/transcribe " + str(path))
    assert not refused.ok and refused.data["error"] == "too_long" and "۲ ساعت" in refused.text

    monkeypatch.setenv("DASTYAR_STT_MAX_SECONDS", str(3 * 3600))
    reset_settings()
    proc = psutil.Process()
    baseline = proc.memory_info().rss
    reply = run_agent("/transcribe " + str(path))
    assert reply.ok and reply.job_id is not None  # only probed, not decoded: the job has barely begun
    assert store.get_job(reply.job_id).progress < 0.2
    assert "۲ ساعت" in reply.text
    peak = baseline
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        peak = max(peak, proc.memory_info().rss)
        job = store.get_job(reply.job_id)
        if job.progress > 0 or not job.status.is_active:
            break
        time.sleep(0.05)
    assert job.status == JobStatus.running and 0 < job.progress < 0.2, (job.status, job.progress, job.error)
    assert get_runner().cancel(reply.job_id) == store.CancelOutcome.requested
    while store.get_job(reply.job_id).status.is_active and time.monotonic() < deadline:
        peak = max(peak, proc.memory_info().rss)
        time.sleep(0.05)
    assert store.get_job(reply.job_id).status == JobStatus.cancelled
    # Decoding the whole file would hold 2 h × 16 kHz × 6 bytes ≈ 690 MB; pieces of five minutes stay far below.
    assert peak - baseline < 250 * 1024**2, (peak - baseline) / 1024**2


# -- bad files ---------------------------------------------------------------------------------------------------
def _transcribe(path: Path):
    return call_tool("transcribe", {"audio": str(path)})


def test_bad_files_get_clear_persian_messages(stt, audio_dir, tmp_path):
    empty = tmp_path / "empty.ogg"
    empty.write_bytes(b"")
    assert "خالی" in _transcribe(empty).text

    wav = (audio_dir / "sentence.wav").read_bytes()
    header_only = tmp_path / "cut.wav"
    header_only.write_bytes(wav[:30])
    reply = _transcribe(header_only)
    assert not reply.ok and "نمی‌توانم" in reply.text

    garbage = tmp_path / "voice.mp3"
    garbage.write_bytes(b"this is not audio at all " * 200)
    reply = _transcribe(garbage)
    assert not reply.ok and reply.data["error"] == "file_unreadable"

    video = _transcribe(audio_dir / "clip.mp4")
    assert not video.ok and video.data["error"] == "video_file" and "ویدیو" in video.text

    silence = _transcribe(audio_dir / "silence.wav")
    assert not silence.ok and silence.data["error"] == "no_speech" and "گفتاری پیدا نکردم" in silence.text

    missing = run_agent("/transcribe /no/such/file.wav")
    assert not missing.ok and "پیدا نشد" in missing.text

    nothing = run_agent("این فایل رو به متن تبدیل کن")  # no attachment
    assert not nothing.ok and "فایل صوتی" in nothing.text

    odd_rate = write_pcm(tmp_path / "odd.wav", np.zeros(2000, dtype=np.float32), 1000)
    reply = _transcribe(odd_rate)
    assert not reply.ok and reply.data["error"] == "bad_sample_rate" and "۱۰۰۰" in reply.text


def test_truncated_files_give_what_they_hold(stt, audio_dir, tmp_path):
    """A recording cut off mid-way (an interrupted upload) is transcribed as far as it goes, never a crash."""
    for name in ("sentence.wav", "voice.mp3", "voice.ogg", "voice.m4a"):
        data = (audio_dir / name).read_bytes()
        cut = tmp_path / f"half-{name}"
        cut.write_bytes(data[: len(data) * 2 // 3])
        reply = _transcribe(cut)
        if reply.ok:
            assert reply.data["language"] == "fa" and reply.data["duration"] < 3.3
        else:
            assert reply.data["error"] in ("file_unreadable", "no_speech"), (name, reply.text)


@pytest.mark.parametrize(("rate", "channels", "width"), [(8000, 1, 2), (44100, 2, 2), (48000, 1, 2), (11025, 1, 1)])
def test_any_sample_rate_channel_count_and_width(stt, audio_dir, tmp_path, rate, channels, width):
    from tests.speech_fixtures import resample_linear

    samples, source = read_pcm(audio_dir / "sentence.wav")
    path = write_pcm(tmp_path / f"r{rate}.wav", resample_linear(samples, source, rate), rate, channels, width)
    reply = _transcribe(path)
    assert reply.ok and reply.data["audio"]["sample_rate"] == rate and reply.data["audio"]["channels"] == channels
    assert reply.data["duration"] == pytest.approx(3.3, abs=0.2)


# -- the microphone ----------------------------------------------------------------------------------------------
def _mic_chunks(audio_dir: Path, rate: int, before: float = 0.6, after: float = 2.5) -> list[bytes]:
    samples, source = read_pcm(audio_dir / "sentence.wav")
    padded = np.concatenate([np.zeros(int(before * source)), samples, np.zeros(int(after * source))])
    return pcm16_chunks(padded.astype(np.float32), source, rate, chunk_ms=170)


def _run_finish(session):
    from assistant.ui.audio import finish

    shown, said, answered = [], [], []

    async def show(text):
        shown.append(text)

    async def say(text):
        said.append(text)

    async def respond(text):
        answered.append(await asyncio.to_thread(run_agent, text))

    text = asyncio.run(finish(session, show=show, say=say, respond=respond))
    return text, shown, said, answered


def test_microphone_end_of_speech_then_transcript_goes_to_the_agent(stt, audio_dir):
    import chainlit.config

    from assistant.ui.audio import MicSession, mic_sample_rate

    # The handlers are registered with Chainlit, at the rate of .chainlit/config.toml.
    assert chainlit.config.config.code.on_audio_chunk is not None
    assert chainlit.config.config.code.on_audio_start is not None and chainlit.config.config.code.on_audio_end
    rate = mic_sample_rate()
    assert rate == 24000
    chunks = _mic_chunks(audio_dir, rate)
    session = MicSession(rate)
    ended = [i for i, chunk in enumerate(chunks) if session.feed(chunk)]
    assert len(ended) == 1  # exactly one end, then later chunks are ignored
    seconds = (ended[0] + 1) * 0.17
    assert 0.6 + 3.3 + 0.5 < seconds < 0.6 + 3.3 + 2.0  # the pause after speech ended it, not the end of the data
    assert session.listener.state == "ended"
    text, shown, said, answered = _run_finish(session)
    assert text and shown == [text] and not said
    # The transcript went through the same agent as typed text.
    assert len(answered) == 1 and answered[0].text == run_agent(text).text


@pytest.mark.parametrize("rate", [16000, 44100, 48000])
def test_microphone_at_other_sample_rates(stt, audio_dir, rate):
    from assistant.ui.audio import MicSession

    session = MicSession(rate)
    assert any(session.feed(chunk) for chunk in _mic_chunks(audio_dir, rate))
    text, shown, said, _ = _run_finish(session)
    assert text and shown == [text]


def test_microphone_silence_stop_and_odd_chunks(stt, audio_dir):
    from assistant.services.speech import SpeechError
    from assistant.ui.audio import MicSession

    # Nobody speaks: the listener gives up and says so; nothing goes to the agent.
    quiet = MicSession(24000, no_speech_seconds=3.0)
    silence = np.zeros(24000 // 10, dtype="<i2").tobytes()
    assert any(quiet.feed(silence) for _ in range(40))
    assert quiet.listener.state == "no_speech"
    text, shown, said, answered = _run_finish(quiet)
    assert text is None and not shown and not answered and "صدایی نشنیدم" in said[0]

    # The user presses stop in the middle of a sentence: what was said is used.
    chunks = _mic_chunks(audio_dir, 24000, after=0)
    early = MicSession(24000)
    for chunk in chunks[: len(chunks) * 2 // 3]:
        assert not early.feed(chunk)
    assert early.stop() and not early.stop()
    text, shown, _, answered = _run_finish(early)
    assert text and len(answered) == 1

    # Odd byte counts and empty chunks are harmless; a very long utterance is cut at max_seconds.
    capped = MicSession(24000, max_seconds=2.0)
    flags = [capped.feed(chunk[:-1]) for chunk in chunks] + [capped.feed(b"")]
    assert flags.count(True) == 1 and capped.listener.state == "too_long"
    assert capped.listener.audio().size <= 2.0 * 16000 + 1600
    text, shown, said, _ = _run_finish(capped)
    assert text and "ثانیه" in said[-1]

    with pytest.raises(SpeechError):
        MicSession(100)


def test_microphone_without_a_model_says_how_to_get_one(audio_dir, monkeypatch):
    from assistant.ui.audio import MicSession

    monkeypatch.setenv("DASTYAR_STT_MODEL", "small")
    reset_settings()
    session = MicSession(24000)
    for chunk in _mic_chunks(audio_dir, 24000):
        if session.feed(chunk):
            break
    text, shown, said, answered = _run_finish(session)
    assert text is None and not answered and "/download Systran/faster-whisper-small" in said[0]


# -- readiness ---------------------------------------------------------------------------------------------------
def test_speech_status_and_doctor(stt):
    from assistant.services.doctor import run_checks
    from assistant.services.speech import speech_status
    from tools.speech import speech_status_lines

    status = speech_status()
    assert status["stt"]["ready"] and status["stt"]["path"] == str(stt.resolve())
    assert status["stt"]["language"] == "fa" and status["stt"]["compute_type"] == "int8"
    assert status["tts"]["engines"]["espeak"]["available"] and status["ready"]["tts"]
    assert status["tts"]["engines"]["mms"]["available"] is False
    lines = speech_status_lines(status)
    assert any("faster-whisper" in line for line in lines) and any("espeak-ng" in line for line in lines)
    names = {c.name: c for c in run_checks()}
    assert names["speech_stt"].level == "ok" and names["speech_tts"].level == "ok"
    assert names["speech_tts_mms"].level == "warn" and "mms-tts-fas" in names["speech_tts_mms"].detail


def test_a_truncated_speech_model_shows_broken_in_doctor_and_installed_with_a_persian_reason(tiny_whisper, tmp_path,
                                                                                             monkeypatch, capfd):
    """The health check loads the model and decodes a second for real: a folder whose weights were cut short is ✘
    with a Persian reason (not ✔ because the files are there), with no traceback on stderr."""
    import shutil

    from assistant.services.doctor import run_checks
    from tools import call_tool

    broken = tmp_path / "broken-whisper"
    shutil.copytree(tiny_whisper, broken)
    weights = broken / "model.bin"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    monkeypatch.setenv("DASTYAR_STT_MODEL", str(broken))
    reset_settings()
    row = {c.name: c for c in run_checks()}["speech_stt"]
    assert row.level == "error" and "بارگذاری نشد" in row.detail, (row.level, row.detail)
    installed = call_tool("list_installed")
    assert "✘ تشخیص گفتار" in installed.text, installed.text
    err = capfd.readouterr().err
    assert "Traceback" not in err, err[-2000:]

    monkeypatch.setenv("DASTYAR_STT_MODEL", str(tiny_whisper))  # the whole model: ✔
    reset_settings()
    assert {c.name: c for c in run_checks()}["speech_stt"].level == "ok"
