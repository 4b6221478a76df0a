"""Text to speech: espeak-ng's Persian voice and a tiny random MMS VITS installed in the HF cache, behind one
interface; engine fallback, the cache, and text nobody can speak."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from agents.graph import run_agent
from assistant.config import reset_settings
from tests.speech_fixtures import build_tiny_vits, install_in_hf_cache
from tools import call_tool

SHORT = "سلام"
MEDIUM = "امروز هوا آفتابی است."
LONG = "امروز هوا آفتابی است. فردا باران می‌بارد و هوا سرد می‌شود. من کتاب می‌خوانم و چای می‌نوشم."


def _wav(path: str | Path) -> tuple[int, int, int, float]:
    with wave.open(str(path), "rb") as w:
        return w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes() / w.getframerate()


@pytest.fixture(scope="session")
def tiny_vits(tmp_path_factory) -> Path:
    return build_tiny_vits(tmp_path_factory.mktemp("tiny-vits") / "model")


@pytest.fixture
def mms(tiny_vits) -> Path:
    """facebook/mms-tts-fas "downloaded": the tiny VITS in the HF cache of this test."""
    from assistant.services.hub.local import hub_cache

    return install_in_hf_cache(tiny_vits, "facebook/mms-tts-fas", hub_cache())


@pytest.fixture
def no_espeak(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")


def _speak(text: str, voice: str = ""):
    return call_tool("speak", {"text": text, "voice": voice})


def test_espeak_speaks_persian_as_valid_wav_growing_with_text():
    durations = []
    for text in (SHORT, MEDIUM, LONG):
        result = _speak(text)
        assert result.ok and result.data["engine"] == "espeak", result.text
        rate, channels, width, seconds = _wav(result.data["path"])
        assert (rate, channels, width) == (22050, 1, 2)
        assert seconds == pytest.approx(result.data["duration"], abs=0.01) and seconds > 0.3
        assert result.media == [{"kind": "audio", "path": result.data["path"], "name": "speech.wav"}]
        durations.append(seconds)
    assert durations[0] < durations[1] < durations[2]


def test_mms_engine_is_used_when_installed(mms):
    durations = []
    for text in (SHORT, MEDIUM, LONG):
        result = _speak(text)
        assert result.ok and result.data["engine"] == "mms", result.text
        rate, channels, width, seconds = _wav(result.data["path"])
        assert (rate, channels, width) == (16000, 1, 2) and seconds > 0
        durations.append(seconds)
    assert durations[0] < durations[1] < durations[2]
    # The same text gives the same audio (VITS noise is seeded), so caching by text is sound.
    from assistant.services.speech.tts import engines

    samples_a, _ = engines()["mms"].synthesize(MEDIUM, "")
    samples_b, _ = engines()["mms"].synthesize(MEDIUM, "")
    assert (samples_a == samples_b).all()
    # Voices of espeak-ng still reach espeak-ng.
    assert _speak(SHORT, "female").data["engine"] == "espeak"


def test_engine_setting_and_fallbacks(mms, monkeypatch):
    monkeypatch.setenv("DASTYAR_TTS_ENGINE", "espeak")
    reset_settings()
    assert _speak(SHORT).data["engine"] == "espeak"
    assert _speak(SHORT, "mms").data["engine"] == "mms"

    # espeak-ng asked for but not on this machine: MMS speaks, and says so.
    monkeypatch.setenv("PATH", "/nonexistent")
    result = _speak(MEDIUM)
    assert result.ok and result.data["engine"] == "mms" and "espeak-ng نصب نیست" in result.text


def test_mms_missing_falls_back_to_espeak_with_a_hint(monkeypatch):
    monkeypatch.setenv("DASTYAR_TTS_ENGINE", "mms")
    reset_settings()
    result = _speak(MEDIUM)
    assert result.ok and result.data["engine"] == "espeak"
    assert "/download facebook/mms-tts-fas" in result.text


def test_no_engine_at_all(no_espeak):
    result = _speak(MEDIUM)
    assert not result.ok and result.data["error"] == "tts_unavailable" and "espeak-ng" in result.text


def test_broken_mms_model_falls_back(mms, monkeypatch):
    (mms / "model.safetensors").write_bytes(b"not weights")
    from assistant.services.speech.tts import engines

    engines()["mms"]._loaded = None
    result = _speak("یک متن تازه برای آزمایش")
    assert result.ok and result.data["engine"] == "espeak" and "بارگذاری نشد" in result.text


def test_cache_by_text_hash():
    first = _speak(MEDIUM)
    again = _speak(MEDIUM)
    assert not first.data["cached"] and again.data["cached"]
    assert again.data["path"] == first.data["path"]
    other = _speak(MEDIUM, "female")
    assert other.data["path"] != first.data["path"] and not other.data["cached"]
    assert Path(first.data["path"]).parent.parent.name == "tts-cache"


def test_text_nobody_can_speak():
    too_long = _speak(("سلام " * 1000).strip() + "!")
    assert not too_long.ok and "۵٬۰۰۰" in too_long.text and "۲٬۰۰۰" in too_long.text
    emoji = _speak("😀🎉👍")
    assert not emoji.ok and emoji.data["error"] == "tts_nothing_to_say"
    latin = _speak("hello world, how are you?")
    assert not latin.ok and latin.data["error"] == "tts_not_persian" and "فارسی" in latin.text
    empty = run_agent("/speak")
    assert not empty.ok and "/speak" in empty.text
    bad_voice = _speak(SHORT, "robot")
    assert not bad_voice.ok and "robot" in bad_voice.text
    # Persian with emoji, markdown and numbers is fine: symbols are dropped, numbers read as words.
    mixed = _speak("**سلام** 🌹 امروز ۲۳ درجه است")
    assert mixed.ok
    assert _speak("۱۴۰۵").ok  # digits alone are read as Persian words


def test_speak_through_the_agent():
    reply = run_agent("این جمله رو بخون: امروز هوا آفتابی است")
    assert reply.tool == "speak" and reply.ok and reply.args == {"text": "امروز هوا آفتابی است", "voice": ""}
    assert reply.media[0]["kind"] == "audio" and Path(reply.media[0]["path"]).is_file()
    female = run_agent("با صدای زن بگو: سلام دوست من")
    assert female.ok and female.data["voice"] == "female"


def test_persian_numbers_and_text_cleaning():
    from assistant.services.speech.text import clean_for_speech, number_words, numbers_to_words, prepare, sentences

    assert number_words(0) == "صفر"
    assert number_words(21) == "بیست و یک"
    assert number_words(1405) == "هزار و چهارصد و پنج"
    assert number_words(2_000_000) == "دو میلیون"
    assert number_words(305_017) == "سیصد و پنج هزار و هفده"
    assert "دو ممیز پنج" in numbers_to_words("۲٫۵")
    assert "هزار و دویست" in numbers_to_words("1,200 تومان")
    assert clean_for_speech("**سلام** [پیوند](https://x.y) `کد` 🎉") == "سلام پیوند کد"
    assert "بیست و سه" in prepare("دما ۲۳ درجه است", 100)
    parts = sentences("جمله اول. " + "کلمه " * 200, max_len=100)
    assert len(parts) > 5 and all(len(p) <= 100 for p in parts)


def test_spoken_reply_for_the_speak_every_reply_setting():
    from assistant.ui.audio import settings_widgets, spoken_file

    path = spoken_file("**کار #۳** انجام شد ✅\n\n| ستون | مقدار |\n| --- | --- |\n| دقت | ۹۰٪ |")
    assert path and _wav(path)[3] > 0.5
    assert spoken_file("OK") is None  # nothing Persian: no audio, no error
    long = spoken_file("این یک جملهٔ بلند است. " * 300)  # longer than the limit: the first part is spoken
    assert long and _wav(long)[3] > 1
    assert {w.id for w in settings_widgets()} == {"speak_replies", "speak_notifications"}
