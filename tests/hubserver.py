"""A tiny, offline, Hugging Face Hub-compatible HTTP server for tests.

The real ``huggingface_hub`` client (``HfApi``, ``hf_hub_download``, ``snapshot_download``) can be pointed at it
with ``endpoint=server.url``. Repos are plain folders on disk::

    root/models/<org>/<name>/<files...>
    root/datasets/<org>/<name>/<files...>

An optional ``dastyar-meta.json`` inside a repo folder carries Hub-side metadata (downloads, likes, tags, gated,
private, ...). It is never listed as a repo file.

What is implemented (shapes checked against huggingface_hub 1.33):

* ``GET /api/models`` and ``GET /api/datasets`` (search, author, filter, pipeline_tag, gated, sort, direction,
  limit, full, cardData, config, expand / expand[]; optional Link-header pagination via ``page_size``)
* ``GET /api/{models|datasets}/{repo_id}`` and ``.../revision/{rev}`` (blobs=true adds sizes + LFS info)
* ``GET /api/{models|datasets}/{repo_id}/tree/{rev}[/{path}]`` (recursive, expand)
* ``POST /api/{models|datasets}/{repo_id}/paths-info/{rev}`` (form or JSON body)
* ``GET /api/{models|datasets}/{repo_id}/refs``
* ``HEAD``/``GET /{repo_id}/resolve/{rev}/{path}`` and ``/datasets/{repo_id}/resolve/{rev}/{path}``
  (Range support, ETag / X-Linked-Etag / X-Linked-Size / X-Repo-Commit; never any X-Xet-* header)
* ``GET /api/whoami-v2``

Uploads (legacy LFS protocol only, i.e. ``HF_HUB_DISABLE_XET=1``; every write needs ``valid_token``):

* ``POST /api/repos/create`` (``HfApi.create_repo``; 409 when the repo exists, so ``exist_ok`` works)
* ``POST /api/validate-yaml`` (README.md front matter check the client runs before committing a card)
* ``POST /api/{models|datasets}/{repo_id}/preupload/{rev}`` (upload mode "lfs"/"regular", remote oid of regular
  files so unchanged ones are skipped)
* ``POST /{repo_id}.git/info/lfs/objects/batch`` and ``/datasets/{repo_id}.git/...`` (operation "upload", basic
  transfer), then ``PUT`` of the bytes to the returned href (a one-time ticket, checked against sha256 + size) and
  ``POST .../info/lfs/objects/verify``. Uploaded objects wait in ``root/.lfs-objects/`` (outside every repo).
* ``POST /api/{models|datasets}/{repo_id}/commit/{rev}`` (NDJSON: header, file, lfsFile, deletedFile,
  deletedFolder). Files are staged in ``root/.upload-staging/`` and renamed into the repo folder; the answer carries
  the repo's new (content-derived) commit sha. Paths with ``..``, absolute paths, ``.git/`` and the metadata file are
  refused with 400. Only the ``main`` branch can be written; no pull requests.

Errors carry the Hub's ``X-Error-Code`` / ``X-Error-Message`` headers, which is what ``hf_raise_for_status`` uses to
raise ``RepositoryNotFoundError``, ``RevisionNotFoundError``, ``EntryNotFoundError`` and ``GatedRepoError``.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
import math
import os
import re
import secrets
import shutil
import socket
import struct
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import yaml

META_FILENAME = "dastyar-meta.json"
LFS_THRESHOLD = 1024 * 1024  # files >= 1 MB are served as LFS objects, like a typical .gitattributes would do
LFS_SUFFIXES = frozenset(
    {".bin", ".safetensors", ".parquet", ".pt", ".pth", ".onnx", ".h5", ".msgpack", ".gguf", ".ckpt", ".arrow"}
)
DEFAULT_TIMESTAMP = "2024-01-01T00:00:00.000Z"
REPO_SUBPATHS = frozenset(
    {"revision", "tree", "paths-info", "refs", "resolve", "commits", "discussions", "preupload", "commit"}
)
REPO_TYPES = {"models": "model", "datasets": "dataset"}
LFS_STORE_DIRNAME = ".lfs-objects"  # uploaded LFS objects waiting for a commit (under the server root)
STAGING_DIRNAME = ".upload-staging"  # a commit's files before they are renamed into the repo folder
WRITE_BRANCHES = frozenset({"main", "refs/heads/main"})
FORBIDDEN_PATH_SEGMENTS = frozenset({"", ".", "..", ".git"})
# The Hub's naming rules for user/org/repo names (no "--" or "..", no leading/trailing "-" or ".", max 96 chars).
REPO_NAME_RE = re.compile(r"^(?!.*(--|\.\.))[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9_])?$")
SHA256_RE = re.compile(r"^[0-9a-f]{64}$")

# pipeline_tag -> transformers auto class, used to build a realistic ``transformersInfo`` block.
AUTO_MODEL_FOR_PIPELINE = {
    "text-classification": "AutoModelForSequenceClassification",
    "token-classification": "AutoModelForTokenClassification",
    "text-generation": "AutoModelForCausalLM",
    "fill-mask": "AutoModelForMaskedLM",
    "question-answering": "AutoModelForQuestionAnswering",
    "feature-extraction": "AutoModel",
    "sentence-similarity": "AutoModel",
    "translation": "AutoModelForSeq2SeqLM",
    "summarization": "AutoModelForSeq2SeqLM",
    "text2text-generation": "AutoModelForSeq2SeqLM",
    "automatic-speech-recognition": "AutoModelForSpeechSeq2Seq",
    "image-classification": "AutoModelForImageClassification",
}


# --------------------------------------------------------------------------------------------------------------------
# Repo model (computed from the folder on disk, cached until a file changes)
# --------------------------------------------------------------------------------------------------------------------


def git_blob_sha1(data: bytes) -> str:
    """Git's object id for a blob: what the Hub reports as ``oid``/``blobId`` and as ETag of non-LFS files."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


def is_lfs_path(path: str, size: int) -> bool:
    return size >= LFS_THRESHOLD or Path(path).suffix.lower() in LFS_SUFFIXES


@dataclass(frozen=True)
class RepoFileEntry:
    path: str  # posix path relative to the repo root
    abspath: Path
    size: int
    blob_id: str  # git blob sha1 (of the LFS pointer for LFS files)
    sha256: str | None  # only for LFS files
    pointer_size: int | None  # only for LFS files

    @property
    def is_lfs(self) -> bool:
        return self.sha256 is not None

    @property
    def etag(self) -> str:
        return self.sha256 if self.sha256 is not None else self.blob_id

    def tree_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"type": "file", "oid": self.blob_id, "size": self.size, "path": self.path}
        if self.sha256 is not None:
            entry["lfs"] = {"oid": self.sha256, "size": self.size, "pointerSize": self.pointer_size}
        return entry

    def sibling(self, blobs: bool) -> dict[str, Any]:
        sibling: dict[str, Any] = {"rfilename": self.path}
        if blobs:
            sibling["blobId"] = self.blob_id
            sibling["size"] = self.size
            if self.sha256 is not None:
                sibling["lfs"] = {"sha256": self.sha256, "size": self.size, "pointerSize": self.pointer_size}
        return sibling


