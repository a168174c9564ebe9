"""Process settings from the environment (and ``./.env``). Secrets live only here, never in config files.

The same validator as the config (:mod:`bot.schema`) reads the variables, and :class:`SecretStr` keeps
the token and key out of every repr, log line and error message.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal

from bot.config import default_config_path
from bot.schema import Parse, Range, SchemaError, validate

DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL = "wss://gateway.discord.gg"
DEFAULT_YOUTUBE_API_BASE = "https://youtube.googleapis.com"
DEFAULT_YOUTUBE_FEED_BASE = "https://www.youtube.com"


class SecretStr:
    """A secret that shows itself only through :meth:`get_secret_value`; false when empty."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr({str(self)!r})"

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretStr) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


_NO_SECRET = SecretStr("")


def _secret(value: object) -> SecretStr:
    if not isinstance(value, str):
        raise ValueError("expected text")
    return SecretStr(value)


class SettingsError(Exception):
    """Environment variables that cannot be used: one ``NAME: problem`` line each."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True, slots=True)
class Settings:
    """What the process needs from its environment. Built directly, it holds exactly what is passed
    (tests and the rehearsal); :meth:`from_env` reads ``DISCORD_TOKEN``, ``CCEI_DATA_DIR``, ..."""

    discord_token: Annotated[SecretStr, Parse(_secret)] = _NO_SECRET
    youtube_api_key: Annotated[SecretStr, Parse(_secret)] = _NO_SECRET
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    discord_gateway_url: str = DEFAULT_DISCORD_GATEWAY_URL
    youtube_api_base: str = DEFAULT_YOUTUBE_API_BASE
    youtube_feed_base: str = DEFAULT_YOUTUBE_FEED_BASE
    config_path: Path = field(default_factory=default_config_path)
    data_dir: Path = Path("data")
    #: Override ``[ops] http_port`` / ``http_host`` (the container image turns the endpoint on).
    http_port: Annotated[int, Range(ge=0, le=65535)] | None = None
    http_host: str | None = None
    log_format: Literal["text", "json"] = "text"
    #: Benchmarks only: sample the event loop's lag and write it to this file at exit (bot.lagprobe).
    lag_probe: Path | None = None

    def __post_init__(self) -> None:
        # Built in code or read from the environment: base URLs never end in '/'.
        for name in ("discord_api_base", "youtube_api_base", "youtube_feed_base"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))

    @classmethod
    def from_env(cls, *, dotenv: Path | None = Path(".env")) -> Settings:
        """The process environment; ``dotenv`` (``./.env``) fills in what the environment leaves
        unset. Empty values count as unset. Raises :class:`SettingsError` naming each bad variable."""
        from_file: dict[str, str | None] = {}
        if dotenv is not None and dotenv.is_file():
            from dotenv import dotenv_values

            from_file = dotenv_values(dotenv, encoding="utf-8")
        data = {}
        for name, variable in ENVIRONMENT.items():
            value = (os.environ.get(variable) or "").strip() or (
                from_file.get(variable) or ""
            ).strip()
            if value:
                data[name] = value
        try:
            return validate(cls, data)
        except SchemaError as error:
            raise SettingsError(
                [f"{ENVIRONMENT[key]}: {message}" for key, message in error.problems]
            ) from None


#: Settings field → the environment variable that sets it.
ENVIRONMENT = {
    "discord_token": "DISCORD_TOKEN",
    "youtube_api_key": "YOUTUBE_API_KEY",
    "discord_api_base": "DISCORD_API_BASE",
    "discord_gateway_url": "DISCORD_GATEWAY_URL",
    "youtube_api_base": "YOUTUBE_API_BASE",
    "youtube_feed_base": "YOUTUBE_FEED_BASE",
    "config_path": "CCEI_CONFIG",
    "data_dir": "CCEI_DATA_DIR",
    "http_port": "CCEI_HTTP_PORT",
    "http_host": "CCEI_HTTP_HOST",
    "log_format": "CCEI_LOG_FORMAT",
    "lag_probe": "CCEI_LAG_PROBE",
}
