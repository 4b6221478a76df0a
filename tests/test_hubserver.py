"""The fake Hub (tests/hubserver.py) driven by the REAL huggingface_hub client, end to end, on 127.0.0.1 only.

How to point the client at the server (huggingface_hub reads most env vars at import time, so env alone is not
enough inside an already-running pytest process):

* pass ``endpoint=server.url`` to ``HfApi(...)``, ``hf_hub_download(...)`` and ``snapshot_download(...)``;
* patch ``huggingface_hub.constants`` (``HF_HUB_OFFLINE``, ``HF_HUB_DISABLE_XET``, ``HF_HUB_CACHE``...), which the
  ``hf_client_env`` fixture below does, because tests/conftest.py sets ``HF_HUB_OFFLINE=1`` before any import;
* pass ``token=False`` (anonymous) or ``token=server.valid_token`` explicitly.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from huggingface_hub import HfApi, constants, hf_hub_download, snapshot_download
from huggingface_hub.errors import (
    GatedRepoError,
    HfHubHTTPError,
    RemoteEntryNotFoundError,
    RepositoryNotFoundError,
    RevisionNotFoundError,
)
from huggingface_hub.hf_api import RepoFile, RepoFolder

from tests.hub_fixtures import (
    BERT_REPO,
    BIG_FILE,
    BIG_REPO,
    ENGLISH_REPO,
    GATED_REPO,
    GPT2_REPO,
    PRIVATE_REPO,
    SENTIMENT_DATASET,
    make_minimal_model,
)
from tests.hubserver import HubServer, env_for

# --------------------------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------------------------


# hub_tree, _hub_session and hub are shared fixtures in tests/conftest.py.


@pytest.fixture(autouse=True)
def hf_client_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Online, Xet-free, token-free huggingface_hub with a per-test cache. Returns the hub cache dir."""
    hf_home = tmp_path / "hf-home"
    cache = hf_home / "hub"
    monkeypatch.setenv("HF_HOME", str(hf_home))
    monkeypatch.setenv("HF_HUB_DISABLE_XET", "1")
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    # The env vars above only matter for subprocesses: the imported module keeps its import-time values.
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_XET", True)
    monkeypatch.setattr(constants, "HF_HUB_DISABLE_TELEMETRY", True)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    monkeypatch.setattr(constants, "HF_TOKEN_PATH", str(hf_home / "token"))
    return cache


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail loudly if anything tries to reach a non-loopback address (e.g. a forgotten endpoint=)."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in {"127.0.0.1", "::1", "localhost"}:
                raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def api(hub: HubServer) -> HfApi:
    return HfApi(endpoint=hub.url, token=False)