@dataclass
class Repo:
    repo_type: str  # "model" | "dataset"
    repo_id: str
    folder: Path
    meta: dict[str, Any]
    files: dict[str, RepoFileEntry]
    commit: str
    card_data: dict[str, Any] | None
    config: dict[str, Any] | None
    safetensors: dict[str, Any] | None

    @property
    def private(self) -> bool:
        return bool(self.meta.get("private", False))

    @property
    def gated(self) -> str | bool:
        gated = self.meta.get("gated", False)
        return "auto" if gated is True else gated

    @property
    def author(self) -> str:
        return self.meta.get("author") or (self.repo_id.split("/")[0] if "/" in self.repo_id else self.repo_id)

    def resolve_revision(self, revision: str) -> str | None:
        """Map a branch/tag/sha to the (single) commit of this repo. Returns None if unknown."""
        extra = {str(r) for r in self.meta.get("revisions", [])}
        if revision in {"main", "refs/heads/main", self.commit} | extra:
            return self.commit
        if 7 <= len(revision) < 40 and self.commit.startswith(revision.lower()):
            return self.commit  # short sha
        return None

    def directories(self) -> set[str]:
        dirs: set[str] = set()
        for path in self.files:
            parts = path.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                dirs.add("/".join(parts[:i]))
        return dirs

    def tree_id(self, directory: str) -> str:
        prefix = directory + "/"
        digest = hashlib.sha1(b"tree\0")
        for path in sorted(p for p in self.files if p.startswith(prefix)):
            digest.update(f"{path}\0{self.files[path].blob_id}\n".encode())
        return digest.hexdigest()

    def directory_entry(self, directory: str) -> dict[str, Any]:
        return {"type": "directory", "oid": self.tree_id(directory), "size": 0, "path": directory}

    def tags(self) -> list[str]:
        """Tags the way the Hub computes them: explicit tags + library, task, languages, license, formats..."""
        card = self.card_data or {}
        card_tags = card.get("tags") or []
        tags: list[str] = [
            str(t) for t in [*self.meta.get("tags", []), *([card_tags] if isinstance(card_tags, str) else card_tags)]
        ]
        languages = card.get("language") or []
        if isinstance(languages, str):
            languages = [languages]
        license_ = self.meta.get("license") or card.get("license")
        if self.repo_type == "model":
            library = self.library_name()
            if library:
                tags.append(library)
            if any(p.endswith(".safetensors") for p in self.files):
                tags.append("safetensors")
            if self.config and self.config.get("model_type"):
                tags.append(str(self.config["model_type"]))
            if self.pipeline_tag():
                tags.append(str(self.pipeline_tag()))
            tags.extend(str(lang) for lang in languages)
            datasets = card.get("datasets") or []
            tags.extend(f"dataset:{d}" for d in ([datasets] if isinstance(datasets, str) else datasets))
        else:
            for key in ("task_categories", "task_ids", "size_categories"):
                values = card.get(key) or []
                tags.extend(f"{key}:{v}" for v in ([values] if isinstance(values, str) else values))
            tags.extend(f"language:{lang}" for lang in languages)
            formats = sorted(
                {
                    Path(p).suffix.lstrip(".")
                    for p in self.files
                    if Path(p).suffix in {".csv", ".parquet", ".json", ".jsonl"}
                }
            )
            tags.extend(f"format:{f}" for f in formats)
            tags.append("library:datasets")
        if license_:
            tags.append(f"license:{license_}")
        tags.append("region:us")
        return list(dict.fromkeys(tags))  # dedupe, keep order

    def pipeline_tag(self) -> str | None:
        return self.meta.get("pipeline_tag") or (self.card_data or {}).get("pipeline_tag")

    def library_name(self) -> str | None:
        return self.meta.get("library_name") or (self.card_data or {}).get("library_name")

    def object_id(self) -> str:
        return hashlib.md5(f"{self.repo_type}/{self.repo_id}".encode()).hexdigest()[:24]

    def properties(self, blobs: bool = False) -> dict[str, Any]:
        """Every property the Hub can return for this repo (``expand`` picks a subset of these)."""
        last_modified = self.meta.get("lastModified", DEFAULT_TIMESTAMP)
        props: dict[str, Any] = {
            "_id": self.object_id(),
            "id": self.repo_id,
            "author": self.author,
            "sha": self.commit,
            "lastModified": last_modified,
            "createdAt": self.meta.get("createdAt", last_modified),
            "private": self.private,
            "gated": self.gated,
            "disabled": bool(self.meta.get("disabled", False)),
            "downloads": int(self.meta.get("downloads", 0)),
            "downloadsAllTime": int(self.meta.get("downloadsAllTime", self.meta.get("downloads", 0))),
            "likes": int(self.meta.get("likes", 0)),
            "trendingScore": self.meta.get("trendingScore", 0),
            "tags": self.tags(),
            "cardData": self.card_data,
            "siblings": [entry.sibling(blobs) for entry in self.files.values()],
            "usedStorage": sum(entry.size for entry in self.files.values()),
        }
        if self.repo_type == "model":
            props["modelId"] = self.repo_id
            props["pipeline_tag"] = self.pipeline_tag()
            props["library_name"] = self.library_name()
            props["config"] = self.config
            props["spaces"] = []
            props["widgetData"] = self.meta.get("widgetData")
            if self.safetensors is not None:
                props["safetensors"] = self.safetensors
            auto_model = AUTO_MODEL_FOR_PIPELINE.get(self.pipeline_tag() or "")
            if self.library_name() == "transformers" and auto_model and self.config is not None:
                props["transformersInfo"] = {
                    "auto_model": auto_model,
                    "pipeline_tag": self.pipeline_tag(),
                    "processor": "AutoTokenizer",
                }
        else:
            props["description"] = self.meta.get("description", "")
            props["citation"] = self.meta.get("citation")
            props["paperswithcode_id"] = self.meta.get("paperswithcode_id")
            props["mainSize"] = props["usedStorage"]
        return props

    def listing_item(self, full: bool, expand: list[str], card_data: bool, config: bool) -> dict[str, Any]:
        props = self.properties()
        if expand:
            # With expand, the Hub returns only the requested properties (plus the ids).
            item = {"_id": props["_id"], "id": props["id"]}
            item.update({key: props[key] for key in expand if key in props})
            return item
        if self.repo_type == "model":
            keys = [
                "_id",
                "id",
                "likes",
                "trendingScore",
                "private",
                "downloads",
                "tags",
                "pipeline_tag",
                "library_name",
                "createdAt",
                "modelId",
            ]
            if full:
                keys += ["author", "sha", "lastModified", "gated", "disabled", "siblings"]
        else:
            keys = [
                "_id",
                "id",
                "author",
                "sha",
                "lastModified",
                "private",
                "gated",
                "disabled",
                "tags",
                "downloads",
                "likes",
                "trendingScore",
                "createdAt",
                "description",
            ]
            if full:
                keys += ["cardData", "siblings", "citation", "paperswithcode_id"]
        item = {key: props[key] for key in keys}
        if card_data:
            item["cardData"] = props["cardData"]
        if config and self.repo_type == "model":
            item["config"] = props["config"]
        return item


def _read_card_data(folder: Path) -> dict[str, Any] | None:
    readme = folder / "README.md"
    if not readme.is_file():
        return None
    text = readme.read_text(encoding="utf-8")
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    try:
        data = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return None
    return data if isinstance(data, dict) else None


def _read_safetensors_info(files: Iterable[RepoFileEntry]) -> dict[str, Any] | None:
    """Parameter counts per dtype, read from the safetensors headers (what the Hub shows as ``safetensors``)."""
    parameters: dict[str, int] = {}
    found = False
    for entry in files:
        if not entry.path.endswith(".safetensors"):
            continue
        try:
            with entry.abspath.open("rb") as fh:
                (header_len,) = struct.unpack("<Q", fh.read(8))
                header = json.loads(fh.read(header_len))
        except (OSError, ValueError, struct.error):
            continue
        found = True
        for name, tensor in header.items():
            if name == "__metadata__":
                continue
            parameters[tensor["dtype"]] = parameters.get(tensor["dtype"], 0) + math.prod(tensor["shape"])
    if not found:
        return None
    return {"parameters": parameters, "total": sum(parameters.values())}


def _scan_files(folder: Path) -> list[tuple[str, Path, int, int]]:
    out = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel == META_FILENAME:
            continue
        stat = path.stat()
        out.append((rel, path, stat.st_size, stat.st_mtime_ns))
    return out


def load_repo(repo_type: str, repo_id: str, folder: Path) -> Repo:
    files: dict[str, RepoFileEntry] = {}
    for rel, path, size, _mtime in _scan_files(folder):
        data = path.read_bytes()
        if is_lfs_path(rel, size):
            sha256 = hashlib.sha256(data).hexdigest()
            pointer = lfs_pointer(sha256, size)
            files[rel] = RepoFileEntry(rel, path, size, git_blob_sha1(pointer), sha256, len(pointer))
        else:
            files[rel] = RepoFileEntry(rel, path, size, git_blob_sha1(data), None, None)
    meta_path = folder / META_FILENAME
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    # Stable, content-derived commit sha: changing any file on disk "creates a new commit".
    digest = hashlib.sha1(f"commit\0{repo_type}\0{repo_id}\n".encode())
    for entry in files.values():
        digest.update(f"{entry.path}\0{entry.blob_id}\n".encode())
    card_data = meta.get("cardData") or _read_card_data(folder)
    config = None
    if repo_type == "model" and (folder / "config.json").is_file():
        try:
            raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            config = {k: raw[k] for k in ("architectures", "model_type") if k in raw}
        except ValueError:
            config = None
    return Repo(
        repo_type=repo_type,
        repo_id=repo_id,
        folder=folder,
        meta=meta,
        files=files,
        commit=digest.hexdigest(),
        card_data=card_data,
        config=config,
        safetensors=_read_safetensors_info(files.values()) if repo_type == "model" else None,
    )


