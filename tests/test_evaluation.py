"""`/eval`: a classifier on a held-out split beside two baselines, as a job (child process), with the report, the
confusion picture and the model card's section. Real tiny models trained and served by the local test hub."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agents.graph import run_agent
from assistant.jobs.runner import wait_for_job
from assistant.models import JobStatus
from tests.hub_fixtures import BERT_REPO, SENTIMENT_DATASET
from tests.training_fixtures import drain_runner, install, sentiment_rows, tiny_hub, write_csv

FIXTURES = (drain_runner, install, tiny_hub)


def _fine_tuned_classifier(install):
    """The tiny BERT fine-tuned for one epoch on the test hub's sentiment data (a real training job)."""
    install(BERT_REPO)
    install(SENTIMENT_DATASET, "dataset")
    trained = wait_for_job(run_agent(f"/train base={BERT_REPO} data={SENTIMENT_DATASET} epochs=1 confirm=yes").job_id,
                           timeout=180)
    assert trained.status == JobStatus.succeeded, trained.error
    return trained


def _consistent(report: dict) -> None:
    """The figures agree with each other (each computed once, so a wrong one shows here)."""
    matrix = report["confusion"]
    total = sum(map(sum, matrix))
    assert total == report["examples"] == sum(c["support"] for c in report["per_class"])
    assert report["accuracy"] == pytest.approx(sum(matrix[i][i] for i in range(len(matrix))) / total)
    assert report["macro_f1"] == pytest.approx(sum(c["f1"] for c in report["per_class"]) / len(matrix))
    for i, c in enumerate(report["per_class"]):
        predicted = sum(row[i] for row in matrix)
        assert c["recall"] == pytest.approx(matrix[i][i] / max(sum(matrix[i]), 1))
        assert c["precision"] == pytest.approx(matrix[i][i] / predicted if predicted else 0.0)
    base = report["baselines"]
    assert set(base) == {"majority", "tfidf_logreg"}
    majority = report["labels"].index(base["majority"]["label"])
    assert base["majority"]["accuracy"] == pytest.approx(sum(matrix[majority]) / total)


