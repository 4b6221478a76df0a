"""One settings object, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(default=PROJECT_ROOT / "data", validation_alias="DASTYAR_DATA_DIR")
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    hf_endpoint: str = Field(default="https://huggingface.co", validation_alias="HF_ENDPOINT")
    hf_token: SecretStr | None = Field(default=None, validation_alias="HF_TOKEN")
    hf_home: Path | None = Field(default=None, validation_alias="HF_HOME")
    assistant_llm: str | None = Field(default=None, validation_alias="ASSISTANT_LLM")
    assistant_llm_base_url: str | None = Field(default=None, validation_alias="ASSISTANT_LLM_BASE_URL")
    # Seconds the LLM server may stay silent (before its answer starts, or between two streamed pieces of it); then
    # the offline router answers. Not retried: a server that hung once is not waited for twice.
    llm_timeout_seconds: float = Field(default=60.0, gt=0, validation_alias="ASSISTANT_LLM_TIMEOUT")
    # Further tries after a rate limit (429) or a server error (5xx), each after a short wait (the server's
    # Retry-After when it is a few seconds; a longer one is not waited out in a chat).
    llm_retries: int = Field(default=1, ge=0, le=5, validation_alias="ASSISTANT_LLM_RETRIES")
    host: str = Field(default="127.0.0.1", validation_alias="DASTYAR_HOST")
    # Sign-in mode: "local" (the person at this machine, no form; loopback only), "password" (accounts) or "header"
    # (a reverse proxy that signs people in says who they are).
    auth: str = Field(default="local", validation_alias="DASTYAR_AUTH")
    # DASTYAR_AUTH=header: the reverse proxy's header that names the signed-in person, honoured only on connections
    # from DASTYAR_TRUSTED_PROXIES (addresses or networks, comma-separated; their X-Forwarded-For/-Proto are believed
    # in every mode), and the names that are admins.
    auth_header: str = Field(default="X-Forwarded-User", validation_alias="DASTYAR_AUTH_HEADER")
    trusted_proxies: str = Field(default="127.0.0.1,::1", validation_alias="DASTYAR_TRUSTED_PROXIES")
    admins: str = Field(default="", validation_alias="DASTYAR_ADMINS")
    # DASTYAR_AUTH=password or header: hours a sign-in lasts.
    session_hours: float = Field(default=12.0, gt=0, le=24 * 90, validation_alias="DASTYAR_SESSION_HOURS")
    # Host names the server answers to besides the loopback names (comma-separated; e.g. dastyar.example.org).
    allowed_hosts: str = Field(default="", validation_alias="DASTYAR_ALLOWED_HOSTS")
    # Exact origins of web sites allowed to embed the chat (comma-separated; never "*").
    widget_origins: str = Field(default="", validation_alias="DASTYAR_WIDGET_ORIGINS")
    # Key of the widget's access tokens, shared with the host site's backend that mints them (at least 32
    # characters). Unset: one is made and kept in the data directory (`dastyar widget-token` uses it).
    widget_secret: SecretStr | None = Field(default=None, validation_alias="DASTYAR_WIDGET_SECRET")
    # The longest lifetime a widget token may claim, in hours (a leaked token is worth little for long).
    widget_token_max_hours: float = Field(default=24.0, gt=0, le=24 * 30, validation_alias="DASTYAR_WIDGET_TOKEN_MAX_HOURS")
    # Visitors of an embedding site without a token: off unless set; then limited to these tools and this rate.
    widget_anonymous: bool = Field(default=False, validation_alias="DASTYAR_WIDGET_ANONYMOUS")
    widget_tools: str = Field(default="help,search_models,search_datasets,model_info,catalog,speak",
                              validation_alias="DASTYAR_WIDGET_TOOLS")
    widget_rate_per_minute: int = Field(default=10, ge=1, le=10_000, validation_alias="DASTYAR_WIDGET_RATE")
    port: int = Field(default=8000, validation_alias="DASTYAR_PORT")
    max_concurrent_jobs: int = Field(default=2, validation_alias="DASTYAR_MAX_JOBS")
    # Downloads larger than this ask for a yes first.
    confirm_download_bytes: int = Field(default=2 * 1024**3, validation_alias="DASTYAR_CONFIRM_DOWNLOAD_BYTES")
    # Where long work runs: "local" (threads and child processes of this server) or "ray" (tasks and Ray Train runs on
    # the Ray cluster at RAY_ADDRESS; unset: a Ray instance started on this machine). The Job table stays the truth.
    job_backend: Literal["local", "ray"] = Field(default="local", validation_alias="DASTYAR_JOB_BACKEND")
    ray_address: str | None = Field(default=None, validation_alias="RAY_ADDRESS")
    # Training on the cluster: how often Ray Train restarts a run whose worker or node was lost (from the last
    # complete checkpoint) before the job fails.
    ray_max_failures: int = Field(default=2, ge=0, le=100, validation_alias="DASTYAR_RAY_MAX_FAILURES")
    # Seconds a child process gets to honour a cancel request before it is killed.
    cancel_grace_seconds: float = Field(default=10.0, validation_alias="DASTYAR_CANCEL_GRACE")
    # Training: CPU threads of a job (None: all cores) and the largest uploaded data file it accepts.
    train_threads: int | None = Field(default=None, ge=1, validation_alias="DASTYAR_TRAIN_THREADS")
    train_max_file_mb: float = Field(default=1024.0, gt=0, validation_alias="DASTYAR_TRAIN_MAX_FILE_MB")
    # Folders (os.pathsep-separated) whose files people may name in the chat, besides the data dir and the HF cache.
    file_roots: str = Field(default="", validation_alias="DASTYAR_FILE_ROOTS")
    # Hub mirrors on private, link-local or reserved addresses (a mirror inside a company network): off by default.
    mirror_allow_private: bool = Field(default=False, validation_alias="DASTYAR_MIRROR_ALLOW_PRIVATE")
    # Below this calibrated probability the offline router asks which of the two likeliest actions was meant
    # (0: never asks, above 1: always asks).
    router_confidence: float = Field(default=0.5, ge=0, validation_alias="DASTYAR_ROUTER_CONFIDENCE")
    # The router's second opinion from a pretrained sentence encoder (agents/encoder.py) on messages its word
    # features are unsure of; off: word features alone (the model is then built without it).
    router_encoder: bool = Field(default=True, validation_alias="DASTYAR_ROUTER_ENCODER")
    # The timezone times are read and shown in («فردا ساعت ۱۰», a schedule's time, job times): an IANA name.
    timezone: str = Field(default="Asia/Tehran", validation_alias="DASTYAR_TIMEZONE")
    # Seconds between the background samples of CPU, memory, disk, GPU and queue behind `/status`'s chart.
    sample_seconds: float = Field(default=30.0, gt=0, validation_alias="DASTYAR_SAMPLE_SECONDS")
    # A bearer token that may read `/metrics` (Prometheus); without it only an admin's session may.
    metrics_token: SecretStr | None = Field(default=None, validation_alias="DASTYAR_METRICS_TOKEN")
    # Where the trained intent model is kept (rebuilt when the corpus or the code changes).
    cache_dir: Path = Field(default=PROJECT_ROOT / ".cache", validation_alias="DASTYAR_CACHE_DIR")
    # Speech. STT: a faster-whisper size ("small"), a Hub repo id or a local CTranslate2 folder; language "fa" or "auto".
    stt_model: str = Field(default="small", validation_alias="DASTYAR_STT_MODEL")
    stt_language: str = Field(default="fa", validation_alias="DASTYAR_STT_LANGUAGE")
    stt_device: str = Field(default="auto", validation_alias="DASTYAR_STT_DEVICE")  # auto | cpu | cuda
    stt_beam_size: int = Field(default=5, ge=1, le=10, validation_alias="DASTYAR_STT_BEAM_SIZE")
    stt_temperature_fallback: bool = Field(default=True, validation_alias="DASTYAR_STT_FALLBACK")
    # The languages DASTYAR_STT_LANGUAGE=auto may choose from (Whisper codes, comma-separated).
    stt_languages: str = Field(default="fa,en", validation_alias="DASTYAR_STT_LANGUAGES")
    # Suppress every token that writes a script other than Persian/Arabic, ASCII Latin, digits and punctuation.
    stt_restrict_scripts: bool = Field(default=True, validation_alias="DASTYAR_STT_RESTRICT_SCRIPTS")
    # No token n-gram twice in a window (0: off). Persian is ~3.1 Whisper tokens a word: small n blocks real text.
    stt_no_repeat_ngram: int = Field(default=20, ge=0, le=448, validation_alias="DASTYAR_STT_NO_REPEAT_NGRAM")
    # Wall-time budget of one recognition: MIN + FACTOR × audio seconds; then the segments so far are returned.
    stt_time_limit_factor: float = Field(default=4.0, gt=0, validation_alias="DASTYAR_STT_TIME_FACTOR")
    stt_time_limit_min: float = Field(default=30.0, ge=0, validation_alias="DASTYAR_STT_TIME_MIN")
    stt_inline_seconds: float = Field(default=30.0, validation_alias="DASTYAR_STT_INLINE_SECONDS")  # longer: a job
    stt_max_seconds: float = Field(default=3 * 3600.0, validation_alias="DASTYAR_STT_MAX_SECONDS")
    vad_silence_ms: int = Field(default=800, ge=200, le=5000, validation_alias="DASTYAR_VAD_SILENCE_MS")
    # TTS: auto (MMS when installed, else espeak-ng) | mms | espeak.
    tts_engine: str = Field(default="auto", validation_alias="DASTYAR_TTS_ENGINE")
    tts_mms_model: str = Field(default="facebook/mms-tts-fas", validation_alias="DASTYAR_TTS_MMS_MODEL")
    tts_max_chars: int = Field(default=2000, ge=10, validation_alias="DASTYAR_TTS_MAX_CHARS")

    @property
    def db_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants "postgresql".
            if url.startswith("postgres://"):
                url = "postgresql://" + url[len("postgres://") :]
            return url
        return f"sqlite:///{(self.data_dir / 'dastyar.db').resolve()}"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)


class SettingsError(ValueError):
    """A setting in the environment or `.env` has a value of the wrong kind; the message names it, not its value
    (the value could be a secret)."""

    def __init__(self, names: list[str]) -> None:
        from prompts import t

        self.names = names
        self.user_message = t("errors.bad_settings", names="، ".join(names))
        super().__init__(f"invalid settings: {', '.join(names)}")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        raise SettingsError(sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})) from None
    settings.ensure_dirs()
    return settings


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
