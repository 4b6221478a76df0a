"""The offline Persian router on its corpus (agents/corpus): accuracy on message families the intent model never saw
(grouped 5-fold: the headline), in-sample and on the project's phrasings for contrast, latency, CLI cold start.
Run by hand: `.venv/bin/python benchmarks/router.py [--quick] [--dump FILE] [--cache-vectors DIR] [--held-out-only]`
(--quick: speed and in-sample only, no folds; --cache-vectors with --held-out-only: ~8 minutes per rerun while working
on rules or word features)."""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

import tools  # noqa: E402,F401  (the registry loads every tool on its first lookup)
from agents import arguments, encoder, finetune, intent, router  # noqa: E402,F401
from assistant.persian import normalize, parse_number  # noqa: E402
from tests.router_cases import CASES  # noqa: E402
from tests.waiting import wait_until  # noqa: E402
from tools.registry import get_tool  # noqa: E402

# `arguments` is imported at start: the router imports it on its first route, which in a held-out fold comes an hour
# in, so an edit made meanwhile would be scored with the router of the start and the arguments of the edit.
Row = dict[str, Any]
Router = Callable[[str], Any]
# Keys a route must not fill with a value the message did not state (unless it is the tool's default).
NO_INVENT = ("job_id", "repo_id", "epochs", "learning_rate", "batch_size", "base_model", "dataset", "text", "audio",
             "token", "url", "unread_only", "revision", "kind", "voice", "model")
STRIP = "«»\"'.:،؛!?؟ \t\n"
RUSAGE_WRAPPER = ("import resource, subprocess, sys; subprocess.run(sys.argv[2:], capture_output=True); "
                  "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))")
COLD_TEXTS = ("وضعیت سیستم", "کار ۳ رو لغو کن", "مدل HooshvareLab/bert-fa-base-uncased رو دانلود کن")


@contextmanager
def routing(model: intent.IntentModel | None) -> Iterator[Router]:
    """`route` with this model: by `model=` if the router takes it, else standing in for `get_model` where held."""
    if model is None or "model" in inspect.signature(router.route).parameters:
        yield router.route if model is None else (lambda text: router.route(text, model=model))
        return
    original = intent.get_model
    holders = [m for m in list(sys.modules.values()) if getattr(m, "get_model", None) is original]
    for module in holders:
        module.get_model = lambda: model  # type: ignore[attr-defined]
    try:
        yield router.route
    finally:
        for module in holders:
            module.get_model = original  # type: ignore[attr-defined]


def value_ok(key: str, want: Any, got: Any) -> bool:
    if got is None:
        return False
    if key == "query":
        return all(word in str(got).lower() for word in str(want).lower().split())
    if key == "text":
        return len({" ".join(normalize(str(v)).replace("\u200c", " ").strip(STRIP).split()) for v in (want, got)}) == 1
    # Numbers, and job numbers written as strings (try_model's `model`), compare as floats in any digit script.
    if (isinstance(want, int | float) and not isinstance(want, bool)) or (isinstance(want, str) and want.isdigit()):
        number = None if isinstance(got, bool) else parse_number(got)
        return number is not None and math.isclose(float(want), number, rel_tol=1e-9)
    return str(got).strip() == str(want).strip()


def args_ok(want: dict[str, Any], tool: str | None, got: dict[str, Any]) -> bool:
    """Every stated value right, and no value for an unstated NO_INVENT key other than the tool's default."""
    spec = get_tool(tool) if tool else None
    defaults = {k: None if f.is_required() else f.default for k, f in spec.args_model.model_fields.items()} if spec else {}
    return all(value_ok(k, v, got.get(k)) for k, v in want.items()) and all(
        not got.get(k) or got.get(k) == defaults.get(k) for k in NO_INVENT if k not in want)


def evaluate(records: list[dict[str, Any]], route: Router) -> list[Row]:
    rows = []
    for rec in records:
        r = route(rec["text"])
        if r.tool == "schedule" and r.args.get("tool"):
            # The corpus labels a timed request with the work asked for («امشب … دانلود کن» is download); the router
            # wraps that work in `schedule`, which is scored as the work and its arguments.
            r = dataclasses.replace(r, tool=r.args["tool"], args=dict(r.args.get("args") or {}))
        asked = r.source == "clarify"
        tool_ok = not asked and r.tool == rec["tool"]
        conf = getattr(r, "confidence", None)
        rows.append({"rec": rec, "args": r.args or {}, "asked": asked, "tool_ok": tool_ok,
                     "args_ok": tool_ok and args_ok(rec["args"], r.tool, r.args or {}),
                     "got": "?" if asked else (r.tool or intent.NONE), "conf": None if conf is None else float(conf),
                     "choices": [c.get("tool") for c in getattr(r, "choices", None) or []]})
    return rows


