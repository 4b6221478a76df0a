"""Speech recognition kept Persian: the scripts the decoder may write, `auto` limited to the allowed languages, and the
wall-time bound of one recognition. Real faster-whisper with tiny random CTranslate2 Whispers built here (see
tests/speech_fixtures.py), real espeak-ng audio; time is moved by the test's state (a fake clock), never waited for."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import numpy as np
import pytest

from assistant.config import reset_settings
from tests.speech_fixtures import PERSIAN_UNITS, _bytes_to_unicode, build_tiny_whisper, espeak, read_pcm, write_pcm
from tools import call_tool

# Whole tokens of other scripts, each favoured by the model's output projection: a free decoder writes them.
FOREIGN = ["你好", " 中国", "の", " สวัสดี", "ก", " Γειά", "λ", " Привет", "ж", " שלום", " नमस्ते", " 안녕", " Բարեւ",
           " გამარჯობა", " Größe", "ü", " ß", "é"]
# Whole tokens a Persian user writes: Latin ids and loanwords, three digit systems, Persian punctuation, ZWNJ.
ALLOWED = [" hello", " Python", "bert", " 123", " ۱۲۳", " ٤٥٦", " «", "»", "،", "؟", "…", "\u200c", " می\u200cروم"]
# Pieces of characters (not valid UTF-8 alone).
PIECES = ["你".encode()[:2], "ก".encode()[:2], "\u200c".encode()[:2]]


@pytest.fixture(scope="session")
def tiny_whisper(tmp_path_factory) -> Path:
    return build_tiny_whisper(tmp_path_factory.mktemp("tiny-whisper") / "model")


@pytest.fixture(scope="session")
def multi_whisper(tmp_path_factory) -> Path:
    """The tiny Whisper with whole tokens of many scripts in its vocabulary."""
    return build_tiny_whisper(tmp_path_factory.mktemp("multi-whisper") / "model", extra_tokens=FOREIGN + ALLOWED + PIECES)


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("decoding-audio")
    samples, rate = read_pcm(espeak("امروز هوا آفتابی است و من به پارک می‌روم", folder / "sentence.wav"))
    pause = np.zeros(int(1.2 * rate), dtype=np.float32)
    parts = [read_pcm(espeak(s, folder / f"s{i}.wav"))[0] for i, s in enumerate(
        ["سلام به همه", "امروز درباره یادگیری ماشین صحبت می‌کنیم", "مدل‌های زبانی فارسی پیشرفت زیادی کرده‌اند",
         "این یک آزمایش است", "ممنون که گوش دادید"])]
    write_pcm(folder / "long.wav", np.concatenate([x for s in parts for x in (s, pause)] * 2), rate)
    assert samples.size
    return folder


def _use(monkeypatch, model: Path, **env: str) -> None:
    settings = {"DASTYAR_STT_MODEL": str(model), "DASTYAR_STT_BEAM_SIZE": "1", "DASTYAR_STT_FALLBACK": "false", **env}
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    reset_settings()


@pytest.fixture
def multi(multi_whisper, monkeypatch) -> Path:
    _use(monkeypatch, multi_whisper)
    return multi_whisper


@pytest.fixture
def stt(tiny_whisper, monkeypatch) -> Path:
    _use(monkeypatch, tiny_whisper)
    return tiny_whisper


@pytest.fixture
def fake_clock(monkeypatch) -> list[float]:
    """The clock of the wall-time budget, moved by the test: now[0] = seconds."""
    from assistant.services.speech import stt as engine

    now = [1000.0]
    monkeypatch.setattr(engine, "_clock", lambda: now[0])
    return now


class CountingWhisper:
    """Stands between the product's guard and CTranslate2: counts decoding passes, may act after each."""

    def __init__(self, inner, after=None) -> None:
        self.inner, self.after, self.temperatures = inner, after, []

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def generate(self, *args, **kwargs):
        self.temperatures.append(kwargs.get("sampling_temperature", 0.0))
        result = self.inner.generate(*args, **kwargs)
        if self.after is not None:
            self.after(len(self.temperatures))
        return result


