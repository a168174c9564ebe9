from __future__ import annotations

import tomllib
from pathlib import Path

from bot.config import Config, FaqEntry, load_config
from bot.schema import validate
from cogs.faq._export import export_toml

from .conftest import EVENT_MORNING, ROOT


def test_export_round_trips(config: Config) -> None:
    tricky = validate(
        FaqEntry,
        {
            "id": "tricky",
            "question": {"ko": 'Quote " and \\ backslash', "en": "Tab\there"},
            "answer": {"ko": "줄\n바꿈 {start} ''' \"\"\" \x7f", "en": "emoji 🎉 and {braces}"},
            "keywords": {"ko": ["a,b", "키워드"], "en": []},
        },
    )
    entries = [*config.faq, tricky]
    text = export_toml(entries, {'"따옴표"': ["a\\b"]}, now=EVENT_MORNING)
    parsed = tomllib.loads(text)
    back = [validate(FaqEntry, item) for item in parsed["faq"]]
    assert back == entries
    assert parsed["faq_synonyms"] == {'"따옴표"': ["a\\b"]}


def test_exported_file_loads_as_the_config_include(tmp_path: Path, config: Config) -> None:
    """Committing the export as config/faq.toml keeps the entries and the event's synonyms."""
    source = ROOT / "config"
    (tmp_path / "event.toml").write_text((source / "event.toml").read_text("utf-8"), "utf-8")
    (tmp_path / "faq.toml").write_text(export_toml(config.faq, config.faq_synonyms), "utf-8")
    loaded = load_config(tmp_path / "event.toml")
    assert loaded.faq == config.faq
    assert loaded.faq_synonyms == config.faq_synonyms
    assert loaded.faq_synonyms  # the shipped config has them