def pct(k: float, n: int) -> str:
    return f"{k / n:6.1%}" if n else "   n/a"


def headline(rows: list[Row], title: str) -> None:
    n, asked, ok = len(rows), [r for r in rows if r["asked"]], sum(r["tool_ok"] for r in rows)
    right = sum(r["rec"]["tool"] in r["choices"] for r in asked)
    print(f"\n== {title}: {n} messages\n"
          f"  tool accuracy                     {pct(ok, n)}   target ≥ 97%  (a question counts as wrong)\n"
          f"  argument accuracy                 {pct(sum(r['args_ok'] for r in rows), n)}   target ≥ 93%\n"
          f"  clarify rate                      {pct(len(asked), n)}\n"
          f"  tool accuracy when it answered    {pct(ok, n - len(asked))}\n"
          f"  right tool among offered choices  {pct(right, len(asked))}  ({right}/{len(asked)} questions)")


def breakdown(rows: list[Row], key: str) -> None:
    groups: dict[str, list[Row]] = defaultdict(list)
    for r in rows:
        groups[r["rec"][key]].append(r)
    print(f"\n  per {key:<22} {'n':>5} {'tool':>7} {'args':>7} {'asked':>6}")
    for name, rs in sorted(groups.items(), key=lambda g: sum(r["tool_ok"] for r in g[1]) / len(g[1])):
        print(f"  {name:<26} {len(rs):5d} {pct(sum(r['tool_ok'] for r in rs), len(rs))} "
              f"{pct(sum(r['args_ok'] for r in rs), len(rs))} {sum(r['asked'] for r in rs):6d}")


def confusion(rows: list[Row]) -> None:
    expected = sorted({r["rec"]["label"] for r in rows})
    predicted = sorted({r["got"] for r in rows})
    codes: dict[str, str] = {}
    for lab in sorted(set(expected) | set(predicted)):
        parts = lab.split("_")
        code = base = lab[:4] if len(parts) == 1 else parts[0][:2] + parts[-1][:2]
        for i in range(1, 10):
            code = code if code not in codes.values() else f"{base[:5]}{i}"
        codes[lab] = code
    cells = Counter((r["rec"]["label"], r["got"]) for r in rows)
    print("\n  confusion (rows expected, columns routed; ? = asked the user):\n       "
          + "".join(f"{codes[p]:>5}" for p in predicted))
    for e in expected:
        print(f"  {codes[e]:<5}" + "".join(f"{cells[e, p] or '.':>5}" for p in predicted))
    legend = [f"{c}={lab}" for lab, c in codes.items() if lab != "?"]
    for i in range(0, len(legend), 6):
        print("  " + "  ".join(legend[i:i + 6]))


def calibration(rows: list[Row]) -> None:
    scored = [r for r in rows if r["conf"] is not None]
    if not scored:
        print("\n  calibration: skipped (Route has no .confidence)")
        return
    print(f"\n  calibration ({len(scored)} routes with a confidence): top probability vs tool accuracy when answered")
    for lo, hi in itertools.pairwise((0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0 + 1e-9)):
        b = [r for r in scored if lo <= r["conf"] < hi]
        answered = [r for r in b if not r["asked"]]
        mean = statistics.fmean(r["conf"] for r in b) if b else math.nan
        print(f"    [{lo:.2f}, {min(hi, 1):.2f})  n={len(b):5d}  mean p={mean:.3f}  asked={sum(r['asked'] for r in b):4d}"
              f"  accuracy={pct(sum(r['tool_ok'] for r in answered), len(answered))}")


