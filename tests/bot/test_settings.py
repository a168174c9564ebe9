"""Settings come from the environment, with ./.env filling in; secrets never show themselves."""

from __future__ import annotations

from pathlib import Path

from bot.config import default_config_path
from bot.settings import Settings


def test_environment_overrides_dotenv_and_defaults_apply(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DISCORD_TOKEN=from-dotenv\nYOUTUBE_API_KEY=key-from-dotenv\nCCEI_DATA_DIR=/srv/ccei\n",
        "utf-8",
    )
    settings = Settings.from_env({"DISCORD_TOKEN": "from-environment"}, dotenv=dotenv)
    assert settings.discord_token.reveal() == "from-environment"
    assert settings.youtube_api_key.reveal() == "key-from-dotenv"
    assert settings.data_dir == Path("/srv/ccei")
    assert settings.discord_api_base == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg"
    assert settings.youtube_api_base == "https://youtube.googleapis.com"
    assert settings.youtube_feed_base == "https://www.youtube.com"
    assert settings.config_path == default_config_path()


def test_bases_are_normalised_and_secrets_hidden() -> None:
    settings = Settings.from_env(
        {
            "DISCORD_API_BASE": "http://127.0.0.1:8080/api/v10/",
            "DISCORD_TOKEN": "very-secret",
            "CCEI_CONFIG": "elsewhere/event.toml",
        },
        dotenv=None,
    )
    assert settings.discord_api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.config_path == Path("elsewhere/event.toml")
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings.discord_token)