def _sha256(path: Path | str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------------------------------
# Search / listing
# --------------------------------------------------------------------------------------------------------------------


def test_list_models_search_filter_sort(api: HfApi) -> None:
    assert {m.id for m in api.list_models(search="bert")} == {BERT_REPO, ENGLISH_REPO}
    # Both tag spellings work: plain "fa" (how the Hub tags models) and "language:fa".
    for language_filter in ("fa", "language:fa"):
        ids = [m.id for m in api.list_models(filter=language_filter, sort="downloads")]
        assert ids == [BERT_REPO, GPT2_REPO, GATED_REPO]  # sorted by downloads desc; private + English excluded
    assert [m.id for m in api.list_models(pipeline_tag="text-generation")] == [GPT2_REPO]
    assert [m.id for m in api.list_models(author="HooshvareLab")] == [BERT_REPO]
    assert [m.id for m in api.list_models(search="bert", filter="fa")] == [BERT_REPO]
    assert len(list(api.list_models(limit=2))) == 2

    bert = next(iter(api.list_models(search="bert-fa")))
    assert bert.downloads == 12345
    assert bert.pipeline_tag == "text-classification"
    assert {"fa", "bert", "transformers", "safetensors"} <= set(bert.tags)
    assert bert.siblings is None  # only with full=True / expand

    full = next(iter(api.list_models(search="bert-fa", full=True)))
    assert full.sha is not None and full.last_modified is not None
    assert "model.safetensors" in {s.rfilename for s in full.siblings or []}

    expanded = next(iter(api.list_models(search="bert-fa", expand=["downloads", "likes"])))
    assert (expanded.downloads, expanded.likes, expanded.pipeline_tag) == (12345, 87, None)


def test_list_models_follows_link_pagination(api: HfApi, hub: HubServer) -> None:
    hub.page_size = 2
    everything = [m.id for m in api.list_models()]
    assert len(everything) == 5  # all public models, private one hidden
    assert len(hub.requests_matching("GET", "/api/models")) == 3


def test_list_datasets(api: HfApi) -> None:
    for language_filter in ("language:fa", "fa"):
        assert [d.id for d in api.list_datasets(filter=language_filter)] == [SENTIMENT_DATASET]
    assert [d.id for d in api.list_datasets(language="fa", task_categories="text-classification")] == [
        SENTIMENT_DATASET
    ]
    assert list(api.list_datasets(search="no-such-dataset")) == []
    ds = next(iter(api.list_datasets(search="sentiment", full=True)))
    assert ds.downloads == 2048
    assert ds.card_data is not None and ds.card_data.pretty_name.startswith("ParsiNLU")


# --------------------------------------------------------------------------------------------------------------------
# Repo info, tree, paths-info
# --------------------------------------------------------------------------------------------------------------------


def test_model_info_with_files_metadata(api: HfApi, hub: HubServer, hub_tree: dict[str, Any]) -> None:
    folder: Path = hub_tree["models"][BERT_REPO]
    info = api.model_info(BERT_REPO, files_metadata=True)
    assert info.sha == hub.repo_commit(BERT_REPO)
    assert info.pipeline_tag == "text-classification"
    assert info.card_data is not None and info.card_data.language == ["fa"]
    assert info.transformers_info is not None
    assert info.transformers_info.auto_model == "AutoModelForSequenceClassification"
    assert info.safetensors is not None and info.safetensors.total > 0
    siblings = {s.rfilename: s for s in info.siblings or []}
    assert "dastyar-meta.json" not in siblings
    for name, sibling in siblings.items():
        assert sibling.size == (folder / name).stat().st_size
    weights = siblings["model.safetensors"]
    assert weights.lfs is not None and weights.lfs.sha256 == _sha256(folder / "model.safetensors")
    assert siblings["config.json"].lfs is None

    # Without files_metadata the Hub only sends names.
    assert all(s.size is None for s in api.model_info(BERT_REPO).siblings or [])
    # A revision can be a branch or the commit sha itself.
    assert api.model_info(BERT_REPO, revision=info.sha).sha == info.sha


def test_dataset_info_tree_and_paths_info(api: HfApi, hub_tree: dict[str, Any]) -> None:
    info = api.dataset_info(SENTIMENT_DATASET, files_metadata=True)
    assert info.downloads == 2048
    assert "language:fa" in (info.tags or [])
    assert {s.rfilename for s in info.siblings or []} >= {"README.md", "data/train.csv", "parquet/train.parquet"}

    files = api.list_repo_files(SENTIMENT_DATASET, repo_type="dataset")
    assert files == [
        ".gitattributes",
        "README.md",
        "data/test.csv",
        "data/train.csv",
        "parquet/test.parquet",
        "parquet/train.parquet",
    ]
    top = {e.path: e for e in api.list_repo_tree(SENTIMENT_DATASET, repo_type="dataset")}
    assert isinstance(top["data"], RepoFolder) and isinstance(top["README.md"], RepoFile)
    assert "data/train.csv" not in top  # not recursive
    sub = [e.path for e in api.list_repo_tree(SENTIMENT_DATASET, path_in_repo="data", repo_type="dataset")]
    assert sub == ["data/test.csv", "data/train.csv"]

    paths = api.get_paths_info(SENTIMENT_DATASET, ["parquet/train.parquet", "data", "missing.txt"], repo_type="dataset")
    by_path = {p.path: p for p in paths}
    assert set(by_path) == {"parquet/train.parquet", "data"}
    parquet = by_path["parquet/train.parquet"]
    assert isinstance(parquet, RepoFile) and parquet.lfs is not None
    assert parquet.lfs.sha256 == _sha256(hub_tree["datasets"][SENTIMENT_DATASET] / "parquet/train.parquet")
    assert parquet.xet_hash is None  # never advertise Xet


# --------------------------------------------------------------------------------------------------------------------
# Downloads
# --------------------------------------------------------------------------------------------------------------------


def test_snapshot_download_tiny_bert_then_load_and_classify(hub: HubServer, hf_client_env: Path) -> None:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = snapshot_download(BERT_REPO, endpoint=hub.url, cache_dir=hf_client_env, token=False)
    assert Path(path).name == hub.repo_commit(BERT_REPO)
    assert (Path(path) / "model.safetensors").is_file()
    assert not any("xet" in r.path.lower() for r in hub.requests)

    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path)
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("این فیلم واقعاً عالی بود.")["input_ids"])
    assert tokens[0] == "[CLS]" and "فیلم" in tokens and "[UNK]" not in tokens
    with torch.no_grad():
        logits = model(**tokenizer(["این فیلم واقعاً عالی بود."], return_tensors="pt")).logits
    assert logits.shape == (1, 2)
    assert model.config.id2label[int(logits.argmax())] in {"negative", "positive"}

    # Second call is a cache hit: metadata only, no file bodies re-sent.
    sent_before = hub.total_bytes_sent
    assert snapshot_download(BERT_REPO, endpoint=hub.url, cache_dir=hf_client_env, token=False) == path
    assert hub.total_bytes_sent == sent_before