def test_eval_of_a_fine_tuned_model_on_its_own_split_then_on_a_file(install, tmp_path):
    install(BERT_REPO)
    install(SENTIMENT_DATASET, "dataset")
    session = "eval-fa"
    assert run_agent(f"/train base={BERT_REPO} data={SENTIMENT_DATASET} epochs=1 lr=5e-4 confirm=yes", session).ok
    trained = wait_for_job(run_agent("/jobs", session).data["jobs"][0]["id"], timeout=180)
    assert trained.status == JobStatus.succeeded, trained.error
    out = Path(trained.result["model_dir"])

    started = run_agent("ارزیابیش کن", session)  # the model this conversation trained
    assert started.tool == "evaluate_model" and started.ok and started.job_id, started.text
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, (job.error, job.message)
    report = json.loads((out / "evaluation" / "evaluation.json").read_text(encoding="utf-8"))
    _consistent(report)
    assert report["labels"] == ["negative", "positive"] and report["source"] == ""
    assert report["examples"] == trained.result["eval_examples"]  # the training's own held-out rows, all of them
    assert (out / "evaluation" / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    reply = job.result["reply"]
    for word in ("TF-IDF", "دقت", "F1", "negative", "positive"):
        assert word in reply, word
    assert job.result["media"][0]["name"] == "confusion.png" and "دقت" in job.message
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.count("<!-- dastyar:evaluation -->") == 1 and "TF-IDF" in card and "evaluation/confusion.png" in card

    # On a file the person names (labels as words in another language: منفی/مثبت do not match → said so).
    mismatched = write_csv(tmp_path / "words.csv", sentiment_rows(40, seed=5))
    job2 = wait_for_job(run_agent(f"/eval {trained.id} {mismatched}", session).job_id, timeout=180)
    assert job2.status == JobStatus.failed and "جور نیستند" in (job2.error or job2.message or "")
    # The dataset's own test split, named: the report says which data; the card keeps one section.
    again = run_agent(f"/eval {trained.id} data={SENTIMENT_DATASET}", session)
    job3 = wait_for_job(again.job_id, timeout=180)
    assert job3.status == JobStatus.succeeded, job3.error
    report3 = json.loads((out / "evaluation" / "evaluation.json").read_text(encoding="utf-8"))
    _consistent(report3)
    assert report3["source"] == SENTIMENT_DATASET
    assert (out / "README.md").read_text(encoding="utf-8").count("<!-- dastyar:evaluation -->") == 1

    # Two models on the very same rows (the fine-tuned one's held-out split): a table, a chart, the best named.
    compared = run_agent(f"/compare {trained.id} {BERT_REPO}", session)
    assert compared.ok, compared.text
    job4 = wait_for_job(compared.job_id, timeout=180)
    assert job4.status == JobStatus.succeeded, job4.error
    table = job4.result["reply"]
    assert BERT_REPO in table and f"job-{trained.id}" in table and "TF-IDF" in table
    rows = job4.result["comparison"]
    assert [r["model"] for r in rows] == [f"job-{trained.id}", BERT_REPO]
    assert rows[0]["accuracy"] == pytest.approx(report["accuracy"])  # same rows, same model, same figure
    assert job4.result["media"][0]["name"] == "comparison.png"
    assert not run_agent(f"/compare {trained.id}", session).ok  # one model is no comparison


def test_eval_of_a_hub_model_with_generic_labels_and_bad_requests(install, tmp_path, data_dir):
    install(BERT_REPO)
    rows = sentiment_rows(60, seed=3, names=False)  # labels 0/1: the model's LABEL_0/LABEL_1 match them
    data = write_csv(tmp_path / "labelled.csv", rows)
    started = run_agent(f"/eval {BERT_REPO} {data}")
    assert started.ok, started.text
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, job.error
    folder = data_dir / "evaluations" / f"job-{job.id}"
    report = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
    _consistent(report)
    assert report["source"] == "labelled.csv" and not report["unmapped_labels"]
    assert report["baselines"]["tfidf_logreg"]["accuracy"] >= report["baselines"]["majority"]["accuracy"]

    for text, words in (
        ("/eval", "کدام مدل"),
        (f"/eval {BERT_REPO}", "دادهٔ کنارگذاشته"),  # a Hub model keeps no split: say which data
        ("/eval 9999", "پیدا نکردم"),
        (f"/eval {BERT_REPO} /etc/passwd", "پیدا"),
    ):
        answer = run_agent(text)
        assert not answer.ok and words in answer.text and "Traceback" not in answer.text, (text, answer.text)


def test_model_labels_meet_data_labels_by_name_then_by_number():
    from assistant.services.training.evaluate import align_labels

    assert align_labels({0: "NEGATIVE", 1: "positive"}, ["positive", "negative"]) == {0: 1, 1: 0}
    assert align_labels({0: "LABEL_0", 1: "LABEL_1"}, ["0", "1"]) == {0: 0, 1: 1}
    assert align_labels({0: "neg", 1: "pos"}, ["0", "1"]) == {0: 0, 1: 1}  # numbers: the label-id convention
    assert align_labels({0: "neg", 1: "pos", 2: "neutral"}, ["pos", "neg"]) == {0: 1, 1: 0}  # neutral: unmapped
    assert align_labels({0: "a", 1: "b"}, ["منفی", "مثبت"]) == {}


def test_a_file_through_a_fine_tuned_model_comes_back_labelled(install, tmp_path):
    import pandas as pd

    trained = _fine_tuned_classifier(install)
    rows = [{"id": i, "comment": r["text"]} for i, r in enumerate(sentiment_rows(37, seed=9))]
    upload = write_csv(tmp_path / "نظرات.csv", rows)
    attachment = {"name": upload.name, "path": str(upload), "mime": "text/csv"}
    started = run_agent(f"/try {trained.id}", "label-file", [attachment])  # the file attached to the message
    assert started.tool == "try_model" and started.ok and started.job_id, started.text
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, job.error
    out = Path(job.result["media"][0]["path"])
    labelled = pd.read_csv(out, encoding="utf-8-sig")
    assert len(labelled) == 37 and list(labelled["comment"]) == [r["comment"] for r in rows]  # every row, in order
    assert set(labelled["predicted_label"]) <= {"negative", "positive"}
    assert labelled["predicted_score"].between(0.5, 1.0).all()
    assert sum(job.result["counts"].values()) == 37 and "comment" in job.result["reply"]
    # By name too, and a file that is not data is refused in Persian.
    assert run_agent(f"/try {trained.id} file={upload}").ok
    bad = run_agent(f"/try {trained.id} file=/etc/passwd")
    assert not bad.ok and "Traceback" not in bad.text


def test_eval_of_a_fine_tuned_language_model_gives_perplexity_beside_its_base(tiny_hub, tmp_path):
    import math

    from tests.training_fixtures import write_jsonl

    data = write_jsonl(tmp_path / "متن‌ها.jsonl", [{"text": r["text"]} for r in sentiment_rows(48)])
    trained = wait_for_job(run_agent(f"/train base={tiny_hub['gpt2']} data={data} epochs=1 lr=۱e-۳ batch=8 "
                                     "confirm=yes").job_id, timeout=180)
    assert trained.status == JobStatus.succeeded, trained.error
    job = wait_for_job(run_agent(f"/eval {trained.id}").job_id, timeout=180)
    assert job.status == JobStatus.succeeded, job.error
    out = Path(trained.result["model_dir"])
    report = json.loads((out / "evaluation" / "evaluation.json").read_text(encoding="utf-8"))
    assert report["kind"] == "lm" and report["examples"] == trained.result["eval_examples"] and report["tokens"] > 0
    assert report["perplexity"] == pytest.approx(math.exp(report["loss"]))
    # The figure is the library's own loss: for one text, exp(the model's mean token loss with labels = inputs).
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from assistant.services.training.evaluate import perplexity

    text = "غذای این رستوران خیلی خوشمزه و تازه بود"
    tokenizer, model = AutoTokenizer.from_pretrained(out), AutoModelForCausalLM.from_pretrained(out)
    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        expected = math.exp(float(model(input_ids=ids, labels=ids).loss))
    assert perplexity(out, [text])["perplexity"] == pytest.approx(expected, rel=1e-4)
    assert report["base"]["perplexity"] > 1 and len(report["samples"]) == 3
    assert "سرگشتگی" in job.result["reply"] and job.result["base_perplexity"] == pytest.approx(
        report["base"]["perplexity"], rel=1e-4)
    assert (out / "README.md").read_text(encoding="utf-8").count("<!-- dastyar:evaluation -->") == 1


def test_export_to_onnx_is_checked_against_the_original(install, tmp_path):
    import numpy as np
    import onnxruntime as ort
    from transformers import AutoTokenizer

    trained = _fine_tuned_classifier(install)
    started = run_agent(f"/export {trained.id} onnx")
    assert started.ok and started.job_id, started.text
    job = wait_for_job(started.job_id, timeout=180)
    assert job.status == JobStatus.succeeded, job.error
    out = Path(trained.result["model_dir"]) / "onnx"
    check = json.loads((out / "check.json").read_text())
    assert check["same_predictions"] == check["predictions"] == trained.result["eval_examples"]
    assert check["max_abs_diff"] <= 1e-3 and "onnx" in job.result["reply"].lower()
    # The copy stands on its own: tokenizer and model from the folder, a batch of another size than exported.
    tokenizer = AutoTokenizer.from_pretrained(out)
    batch = tokenizer(["غذا خوب بود", "اصلاً راضی نبودم", "معمولی"], padding=True, return_tensors="np")
    session = ort.InferenceSession(str(out / "model.onnx"), providers=["CPUExecutionProvider"])
    logits = session.run(["logits"], {k: batch[k].astype(np.int64) for k in check["inputs"]})[0]
    assert logits.shape == (3, 2)
    assert not (Path(trained.result["model_dir"]) / "onnx.partial").exists()
    for text, words in (("/export", "کدام مدل"), (f"/export {trained.id} tflite", "فقط ONNX"), ("/export 9999", "پیدا")):
        answer = run_agent(text)
        assert not answer.ok and words in answer.text, (text, answer.text)