def worst(rows: list[Row], count: int = 25) -> None:
    misses = [r for r in rows if not r["args_ok"]]
    # Confident wrong tools first, then questions, then right tools with wrong arguments.
    misses.sort(key=lambda r: (r["tool_ok"], r["asked"], -(r["conf"] or 0.0)))
    print(f"\n  {min(count, len(misses))} worst of {len(misses)} misses (text | expected | got):")
    for r in misses[:count]:
        got = (f"? {r['choices']}" if r["asked"] else f"{r['got']} {r['args']}") + (
            "" if r["conf"] is None else f" p={r['conf']:.2f}")
        print(f"    {r['rec']['text']} | {r['rec']['label']} {r['rec']['args']} | {got}")


def held_out(records: list[dict[str, Any]], full: intent.IntentModel, only: set[int] | None = None) -> list[Row]:
    """Each fold routed by a word model and a tuned encoder that never saw its families. The fold encoders are the
    ones `python -m agents.finetune` kept (or tuned here, ~25 minutes each), with the project encoder's temperature.
    With `only` (fold numbers from 1), the other folds are skipped and their rows left empty."""
    rows: list[Row] = [{} for _ in records]
    labels = sorted({r["label"] for r in records})
    head = encoder.tuned_head() if encoder.available() else None
    training, engine_file = None, None
    for i, fold in enumerate(intent.group_folds(records, 5)):
        if only is not None and i + 1 not in only:
            continue
        held, start = set(fold), time.perf_counter()
        keep = [j for j in range(len(records)) if j not in held]
        if head is not None:
            path = finetune.fold_file(records, i)
            if not path.exists():
                training = training or finetune.Training(records, labels)
                finetune.save(path, training.fit(keep, len(labels)), labels, 1.0, finetune.corpus_key(records))
            with tempfile.TemporaryDirectory() as tmp:  # the fold's encoder with the project encoder's temperature
                with np.load(path) as data:
                    arrays = dict(data)
                meta = json.loads(str(arrays["meta"]))
                arrays["meta"] = np.array(json.dumps({**meta, "temperature": head.temperature}))
                np.savez(Path(tmp) / "fold.npz", **arrays)
                encoder.use(Path(tmp) / "fold.npz")
                engine_file = encoder.prepare()
        # After the fold's encoder is in use: the task head over its vectors is fitted with it.
        model = intent.fit_router([records[j] for j in keep], full.temperature)
        try:
            with routing(model) as route:
                for j, row in zip(fold, evaluate([records[j] for j in fold], route), strict=True):
                    rows[j] = row
        finally:
            encoder.use(None)
            if head is not None and engine_file is not None:
                engine_file.unlink(missing_ok=True)  # 72 MB each
        ok, took = sum(rows[j]["tool_ok"] for j in fold), time.perf_counter() - start
        print(f"  fold {i + 1}/5: {len(fold)} messages, tool {pct(ok, len(fold))} ({took:.0f} s)", flush=True)
    return rows


FRESH = ROOT / "benchmarks" / "data" / "router_fresh"


def fresh_batch(route: Router, dump: Path | None = None) -> None:
    """Messages written after the shipped model was frozen, by a writer who saw only the corpus README: out of
    sample for the word model, the tuned encoder and the rules alike (until they join the corpus)."""
    records = intent.load_corpus(FRESH) if FRESH.is_dir() else []
    if not records:
        return
    rows = evaluate(records, route)
    headline(rows, f"FRESH BATCH ({FRESH.relative_to(ROOT)}, never trained or tuned on)")
    batches: dict[str, list[Row]] = defaultdict(list)
    for r in rows:  # each batch's families are named `<tool>.v<N>-…`: one figure per batch as well
        batches[r["rec"]["family"].split(".", 1)[-1].split("-", 1)[0]].append(r)
    if len(batches) > 1:
        for name, part in sorted(batches.items()):
            print(f"  batch {name:<5} {len(part):5d} messages  tool {pct(sum(r['tool_ok'] for r in part), len(part))}"
                  f"  args {pct(sum(r['args_ok'] for r in part), len(part))}")
    breakdown(rows, "label")
    # No miss is printed: a batch whose misses were read is no longer fresh; --dump writes them for when it joins.
    if dump:
        write_dump(rows, dump.with_name(dump.stem + "-fresh.jsonl"))


def write_dump(rows: list[Row], path: Path) -> None:
    """Every route as a JSON line, to study the misses."""
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            rec = row["rec"]
            fh.write(json.dumps({"text": rec["text"], "family": rec["family"], "style": rec.get("style"),
                                 "want": rec["label"], "want_args": rec["args"], "got": row["got"],
                                 "got_args": row["args"], "tool_ok": row["tool_ok"], "args_ok": row["args_ok"],
                                 "conf": row["conf"]}, ensure_ascii=False, default=str) + "\n")


