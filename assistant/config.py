"""One settings object, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

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
    host: str = Field(default="127.0.0.1", validation_alias="DASTYAR_HOST")
    port: int = Field(default=8000, validation_alias="DASTYAR_PORT")
    max_concurrent_jobs: int = Field(default=2, validation_alias="DASTYAR_MAX_JOBS")
    # Seconds a child process gets to honour a cancel request before it is killed.
    cancel_grace_seconds: float = Field(default=10.0, validation_alias="DASTYAR_CANCEL_GRACE")

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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    settings = Settings()
    settings.ensure_dirs()
    return settings


def reset_settings() -> None:
    """Forget cached settings (tests change the environment between cases)."""
    get_settings.cache_clear()