def test_snapshot_download_dataset_then_load_dataset(hub: HubServer, hf_client_env: Path, tmp_path: Path) -> None:
    import datasets

    path = snapshot_download(
        SENTIMENT_DATASET, repo_type="dataset", endpoint=hub.url, cache_dir=hf_client_env, token=False
    )
    ds = datasets.load_dataset(path, cache_dir=str(tmp_path / "datasets-cache"))
    assert set(ds) == {"train", "test"}
    assert ds["train"].features["label"].names == ["negative", "positive"]
    assert ds["train"].num_rows + ds["test"].num_rows == 80


def test_tiny_gpt2_generates(hub: HubServer, hf_client_env: Path) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = snapshot_download(GPT2_REPO, endpoint=hub.url, cache_dir=hf_client_env, token=False)
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModelForCausalLM.from_pretrained(path)
    assert tokenizer.pad_token is not None
    batch = tokenizer(["سلام دنیا", "این فیلم عالی بود"], return_tensors="pt", padding=True)
    out = model.generate(**batch, max_new_tokens=3, do_sample=False, pad_token_id=tokenizer.pad_token_id)
    assert out.shape[1] == batch["input_ids"].shape[1] + 3
    assert tokenizer.decode(batch["input_ids"][1], skip_special_tokens=True) == "این فیلم عالی بود"


def test_throttled_big_file_download(hub: HubServer, hub_tree: dict[str, Any], hf_client_env: Path) -> None:
    size = hub_tree["big_file_size"]
    hub.throttle_bytes_per_sec = 32 * 1024 * 1024  # 8 MB => >= 0.25 s
    start = time.monotonic()
    path = hf_hub_download(BIG_REPO, BIG_FILE, endpoint=hub.url, cache_dir=hf_client_env, token=False)
    elapsed = time.monotonic() - start
    assert elapsed >= 0.2
    assert Path(path).stat().st_size == size
    assert _sha256(path) == _sha256(hub_tree["models"][BIG_REPO] / BIG_FILE)
    assert hub.sent(BIG_REPO, BIG_FILE) == size
    # The blob is stored under its sha256 (the LFS ETag), proving the client used X-Linked-Etag.
    assert Path(path).resolve().name == _sha256(path)


