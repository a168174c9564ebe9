"""Process settings from the environment (and ``./.env``). Secrets live only here, never in config files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.config import default_config_path

DEFAULT_DISCORD_API_BASE = "https://discord.com/api/v10"
DEFAULT_DISCORD_GATEWAY_URL = "wss://gateway.discord.gg"
DEFAULT_YOUTUBE_API_BASE = "https://youtube.googleapis.com"
DEFAULT_YOUTUBE_FEED_BASE = "https://www.youtube.com"


class Secret:
    """A string that never shows itself in repr/str/logs."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


@dataclass(frozen=True)
class Settings:
    discord_token: Secret = field(default_factory=lambda: Secret(""))
    youtube_api_key: Secret = field(default_factory=lambda: Secret(""))
    discord_api_base: str = DEFAULT_DISCORD_API_BASE
    discord_gateway_url: str = DEFAULT_DISCORD_GATEWAY_URL
    youtube_api_base: str = DEFAULT_YOUTUBE_API_BASE
    youtube_feed_base: str = DEFAULT_YOUTUBE_FEED_BASE
    config_path: Path = field(default_factory=default_config_path)
    data_dir: Path = Path("data")

    @classmethod
    def from_env(
        cls, environ: Mapping[str, str] | None = None, *, dotenv: Path | None = Path(".env")
    ) -> Settings:
        """Read the process environment; ``./.env`` fills in what the environment does not set."""
        values: dict[str, str] = {}
        if dotenv is not None and dotenv.is_file():
            values.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str, default: str) -> str:
            value = values.get(name, "").strip()
            return value or default

        config = get("CCEI_CONFIG", "")
        return cls(
            discord_token=Secret(get("DISCORD_TOKEN", "")),
            youtube_api_key=Secret(get("YOUTUBE_API_KEY", "")),
            discord_api_base=get("DISCORD_API_BASE", DEFAULT_DISCORD_API_BASE).rstrip("/"),
            discord_gateway_url=get("DISCORD_GATEWAY_URL", DEFAULT_DISCORD_GATEWAY_URL),
            youtube_api_base=get("YOUTUBE_API_BASE", DEFAULT_YOUTUBE_API_BASE).rstrip("/"),
            youtube_feed_base=get("YOUTUBE_FEED_BASE", DEFAULT_YOUTUBE_FEED_BASE).rstrip("/"),
            config_path=Path(config) if config else default_config_path(),
            data_dir=Path(get("CCEI_DATA_DIR", "data")),
        )
