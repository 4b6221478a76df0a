"""The offline router: slash commands, the learned intent model, arguments read from Persian, clarifying questions."""

from __future__ import annotations

import json
from collections import Counter

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
    names = {t.name for t in tools.list_tools()}
    per_label = Counter(r["label"] for r in records)
    assert len(records) >= 2000
    assert per_label["none"] >= 300
    assert all(per_label[name] >= 80 for name in names), per_label
    for r in records:
        assert r["tool"] is None or r["tool"] in names, r
        assert r["family"].split(".")[0] == (r["tool"] or "none"), r
        assert isinstance(r["args"], dict)
        if "job_id" in r["args"]:
            assert isinstance(r["args"]["job_id"], int), r


def test_generalizes_to_families_it_never_saw():
    """Train on four folds of families, score the fifth: a regression in generalization fails here."""
    records = intent.load_corpus()
    fold = intent.group_folds(records)[0]
    held = set(fold)
    model = intent.fit_router([r for i, r in enumerate(records) if i not in held])
    right = sum(model.predict(records[i]["text"])[0][0] == records[i]["label"] for i in fold)
    assert right / len(fold) >= 0.80, right / len(fold)


def test_model_round_trip(tmp_path):
    model = intent.get_model()
    path = tmp_path / "m.npz"
    model.save(path)
    again = intent.IntentModel.load(path)
    text = "مدل HooshvareLab/bert-fa-base-uncased رو دانلود کن"
    assert again.predict(text) == model.predict(text)
    assert again.task("یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام") == "text-classification"


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


def test_a_goal_becomes_a_search_for_its_task():
    r = route("یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام")
    assert r.tool == "search_models" and r.args["task"] == "text-classification"


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


def test_sure_router_acts():
    model = FixedModel([("system_status", 0.93), ("list_jobs", 0.05), ("none", 0.02)])
    assert route("هر چی", model=model).tool == "system_status"


def test_unknown_slash_command_is_explained():
    r = route("/frobnicate 3")
    assert r.tool is None and r.reply_key == "errors.unknown_command"


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