def test_dropped_connection_is_resumed_without_refetching(
    hub: HubServer, hub_tree: dict[str, Any], hf_client_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size, cut = hub_tree["big_file_size"], 3 * 1024 * 1024
    # huggingface_hub reads bodies with iter_bytes(chunk_size=DOWNLOAD_CHUNK_SIZE), 10 MB by default: bytes of an
    # unfinished chunk are lost on a drop. Smaller chunks make its in-process retry resume exactly at the cut.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 256 * 1024)
    hub.fail_after_bytes, hub.fail_times = cut, 1
    path = hf_hub_download(BIG_REPO, BIG_FILE, endpoint=hub.url, cache_dir=hf_client_env, token=False)
    assert _sha256(path) == _sha256(hub_tree["models"][BIG_REPO] / BIG_FILE)
    assert hub.sent(BIG_REPO, BIG_FILE) == size  # every byte sent exactly once
    gets = hub.requests_matching("GET", f"/resolve/main/{BIG_FILE}")
    assert [g.status for g in gets] == [200, 206]
    assert gets[1].headers["range"] == f"bytes={cut}-"


def test_dropped_connection_with_default_chunk_size_refetches(
    hub: HubServer, hub_tree: dict[str, Any], hf_client_env: Path
) -> None:
    """Documents the client trap above: a drop inside the first 10 MB restarts the file from byte 0."""
    size, cut = hub_tree["big_file_size"], 3 * 1024 * 1024
    hub.fail_after_bytes, hub.fail_times = cut, 1
    path = hf_hub_download(BIG_REPO, BIG_FILE, endpoint=hub.url, cache_dir=hf_client_env, token=False)
    assert Path(path).stat().st_size == size
    assert hub.sent(BIG_REPO, BIG_FILE) == size + cut
    gets = hub.requests_matching("GET", f"/resolve/main/{BIG_FILE}")
    assert [(g.status, "range" in g.headers) for g in gets] == [(200, False), (200, False)]


def test_client_disconnect_mid_download(hub: HubServer, hub_tree: dict[str, Any]) -> None:
    """What a cancel/kill test relies on: the server notices the client going away and keeps serving."""
    hub.throttle_bytes_per_sec = 2 * 1024 * 1024
    url = f"{hub.url}/{BIG_REPO}/resolve/main/{BIG_FILE}"
    with httpx.Client() as client, client.stream("GET", url) as response:
        assert response.status_code == 200
        received = 0
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received >= 256 * 1024:
                break
    request = hub.requests_matching("GET", BIG_FILE)[0]
    # The handler ends on its own once the client is gone (a state, not a time window): it stopped sending.
    assert HubServer.wait_for(lambda: request.ended, timeout=30)
    sent = hub.sent(BIG_REPO, BIG_FILE)
    assert 0 < sent < hub_tree["big_file_size"] // 2
    hub.throttle_bytes_per_sec = None
    assert httpx.get(f"{hub.url}/api/models/{BERT_REPO}").status_code == 200


def test_head_and_range_requests(hub: HubServer, hub_tree: dict[str, Any]) -> None:
    data = (hub_tree["models"][BIG_REPO] / BIG_FILE).read_bytes()
    url = f"{hub.url}/{BIG_REPO}/resolve/main/{BIG_FILE}"
    with httpx.Client() as client:
        head = client.head(url)
        assert head.status_code == 200
        assert head.headers["x-repo-commit"] == hub.repo_commit(BIG_REPO)
        assert head.headers["x-linked-etag"] == head.headers["etag"] == f'"{hashlib.sha256(data).hexdigest()}"'
        assert int(head.headers["x-linked-size"]) == int(head.headers["content-length"]) == len(data)
        assert head.headers["accept-ranges"] == "bytes"
        assert not any(name.lower().startswith("x-xet") for name in head.headers)

        part = client.get(url, headers={"Range": "bytes=100-199"})
        assert part.status_code == 206
        assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
        assert part.content == data[100:200]

        tail = client.get(url, headers={"Range": f"bytes={len(data) - 10}-"})
        assert tail.status_code == 206 and tail.content == data[-10:]
        assert client.get(url, headers={"Range": "bytes=-5"}).content == data[-5:]
        assert client.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416

        # Small (non-LFS) file: git blob sha1 ETag, no X-Linked-*; dataset URL prefix.
        readme = client.head(f"{hub.url}/datasets/{SENTIMENT_DATASET}/resolve/main/README.md")
        raw = (hub_tree["datasets"][SENTIMENT_DATASET] / "README.md").read_bytes()
        git_blob_sha1 = hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()
        assert readme.headers["etag"] == f'"{git_blob_sha1}"'
        assert "x-linked-etag" not in readme.headers

        assert client.get(f"{hub.url}/api/nothing-here").status_code == 404


def test_subprocess_reaches_server_through_hf_endpoint_env(hub: HubServer, tmp_path: Path) -> None:
    """Child processes (job runners) get the server via env vars, which huggingface_hub reads at import time."""
    env = {**os.environ, **env_for(hub), "HF_HOME": str(tmp_path / "child-hf-home")}
    code = (
        "from huggingface_hub import hf_hub_download\n"
        f"print(hf_hub_download({BERT_REPO!r}, 'config.json'))\n"  # no endpoint=, no token
    )
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    downloaded = Path(result.stdout.strip().splitlines()[-1])
    assert downloaded.is_file() and str(tmp_path) in str(downloaded)
    get = hub.requests_matching("GET", f"/{BERT_REPO}/resolve/main/config.json")[0]
    assert get.headers.get("x-hf-download-counter") == "1" and not get.authenticated


# --------------------------------------------------------------------------------------------------------------------
# Errors and auth
# --------------------------------------------------------------------------------------------------------------------


def test_error_mapping(api: HfApi, hub: HubServer, hf_client_env: Path) -> None:
    with pytest.raises(RepositoryNotFoundError):
        api.model_info("nobody/nothing")
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download("nobody/nothing", "config.json", endpoint=hub.url, cache_dir=hf_client_env, token=False)
    with pytest.raises(RepositoryNotFoundError):
        api.dataset_info(BERT_REPO)  # a model id is not a dataset

    with pytest.raises(RevisionNotFoundError):
        api.model_info(BERT_REPO, revision="no-such-branch")
    with pytest.raises(RevisionNotFoundError):
        hf_hub_download(
            BERT_REPO, "config.json", revision="v9.9", endpoint=hub.url, cache_dir=hf_client_env, token=False
        )

    # RemoteEntryNotFoundError, not its sibling LocalEntryNotFoundError (which means "could not reach the Hub").
    with pytest.raises(RemoteEntryNotFoundError):
        hf_hub_download(BERT_REPO, "missing.bin", endpoint=hub.url, cache_dir=hf_client_env, token=False)
    with pytest.raises(RemoteEntryNotFoundError):
        list(api.list_repo_tree(BERT_REPO, path_in_repo="no-such-dir"))
    assert api.file_exists(BERT_REPO, "config.json") and not api.file_exists(BERT_REPO, "missing.bin")
    assert api.repo_exists(BERT_REPO) and not api.repo_exists("nobody/nothing")


def test_private_repo_needs_the_valid_token(hub: HubServer, hf_client_env: Path) -> None:
    anonymous = HfApi(endpoint=hub.url, token=False)
    with pytest.raises(RepositoryNotFoundError) as excinfo:
        anonymous.model_info(PRIVATE_REPO)
    assert excinfo.value.response.status_code == 401 and not isinstance(excinfo.value, GatedRepoError)
    with pytest.raises(RepositoryNotFoundError):
        HfApi(endpoint=hub.url, token="hf_wrong").model_info(PRIVATE_REPO)
    with pytest.raises(RepositoryNotFoundError):
        hf_hub_download(PRIVATE_REPO, "config.json", endpoint=hub.url, cache_dir=hf_client_env, token=False)
    assert PRIVATE_REPO not in {m.id for m in anonymous.list_models()}

    authed = HfApi(endpoint=hub.url, token=hub.valid_token)
    assert authed.model_info(PRIVATE_REPO).private is True
    assert PRIVATE_REPO in {m.id for m in authed.list_models()}
    path = hf_hub_download(
        PRIVATE_REPO, "config.json", endpoint=hub.url, cache_dir=hf_client_env, token=hub.valid_token
    )
    assert Path(path).is_file()


def test_gated_repo(hub: HubServer, hf_client_env: Path) -> None:
    info = HfApi(endpoint=hub.url, token=False).model_info(GATED_REPO)  # metadata stays public
    assert info.gated == "manual"
    with pytest.raises(GatedRepoError) as anonymous:
        hf_hub_download(GATED_REPO, "config.json", endpoint=hub.url, cache_dir=hf_client_env, token=False)
    assert anonymous.value.response.status_code == 401
    with pytest.raises(GatedRepoError) as wrong:
        hf_hub_download(GATED_REPO, "config.json", endpoint=hub.url, cache_dir=hf_client_env, token="hf_wrong")
    assert wrong.value.response.status_code == 403
    path = hf_hub_download(GATED_REPO, "config.json", endpoint=hub.url, cache_dir=hf_client_env, token=hub.valid_token)
    assert Path(path).is_file()
    assert hub.requests_matching("HEAD")[-1].headers["authorization"] == "<redacted>"


def test_whoami(hub: HubServer) -> None:
    me = HfApi(endpoint=hub.url).whoami(token=hub.valid_token)
    assert me["name"] == "tester" and me["type"] == "user"
    with pytest.raises(HfHubHTTPError):
        HfApi(endpoint=hub.url).whoami(token="hf_wrong")


# --------------------------------------------------------------------------------------------------------------------
# Server lifecycle / commits
# --------------------------------------------------------------------------------------------------------------------


def test_new_commit_when_files_change_and_clean_stop(tmp_path: Path) -> None:
    repo = make_minimal_model(tmp_path / "root" / "models" / "someone" / "mini")
    with HubServer(tmp_path / "root") as server:
        api = HfApi(endpoint=server.url, token=False)
        first = api.model_info("someone/mini").sha
        assert first == api.model_info("someone/mini").sha  # stable
        (repo / "extra.txt").write_text("سلام\n", encoding="utf-8")
        second = api.model_info("someone/mini").sha
        assert second != first and "extra.txt" in api.list_repo_files("someone/mini")
        with pytest.raises(RevisionNotFoundError):
            api.model_info("someone/mini", revision="0" * 40)
        url = server.url
    # stop() returned despite the client's pooled keep-alive connection, and the port is closed now.
    with pytest.raises(httpx.ConnectError):
        httpx.get(url, timeout=2)


# --------------------------------------------------------------------------------------------------------------------
# Uploads: create_repo, upload_folder / upload_file / create_commit (legacy LFS protocol, Xet disabled)
# --------------------------------------------------------------------------------------------------------------------

UPLOAD_REPO = "tester/uploaded-model"
WEIGHTS_PARAMS = 400_000  # float32 => 1.6 MB: above LFS_THRESHOLD, and a .safetensors name anyway


@pytest.fixture
def upload_hub(tmp_path: Path) -> Iterator[HubServer]:
    """A private server per test (uploads change the folders on disk; the shared session hub must stay intact)."""
    root = tmp_path / "upload-root"
    root.mkdir()
    with HubServer(root) as server:
        yield server


def _make_upload_folder(folder: Path, *, seed: int = 0) -> Path:
    import numpy as np
    from safetensors.numpy import save_file

    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "notes.txt").write_text("یادداشت‌های مدل: نسخهٔ اول\n", encoding="utf-8")
    (folder / "README.md").write_text(
        "---\nlanguage: fa\nlicense: mit\npipeline_tag: text-classification\n---\n# مدل آزمایشی\n", encoding="utf-8"
    )
    weights = np.random.default_rng(seed).standard_normal(WEIGHTS_PARAMS).astype(np.float32)
    save_file({"weight": weights}, str(folder / "model.safetensors"))
    assert (folder / "model.safetensors").stat().st_size >= 1.5 * 1024 * 1024
    return folder