# --------------------------------------------------------------------------------------------------------------------
# Observability for tests
# --------------------------------------------------------------------------------------------------------------------


@dataclass
class RequestRecord:
    method: str
    path: str  # URL path, percent-decoded
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-cased names, Authorization redacted
    status: int = 0
    body_bytes: int = 0  # file-body bytes actually written for this response
    authenticated: bool = False  # a valid token was sent
    started_at: float = field(default_factory=time.monotonic)
    ended: bool = False  # the handler is done with this request (answered, failed, or its client went away)


class _Abort(Exception):
    """Raised inside the handler to drop the connection (simulated network failure or server stop)."""


class _RequestError(Exception):
    """Raised by the upload handlers; answered with the Hub's error shape (status + X-Error-* headers)."""

    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _validate_commit_path(path: Any) -> str:
    """A repo-relative posix path a client may write or delete. Raises a 400 for traversal, absolute paths, ..."""
    if not isinstance(path, str) or not path:
        raise _RequestError(400, f"Invalid path in commit: {path!r}")
    if path.startswith(("/", "\\")) or "\\" in path or "\0" in path or re.match(r"^[A-Za-z]:", path):
        raise _RequestError(400, f"Invalid path in commit (absolute or not a posix path): {path!r}")
    segments = path.split("/")
    if any(segment in FORBIDDEN_PATH_SEGMENTS for segment in segments):
        raise _RequestError(400, f"Invalid path in commit (empty, '.', '..' or '.git' segment): {path!r}")
    if segments[0] == META_FILENAME:
        raise _RequestError(400, f"Invalid path in commit ({META_FILENAME} is reserved by the test hub): {path!r}")
    return path


def _inside(folder: Path, path: str) -> Path:
    """``folder / path``, refusing anything that would resolve outside ``folder`` (e.g. through a symlink)."""
    target = folder / path
    if not target.resolve().is_relative_to(folder.resolve()):
        raise _RequestError(400, f"Invalid path in commit (outside the repository): {path!r}")
    return target


def _prune_empty_dirs(folder: Path, directory: Path) -> None:
    """Remove now-empty directories from ``directory`` up to (not including) the repo folder."""
    while directory != folder and folder in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


@dataclass
class _CommitAdd:
    path: str
    data: bytes | None = None  # "file" entries
    oid: str | None = None  # "lfsFile" entries
    size: int | None = None
    source: Path | None = None  # where the LFS object is now
    from_store: bool = False  # the source is an uploaded object in the LFS store (moved, not copied)
    staged: Path | None = None


@dataclass
class _CommitDelete:
    path: str
    folder: bool
    files: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------------------------------
# HTTP handler
# --------------------------------------------------------------------------------------------------------------------


def _ascii(value: str) -> str:
    # http.server encodes headers as latin-1: keep them ASCII (repo paths/revisions may be Persian).
    return value.encode("ascii", "backslashreplace").decode("ascii")