def _count_passes(monkeypatch, model, after=None) -> CountingWhisper:
    counter = CountingWhisper(model.model._inner, after)
    monkeypatch.setattr(model.model, "_inner", counter)
    return counter


def _token_id(tokenizer, text: str | bytes) -> int:
    b2u = _bytes_to_unicode()
    raw = text if isinstance(text, bytes) else text.encode()
    token_id = tokenizer.token_to_id("".join(b2u[b] for b in raw))
    assert token_id is not None, text
    return token_id


# Scripts no Persian transcript should hold, by Unicode character name; accented Latin letters too.
FOREIGN_NAMES = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "GREEK", "CYRILLIC", "HEBREW", "DEVANAGARI", "HANGUL",
                 "ARMENIAN", "GEORGIAN")


def _foreign(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return name.startswith(FOREIGN_NAMES) or (name.startswith("LATIN") and (" WITH " in name or "SHARP S" in name))


def _persian_latin_or_digit(ch: str) -> bool:
    name = unicodedata.name(ch, "")
    return (name.startswith(("ARABIC LETTER", "ARABIC-INDIC DIGIT", "EXTENDED ARABIC-INDIC DIGIT", "DIGIT"))
            or (ch.isascii() and ch.isalpha()))


# -- 1. the scripts the decoder may write ------------------------------------------------------------------------
def test_suppressed_tokens_are_other_scripts_never_persian_latin_or_digits(multi):
    from assistant.services.speech import alphabet
    from assistant.services.speech import stt as engine

    model = engine.get_model()
    tokenizer = model.hf_tokenizer
    suppressed = alphabet.suppressed_tokens(model)
    assert suppressed[0] == -1  # faster-whisper's default set (speaker tags, ♪) is kept
    ids = set(suppressed[1:])
    for text in FOREIGN:  # whole CJK, kana, Thai, Greek, Cyrillic, Hebrew, Devanagari, Hangul, Armenian, Georgian, ü ß é
        token_id = _token_id(tokenizer, text)
        assert tokenizer.decode([token_id]) == text and token_id in ids, text
    for text in ALLOWED + [" " + unit for unit in PERSIAN_UNITS]:
        assert _token_id(tokenizer, text) not in ids, text

    # Every token of the vocabulary, judged by its characters' Unicode names, independently of the product's ranges.
    eot = tokenizer.token_to_id("<|endoftext|>")
    counted = {"foreign": 0, "kept": 0}
    for token_id in range(eot):
        text = tokenizer.decode([token_id])
        if "\ufffd" in text:
            continue
        if any(_foreign(ch) for ch in text):
            assert token_id in ids, text
            counted["foreign"] += 1
        elif text.strip() and all(_persian_latin_or_digit(ch) or ch in " \u200c«»،؛؟…" for ch in text):
            assert token_id not in ids, text
            counted["kept"] += 1
    assert counted["foreign"] >= len(FOREIGN) and counted["kept"] >= 100, counted


def test_pieces_of_characters_are_kept_unless_they_can_only_be_another_script(multi):
    from assistant.services.speech import alphabet
    from assistant.services.speech import stt as engine

    model = engine.get_model()
    tokenizer = model.hf_tokenizer
    ids = set(alphabet.suppressed_tokens(model))
    kept = [b"\xd8", b"\xdb", "س".encode()[1:], b"\xe2", "\u200c".encode()[:2], "\u200c".encode()[2:], b"\xc2"]
    gone = [b"\xe4", "你".encode()[:2], b"\xe0", "ก".encode()[:2], b"\xd0", b"\xce", b"\xd7", b"\xc3", b"\xf0"]
    for raw in kept + gone:  # none of them is valid text on its own
        assert "\ufffd" in tokenizer.decode([_token_id(tokenizer, raw)]), raw
    assert not [raw for raw in kept if _token_id(tokenizer, raw) in ids]  # can be part of Persian, ZWNJ, « »
    assert all(_token_id(tokenizer, raw) in ids for raw in gone)  # can only begin CJK, Thai, Cyrillic, Greek, …

    # Whatever a Persian user says, its tokens are never suppressed: byte pieces, merged letters, ids, digits.
    for text in ["امروز هوا آفتابی است و من به پارک می‌روم", "خانه‌ها، «سلام» چطوری؟ …", "۱۲۳ ٤٥٦ 789 ٪۵",
                 "HooshvareLab/bert-fa-base-uncased رو دانلود کن", "ۀ ي ك ئ ء أ ؤ ً"]:
        encoded = tokenizer.encode(text, add_special_tokens=False).ids
        assert tokenizer.decode(encoded) == text and not set(encoded) & ids, text


def test_suppressed_tokens_are_computed_once_and_reach_faster_whisper(multi, clips, monkeypatch):
    from assistant.services.speech import alphabet
    from assistant.services.speech import stt as engine

    model = engine.get_model()
    first = alphabet.suppressed_tokens(model)
    calls = []
    original = alphabet.disallowed_token_ids
    monkeypatch.setattr(alphabet, "disallowed_token_ids", lambda tok: calls.append(1) or original(tok))
    assert alphabet.suppressed_tokens(model) is first
    options = engine.transcribe_options()
    assert options["suppress_tokens"] == list(first)
    options["suppress_tokens"].append(5)  # faster-whisper extends the list it gets: the cache must not change
    assert alphabet.suppressed_tokens(model) == first
    engine.transcribe_file(clips / "sentence.wav")
    assert not calls  # cached for the loaded model

    _segments, info = model.transcribe(str(clips / "sentence.wav"), **engine.transcribe_options())
    assert set(first[1:]) <= set(info.transcription_options.suppress_tokens)
    assert info.transcription_options.temperatures == [0.0]  # DASTYAR_STT_FALLBACK=false in these tests

    monkeypatch.setenv("DASTYAR_STT_RESTRICT_SCRIPTS", "false")
    reset_settings()
    assert "suppress_tokens" not in engine.transcribe_options()


@pytest.mark.parametrize("fallback", [False, True])
def test_other_scripts_never_reach_the_transcript(multi, clips, monkeypatch, fallback):
    """The model favours the foreign tokens: left free it writes them; restricted, at every temperature, it cannot."""
    from assistant.services.speech import alphabet
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_FALLBACK", str(fallback).lower())
    if fallback:  # every pass "fails", so all three temperatures are sampled
        monkeypatch.setattr(engine, "COMPRESSION_RATIO_THRESHOLD", 0.0)
    passes = _count_passes(monkeypatch, engine.get_model())
    monkeypatch.setenv("DASTYAR_STT_RESTRICT_SCRIPTS", "false")
    reset_settings()
    free = engine.transcribe_file(clips / "sentence.wav").text
    assert any(_foreign(ch) for ch in free), free

    monkeypatch.setenv("DASTYAR_STT_RESTRICT_SCRIPTS", "true")
    reset_settings()
    passes.temperatures.clear()
    kept = engine.transcribe_file(clips / "sentence.wav").text
    assert kept and not any(_foreign(ch) for ch in kept), kept
    assert all(alphabet.is_allowed(ch) for ch in kept), kept
    assert any("\u0600" <= ch <= "\u06ff" for ch in kept)
    assert passes.temperatures == ([0.0, 0.2, 0.4] if fallback else [0.0])


# -- 2. auto: only the allowed languages -------------------------------------------------------------------------
def test_allowed_languages_setting(stt, monkeypatch):
    from assistant.services.speech import stt as engine

    assert engine.allowed_languages() == ["fa", "en"]  # the default
    for value, expected in [("en", ["en"]), (" EN, fa ,xx", ["en", "fa"]), ("فارسی،انگلیسی", ["fa", "en"]),
                            ("fa fa ar", ["fa", "ar"]), ("", ["fa"]), ("xx", ["fa"])]:
        monkeypatch.setenv("DASTYAR_STT_LANGUAGES", value)
        reset_settings()
        assert engine.allowed_languages() == expected, value


def test_choose_language_picks_the_most_probable_allowed_one(stt, clips):
    from assistant.services.speech import stt as engine
    from assistant.services.speech.audio import decode_file

    # A real detection: the tiny detector's top language is neither Persian nor English.
    top, _probability, probabilities = engine.get_model().detect_language(audio=decode_file(clips / "sentence.wav"))
    scores = dict(probabilities)
    assert top not in ("fa", "en") and len(scores) >= 99
    for allowed in (["fa", "en"], ["en", "fa"], ["en"], ["ar", "fa", "en"], [top, "fa"]):
        code, probability = engine.choose_language(probabilities, allowed)
        assert code in allowed and probability == scores[code]
        assert probability == max(scores[c] for c in allowed)
    # The detector sure of Thai: still Persian or English, whichever it ranks higher.
    assert engine.choose_language([("th", 0.9), ("en", 0.06), ("fa", 0.04)], ["fa", "en"]) == ("en", 0.06)
    assert engine.choose_language([("th", 0.9), ("en", 0.04), ("fa", 0.06)], ["fa", "en"]) == ("fa", 0.06)
    assert engine.choose_language([("th", 1.0)], ["fa", "en"]) == ("fa", 0.0)  # none ranked: the first allowed
    assert engine.choose_language([], ["en", "fa"]) == ("en", 0.0)


def test_auto_never_returns_a_language_outside_the_list(stt, clips, monkeypatch):
    from assistant.services.speech import stt as engine
    from assistant.services.speech.audio import decode_file

    audio = decode_file(clips / "sentence.wav")
    top, _p, probabilities = engine.get_model().detect_language(audio=audio)
    assert top not in ("fa", "en")  # what faster-whisper's own auto would have transcribed in
    monkeypatch.setenv("DASTYAR_STT_LANGUAGE", "auto")
    reset_settings()
    expected, probability = engine.choose_language(probabilities, ["fa", "en"])
    result = engine.transcribe_file(clips / "sentence.wav")
    assert result.language == expected and result.language in ("fa", "en")
    assert result.language_probability == pytest.approx(probability, rel=1e-3)
    reply = call_tool("transcribe", {"audio": str(clips / "sentence.wav")})
    assert reply.ok and reply.data["language"] in ("fa", "en")
    assert engine.transcribe_array(audio[: 16000 // 2]).language in ("fa", "en")  # half a second
    assert engine.transcribe_array(np.zeros(16000 * 2, dtype=np.float32)).language in ("fa", "en")  # silence

    for allowed in ("en", "ja", f"{top},fa"):
        monkeypatch.setenv("DASTYAR_STT_LANGUAGES", allowed)
        reset_settings()
        assert engine.transcribe_file(clips / "sentence.wav").language == allowed.split(",")[0], allowed


# -- 3. bounded decoding -----------------------------------------------------------------------------------------
def test_decoding_options_bound_the_fallback(stt, monkeypatch):
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_FALLBACK", "true")
    reset_settings()
    options = engine.transcribe_options()
    assert options["temperature"] == [0.0, 0.2, 0.4]
    assert options["compression_ratio_threshold"] == 2.4 and options["log_prob_threshold"] == -1.0
    assert options["no_repeat_ngram_size"] == 20 and options["prompt_reset_on_temperature"] == 0.3
    monkeypatch.setenv("DASTYAR_STT_NO_REPEAT_NGRAM", "0")
    reset_settings()
    assert engine.transcribe_options()["no_repeat_ngram_size"] == 0


def test_deadline_scales_with_the_duration(stt, fake_clock, monkeypatch):
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_TIME_MIN", "10")
    monkeypatch.setenv("DASTYAR_STT_TIME_FACTOR", "2")
    reset_settings()
    deadline = engine.Deadline.for_audio(30.0)
    assert deadline.at == fake_clock[0] + 10 + 2 * 30
    fake_clock[0] += 69.9
    assert not deadline.expired()
    fake_clock[0] += 0.1
    assert deadline.expired()


def test_time_budget_stops_a_long_file_and_returns_the_segments_so_far(stt, clips, fake_clock, monkeypatch):
    from assistant.services.speech import stt as engine

    monkeypatch.setattr(engine, "PIECE_SECONDS", 8.0)  # several pieces
    monkeypatch.setattr(engine, "_CUT_WINDOW_SECONDS", 4.0)
    path = clips / "long.wav"
    pieces = [(offset, audio.size / 16000) for offset, audio in engine.iter_pieces(path)]
    assert len(pieces) >= 3
    first_end = pieces[0][0] + pieces[0][1]
    passes = _count_passes(monkeypatch, engine.get_model())

    full = engine.transcribe_file(path)  # the clock does not move: the whole file
    assert not full.timed_out and full.segments[-1].end > first_end
    full_passes = len(passes.temperatures)

    def spend_budget(segment) -> None:  # the budget runs out as soon as the first segment is out
        fake_clock[0] += 1e9

    passes.temperatures.clear()
    seen_pieces = []
    cut = engine.transcribe_file(path, on_segment=spend_budget, on_piece=seen_pieces.append)
    assert cut.timed_out and cut.to_dict()["timed_out"] is True
    assert cut.segments and len(cut.segments) < len(full.segments)
    assert [s.to_dict() for s in cut.segments] == [s.to_dict() for s in full.segments[: len(cut.segments)]]
    assert all(s.end <= first_end + 1e-6 for s in cut.segments)  # only the first piece
    assert len(seen_pieces) == 1 and len(passes.temperatures) == 1 < full_passes  # no decoding after the budget


def test_time_budget_keeps_the_first_pass_of_a_window_in_fallback(stt, clips, fake_clock, monkeypatch):
    """A window failing every temperature: once the budget is spent no more sampling passes run, and the window keeps
    its first (temperature 0) text instead of losing it."""
    from assistant.services.speech import stt as engine

    path = clips / "sentence.wav"
    greedy = engine.transcribe_file(path)  # fallback off: temperature 0 only
    monkeypatch.setenv("DASTYAR_STT_FALLBACK", "true")
    monkeypatch.setattr(engine, "COMPRESSION_RATIO_THRESHOLD", 0.0)  # every pass fails
    reset_settings()

    def spend_budget_after_first_pass(count: int) -> None:
        if count == 1:
            fake_clock[0] += 1e9

    passes = _count_passes(monkeypatch, engine.get_model())
    free = engine.transcribe_file(path)
    assert passes.temperatures == [0.0, 0.2, 0.4] and not free.timed_out

    passes.temperatures.clear()
    passes.after = spend_budget_after_first_pass
    cut = engine.transcribe_file(path)
    assert passes.temperatures == [0.0] and cut.timed_out
    assert [s.to_dict() for s in cut.segments] == [s.to_dict() for s in greedy.segments] and cut.segments

    # A microphone utterance gets its own budget, from when it starts.
    from assistant.services.speech.audio import decode_file

    passes.temperatures.clear()
    passes.after = None
    utterance = engine.transcribe_array(decode_file(path))
    assert not utterance.timed_out and passes.temperatures == [0.0, 0.2, 0.4]


def test_without_fallback_a_loop_is_still_cut(stt, monkeypatch):
    """DASTYAR_STT_FALLBACK=false: no second pass catches a loop, so the decoder's own n-gram guard and the
    transcript's clean-up must (a loop of one word or letter becomes one)."""
    from assistant.services.speech import stt as engine

    monkeypatch.setenv("DASTYAR_STT_FALLBACK", "false")
    reset_settings()
    options = engine.transcribe_options()
    assert options["temperature"] == 0.0 and options["no_repeat_ngram_size"] == 20
    assert engine._clean("ممنون " * 40 + "از شما") == "ممنون از شما"
    assert engine._clean("سلام علیکم " * 6) == "سلام علیکم"
    assert engine._clean("خوب" + "ب" * 30) == "خوب"
    # Speech repeats a word two or three times; that stays.
    assert engine._clean("خیلی خیلی خیلی خوب بود، بله بله") == "خیلی خیلی خیلی خوب بود، بله بله"