def cache_vectors(folder: Path) -> Callable[[], None]:
    """Keep every sentence vector the tuned encoders give, on disk, per engine file (its name holds the tuning's
    digest, so another tuning never reads these): a rerun after a change to rules or word features takes minutes.
    Returns the function that writes what was added and puts the encoder back (latency is measured without it)."""
    import pickle

    original, store, added = encoder.embed, {}, set()
    folder.mkdir(parents=True, exist_ok=True)

    def embed(texts):  # type: ignore[no-untyped-def]
        head = encoder.tuned_head() if encoder.enabled() else None
        if head is None or not texts:
            return original(texts)
        key = head.engine_file.name
        if key not in store:
            path = folder / f"{key}.pkl"
            store[key] = pickle.loads(path.read_bytes()) if path.exists() else {}
        known = store[key]
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            vectors = original(missing)
            if vectors is None:
                return None
            known.update(zip(missing, vectors, strict=True))
            added.add(key)
        return np.vstack([known[t] for t in texts]).astype(np.float32, copy=False)

    def save() -> None:
        for key in added:
            (folder / f"{key}.pkl").write_bytes(pickle.dumps(store[key]))
        added.clear()
        encoder.embed = original

    encoder.embed = embed  # embed_one and the task head's vectors go through it
    return save