class _HubRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like the Hub; every response carries Content-Length
    server_version = "DastyarTestHub/1.0"
    timeout = 60  # idle keep-alive connections die eventually
    server: _HubHTTPServer

    # -- plumbing -----------------------------------------------------------------------------------------------

    @property
    def hub(self) -> HubServer:
        return self.server.hub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # keep pytest output clean; use HubServer.requests instead

    def setup(self) -> None:
        super().setup()
        self.hub._track_connection(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.hub._track_connection(self.connection, add=False)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self._raw_path = split.path
        self._query = parse_qs(split.query, keep_blank_values=True)
        # Always drain the body, or keep-alive gets out of sync. PUT bodies (LFS objects) are streamed by the handler.
        self._body_stream = self._iter_body()
        self._body = b"" if method == "PUT" else b"".join(self._body_stream)
        token = self._bearer_token()
        self._authenticated = token is not None and token == self.hub.valid_token
        self._record = RequestRecord(
            method=method,
            path=unquote(split.path),
            query=self._query,
            headers={k.lower(): ("<redacted>" if k.lower() == "authorization" else v) for k, v in self.headers.items()},
            authenticated=self._authenticated,
        )
        self.hub._log_request(self._record)
        try:
            try:
                self._route(method, token)
            except _RequestError as exc:
                self._drain_body()
                self._send_error(exc.status, exc.code, exc.message)
            self._drain_body()
        except _Abort:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True  # client went away (cancelled download): nothing to do
        except Exception as exc:  # pragma: no cover - a server bug should surface as a 500, not hang the client
            if self._record.status == 0:
                self._send_json(500, {"error": f"test hub server error: {exc!r}"})
            raise
        finally:
            self._record.ended = True

    def _iter_body(self, chunk_size: int = 1024 * 1024) -> Iterable[bytes]:
        """The request body in chunks: ``Content-Length`` or ``Transfer-Encoding: chunked``. Stops early on EOF."""
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            while True:
                try:
                    size = int(self.rfile.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                except ValueError:
                    self.close_connection = True
                    return
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                while size > 0:
                    data = self.rfile.read(min(chunk_size, size))
                    if not data:
                        self.close_connection = True
                        return
                    size -= len(data)
                    yield data
                self.rfile.readline()  # CRLF after each chunk
        remaining = int(self.headers.get("Content-Length") or 0)
        while remaining > 0:
            data = self.rfile.read(min(chunk_size, remaining))
            if not data:
                self.close_connection = True
                return
            remaining -= len(data)
            yield data

    def _drain_body(self) -> None:
        for _chunk in self._body_stream:
            pass

    def _bearer_token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        if auth.lower().startswith("bearer "):
            return auth[7:].strip() or None
        return None

    def send_response(self, code: int, message: str | None = None) -> None:
        self._record.status = code
        super().send_response(code, message)

    def _send_headers(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, _ascii(str(value)))
        self.end_headers()

    def _send_json(
        self, status: int, payload: Any, headers: dict[str, str] | None = None, head_only: bool = False
    ) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        all_headers = {"Content-Type": "application/json; charset=utf-8", "Content-Length": str(len(body))}
        all_headers.update(headers or {})
        self._send_headers(status, all_headers)
        if not head_only and self.command != "HEAD":
            self.wfile.write(body)

    def _send_error(self, status: int, code: str | None, message: str, extra: dict[str, str] | None = None) -> None:
        headers = {"X-Error-Message": message}
        if code is not None:
            headers["X-Error-Code"] = code
        headers.update(extra or {})
        self._send_json(status, {"error": message}, headers)

    def _not_found(self) -> None:
        self._send_error(404, None, "Sorry, we can't find the page you are looking for.")

    def _bool_param(self, name: str, default: bool = False) -> bool:
        values = self._query.get(name)
        if not values:
            return default
        return values[-1].lower() in {"1", "true", "yes", "on"}

    # -- routing --------------------------------------------------------------------------------------------------

    def _route(self, method: str, token: str | None) -> None:
        raw_segments = [s for s in self._raw_path.split("/") if s]
        if not raw_segments:
            return self._not_found()
        if raw_segments[0] == "api":
            rest = raw_segments[1:]
            if rest == ["whoami-v2"] and method == "GET":
                return self._whoami(token)
            if rest == ["repos", "create"] and method == "POST":
                return self._create_repo(token)
            if rest == ["validate-yaml"] and method == "POST":
                return self._validate_yaml()
            if rest and rest[0] in REPO_TYPES:
                repo_type = REPO_TYPES[rest[0]]
                if len(rest) == 1 and method == "GET":
                    return self._list_repos(repo_type)
                if len(rest) >= 2:
                    return self._repo_api(method, repo_type, rest[1:], token)
            return self._not_found()
        lfs = _match_lfs_path(raw_segments)
        if lfs is not None:
            repo_type, repo_id, action = lfs
            if method == "POST" and action == ["batch"]:
                return self._lfs_batch(repo_type, repo_id, token)
            if method == "POST" and action == ["verify"]:
                return self._lfs_verify(repo_type, repo_id, token)
            if method == "PUT" and len(action) == 2 and action[0] == "upload":
                return self._lfs_upload(repo_type, repo_id, unquote(action[1]))
            return self._not_found()
        if method in {"GET", "HEAD"}:
            repo_type = "model"
            segments = raw_segments
            if segments[0] == "datasets":
                repo_type, segments = "dataset", segments[1:]
            for idx in (1, 2):  # repo ids are "name" or "org/name"
                if len(segments) > idx + 2 and segments[idx] == "resolve":
                    repo_id = "/".join(unquote(s) for s in segments[:idx])
                    revision = unquote(segments[idx + 1])
                    filename = "/".join(unquote(s) for s in segments[idx + 2 :])
                    return self._resolve(method, repo_type, repo_id, revision, filename, token)
        return self._not_found()

    def _split_repo(self, segments: list[str]) -> tuple[str, list[str]]:
        """``org/name/tree/main`` -> (``org/name``, [``tree``, ``main``]); also handles single-segment ids."""
        if len(segments) >= 2 and segments[1] in REPO_SUBPATHS:
            return unquote(segments[0]), segments[1:]
        return "/".join(unquote(s) for s in segments[:2]), segments[2:]

    def _load_accessible_repo(self, repo_type: str, repo_id: str, token: str | None) -> Repo | None:
        """Returns the repo, or sends the Hub's error response (404/401 RepoNotFound) and returns None."""
        repo = self.hub.get_repo(repo_type, repo_id)
        if repo is None or (repo.private and not self._authenticated):
            kind = "Repository" if repo_type == "model" else "Dataset"
            message = f"{kind} not found"
            # The Hub answers 401 to anonymous callers (private and missing repos look the same), 404 otherwise.
            status = 401 if token is None else 404
            self._send_error(status, "RepoNotFound", message)
            return None
        return repo

    def _check_revision(self, repo: Repo, revision: str, extra: dict[str, str] | None = None) -> str | None:
        commit = repo.resolve_revision(revision)
        if commit is None:
            self._send_error(404, "RevisionNotFound", f"Invalid rev id: {revision}", extra)
        return commit

    # -- /api/whoami-v2 ----------------------------------------------------------------------------------------

    def _whoami(self, token: str | None) -> None:
        if not self._authenticated:
            return self._send_error(401, None, "Invalid credentials in Authorization header")
        self._send_json(
            200,
            {
                "type": "user",
                "id": "64b7f0000000000000000001",
                "name": self.hub.user_name,
                "fullname": "Dastyar Tester",
                "email": "tester@example.com",
                "emailVerified": True,
                "canPay": False,
                "isPro": False,
                "periodEnd": None,
                "avatarUrl": "/avatars/tester.svg",
                "orgs": [],
                "auth": {
                    "type": "access_token",
                    "accessToken": {"displayName": "dastyar-tests", "role": "read", "createdAt": DEFAULT_TIMESTAMP},
                },
            },
        )

    # -- /api/{models,datasets} --------------------------------------------------------------------------------

    def _list_repos(self, repo_type: str) -> None:
        q = self._query
        searches = [s.lower() for s in q.get("search", []) if s]
        author = (q.get("author") or [""])[-1].lower()
        filters = [f.strip().lower() for value in q.get("filter", []) for f in value.split(",") if f.strip()]
        pipeline_tag = (q.get("pipeline_tag") or [""])[-1]
        gated = q.get("gated")
        repos = []
        for repo in self.hub.all_repos(repo_type):
            if repo.private and not self._authenticated:
                continue
            repo_id = repo.repo_id.lower()
            if any(s not in repo_id for s in searches):
                continue
            if author and repo.author.lower() != author:
                continue
            if pipeline_tag and repo.pipeline_tag() != pipeline_tag:
                continue
            if gated and (repo.gated is not False) != (gated[-1].lower() == "true"):
                continue
            tags = {t.lower() for t in repo.tags()}
            if not all(_tag_matches(f, tags) for f in filters):
                continue
            repos.append(repo)

        sort_key = (q.get("sort") or ["trendingScore"])[-1]
        descending = (q.get("direction") or ["-1"])[-1] not in {"1", "asc", "ascending"}
        repos.sort(key=lambda r: r.repo_id.lower())  # stable tie-break on id
        if sort_key in {"id", "modelId"}:
            repos.sort(key=lambda r: r.repo_id.lower(), reverse=descending)
        else:
            repos.sort(key=lambda r: _sort_value(r, sort_key), reverse=descending)

        limit = _int_or_none((q.get("limit") or [None])[-1])
        if limit is not None:
            repos = repos[:limit]
        expand = [e for key in ("expand", "expand[]") for e in q.get(key, [])]
        items = [
            repo.listing_item(
                full=self._bool_param("full"),
                expand=expand,
                card_data=self._bool_param("cardData"),
                config=self._bool_param("config"),
            )
            for repo in repos
        ]
        self._send_page(items)

    def _send_page(self, items: list[Any]) -> None:
        """Single page by default; with ``hub.page_size`` set, paginate with a GitHub-style Link header."""
        page_size = self.hub.page_size
        headers: dict[str, str] = {}
        if page_size:
            offset = _int_or_none((self._query.get("cursor") or ["0"])[-1]) or 0
            page = items[offset : offset + page_size]
            if offset + page_size < len(items):
                params = [(k, v) for k, values in self._query.items() if k != "cursor" for v in values]
                params.append(("cursor", str(offset + page_size)))
                host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
                next_url = f"http://{host}{self._raw_path}?{urlencode(params)}"
                headers["Link"] = f'<{next_url}>; rel="next"'
            items = page
        self._send_json(200, items, headers)

    # -- /api/{models,datasets}/{repo_id}/... --------------------------------------------------------------------

    def _repo_api(self, method: str, repo_type: str, segments: list[str], token: str | None) -> None:
        repo_id, rest = self._split_repo(segments)
        if method == "GET" and (not rest or (len(rest) == 2 and rest[0] == "revision")):
            return self._repo_info(repo_type, repo_id, unquote(rest[1]) if rest else "main", token)
        if method == "GET" and len(rest) >= 2 and rest[0] == "tree":
            path = "/".join(unquote(s) for s in rest[2:])
            return self._tree(repo_type, repo_id, unquote(rest[1]), path, token)
        if method == "POST" and len(rest) == 2 and rest[0] == "paths-info":
            return self._paths_info(repo_type, repo_id, unquote(rest[1]), token)
        if method == "GET" and rest == ["refs"]:
            return self._refs(repo_type, repo_id, token)
        if method == "POST" and len(rest) == 2 and rest[0] == "preupload":
            return self._preupload(repo_type, repo_id, unquote(rest[1]), token)
        if method == "POST" and len(rest) == 2 and rest[0] == "commit":
            return self._commit(repo_type, repo_id, unquote(rest[1]), token)
        return self._not_found()

    def _repo_info(self, repo_type: str, repo_id: str, revision: str, token: str | None) -> None:
        repo = self._load_accessible_repo(repo_type, repo_id, token)
        if repo is None or self._check_revision(repo, revision) is None:
            return
        props = repo.properties(blobs=self._bool_param("blobs"))
        expand = [e for key in ("expand", "expand[]") for e in self._query.get(key, [])]
        if expand:
            props = {"_id": props["_id"], "id": props["id"], **{k: props[k] for k in expand if k in props}}
        self._send_json(200, props)

    def _tree(self, repo_type: str, repo_id: str, revision: str, path: str, token: str | None) -> None:
        repo = self._load_accessible_repo(repo_type, repo_id, token)
        if repo is None or self._check_revision(repo, revision) is None:
            return
        path = path.strip("/")
        directories = repo.directories()
        if path and path not in directories:
            return self._send_error(404, "EntryNotFound", f'{path} does not exist on "{revision}"')
        recursive = self._bool_param("recursive")
        expand = self._bool_param("expand")
        prefix = f"{path}/" if path else ""
        entries: list[dict[str, Any]] = []
        for directory in sorted(directories):
            if directory.startswith(prefix) and (recursive or "/" not in directory[len(prefix) :]):
                entries.append(self._with_expand(repo, repo.directory_entry(directory), expand))
        for file_path, entry in repo.files.items():
            if file_path.startswith(prefix) and (recursive or "/" not in file_path[len(prefix) :]):
                entries.append(self._with_expand(repo, entry.tree_entry(), expand))
        self._send_page(entries)

    def _with_expand(self, repo: Repo, entry: dict[str, Any], expand: bool) -> dict[str, Any]:
        if expand:
            entry["lastCommit"] = {"id": repo.commit, "title": "Upload folder", "date": DEFAULT_TIMESTAMP}
            if entry["type"] == "file":
                entry["securityFileStatus"] = {
                    "status": "safe",
                    "avScan": {"virusFound": False, "virusNames": None},
                    "pickleImportScan": None,
                }
        return entry

    def _paths_info(self, repo_type: str, repo_id: str, revision: str, token: str | None) -> None:
        repo = self._load_accessible_repo(repo_type, repo_id, token)
        if repo is None or self._check_revision(repo, revision) is None:
            return
        content_type = (self.headers.get("Content-Type") or "").lower()
        if "json" in content_type:
            payload = json.loads(self._body or b"{}")
            paths = payload.get("paths", [])
            expand = bool(payload.get("expand", False))
        else:
            form = parse_qs(self._body.decode("utf-8"), keep_blank_values=True)
            paths = form.get("paths", [])
            expand = (form.get("expand") or ["false"])[-1].lower() == "true"
        directories = repo.directories()
        entries = []
        for path in [paths] if isinstance(paths, str) else paths:
            path = path.strip("/")
            if path in repo.files:
                entries.append(self._with_expand(repo, repo.files[path].tree_entry(), expand))
            elif path in directories:
                entries.append(self._with_expand(repo, repo.directory_entry(path), expand))
            # Missing paths are silently skipped, like on the Hub.
        self._send_json(200, entries)

    def _refs(self, repo_type: str, repo_id: str, token: str | None) -> None:
        repo = self._load_accessible_repo(repo_type, repo_id, token)
        if repo is None:
            return
        tags = [
            {"name": str(r), "ref": f"refs/tags/{r}", "targetCommit": repo.commit}
            for r in repo.meta.get("revisions", [])
        ]
        self._send_json(
            200,
            {
                "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.commit}],
                "converts": [],
                "tags": tags,
                "pullRequests": [],
            },
        )

    # -- uploads: create repo, validate-yaml, preupload, LFS batch / upload / verify, commit ---------------------

    def _base_url(self) -> str:
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        return f"http://{host}"

    def _repo_url(self, repo_type: str, repo_id: str) -> str:
        prefix = "datasets/" if repo_type == "dataset" else ""
        return f"{self._base_url()}/{prefix}{repo_id}"

    def _json_body(self) -> dict[str, Any]:
        try:
            payload = json.loads(self._body or b"{}")
        except ValueError as exc:
            raise _RequestError(400, f"Invalid JSON body: {exc}") from None
        if not isinstance(payload, dict):
            raise _RequestError(400, "Invalid JSON body: expected an object")
        return payload

    def _require_write_token(self, token: str | None) -> None:
        if not self._authenticated:
            if token is None:
                raise _RequestError(401, "You must be authenticated (Authorization: Bearer <token>) to write")
            raise _RequestError(401, "Invalid credentials in Authorization header")

    def _writable_repo(
        self, repo_type: str, repo_id: str, token: str | None, revision: str | None = None
    ) -> Repo | None:
        """The repo if the caller may write to it (valid token, branch ``main``); else answers the error, or None."""
        repo = self._load_accessible_repo(repo_type, repo_id, token)  # private/missing: same answers as reads
        if repo is None:
            return None
        self._require_write_token(token)
        if revision is not None and revision not in WRITE_BRANCHES:
            raise _RequestError(
                404, f"Invalid rev id: {revision} (the test hub only writes to main)", "RevisionNotFound"
            )
        return repo

    def _create_repo(self, token: str | None) -> None:
        self._require_write_token(token)
        payload = self._json_body()
        name = payload.get("name")
        organization = payload.get("organization") or self.hub.user_name
        repo_type = payload.get("type") or "model"
        if repo_type not in REPO_TYPES.values():
            raise _RequestError(400, f"The test hub only hosts models and datasets, not {repo_type!r}")
        for part in (organization, name):
            if not isinstance(part, str) or not REPO_NAME_RE.match(part):
                raise _RequestError(
                    400,
                    f"Invalid repo name {organization}/{name}: use alphanumerics, '-', '_' or '.' ('--' and '..' are"
                    " forbidden, '-' and '.' cannot start or end the name, max length is 96)",
                )
        visibility = payload.get("visibility")
        if visibility is None:
            private = bool(payload.get("private", False))
        elif visibility in {"public", "private"}:
            private = visibility == "private"
        else:
            raise _RequestError(400, f"Invalid visibility {visibility!r}: use 'public' or 'private'")
        repo_id = f"{organization}/{name}"
        hub = self.hub
        folder = hub._repo_folder(repo_type, repo_id)
        url = self._repo_url(repo_type, repo_id)
        with hub._write_lock:
            if folder.exists():
                message = f"You already created this {repo_type} repo"
                return self._send_json(409, {"error": message, "url": url}, {"X-Error-Message": message})
            # Built aside and renamed into place: a reader never sees a private repo without its metadata.
            new_folder = Path(tempfile.mkdtemp(prefix="repo-", dir=hub._staging_dir()))
            new_folder.chmod(0o755)
            if private:
                (new_folder / META_FILENAME).write_text(
                    json.dumps({"private": True}, indent=2) + "\n", encoding="utf-8"
                )
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.rename(new_folder, folder)
            hub.invalidate(repo_type, repo_id)
        repo = hub.get_repo(repo_type, repo_id)
        assert repo is not None
        self._send_json(200, {"url": url, "name": repo_id, "id": repo.object_id()})

    def _validate_yaml(self) -> None:
        """What ``HfApi`` asks before committing a README.md: is the YAML front matter a valid mapping?"""
        content = self._json_body().get("content")
        if not isinstance(content, str):
            raise _RequestError(400, "Missing 'content'")
        errors: list[dict[str, str]] = []
        end = content.find("\n---", 3) if content.startswith("---") else -1
        if end >= 0:
            try:
                data = yaml.safe_load(content[3:end])
            except yaml.YAMLError as exc:
                errors.append({"message": f"Invalid YAML in README.md metadata: {exc}"})
            else:
                if data is not None and not isinstance(data, dict):
                    errors.append({"message": "README.md metadata must be a YAML mapping"})
        if errors:
            return self._send_json(400, {"errors": errors, "warnings": []}, {"X-Error-Message": errors[0]["message"]})
        self._send_json(200, {"errors": [], "warnings": []})

    def _preupload(self, repo_type: str, repo_id: str, revision: str, token: str | None) -> None:
        repo = self._writable_repo(repo_type, repo_id, token, revision)
        if repo is None:
            return
        files = self._json_body().get("files")
        if not isinstance(files, list):
            raise _RequestError(400, "Expected a 'files' list")
        answers = []
        for item in files:
            if not isinstance(item, dict):
                raise _RequestError(400, "Each entry of 'files' must be an object")
            path = _validate_commit_path(item.get("path"))
            size = item.get("size")
            if not isinstance(size, int) or isinstance(size, bool) or size < 0:
                raise _RequestError(400, f"Invalid size for {path}: {size!r}")
            mode = "lfs" if is_lfs_path(path, size) else "regular"
            existing = repo.files.get(path)
            # The remote git oid of a regular file lets the client skip unchanged files (LFS files: null).
            oid = existing.blob_id if mode == "regular" and existing is not None and not existing.is_lfs else None
            answers.append({"path": path, "uploadMode": mode, "shouldIgnore": False, "oid": oid})
        self._send_json(200, {"files": answers, "commitOid": repo.commit})

    def _lfs_batch(self, repo_type: str, repo_id: str, token: str | None) -> None:
        repo = self._writable_repo(repo_type, repo_id, token)
        if repo is None:
            return
        payload = self._json_body()
        if payload.get("operation") != "upload":
            raise _RequestError(400, "The test hub only supports the LFS 'upload' operation")
        if "basic" not in (payload.get("transfers") or ["basic"]):
            raise _RequestError(400, "The test hub only supports the 'basic' LFS transfer")
        objects = payload.get("objects")
        if not isinstance(objects, list):
            raise _RequestError(400, "Expected an 'objects' list")
        lfs_url = f"{self._repo_url(repo_type, repo_id)}.git/info/lfs/objects"
        answers: list[dict[str, Any]] = []
        for obj in objects:
            oid = obj.get("oid") if isinstance(obj, dict) else None
            size = obj.get("size") if isinstance(obj, dict) else None
            if not isinstance(oid, str) or not SHA256_RE.match(oid) or not isinstance(size, int) or size < 0:
                answers.append(
                    {
                        "oid": str(oid),
                        "size": size if isinstance(size, int) else 0,
                        "error": {"code": 422, "message": "Invalid object: oid must be a sha256, size an integer"},
                    }
                )
                continue
            answer: dict[str, Any] = {"oid": oid, "size": size, "authenticated": True}
            found = self.hub._find_lfs_object(repo, oid)
            if found is None or found[0].stat().st_size != size:
                # Not there yet: a one-time "presigned" URL (the PUT carries no token, like an S3 upload).
                ticket = self.hub._new_lfs_ticket(repo_type, repo_id, oid, size)
                answer["actions"] = {
                    "upload": {"href": f"{lfs_url}/upload/{ticket}", "expires_in": 3600},
                    "verify": {"href": f"{lfs_url}/verify", "expires_in": 3600},
                }
            answers.append(answer)
        self._send_json(
            200,
            {"transfer": "basic", "objects": answers, "hash_algo": "sha256"},
            {"Content-Type": "application/vnd.git-lfs+json"},
        )

    def _lfs_upload(self, repo_type: str, repo_id: str, ticket: str) -> None:
        hub = self.hub
        claim = hub._lfs_ticket(ticket)
        if claim is None or claim[:2] != (repo_type, repo_id):
            raise _RequestError(403, "Invalid or already used upload URL")
        oid, size = claim[2], claim[3]
        hub.lfs_store.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{oid[:16]}-", suffix=".part", dir=hub.lfs_store)
        tmp = Path(tmp_name)
        try:
            os.fchmod(fd, 0o644)
            digest = hashlib.sha256()
            received = 0
            with os.fdopen(fd, "wb") as fh:
                for chunk in self._body_stream:
                    digest.update(chunk)
                    fh.write(chunk)
                    received += len(chunk)
            if received != size:
                raise _RequestError(400, f"Size mismatch for LFS object {oid}: expected {size}, got {received} bytes")
            if digest.hexdigest() != oid:
                raise _RequestError(400, f"sha256 mismatch for LFS object {oid}: got {digest.hexdigest()}")
            os.replace(tmp, hub.lfs_object_path(oid))
        finally:
            tmp.unlink(missing_ok=True)
        hub._use_lfs_ticket(ticket)
        self._send_headers(200, {"Content-Length": "0", "ETag": f'"{oid}"'})

    def _lfs_verify(self, repo_type: str, repo_id: str, token: str | None) -> None:
        repo = self._writable_repo(repo_type, repo_id, token)
        if repo is None:
            return
        payload = self._json_body()
        oid, size = payload.get("oid"), payload.get("size")
        found = self.hub._find_lfs_object(repo, oid) if isinstance(oid, str) and SHA256_RE.match(oid) else None
        if found is None or found[0].stat().st_size != size:
            raise _RequestError(404, f"LFS object {oid} (size {size}) was not uploaded")
        self._send_json(200, {"oid": oid, "size": size}, {"Content-Type": "application/vnd.git-lfs+json"})

    def _commit(self, repo_type: str, repo_id: str, revision: str, token: str | None) -> None:
        if self._writable_repo(repo_type, repo_id, token, revision) is None:
            return
        if self._bool_param("create_pr"):
            raise _RequestError(400, "The test hub does not support pull requests (create_pr)")
        header, operations = _parse_commit_body(self._body)
        hub = self.hub
        with hub._write_lock:
            hub.invalidate(repo_type, repo_id)
            repo = hub.get_repo(repo_type, repo_id)
            if repo is None:
                raise _RequestError(404, "Repository not found", "RepoNotFound")
            parent = header.get("parentCommit")
            if parent is not None and parent != repo.commit:
                raise _RequestError(412, "A commit has happened since. Please refresh and try again.")
            adds = self._plan_commit(repo, operations)
            self._apply_commit(repo, operations, adds)
            hub.invalidate(repo_type, repo_id)
            new_repo = hub.get_repo(repo_type, repo_id)
        assert new_repo is not None
        self._send_json(
            200,
            {
                "success": True,
                "commitOid": new_repo.commit,
                "commitUrl": f"{self._repo_url(repo_type, repo_id)}/commit/{new_repo.commit}",
                "hookOutput": "",
                "pullRequestUrl": None,
            },
        )

    def _plan_commit(self, repo: Repo, operations: list[_CommitAdd | _CommitDelete]) -> list[_CommitAdd]:
        """Check every operation against the repo as it will be at that point; nothing on disk changes yet."""
        files = set(repo.files)
        adds: list[_CommitAdd] = []
        for op in operations:
            _inside(repo.folder, op.path)
            if isinstance(op, _CommitDelete):
                if op.folder:
                    op.files = sorted(f for f in files if f.startswith(op.path + "/"))
                else:
                    op.files = [op.path] if op.path in files else []
                if not op.files:
                    kind = "folder" if op.folder else "file"
                    raise _RequestError(404, f"A {kind} with this name doesn't exist: {op.path}", "EntryNotFound")
                files.difference_update(op.files)
                continue
            parts = op.path.split("/")
            if any(f.startswith(op.path + "/") for f in files) or any(
                "/".join(parts[:i]) in files for i in range(1, len(parts))
            ):
                raise _RequestError(400, f"Cannot add {op.path}: a file and a folder would have the same path")
            if op.oid is not None:
                found = self.hub._find_lfs_object(repo, op.oid)
                if found is None:
                    raise _RequestError(400, f"LFS object {op.oid} for {op.path} was not uploaded")
                op.source, op.from_store = found
                if op.size is not None and op.source.stat().st_size != op.size:
                    raise _RequestError(400, f"Size mismatch for {op.path}: the LFS object {op.oid} is not {op.size}")
            files.add(op.path)
            adds.append(op)
        return adds

    def _apply_commit(self, repo: Repo, operations: list[_CommitAdd | _CommitDelete], adds: list[_CommitAdd]) -> None:
        """Stage every new file outside the repo, then apply the operations in order (renames and unlinks)."""
        staging = Path(tempfile.mkdtemp(prefix="commit-", dir=self.hub._staging_dir()))
        try:
            moved: list[tuple[Path, Path]] = []  # (staged, store path): uploaded objects taken from the LFS store
            try:
                staged_by_oid: dict[str, Path] = {}
                for i, op in enumerate(adds):
                    op.staged = staging / str(i)
                    if op.data is not None:
                        op.staged.write_bytes(op.data)
                        continue
                    assert op.oid is not None and op.source is not None
                    if op.oid in staged_by_oid:
                        shutil.copyfile(staged_by_oid[op.oid], op.staged)
                    elif op.from_store:
                        os.replace(op.source, op.staged)  # the uploaded object moves into the commit
                        moved.append((op.staged, op.source))
                    else:
                        shutil.copyfile(op.source, op.staged)  # already in the repo (unchanged file, copy)
                    staged_by_oid.setdefault(op.oid, op.staged)
            except BaseException:
                for staged, store_path in moved:  # give uploaded objects back, so a retry can use them
                    try:
                        os.replace(staged, store_path)
                    except OSError:
                        pass
                raise
            for op in operations:
                if isinstance(op, _CommitDelete):
                    for path in op.files:
                        target = repo.folder / path
                        target.unlink(missing_ok=True)
                        _prune_empty_dirs(repo.folder, target.parent)
                    continue
                assert op.staged is not None
                target = repo.folder / op.path
                target.parent.mkdir(parents=True, exist_ok=True)
                if target.is_dir() and not target.is_symlink():
                    target.rmdir()  # an empty leftover directory (a non-empty one was refused by _plan_commit)
                os.replace(op.staged, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    # -- /{repo_id}/resolve/{revision}/{filename} ----------------------------------------------------------------

    def _resolve(
        self, method: str, repo_type: str, repo_id: str, revision: str, filename: str, token: str | None
    ) -> None:
        repo = self._load_accessible_repo(repo_type, repo_id, token)
        if repo is None:
            return
        if repo.gated is not False and not self._authenticated:
            # Gated repos: metadata is public, files are not. 401 when anonymous, 403 when the token has no access.
            kind = "model" if repo_type == "model" else "dataset"
            if token is None:
                message = (
                    f"Access to {kind} {repo_id} is restricted. You must have access to it and be authenticated "
                    "to access it. Please log in."
                )
                return self._send_error(401, "GatedRepo", message)
            message = f"Access to {kind} {repo_id} is restricted and you are not in the authorized list."
            return self._send_error(403, "GatedRepo", message)
        commit = self._check_revision(repo, revision)
        if commit is None:
            return
        entry = repo.files.get(filename)
        if entry is None:
            # X-Repo-Commit lets the client cache the non-existence (.no_exist/<commit>/<file>).
            return self._send_error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit})

        headers = {
            "X-Repo-Commit": commit,
            "ETag": f'"{entry.etag}"',
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream" if entry.is_lfs else "text/plain; charset=utf-8",
        }
        if entry.is_lfs:
            # What the Hub sends on LFS files; the client prefers these over ETag/Content-Length.
            headers["X-Linked-Etag"] = f'"{entry.sha256}"'
            headers["X-Linked-Size"] = str(entry.size)
        # NOTE: no X-Xet-Hash / X-Xet-Refresh-Route / Link rel="xet-auth": without them the client never uses Xet.

        start, end = 0, entry.size - 1
        status = 200
        range_header = self.headers.get("Range")
        if range_header and method == "GET" and not self.hub.ignore_range:
            parsed = _parse_range(range_header, entry.size)
            if parsed is None:
                headers["Content-Range"] = f"bytes */{entry.size}"
                return self._send_error(416, None, "Requested range not satisfiable", headers)
            start, end = parsed
            status = 206
            headers["Content-Range"] = f"bytes {start}-{end}/{entry.size}"
        length = max(end - start + 1, 0)
        fault = self.hub._next_fault() if method == "GET" and length else None
        if fault == "500":
            return self._send_error(500, None, "Internal Error (injected)")
        if fault == "stall" and self.hub._stopping.wait(self.hub.stall_seconds):
            raise _Abort()
        headers["Content-Length"] = str(length)
        self._send_headers(status, headers)
        if method == "HEAD" or length == 0:
            return
        self._stream_file(entry, repo, start, length, cut=length // 2 if fault == "drop" else None,
                          corrupt=fault == "corrupt")

    def _stream_file(self, entry: RepoFileEntry, repo: Repo, start: int, length: int, *, cut: int | None = None,
                     corrupt: bool = False) -> None:
        hub = self.hub
        key = hub.file_key(repo.repo_id, entry.path, repo.repo_type)
        fail_at = cut if cut else hub._claim_failure(length)
        rate = hub.throttle_bytes_per_sec
        # Small chunks when throttled so the rate is smooth (~20 writes/s) and cancellation is noticed quickly.
        chunk_size = max(1024, min(64 * 1024, int(rate / 20))) if rate else 64 * 1024
        sent = 0
        hold = hub.hold_after_bytes if hub.hold_after_bytes and length > hub.hold_after_bytes else None
        t0 = time.monotonic()
        with entry.abspath.open("rb") as fh:
            fh.seek(start)
            while sent < length:
                if hub._stopping.is_set():
                    raise _Abort()
                n = min(chunk_size, length - sent)
                if fail_at is not None:
                    n = min(n, fail_at - sent)
                if hold is not None and sent < hold:
                    n = min(n, hold - sent)
                data = fh.read(n)
                if not data:  # file shrank under us; the client will see a short body
                    raise _Abort()
                if corrupt and sent == 0:
                    data = bytes([data[0] ^ 0xFF]) + data[1:]  # the right length, the wrong bytes
                self.wfile.write(data)
                sent += len(data)
                self._record.body_bytes += len(data)
                hub._count_bytes(key, len(data))
                if fail_at is not None and sent >= fail_at:
                    raise _Abort()  # simulated network drop: short body vs Content-Length
                if hold is not None and sent == hold:
                    hub.holding.set()
                    while not hub._released.wait(0.05):
                        if hub._stopping.is_set():
                            raise _Abort()
                    t0 = time.monotonic() - sent / rate if rate else t0
                rate = hub.throttle_bytes_per_sec  # re-read: tests may change it mid-transfer
                if rate:
                    delay = sent / rate - (time.monotonic() - t0)
                    if delay > 0 and hub._stopping.wait(delay):
                        raise _Abort()


def _parse_commit_body(body: bytes) -> tuple[dict[str, Any], list[_CommitAdd | _CommitDelete]]:
    """The NDJSON body of ``POST .../commit/{rev}``: a header line, then one operation per line."""
    header: dict[str, Any] | None = None
    operations: list[_CommitAdd | _CommitDelete] = []
    for number, line in enumerate(body.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError:
            raise _RequestError(400, f"Invalid NDJSON commit payload (line {number})") from None
        if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
            raise _RequestError(400, f"Invalid commit payload line {number}: expected {{'key': ..., 'value': {{...}}}}")
        key, value = item.get("key"), item["value"]
        if key == "header":
            if header is not None or operations:
                raise _RequestError(400, "The commit header must come first, once")
            summary = value.get("summary")
            if not isinstance(summary, str) or not summary.strip():
                raise _RequestError(400, "A commit summary (commit message) is required")
            header = value
            continue
        if header is None:
            raise _RequestError(400, "The first line of a commit payload must be its header")
        if key == "file":
            path = _validate_commit_path(value.get("path"))
            content, encoding = value.get("content"), value.get("encoding", "base64")
            if not isinstance(content, str):
                raise _RequestError(400, f"Missing content for {path}")
            if encoding == "base64":
                try:
                    data = base64.b64decode(content, validate=True)
                except (binascii.Error, ValueError):
                    raise _RequestError(400, f"Invalid base64 content for {path}") from None
            elif encoding in {"utf-8", "utf8"}:
                data = content.encode("utf-8")
            else:
                raise _RequestError(400, f"Unsupported encoding {encoding!r} for {path}")
            operations.append(_CommitAdd(path, data=data))
        elif key == "lfsFile":
            path = _validate_commit_path(value.get("path"))
            oid, size = value.get("oid"), value.get("size")
            if value.get("algo", "sha256") != "sha256" or not isinstance(oid, str) or not SHA256_RE.match(oid):
                raise _RequestError(400, f"Invalid LFS oid for {path}: expected a sha256")
            if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
                raise _RequestError(400, f"Invalid LFS size for {path}: {size!r}")
            operations.append(_CommitAdd(path, oid=oid, size=size))
        elif key in {"deletedFile", "deletedFolder"}:
            raw = value.get("path")
            if key == "deletedFolder" and isinstance(raw, str):
                raw = raw.rstrip("/")
            operations.append(_CommitDelete(_validate_commit_path(raw), folder=key == "deletedFolder"))
        else:
            raise _RequestError(400, f"Unknown commit operation {key!r} (line {number})")
    if header is None:
        raise _RequestError(400, "Empty commit payload: a header line is required")
    return header, operations


def _match_lfs_path(segments: list[str]) -> tuple[str, str, list[str]] | None:
    """``[datasets/]{repo_id}.git/info/lfs/objects/<action...>`` -> (repo_type, repo_id, action segments)."""
    repo_type = "model"
    if segments and segments[0] == "datasets":
        repo_type, segments = "dataset", segments[1:]
    for idx in (0, 1):  # repo ids are "name" or "org/name"
        if (
            len(segments) > idx + 4
            and segments[idx].endswith(".git")
            and segments[idx + 1 : idx + 4] == ["info", "lfs", "objects"]
        ):
            repo_id = "/".join(unquote(s) for s in segments[: idx + 1])[: -len(".git")]
            return repo_type, repo_id, segments[idx + 4 :]
    return None


def _tag_matches(filter_value: str, tags: set[str]) -> bool:
    """``language:fa`` matches tag ``fa`` (models) and ``fa`` matches ``language:fa`` (datasets), like the Hub UI."""
    if filter_value in tags:
        return True
    if ":" in filter_value:
        key, value = filter_value.split(":", 1)
        return key == "language" and value in tags
    return f"language:{filter_value}" in tags


def _sort_value(repo: Repo, key: str) -> Any:
    props = repo.properties()
    value = props.get(key)
    if value is None:
        return "" if key in {"lastModified", "createdAt"} else 0
    return value


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _parse_range(header: str, size: int) -> tuple[int, int] | None:
    """Parse a single ``bytes=`` range. Returns inclusive (start, end) or None if unsatisfiable."""
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return (0, size - 1) if size else None
    first, _, last = spec.strip().partition("-")
    if first == "":  # suffix range: last N bytes
        n = int(last)
        return (max(size - n, 0), size - 1) if n > 0 and size > 0 else None
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size or end < start:
        return None
    return start, min(end, size - 1)


# --------------------------------------------------------------------------------------------------------------------
# Server
# --------------------------------------------------------------------------------------------------------------------


class _HubHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Don't join handler threads on close: the client's pooled keep-alive connections would block stop().
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], hub: HubServer) -> None:
        self.hub = hub
        super().__init__(address, _HubRequestHandler)


