"""Names spelled aloud (what a speech recognizer writes when a file name or repo id is said) read as names."""

import pytest

from agents.arguments import extract
from agents.dictation import spelled_out
from assistant.persian import normalize


@pytest.mark.parametrize(("said", "written"), [
    ("ویس دات او جی جی", "voice.ogg"),
    ("تیلدا اسلش داونلودز اسلش مصاحبه دات ام پی تری", "~/Downloads/مصاحبه.mp3"),
    ("نقطه اسلش دیتا اسلش ریویوز دات سی اس وی", "./data/reviews.csv"),
    ("نیوز آندرلاین هدلاینز دات جی سان ال", "news_headlines.jsonl"),
    ("ریک صفر صفر هفت دات فلک", "rec007.flac"),
    ("سام یوزر اسلش اف ای دش نیوز دش سی ال اف", "someuser/fa-news-clf"),
    # Words said apart after the slash are a dashed name; a well-known repo is recognised with its capitals.
    ("اوپن ای آی اسلش ویسپر لارج وی سه", "openai/whisper-large-v3"),
    ("هوشواره لب اسلش برت اف ای بیس آنکیسد", "HooshvareLab/bert-fa-base-uncased"),
    ("پرشین ان ال پی اسلش پارسی نلو زیرخط ترنسلیشن زیرخط اف ای زیرخط ای ان", "persiannlp/parsinlu_translation_fa_en"),
    ("اچ تی تی پی اس دو نقطه اسلش اسلش هاگینگ فیس دات کو اسلش اوپن ای آی اسلش ویسپر اسمال",
     "https://huggingface.co/openai/whisper-small"),
])
def test_a_name_spelled_aloud_is_written_as_a_name(said, written):
    assert spelled_out(normalize(said)) == written


@pytest.mark.parametrize("text", [
    "کار ۷ رو از آخرین نقطه ذخیره ادامه بده",  # «نقطه» as a point, not a dot
    "یه نقطه قرمز رو آیکون افتاده",
    "جمله اینه دو نقطه ساندویچ نونش خشک بود",  # a colon before a text stays a colon said in words
    "فرق /search با /datasets چیه",
    "مدل رو دانلود کن",
])
def test_ordinary_sentences_pass_untouched(text):
    assert spelled_out(normalize(text)) == normalize(text)


@pytest.mark.parametrize(("tool", "said", "key", "value"), [
    ("transcribe", "اِ ویس دات او جی جی رو به متن تبدیل کن", "audio", "voice.ogg"),
    ("transcribe", "ببین اسلش ام ان تی اسلش یو اس بی اسلش ضبط دات وی ای وی رو پیاده کن", "audio", "/mnt/usb/ضبط.wav"),
    ("start_training", "پارس برت رو روی اسپورت آندرلاین نیوز دات سی اس وی ترین کن", "dataset", "sport_news.csv"),
    ("download", "خب دانلود کن اوپن ای آی اسلش ویسپر مدیوم", "repo_id", "openai/whisper-medium"),
    # The owner said apart from the name: the name alone finds the well-known repo.
    ("download", "خب سیستران با اس بزرگ اسلش فستر ویسپر اسمال همه حروف کوچیک دانلودش کن", "repo_id",
     "Systran/faster-whisper-small"),
])
def test_a_spoken_name_reaches_the_tool(tool, said, key, value):
    assert extract(tool, normalize(said))[key] == value


def test_the_text_to_speak_is_never_respelled():
    said = normalize("بگو ویس دات او جی جی آماده‌ست")
    assert "دات" in extract("speak", said)["text"]
