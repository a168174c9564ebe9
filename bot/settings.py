"""Process settings from the environment (and ``./.env``). Secrets live only here, never in config files.

pydantic-settings reads them: the same validation as the config models, and ``SecretStr`` keeps the
token and key out of every repr, log line and error message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.config import default_config_path

DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL = "wss://gateway.discord.gg"
DEFAULT_YOUTUBE_API_BASE = "https://youtube.googleapis.com"
DEFAULT_YOUTUBE_FEED_BASE = "https://www.youtube.com"


class Settings(BaseSettings):
    """What the process needs from its environment. Built directly, it holds exactly what is passed
    (tests and the rehearsal); :meth:`from_env` reads ``DISCORD_TOKEN``, ``CCEI_DATA_DIR``, ..."""

    model_config = SettingsConfigDict(
        frozen=True,
        populate_by_name=True,
        env_ignore_empty=True,
        str_strip_whitespace=True,
        extra="ignore",
    )

    discord_token: SecretStr = SecretStr("")
    youtube_api_key: SecretStr = SecretStr("")
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    discord_gateway_url: str = DEFAULT_DISCORD_GATEWAY_URL
    youtube_api_base: str = DEFAULT_YOUTUBE_API_BASE
    youtube_feed_base: str = DEFAULT_YOUTUBE_FEED_BASE
    config_path: Path = Field(default_factory=default_config_path, validation_alias="CCEI_CONFIG")
    data_dir: Path = Field(default=Path("data"), validation_alias="CCEI_DATA_DIR")
    #: Override ``[ops] http_port`` / ``http_host`` (the container image turns the endpoint on).
    http_port: int | None = Field(default=None, ge=0, le=65535, validation_alias="CCEI_HTTP_PORT")
    http_host: str | None = Field(default=None, validation_alias="CCEI_HTTP_HOST")
    log_format: Literal["text", "json"] = Field(default="text", validation_alias="CCEI_LOG_FORMAT")
    #: Benchmarks only: sample the event loop's lag and write it to this file at exit (bot.lagprobe).
    lag_probe: Path | None = Field(default=None, validation_alias="CCEI_LAG_PROBE")

    @field_validator("discord_api_base", "youtube_api_base", "youtube_feed_base")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Built in code: only what the caller passed, so a test never picks up the developer's token.
        return (init_settings,)

    @classmethod
    def from_env(cls, *, dotenv: Path | None = Path(".env")) -> Settings:
        """The process environment; ``dotenv`` (``./.env``) fills in what the environment leaves unset."""
        options: dict[str, Any] = {
            "_env_file": dotenv if dotenv is not None and dotenv.is_file() else None
        }
        return _FromEnvironment(**options)


class _FromEnvironment(Settings):
    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, dotenv_settings)
