"""Settings come from the environment, with ./.env filling in; secrets never show themselves."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import default_config_path
from bot.settings import SecretStr, Settings, SettingsError

VARIABLES = (
    "DISCORD_TOKEN",
    "YOUTUBE_API_KEY",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "YOUTUBE_API_BASE",
    "YOUTUBE_FEED_BASE",
    "CCEI_CONFIG",
    "CCEI_DATA_DIR",
    "CCEI_LAG_PROBE",
    "CCEI_HTTP_PORT",
    "CCEI_HTTP_HOST",
    "CCEI_LOG_FORMAT",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_environment_overrides_dotenv_and_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "DISCORD_TOKEN=from-dotenv\nYOUTUBE_API_KEY=key-from-dotenv\nCCEI_DATA_DIR=/srv/ccei\n",
        "utf-8",
    )
    monkeypatch.setenv("DISCORD_TOKEN", "from-environment")
    settings = Settings.from_env(dotenv=dotenv)
    assert settings.discord_token.get_secret_value() == "from-environment"
    assert settings.youtube_api_key.get_secret_value() == "key-from-dotenv"
    assert settings.data_dir == Path("/srv/ccei")
    assert settings.discord_api_base == "https://discord.com/api/v10"
    assert settings.discord_gateway_url == "wss://gateway.discord.gg"
    assert settings.youtube_api_base == "https://youtube.googleapis.com"
    assert settings.youtube_feed_base == "https://www.youtube.com"
    assert settings.config_path == default_config_path()
    assert settings.lag_probe is None  # the benchmarks' lag probe is off unless asked for


def test_bases_are_normalised_empty_values_ignored_and_secrets_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_API_BASE", " http://127.0.0.1:8080/api/v10/ ")
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret")
    monkeypatch.setenv("CCEI_CONFIG", "elsewhere/event.toml")
    monkeypatch.setenv("CCEI_DATA_DIR", "")
    monkeypatch.setenv("CCEI_LAG_PROBE", "/tmp/lag.json")
    settings = Settings.from_env(dotenv=None)
    assert settings.discord_api_base == "http://127.0.0.1:8080/api/v10"
    assert settings.config_path == Path("elsewhere/event.toml")
    assert settings.data_dir == Path("data")
    assert settings.lag_probe == Path("/tmp/lag.json")
    assert "very-secret" not in repr(settings)
    assert "very-secret" not in str(settings)
    assert "very-secret" not in str(settings.discord_token)


def test_settings_built_in_code_ignore_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "the-developers-own-token")
    assert Settings().discord_token.get_secret_value() == ""
    assert Settings(data_dir=Path("x")).data_dir == Path("x")


def test_typed_values_are_read_and_bad_ones_named_by_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CCEI_HTTP_PORT", " 8080 ")
    monkeypatch.setenv("CCEI_HTTP_HOST", "0.0.0.0")
    monkeypatch.setenv("CCEI_LOG_FORMAT", "json")
    settings = Settings.from_env(dotenv=None)
    assert (settings.http_port, settings.http_host, settings.log_format) == (
        8080,
        "0.0.0.0",
        "json",
    )
    monkeypatch.setenv("CCEI_HTTP_PORT", "abc")
    monkeypatch.setenv("CCEI_LOG_FORMAT", "xml")
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(dotenv=None)
    assert caught.value.problems == [
        "CCEI_HTTP_PORT: expected a whole number, got 'abc'",
        "CCEI_LOG_FORMAT: must be one of 'text', 'json', got 'xml'",
    ]
    monkeypatch.setenv("CCEI_HTTP_PORT", "70000")
    monkeypatch.delenv("CCEI_LOG_FORMAT")
    with pytest.raises(SettingsError, match=r"^CCEI_HTTP_PORT: must be between 0 and 65535"):
        Settings.from_env(dotenv=None)


def test_bases_built_in_code_lose_the_trailing_slash_too() -> None:
    settings = Settings(discord_api_base="http://127.0.0.1:9/api/", youtube_feed_base="http://x/")
    assert settings.discord_api_base == "http://127.0.0.1:9/api"
    assert settings.youtube_feed_base == "http://x"


def test_a_secret_compares_by_value_and_is_false_when_empty() -> None:
    assert SecretStr("a") == SecretStr("a") != SecretStr("b")
    assert len({SecretStr("a"), SecretStr("a")}) == 1
    assert not SecretStr("")
    assert SecretStr("a")
    assert repr(SecretStr("a")) == "SecretStr('**********')"
    assert str(SecretStr("")) == ""