class HubServer:
    """Threaded fake Hub serving ``root/{models,datasets}/<org>/<name>/``.

    Knobs (plain attributes, may be changed while the server runs):

    * ``throttle_bytes_per_sec``: slow file bodies down (progress / cancel / kill tests).
    * ``fail_after_bytes`` + ``fail_times``: drop the connection after N body bytes of a file response, for the
      next ``fail_times`` responses longer than N (``None`` = every time). Used to test resume.
    * ``hold_after_bytes``: a file response longer than this stops there (``holding`` is set) until
      :meth:`release` — a download that is certainly mid-file, whatever the machine's speed.
    * ``ignore_range``: answer a Range request with the whole file and 200, as some proxies and mirrors do.
    * ``page_size``: paginate list/tree endpoints with a ``Link: <...>; rel="next"`` header.
    * ``valid_token``: the only bearer token accepted for private/gated repos, whoami and every write.

    Writes (see the module docstring) change the repo folders on disk; ``root/.lfs-objects/`` and
    ``root/.upload-staging/`` are the server's own bookkeeping, outside every repo.

    Observability: ``bytes_sent`` (file key -> bytes written, see :meth:`file_key`), ``total_bytes_sent``,
    ``requests`` (list of :class:`RequestRecord`).
    """

    valid_token: str = "hf_dastyar_test_token_123"
    user_name: str = "tester"

    def __init__(
        self,
        root: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        throttle_bytes_per_sec: float | None = None,
        fail_after_bytes: int | None = None,
        fail_times: int | None = 1,
        page_size: int | None = None,
        valid_token: str | None = None,
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.port = port
        self.throttle_bytes_per_sec = throttle_bytes_per_sec
        self.fail_after_bytes = fail_after_bytes
        self.fail_times = fail_times
        self.page_size = page_size
        if valid_token is not None:
            self.valid_token = valid_token
        self.bytes_sent: dict[str, int] = {}
        # Faults for the next file GETs, one per response, in order: "500" (an error), "stall" (no answer for
        # ``stall_seconds``), "drop" (connection cut halfway through the body), "corrupt" (one byte flipped).
        self.faults: list[str] = []
        self.stall_seconds: float = 5.0
        self.ignore_range = False
        self.hold_after_bytes: int | None = None
        self.holding = threading.Event()
        self._released = threading.Event()
        self.requests: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._repo_cache: dict[tuple[str, str], tuple[Any, Repo]] = {}
        self._write_lock = threading.RLock()  # one repo creation / commit / repo load at a time
        self._lfs_tickets: dict[str, tuple[str, str, str, int]] = {}  # upload ticket -> (type, repo_id, oid, size)
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _HubHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def start(self) -> str:
        if self._httpd is not None:
            return self.url
        self._stopping.clear()
        self._httpd = _HubHTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        # Short poll interval: shutdown() waits for it, and tests start/stop servers often.
        self._thread = threading.Thread(
            target=functools.partial(self._httpd.serve_forever, poll_interval=0.05), name="test-hub-server", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # aborts throttled transfers promptly
        self._httpd.shutdown()
        self._httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:  # unblock handler threads waiting on idle keep-alive connections
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> HubServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- repos -------------------------------------------------------------------------------------------------------

    def _repo_folder(self, repo_type: str, repo_id: str) -> Path:
        return self.root / f"{repo_type}s" / repo_id

    def get_repo(self, repo_type: str, repo_id: str) -> Repo | None:
        """Load (or reuse) a repo; re-hashed only when a file changed on disk (=> new commit sha)."""
        if not repo_id or ".." in repo_id.split("/") or repo_id.count("/") > 1:
            return None
        folder = self._repo_folder(repo_type, repo_id)
        # Under the write lock: a request never sees half of a commit being applied (see _apply_commit).
        with self._write_lock:
            if not folder.is_dir():
                return None
            meta = folder / META_FILENAME
            signature = (
                tuple((rel, size, mtime) for rel, _p, size, mtime in _scan_files(folder)),
                meta.stat().st_mtime_ns if meta.is_file() else None,
            )
            key = (repo_type, repo_id)
            with self._lock:
                cached = self._repo_cache.get(key)
            if cached is not None and cached[0] == signature:
                return cached[1]
            repo = load_repo(repo_type, repo_id, folder)
            with self._lock:
                self._repo_cache[key] = (signature, repo)
            return repo

    def invalidate(self, repo_type: str, repo_id: str) -> None:
        """Forget the cached repo: the next request re-reads the folder (commits call this)."""
        with self._lock:
            self._repo_cache.pop((repo_type, repo_id), None)

    @property
    def lfs_store(self) -> Path:
        """Uploaded LFS objects (``<sha256>`` files) that no commit has moved into a repo yet."""
        return self.root / LFS_STORE_DIRNAME

    def lfs_object_path(self, oid: str) -> Path:
        return self.lfs_store / oid

    def all_repos(self, repo_type: str) -> list[Repo]:
        base = self.root / f"{repo_type}s"
        if not base.is_dir():
            return []
        repos = []
        for child in sorted(base.iterdir()):
            if not child.is_dir():
                continue
            # A folder is either a single-segment repo (has files) or an org containing repos.
            candidates = [child.name] if any(p.is_file() for p in child.iterdir()) else []
            candidates += [f"{child.name}/{sub.name}" for sub in sorted(child.iterdir()) if sub.is_dir()]
            for repo_id in candidates:
                repo = self.get_repo(repo_type, repo_id)
                if repo is not None and repo.files:
                    repos.append(repo)
        return repos

    def repo_commit(self, repo_id: str, repo_type: str = "model") -> str:
        repo = self.get_repo(repo_type, repo_id)
        if repo is None:
            raise KeyError(f"{repo_type} {repo_id} not found under {self.root}")
        return repo.commit

    # -- observability ----------------------------------------------------------------------------------------------

    @staticmethod
    def file_key(repo_id: str, path: str, repo_type: str = "model") -> str:
        """Key used in ``bytes_sent``: ``models/<repo_id>/<path>`` or ``datasets/<repo_id>/<path>``."""
        return f"{repo_type}s/{repo_id}/{path}"

    def sent(self, repo_id: str, path: str, repo_type: str = "model") -> int:
        with self._lock:
            return self.bytes_sent.get(self.file_key(repo_id, path, repo_type), 0)

    @property
    def total_bytes_sent(self) -> int:
        with self._lock:
            return sum(self.bytes_sent.values())

    def reset_stats(self) -> None:
        with self._lock:
            self.bytes_sent.clear()
            self.requests.clear()

    def requests_matching(self, method: str | None = None, path_contains: str = "") -> list[RequestRecord]:
        with self._lock:
            return [r for r in self.requests if (method is None or r.method == method) and path_contains in r.path]

    @staticmethod
    def wait_for(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.01) -> bool:
        """Poll ``predicate`` until true or timeout; handy for 'wait until the download has started' in tests."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()

    # -- internals used by the handler ---------------------------------------------------------------------------

    def _log_request(self, record: RequestRecord) -> None:
        with self._lock:
            self.requests.append(record)

    def _count_bytes(self, key: str, n: int) -> None:
        with self._lock:
            self.bytes_sent[key] = self.bytes_sent.get(key, 0) + n

    def _next_fault(self) -> str | None:
        with self._lock:
            return self.faults.pop(0) if self.faults else None

    def release(self) -> None:
        """Let held responses go on (and hold no more)."""
        self.hold_after_bytes = None
        self._released.set()

    def reset_hold(self) -> None:
        self.hold_after_bytes = None
        self.holding.clear()
        self._released.clear()

    def _claim_failure(self, length: int) -> int | None:
        """Decide whether this response gets cut, consuming one of ``fail_times``."""
        with self._lock:
            limit = self.fail_after_bytes
            if limit is None or length <= limit:
                return None
            if self.fail_times is not None:
                if self.fail_times <= 0:
                    return None
                self.fail_times -= 1
            return limit

    def _staging_dir(self) -> Path:
        staging = self.root / STAGING_DIRNAME  # same filesystem as the repos: renames out of it are atomic
        staging.mkdir(parents=True, exist_ok=True)
        return staging

    def _find_lfs_object(self, repo: Repo, oid: str) -> tuple[Path, bool] | None:
        """Where an LFS object is: (path, True) in the upload store, (path, False) as a file of ``repo``."""
        stored = self.lfs_object_path(oid)
        if stored.is_file():
            return stored, True
        for entry in repo.files.values():
            if entry.sha256 == oid and entry.abspath.is_file():
                return entry.abspath, False
        return None

    def _new_lfs_ticket(self, repo_type: str, repo_id: str, oid: str, size: int) -> str:
        ticket = secrets.token_urlsafe(24)
        with self._lock:
            self._lfs_tickets[ticket] = (repo_type, repo_id, oid, size)
        return ticket

    def _lfs_ticket(self, ticket: str) -> tuple[str, str, str, int] | None:
        with self._lock:
            return self._lfs_tickets.get(ticket)

    def _use_lfs_ticket(self, ticket: str) -> None:
        with self._lock:
            self._lfs_tickets.pop(ticket, None)

    def _track_connection(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)


def env_for(server: HubServer) -> dict[str, str]:
    """Environment for a *subprocess* that must talk to ``server`` (huggingface_hub reads these at import time)."""
    return {
        "HF_ENDPOINT": server.url,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
        "HF_HUB_OFFLINE": "0",
        "NO_PROXY": "127.0.0.1,localhost",
    }


__all__ = ["HubServer", "Repo", "RepoFileEntry", "RequestRecord", "env_for", "git_blob_sha1", "load_repo"]
