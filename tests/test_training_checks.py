"""Training requests that must be answered before any job starts: arguments, models, data, the check itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.graph import run_agent
from assistant.jobs import store
from assistant.services.training.data import prepare, resolve_dataset
from assistant.services.training.errors import TrainingProblem
from tests.hub_fixtures import BERT_REPO, GPT2_REPO, SENTIMENT_DATASET
from tests.training_fixtures import drain_runner, install, sentiment_rows, tiny_hub, write_csv, write_jsonl
from tools import call_tool

FIXTURES = (drain_runner, install, tiny_hub)  # pytest finds them here


@pytest.fixture
def csv_data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "نظرات.csv", sentiment_rows(40))


def _train(**args) -> object:
    return call_tool("start_training", args)


def _no_jobs() -> bool:
    return not store.list_jobs(limit=5)


# -- arguments ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("epochs", ["0", "-3", "−3", "۱۰۰۰۰۰", "سه‌تا", "1e9"])
def test_bad_epochs_are_refused_with_the_limits(epochs, tiny_hub, csv_data):
    result = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), epochs=epochs)
    assert not result.ok and result.data["error"] == "bad_args"
    assert "epochs" in result.text and "۱۰۰" in result.text, result.text
    assert _no_jobs()


@pytest.mark.parametrize("lr", ["زیاد", "0", "-1e-5", "5", "۲e"])
def test_bad_learning_rates_are_refused(lr, tiny_hub, csv_data):
    result = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), learning_rate=lr)
    assert not result.ok and "نرخ یادگیری" in result.text, result.text
    assert _no_jobs()


@pytest.mark.parametrize(("value", "expected"), [("۲e-۵", 2e-5), ("٢e-٥", 2e-5), ("2e-5", 2e-5), ("۰٫۰۰۰۱", 1e-4)])
def test_learning_rate_in_any_digits(value, expected, tiny_hub, csv_data):
    result = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), learning_rate=value, epochs="۲",
                    batch_size="۸")
    assert result.ok, result.text
    args = result.confirm["args"]
    assert args["learning_rate"] == pytest.approx(expected) and args["epochs"] == 2 and args["batch_size"] == 8


def test_bad_batch_and_unknown_task(tiny_hub, csv_data):
    assert "اندازهٔ دسته" in _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), batch_size="0").text
    assert "اندازهٔ دسته" in _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), batch_size="2.5").text
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), task="پرواز")
    assert not reply.ok and "نمی‌شناسم" in reply.text


def test_missing_model_or_data_is_asked_for(csv_data):
    reply = run_agent("/train")  # the router's reading of a bare request is tested in test_router
    assert reply.tool == "start_training" and not reply.ok and "/train" in reply.text
    reply = _train(base_model=BERT_REPO)
    assert not reply.ok and "کدام داده" in reply.text


# -- models ------------------------------------------------------------------------------------------------


def test_model_not_downloaded_offers_the_download(csv_data):
    reply = run_agent(f"/train base=someone/not-here data={csv_data}")
    assert not reply.ok and reply.data["error"] == "model_missing"
    assert "/download someone/not-here" in reply.text and "دانلود کن" in reply.text
    reply = _train(base_model="نامعلوم", dataset=str(csv_data))
    assert not reply.ok and reply.data["error"] == "model_not_found"
    # A Hub name without its owner is not on disk either: the reply offers its download as written.
    reply = _train(base_model="xlm-roberta-base", dataset=str(csv_data))
    assert not reply.ok and reply.data["error"] == "model_not_local" and "/download xlm-roberta-base" in reply.text


def test_dataset_not_downloaded_offers_the_download(tiny_hub):
    reply = _train(base_model=str(tiny_hub["bert"]), dataset="someone/no-such-data")
    assert not reply.ok and reply.data["error"] == "dataset_missing" and "/download someone/no-such-data" in reply.text
    reply = _train(base_model=str(tiny_hub["bert"]), dataset="/nowhere/data.csv")
    assert not reply.ok and reply.data["error"] == "dataset_not_found"


def test_architecture_that_cannot_do_the_task(tiny_hub, csv_data, tmp_path):
    # BERT is an encoder: it does not generate text.
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), task="text-generation")
    assert not reply.ok and reply.data["error"] == "arch_cannot" and "تولید متن" in reply.text
    # A speech model is no text model at all.
    speech = tmp_path / "whisper-like"
    speech.mkdir()
    (speech / "config.json").write_text(json.dumps({"model_type": "whisper",
                                                    "architectures": ["WhisperForConditionalGeneration"]}))
    (speech / "tokenizer.json").write_text("{}")
    reply = _train(base_model=str(speech), dataset=str(csv_data))
    assert not reply.ok and reply.data["error"] == "model_no_weights" and "/download" in reply.text
    (speech / "model.safetensors").write_bytes(b"\0" * 8)
    reply = _train(base_model=str(speech), dataset=str(csv_data))
    assert not reply.ok and reply.data["error"] == "model_unknown_arch" and "whisper" in reply.text
    # Known tasks not built yet get a clear answer.
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(csv_data), task="ner")
    assert not reply.ok and reply.data["error"] == "task_not_yet"


# -- data files --------------------------------------------------------------------------------------------


def test_file_with_no_text_column(tiny_hub, tmp_path):
    path = write_csv(tmp_path / "numbers.csv", [{"a": i, "b": i % 2, "c": i * 1.5} for i in range(30)])
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(path))
    assert not reply.ok and reply.data["error"] == "no_text_column" and "`a`" in reply.text


def test_one_label_only(tiny_hub, tmp_path):
    rows = [{"text": r["text"], "label": "مثبت"} for r in sentiment_rows(30)]
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(write_csv(tmp_path / "one.csv", rows)))
    assert not reply.ok and reply.data["error"] == "one_label" and "مثبت" in reply.text


def test_empty_files(tiny_hub, tmp_path):
    for name, content in (("empty.csv", ""), ("header.csv", "text,label\n"), ("blank.jsonl", "\n\n")):
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(path))
        assert not reply.ok and reply.data["error"] == "file_empty", (name, reply.text)
        assert "خالی" in reply.text


def test_non_utf8_text(tiny_hub, tmp_path):
    # Windows-1256 (old Excel exports) has the Arabic forms of ی and ک.
    rows = [{k: str(v).translate(str.maketrans("یک", "يك")) for k, v in r.items()} for r in sentiment_rows(30)]
    path = write_csv(tmp_path / "excel.csv", rows, encoding="cp1256")
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(path))
    assert not reply.ok and reply.data["error"] == "file_not_utf8" and "UTF-8" in reply.text


def test_two_gigabyte_file_is_refused_before_reading(tiny_hub, tmp_path):
    path = tmp_path / "huge.csv"
    with path.open("wb") as fh:
        fh.truncate(2 * 1024**3)  # sparse: costs no disk
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(path))
    assert not reply.ok and reply.data["error"] == "file_too_big" and "گیگابایت" in reply.text


def test_unsupported_format_and_broken_parquet(tiny_hub, tmp_path):
    doc = tmp_path / "data.docx"
    doc.write_bytes(b"PK\x03\x04")
    assert _train(base_model=str(tiny_hub["bert"]), dataset=str(doc)).data["error"] == "file_format"
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"not parquet at all")
    assert _train(base_model=str(tiny_hub["bert"]), dataset=str(broken)).data["error"] == "file_unreadable"


def test_ambiguous_label_columns_are_asked_then_named(tiny_hub, tmp_path):
    rows = [{**r, "sentiment": ("خوب", "بد", "خنثی")[i % 3]} for i, r in enumerate(sentiment_rows(45))]
    path = write_csv(tmp_path / "two-labels.csv", rows)
    reply = _train(base_model=str(tiny_hub["bert"]), dataset=str(path))
    assert not reply.ok and reply.data["error"] == "ambiguous_label"
    assert "`label`" in reply.text and "`sentiment`" in reply.text and "label=" in reply.text
    reply = run_agent(f"/train base={tiny_hub['bert']} data={path} label=sentiment")
    assert reply.ok and reply.confirm and "`sentiment`" in reply.text and "خنثی" in reply.text


def test_formats_and_columns(tmp_path):
    """TSV with an index column and two equivalent label columns (the Snappfood layout), JSONL, parquet, txt."""
    import pandas as pd

    rows = sentiment_rows(40)
    tsv = [{"": i, "comment": r["text"], "label": ("SAD", "HAPPY")[r["label"] == "مثبت"],
            "label_id": int(r["label"] == "مثبت")} for i, r in enumerate(rows)]
    data = prepare(resolve_dataset(str(write_csv(tmp_path / "s.tsv", tsv, sep="\t"))), "text-classification")
    assert (data.text_column, data.label_column, data.labels) == ("comment", "label", ["HAPPY", "SAD"])
    assert len(data.train) + len(data.eval) == 40 and len(data.eval) == 4
    assert sorted(data.eval["label"].tolist()) == [0, 0, 1, 1]  # stratified

    persian = [{"متن": r["text"], "برچسب": r["label"]} for r in rows]
    data = prepare(resolve_dataset(str(write_jsonl(tmp_path / "d.jsonl", persian))), "text-classification")
    assert (data.text_column, data.label_column) == ("متن", "برچسب")

    pd.DataFrame(rows).to_parquet(tmp_path / "d.parquet")
    data = prepare(resolve_dataset(str(tmp_path / "d.parquet")), "text-classification")
    assert set(data.labels) == {"منفی", "مثبت"}

    (tmp_path / "lines.txt").write_text("\n".join(r["text"] for r in rows), encoding="utf-8")
    data = prepare(resolve_dataset(str(tmp_path / "lines.txt")), "text-generation")
    assert data.label_column is None and len(data.train) == 36

    with pytest.raises(TrainingProblem) as exc:
        prepare(resolve_dataset(str(tmp_path / "lines.txt")), "text-classification")
    assert exc.value.code == "no_label_column"


# -- the check ---------------------------------------------------------------------------------------------


def test_check_from_persian_text_asks_before_starting(install, tmp_path):
    install(BERT_REPO)
    install(SENTIMENT_DATASET, "dataset")
    text = (f"مدل {BERT_REPO} رو روی دیتاست {SENTIMENT_DATASET} با ۳ دوره آموزش بده، "
            "نرخ یادگیری ۲e-۵ و بچ سایز ۱۶")
    reply = run_agent(text, "check-session")
    assert reply.tool == "start_training" and reply.ok, reply.text
    for expected in ("✅", "`text`", "`label`", "negative", "positive", "۶۴ نمونهٔ آموزش", "۱۶ نمونهٔ ارزیابی",
                     "«test»", "۱۲ گام", "زمان تخمینی", "حافظه", "«بله»"):
        assert expected in reply.text, (expected, reply.text)
    assert reply.confirm["tool"] == "start_training" and reply.confirm["args"]["confirmed"] is True
    plan = reply.data["plan"]
    assert plan["total_steps"] == 12 and plan["data"]["labels"] == ["negative", "positive"]
    assert plan["est_seconds"] > 0 and plan["mem_need"] > 0
    assert _no_jobs()
    # «نه» drops the question; nothing starts.
    assert "انجامش ندادم" in run_agent("نه", "check-session").text
    assert _no_jobs()


def test_generation_check_uses_lora(install, tiny_hub, tmp_path):
    install(GPT2_REPO)
    path = write_jsonl(tmp_path / "texts.jsonl", [{"text": r["text"]} for r in sentiment_rows(30)])
    reply = run_agent(f"/train base={GPT2_REPO} data={path} epochs=1")
    assert reply.ok and reply.confirm, reply.text
    assert reply.data["plan"]["task"] == "text-generation" and reply.data["plan"]["lora"] is True
    assert "LoRA" in reply.text and "`text`" in reply.text


def test_live_chart_from_the_job_row():
    from assistant.models import Job
    from assistant.ui.training_view import chart_key, loss_figure

    history = [{"step": s, "epoch": s / 4, "loss": 1 / s, "learning_rate": 1e-3} for s in range(1, 9)]
    history += [{"step": 4, "epoch": 1.0, "eval_loss": 0.6, "eval_accuracy": 0.7, "eval_f1": 0.6},
                {"step": 8, "epoch": 2.0, "eval_loss": 0.5, "eval_accuracy": 0.8, "eval_f1": 0.7}]
    job = Job(id=7, kind="training", status="running", result={"history": history, "total_steps": 8})
    fig = loss_figure(job)
    names = [trace.name for trace in fig.data]
    assert names == ["خطای آموزش", "خطای ارزیابی", "دقت ارزیابی"]
    assert list(fig.data[0].x) == list(range(1, 9)) and list(fig.data[1].y) == [0.6, 0.5]
    assert "۷" in fig.layout.title.text and fig.layout.yaxis2.overlaying == "y"
    before = chart_key(job)
    job.result = {**job.result, "history": history + [{"step": 9, "loss": 0.1}]}
    assert chart_key(job) != before


def test_training_limits_come_from_settings_and_dotenv(tmp_path, monkeypatch):
    """DASTYAR_TRAIN_* are settings like the others: a `.env` file sets them too."""
    from assistant.config import get_settings, reset_settings
    from assistant.services.training.data import max_file_bytes

    monkeypatch.delenv("DASTYAR_TRAIN_MAX_FILE_MB", raising=False)
    monkeypatch.delenv("DASTYAR_TRAIN_THREADS", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("DASTYAR_TRAIN_MAX_FILE_MB=2\nDASTYAR_TRAIN_THREADS=1\n", encoding="utf-8")
    reset_settings()
    assert max_file_bytes() == 2 * 1024 * 1024
    assert get_settings().train_threads == 1
    (tmp_path / ".env").unlink()
    reset_settings()
    assert max_file_bytes() == 1024 * 1024 * 1024 and get_settings().train_threads is None
