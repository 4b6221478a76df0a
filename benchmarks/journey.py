"""Journey: from a goal sentence to an evaluated model, through the chat as a person uses it.

The person sends one goal sentence with their file attached (the Snappfood reviews of ../shared/data when present,
else synthetic Persian sentences), gets the plan card, and answers «شروع». Printed: the number of user turns from the
goal to the evaluated model (goal ≤ 3), the wall time of each part on this machine, and the evaluation figures of
the fine-tuned model beside the majority-class and TF-IDF + logistic-regression baselines computed on the same split.

Offline there is no pretrained Persian model: the Hub the chat reaches (tests/hubserver.py on 127.0.0.1) serves a
small BERT initialised at random under ParsBERT's name, with a WordPiece tokenizer trained on the data, so the
figures say how well the journey trains, not what ParsBERT would reach (about 88% on this set). The goal sentence
names a learning rate that suits a model trained from scratch; everything else is the plan's own choice.

Run: `.venv/bin/python benchmarks/journey.py [--epochs 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SNAPPFOOD = ROOT.parent / "shared" / "data" / "snappfood-sentiment-dev.tsv"
BASE = "HooshvareLab/bert-fa-base-uncased"
TURN_GOAL = 3


def _hub_repo(root: Path, texts: list[str]) -> Path:
    from benchmarks.training import build_model

    folder = build_model(root / "models" / BASE, texts)
    (folder / "README.md").write_text("---\nlanguage: [fa]\nlicense: apache-2.0\npipeline_tag: fill-mask\n---\n"
                                      "# small random-init BERT (benchmark)\n", encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rows", type=int, default=3000, help="synthetic rows when the Snappfood set is absent")
    opts = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="dastyar-bench-journey-"))
    data_dir = work / "data"
    os.environ.update({"DASTYAR_DATA_DIR": str(data_dir), "HF_HOME": str(work / "hf"), "DASTYAR_TRAIN_THREADS": "2"})
    from tests.hubserver import HubServer, env_for

    real = SNAPPFOOD.is_file()
    upload = data_dir / ".files" / "bench" / ("reviews.tsv" if real else "reviews.csv")
    upload.parent.mkdir(parents=True, exist_ok=True)
    if real:
        shutil.copyfile(SNAPPFOOD, upload)
    else:
        from benchmarks.training import synthetic_data

        synthetic_data(upload, opts.rows)
    import pandas as pd

    frame = pd.read_csv(upload, sep="\t" if real else ",")
    texts = [str(x) for x in frame[frame.columns[1] if real else "text"]]
    _hub_repo(work / "hub", texts)
    with HubServer(work / "hub") as hub:
        os.environ.update(env_for(hub))
        from agents.graph import run_agent
        from assistant import bootstrap
        from assistant.jobs import store
        from assistant.jobs.runner import stop_runner, wait_for_job

        bootstrap.setup()
        from agents.router import route

        route("سلام")  # the intent model loaded (or built, once per corpus) before the clock starts
        attachment = {"name": upload.name, "path": str(upload), "mime": "text/csv"}
        goal = (f"یه مدل تحلیل احساسات برای نظرات مشتری‌هام می‌خوام، با {opts.epochs} دوره و نرخ یادگیری 5e-4؛ "
                "فایلشون رو فرستادم")
        turns = 0
        t0 = time.monotonic()
        plan = run_agent(goal, "journey", [attachment])
        turns += 1
        plan_seconds = time.monotonic() - t0
        ready = plan.data.get("plan", {}).get("ready")
        print(f"data: {upload.name} ({'real Snappfood reviews' if real else 'synthetic Persian sentences'}), "
              f"{len(frame)} rows; CPU, {os.cpu_count()} cores")
        print(f"turn 1 (goal + file) → {plan.tool}, plan ready: {ready}, {plan_seconds:.1f} s")
        if not ready:
            print(plan.text)
            sys.exit(1)
        estimate = plan.data["plan"]["candidates"][plan.data["plan"]["pick"]]["est_seconds"]
        t1 = time.monotonic()
        started = run_agent("شروع", "journey")
        turns += 1
        chain = wait_for_job(started.job_id, timeout=4 * 3600, poll=1.0)
        wall = time.monotonic() - t1
        try:
            print(f"turn 2 («شروع») → chain #{chain.id}: {chain.status.value} in {wall:.0f} s "
                  f"(the plan estimated {estimate:.0f} s for training)")
            for step in store.steps_of(chain.id):
                took = (step.finished_at - step.started_at).total_seconds() if step.finished_at and step.started_at \
                    else float("nan")
                extra = ""
                if step.kind == "training":
                    r = step.result
                    extra = (f"  ({r.get('total_steps')} steps of batch {step.params.get('batch_size')}, "
                             f"{r.get('samples_per_second')} samples/s at the end)")
                print(f"  step #{step.id} {step.kind:<11} {step.status.value:<10} {took:7.1f} s{extra}")
            if chain.status.value != "succeeded":
                print(chain.error or chain.message)
                sys.exit(1)
            figures = chain.result["found"]["evaluation"]
            base = figures["baselines"]
            print(f"\nuser turns from the goal to the evaluated model: {turns} (goal ≤ {TURN_GOAL}) "
                  f"{'✓' if turns <= TURN_GOAL else '✗'}")
            print(f"wall time: plan {plan_seconds:.1f} s + chain {wall:.0f} s")
            print(f"held-out examples: {figures['examples']}")
            print(f"{'':28}{'accuracy':>10}{'macro-F1':>10}")
            print(f"{'fine-tuned (random init)':28}{figures['accuracy']:>10.3f}{figures['macro_f1']:>10.3f}")
            for name, label in (("tfidf_logreg", "TF-IDF + logistic reg."), ("majority", "majority class")):
                print(f"{label:28}{base[name]['accuracy']:>10.3f}{base[name]['macro_f1']:>10.3f}")
            ratio = figures["macro_f1"] / max(base["tfidf_logreg"]["macro_f1"], 1e-9)
            print(f"fine-tuned / TF-IDF macro-F1: {ratio:.2f} (a pretrained Persian BERT is expected above 1.0; a "
                  "random-init one is not)")
            print(json.dumps({"turns": turns, "plan_seconds": round(plan_seconds, 2), "chain_seconds": round(wall, 1),
                              "accuracy": figures["accuracy"], "macro_f1": figures["macro_f1"],
                              "tfidf_macro_f1": base["tfidf_logreg"]["macro_f1"]}))
        finally:
            stop_runner(wait=True)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