def _local_files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _create_and_upload(hub: HubServer, tmp_path: Path) -> tuple[HfApi, Path, str]:
    api = HfApi(endpoint=hub.url, token=hub.valid_token)
    url = api.create_repo(UPLOAD_REPO, private=True)
    assert url.repo_id == UPLOAD_REPO and url.startswith(hub.url)
    folder = _make_upload_folder(tmp_path / "to-upload")
    info = api.upload_folder(repo_id=UPLOAD_REPO, folder_path=folder, commit_message="first upload")
    return api, folder, info.oid


def test_create_repo_upload_folder_then_download_identical(
    upload_hub: HubServer, tmp_path: Path, hf_client_env: Path
) -> None:
    api, folder, first_sha = _create_and_upload(upload_hub, tmp_path)
    assert first_sha == upload_hub.repo_commit(UPLOAD_REPO)
    repo_dir = upload_hub.root / "models" / UPLOAD_REPO
    assert json.loads((repo_dir / "dastyar-meta.json").read_text(encoding="utf-8")) == {"private": True}

    # The weights went the LFS way: batch -> one PUT of the bytes -> lfsFile in the commit; never Xet.
    assert len(upload_hub.requests_matching("POST", f"/{UPLOAD_REPO}.git/info/lfs/objects/batch")) == 1
    puts = upload_hub.requests_matching("PUT")
    assert [p.status for p in puts] == [200] and not puts[0].authenticated  # a presigned-style URL, no token
    assert [r.status for r in upload_hub.requests_matching("POST", "/commit/main")] == [200]
    assert not any("xet" in r.path.lower() for r in upload_hub.requests)
    assert not any(upload_hub.lfs_store.iterdir())  # the uploaded object was moved into the repo

    path = snapshot_download(
        UPLOAD_REPO, endpoint=upload_hub.url, cache_dir=hf_client_env, token=upload_hub.valid_token
    )
    assert Path(path).name == first_sha
    assert _local_files(Path(path)) == _local_files(folder)

    info = api.model_info(UPLOAD_REPO, files_metadata=True)
    assert info.private is True and info.sha == first_sha
    siblings = {s.rfilename: s for s in info.siblings or []}
    assert siblings["model.safetensors"].lfs is not None
    assert siblings["model.safetensors"].lfs.sha256 == _sha256(folder / "model.safetensors")
    assert siblings["docs/notes.txt"].lfs is None and siblings["README.md"].lfs is None
    assert info.safetensors is not None and info.safetensors.total == WEIGHTS_PARAMS
    assert info.card_data is not None and info.card_data.language == "fa"

    # Private: invisible without the token.
    anonymous = HfApi(endpoint=upload_hub.url, token=False)
    with pytest.raises(RepositoryNotFoundError) as excinfo:
        anonymous.repo_info(UPLOAD_REPO)
    assert excinfo.value.response.status_code == 401
    assert UPLOAD_REPO not in {m.id for m in anonymous.list_models()}

    # create_repo: 409 when it exists (exist_ok swallows it); no organization => the token's user namespace.
    with pytest.raises(HfHubHTTPError) as conflict:
        api.create_repo(UPLOAD_REPO)
    assert conflict.value.response.status_code == 409
    assert api.create_repo(UPLOAD_REPO, private=True, exist_ok=True).repo_id == UPLOAD_REPO
    assert api.create_repo("no-namespace", private=False).repo_id == "tester/no-namespace"
    assert anonymous.model_info("tester/no-namespace").private is False
    assert not (upload_hub.root / "models" / "tester" / "no-namespace" / "dastyar-meta.json").exists()