def cold_start(commands: list[list[str]], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Median wall seconds and max RSS (MB) of these commands, each a fresh process, measured by /usr/bin/time or,
    without it, by a small Python parent reading its one child's RUSAGE_CHILDREN peak."""
    walls, kbs = [], []  # the wall time includes the wrapper's own start (~1 ms for /usr/bin/time)
    with tempfile.NamedTemporaryFile("r") as out:
        wrap = (["/usr/bin/time", "-f", "%e %M", "-o", out.name] if Path("/usr/bin/time").exists()
                else [sys.executable, "-c", RUSAGE_WRAPPER, out.name])
        for cmd in commands:
            start = time.perf_counter()
            done = subprocess.run([*wrap, *cmd], cwd=ROOT, capture_output=True, text=True, check=False,
                                  env=None if env is None else {**os.environ, **env})
            walls.append(time.perf_counter() - start)
            if done.returncode:
                print(f"  FAILED ({done.returncode}): {cmd}\n{done.stderr[-800:]}")
            kbs.append(float(Path(out.name).read_text().split()[-1]))
    return statistics.median(walls), max(kbs) / 1024


def speed() -> None:
    texts = [r["text"] for r in intent.load_corpus()]
    router.route("سلام")  # load the cached model once: the server does this at start-up
    latencies = []
    for text in texts:
        start = time.perf_counter()
        router.route(text)
        latencies.append((time.perf_counter() - start) * 1000)
    p50, p95, top = statistics.median(latencies), *statistics.quantiles(latencies, n=20)[-1:], max(latencies)
    model = intent.get_model()
    unsure = sum(max(model._probs(model.scores(t))) < intent.SECOND_OPINION for t in texts) if encoder.available() else 0
    print(f"\n== speed\n  warm latency per message ({len(texts)} corpus texts, cached model): "
          f"p50 {p50:.2f} ms (target < 2 ms), p95 {p95:.2f} ms, max {top:.2f} ms; the sentence encoder was asked for "
          f"{pct(unsure, len(texts)).strip()} of them (the word model unsure; in-sample, so fewer than on new text)")
    exe = ROOT / ".venv/bin/dastyar"
    cli = [str(exe)] if exe.exists() else [sys.executable, "-m", "assistant.cli"]
    commands = [[*cli, "route", text, "--json"] for _ in range(5) for text in COLD_TEXTS]
    # Cold: no warm process (assistant/launch.py) — a whole new interpreter per command, as on a first run.
    wall, mb = cold_start(commands, {"DASTYAR_CLI_WARM": "0"})
    peer_wall, peer_mb = cold_start([[sys.executable, "-c", "pass"]] * 5)
    from assistant import launch

    warm_env = {**os.environ, "DASTYAR_CLI_WARM": "1"}
    cold_start(commands[:1], warm_env)  # leaves the warm process behind
    path = launch.socket_path(warm_env, str(ROOT))
    if path is not None:  # the warm process is starting (it imports and loads the model once)
        wait_until(path.exists, timeout=60, poll=0.02, what="the warm process")
    warm_wall, warm_mb = cold_start(commands, warm_env)
    if path is not None:
        launch.stop(path)
    print(f"  cold start `{Path(cli[0]).name} route … --json` ({len(commands)} runs, no warm process): median {wall:.2f} s "
          f"(target < 1.0 s), max RSS {mb:.0f} MB (target < 150 MB)\n  peer `python -c pass`: median {peer_wall:.3f} s, max RSS {peer_mb:.0f} MB; "
          f"CLI / python = {wall / peer_wall:.1f}× time, {mb / peer_mb:.1f}× memory\n"
          f"  the same commands answered by the warm process: median {warm_wall:.2f} s, caller's max RSS {warm_mb:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="speed and in-sample only (no folds)")
    parser.add_argument("--dump", type=Path, help="write every held-out route here (JSON lines) to study the misses")
    parser.add_argument("--cache-vectors", type=Path, metavar="DIR",
                        help="keep the encoders' sentence vectors in DIR: reruns after a rule or word-feature change "
                             "take ~8 minutes instead of ~35 (not for a change to the encoder's use of text)")
    parser.add_argument("--held-out-only", action="store_true", help="the folds and the fresh batch, nothing else")
    parser.add_argument("--fresh-only", action="store_true", help="the fresh batch alone (~2 minutes)")
    parser.add_argument("--folds", type=int, nargs="+", metavar="K",
                        help="with --held-out-only: only these folds (1–5), a figure over their messages alone")
    opts = parser.parse_args()
    save_vectors = cache_vectors(opts.cache_vectors) if opts.cache_vectors else None
    quick, records = opts.quick, intent.load_corpus()
    takes = "model" in inspect.signature(router.route).parameters
    print(f"corpus: {len(records)} messages, {len({r['family'] for r in records})} families; router takes model=: {takes}")
    start = time.perf_counter()
    # The cached model is intent.build()'s: trained on everything, temperature = fit_temperature(held_out_logits(ALL)),
    # computed once (building the cache if missing) and reused for every fold's model; an inner calibration per fold
    # would cost 5 more fits each. It saw the held-out families' logits, so the clarify threshold is mildly optimistic.
    full = intent.get_model()
    print(f"full model: {len(full.index)} features, T={full.temperature:.2f}; second opinion below "
          f"p={intent.SECOND_OPINION}: {encoder.describe()} ({time.perf_counter() - start:.0f} s)")
    if opts.fresh_only:
        with routing(full) as route:
            fresh_batch(route, opts.dump)
        return
    if not quick:
        print("\nheld-out families (5 group folds, each fold's model fitted on the other four):")
        rows = held_out(records, full, set(opts.folds) if opts.folds else None)
        if opts.folds:
            rows = [r for r in rows if r]
            print(f"  folds {', '.join(map(str, sorted(opts.folds)))} of 5 only: {len(rows)} of {len(records)} messages")
        if opts.dump:
            write_dump(rows, opts.dump)
        headline(rows, "HELD-OUT FAMILIES (headline)")
        if opts.held_out_only:
            breakdown(rows, "label")
            with routing(full) as route:
                fresh_batch(route, opts.dump)
            if save_vectors:
                save_vectors()
            return
        breakdown(rows, "style")
        breakdown(rows, "label")
        confusion(rows)
        calibration(rows)
        worst(rows)
    if save_vectors:
        save_vectors()
    with routing(full) as route:
        headline(evaluate(records, route), "in-sample (model trained on every message it is scored on)")
        fresh_batch(route, opts.dump)
        cases = [{"text": t, "tool": tool, "label": tool or intent.NONE, "args": a} for t, tool, a in CASES]
        rows = evaluate(cases, route)
    ok = sum(r["tool_ok"] for r in rows)
    print(f"\n== project phrasings (tests/router_cases.py, seen during development): tool accuracy {pct(ok, len(rows))}"
          f" ({ok}/{len(rows)}), asked {sum(r['asked'] for r in rows)}; misses: "
          + "; ".join(f"{r['rec']['text']} ({r['rec']['label']} → {r['got']})" for r in rows if not r["tool_ok"]))
    speed()


if __name__ == "__main__":
    main()