def test_second_upload_makes_a_new_commit_served_at_once(
    upload_hub: HubServer, tmp_path: Path, hf_client_env: Path
) -> None:
    api, folder, first_sha = _create_and_upload(upload_hub, tmp_path)
    puts_before = len(upload_hub.requests_matching("PUT"))
    new_notes = "یادداشت‌های مدل: نسخهٔ دوم، با تغییر\n"
    (folder / "docs" / "notes.txt").write_text(new_notes, encoding="utf-8")

    second = api.upload_folder(repo_id=UPLOAD_REPO, folder_path=folder, commit_message="update notes")
    assert second.oid != first_sha and second.oid == upload_hub.repo_commit(UPLOAD_REPO)
    assert second.commit_url == f"{upload_hub.url}/{UPLOAD_REPO}/commit/{second.oid}"
    assert len(upload_hub.requests_matching("PUT")) == puts_before  # the unchanged weights were not re-sent
    assert api.model_info(UPLOAD_REPO).sha == second.oid

    notes = hf_hub_download(
        UPLOAD_REPO, "docs/notes.txt", endpoint=upload_hub.url, cache_dir=hf_client_env, token=upload_hub.valid_token
    )
    assert Path(notes).read_text(encoding="utf-8") == new_notes
    path = snapshot_download(
        UPLOAD_REPO, endpoint=upload_hub.url, cache_dir=hf_client_env, token=upload_hub.valid_token
    )
    assert Path(path).name == second.oid and _local_files(Path(path)) == _local_files(folder)

    # upload_file (bytes) and delete_file / delete_folder are commits too.
    added = api.upload_file(path_or_fileobj=b"extra\n", path_in_repo="docs/extra.txt", repo_id=UPLOAD_REPO)
    assert "docs/extra.txt" in api.list_repo_files(UPLOAD_REPO) and added.oid != second.oid
    api.delete_file("docs/extra.txt", repo_id=UPLOAD_REPO)
    assert api.model_info(UPLOAD_REPO).sha == second.oid  # content-derived sha: back to the same tree
    api.delete_folder("docs", repo_id=UPLOAD_REPO)
    assert api.list_repo_files(UPLOAD_REPO) == ["README.md", "model.safetensors"]
    assert not (upload_hub.root / "models" / UPLOAD_REPO / "docs").exists()
    with pytest.raises(RemoteEntryNotFoundError):
        api.delete_file("docs/notes.txt", repo_id=UPLOAD_REPO)


def test_dataset_upload_with_lfs_file(upload_hub: HubServer, tmp_path: Path, hf_client_env: Path) -> None:
    api = HfApi(endpoint=upload_hub.url, token=upload_hub.valid_token)
    repo_id = api.create_repo("tester/uploaded-dataset", repo_type="dataset").repo_id
    data = os.urandom(64 * 1024)
    api.upload_file(path_or_fileobj=data, path_in_repo="data/train.parquet", repo_id=repo_id, repo_type="dataset")
    assert len(upload_hub.requests_matching("POST", f"/datasets/{repo_id}.git/info/lfs/objects/batch")) == 1
    info = api.dataset_info(repo_id, files_metadata=True)
    (parquet,) = [s for s in info.siblings or [] if s.rfilename == "data/train.parquet"]
    assert parquet.lfs is not None and parquet.lfs.sha256 == hashlib.sha256(data).hexdigest()
    path = hf_hub_download(
        repo_id,
        "data/train.parquet",
        repo_type="dataset",
        endpoint=upload_hub.url,
        cache_dir=hf_client_env,
        token=False,
    )
    assert Path(path).read_bytes() == data


def test_uploads_need_the_valid_token(upload_hub: HubServer, tmp_path: Path) -> None:
    owner = HfApi(endpoint=upload_hub.url, token=upload_hub.valid_token)
    owner.create_repo("tester/public-model")
    owner.upload_file(path_or_fileobj=b"v1\n", path_in_repo="file.txt", repo_id="tester/public-model")
    owner.create_repo("tester/secret-model", private=True)
    sha = upload_hub.repo_commit("tester/public-model")

    for token in (False, "hf_wrong"):
        stranger = HfApi(endpoint=upload_hub.url, token=token)
        with pytest.raises(HfHubHTTPError) as refused:
            stranger.upload_file(path_or_fileobj=b"v2\n", path_in_repo="file.txt", repo_id="tester/public-model")
        assert refused.value.response.status_code == 401
        with pytest.raises(HfHubHTTPError) as weights:
            stranger.upload_file(path_or_fileobj=os.urandom(1024), path_in_repo="w.bin", repo_id="tester/public-model")
        assert weights.value.response.status_code == 401
        with pytest.raises(RepositoryNotFoundError):  # a private repo is not even visible
            stranger.upload_file(path_or_fileobj=b"x", path_in_repo="file.txt", repo_id="tester/secret-model")
        with pytest.raises(HfHubHTTPError) as create:
            stranger.create_repo("tester/not-allowed")
        assert create.value.response.status_code == 401
    assert upload_hub.repo_commit("tester/public-model") == sha
    assert not (upload_hub.root / "models" / "tester" / "not-allowed").exists()
    assert not upload_hub.requests_matching("PUT")

    # The LFS batch endpoint checks the token too, and an upload URL only works with a ticket the server handed out.
    batch = {"operation": "upload", "transfers": ["basic"], "objects": [{"oid": "a" * 64, "size": 1}]}
    response = httpx.post(f"{upload_hub.url}/tester/public-model.git/info/lfs/objects/batch", json=batch)
    assert response.status_code == 401
    bogus = f"{upload_hub.url}/tester/public-model.git/info/lfs/objects/upload/not-a-ticket"
    assert httpx.put(bogus, content=b"x").status_code == 403


def test_commit_paths_are_checked(upload_hub: HubServer, tmp_path: Path) -> None:
    api = HfApi(endpoint=upload_hub.url, token=upload_hub.valid_token)
    api.create_repo("tester/paths")
    api.upload_file(path_or_fileobj=b"ok\n", path_in_repo="ok.txt", repo_id="tester/paths")
    sha = upload_hub.repo_commit("tester/paths")
    auth = {"Authorization": f"Bearer {upload_hub.valid_token}"}

    def commit(*operations: dict[str, Any]) -> httpx.Response:
        lines = [{"key": "header", "value": {"summary": "sneaky", "description": ""}}, *operations]
        body = b"".join(json.dumps(line).encode() + b"\n" for line in lines)
        headers = {**auth, "Content-Type": "application/x-ndjson"}
        return httpx.post(f"{upload_hub.url}/api/models/tester/paths/commit/main", content=body, headers=headers)

    content = base64.b64encode(b"pwned\n").decode()
    for bad in ("../evil.txt", "a/../../evil.txt", "/tmp/evil.txt", "./evil.txt", "a//evil.txt", ".git/config"):
        response = commit({"key": "file", "value": {"path": bad, "content": content, "encoding": "base64"}})
        assert response.status_code == 400, bad
        assert response.headers["x-error-message"].startswith("Invalid path")
    assert commit({"key": "deletedFile", "value": {"path": "../upload-root"}}).status_code == 400
    assert commit({"key": "deletedFolder", "value": {"path": "../../"}}).status_code == 400
    assert (
        commit({"key": "lfsFile", "value": {"path": "../w.bin", "algo": "sha256", "oid": "a" * 64}}).status_code == 400
    )
    preupload = httpx.post(
        f"{upload_hub.url}/api/models/tester/paths/preupload/main",
        json={"files": [{"path": "../evil.bin", "sample": "", "size": 5}]},
        headers=auth,
    )
    assert preupload.status_code == 400
    assert not list(tmp_path.rglob("evil*")) and upload_hub.repo_commit("tester/paths") == sha

    # A valid raw commit still works, and an LFS entry must name an object that was uploaded.
    assert commit({"key": "file", "value": {"path": "dir/new.txt", "content": content}}).status_code == 200
    missing = commit({"key": "lfsFile", "value": {"path": "w.bin", "algo": "sha256", "oid": "b" * 64, "size": 3}})
    assert missing.status_code == 400
    assert api.list_repo_files("tester/paths") == ["dir/new.txt", "ok.txt"]


def test_lfs_put_checks_sha256_and_size(upload_hub: HubServer) -> None:
    HfApi(endpoint=upload_hub.url, token=upload_hub.valid_token).create_repo("tester/lfs")
    data = os.urandom(2048)
    oid = hashlib.sha256(data).hexdigest()
    auth = {"Authorization": f"Bearer {upload_hub.valid_token}"}
    batch_url = f"{upload_hub.url}/tester/lfs.git/info/lfs/objects/batch"
    batch = {"operation": "upload", "transfers": ["basic", "multipart"], "objects": [{"oid": oid, "size": len(data)}]}
    answer = httpx.post(batch_url, json=batch, headers=auth).json()
    assert answer["transfer"] == "basic"
    actions = answer["objects"][0]["actions"]
    href = actions["upload"]["href"]
    assert href.startswith(f"{upload_hub.url}/") and "chunk_size" not in actions["upload"].get("header", {})

    assert httpx.put(href, content=data[:-1]).status_code == 400  # short
    assert httpx.put(href, content=os.urandom(len(data))).status_code == 400  # wrong sha256
    assert not upload_hub.lfs_object_path(oid).exists()
    assert httpx.put(href, content=data).status_code == 200
    assert upload_hub.lfs_object_path(oid).read_bytes() == data
    assert httpx.put(href, content=data).status_code == 403  # one-time URL
    verify = httpx.post(actions["verify"]["href"], json={"oid": oid, "size": len(data)}, headers=auth)
    assert verify.status_code == 200
    assert "actions" not in httpx.post(batch_url, json=batch, headers=auth).json()["objects"][0]  # already there
