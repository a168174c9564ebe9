"""The catalog is complete: both languages, same placeholders, and every key the code uses exists."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.i18n import Catalog, CatalogError, CatalogTranslator, locale_for, placeholders

ROOT = Path(__file__).resolve().parents[2]
KEY_USE = re.compile(r"""\b(?:t|raw)\(\s*["']([a-z][a-z0-9_]*(?:\.[a-z0-9_-]+)+)["']""")
COMMAND_KEY = re.compile(r"""key=["'](cmd(?:\.[a-z0-9_-]+)+)["']""")
LITERAL_KEY = re.compile(r"^[a-z]+(?:\.[a-z0-9_]+)+$")
#: Literals shaped like keys that are not: file names, and prefixes completed at run time.
NOT_KEYS = (".toml", ".png", ".ics", ".json", "_")
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def test_every_entry_has_both_languages_with_the_same_placeholders(catalog: Catalog) -> None:
    assert catalog.all_keys(), "the catalog is empty"
    for key in catalog.all_keys():
        ko, en = catalog.raw(key, "ko"), catalog.raw(key, "en")
        assert ko.strip(), key
        assert en.strip(), key
        assert placeholders(ko) == placeholders(en), key


def test_every_key_used_in_code_exists(catalog: Catalog) -> None:
    """Every string literal in the code that looks like a catalog key (``prefix.part...`` with a
    prefix the catalog uses) must exist: keys passed to t(), UserError(), notices.tell_once(), ..."""
    prefixes = {key.split(".", 1)[0] for key in catalog.all_keys()}
    used: set[str] = set()
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("cogs").rglob("*.py")]:
        if "rehearsal" in path.parts and path.name != "run.py":
            continue
        text = path.read_text("utf-8")
        used.update(KEY_USE.findall(text))
        used.update(COMMAND_KEY.findall(text))
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and LITERAL_KEY.match(node.value)
                and node.value.split(".", 1)[0] in prefixes
                and not node.value.endswith(NOT_KEYS)
            ):
                used.add(node.value)
    assert len(used) > 100, "few catalog keys found in the code: the scan is broken"
    missing = sorted(key for key in used if not catalog.has(key))
    assert not missing, missing


def test_command_names_are_valid_discord_names(catalog: Catalog) -> None:
    names = [key for key in catalog.all_keys() if key.startswith("cmd.") and key.endswith(".name")]
    assert names
    for key in names:
        for locale in ("ko", "en"):
            name = catalog.raw(key, locale)
            assert COMMAND_NAME.match(name), (key, locale, name)
            assert name == name.lower(), (key, locale, name)


def test_placeholders_are_filled_after_choosing_the_language(catalog: Catalog) -> None:
    text = catalog.t("errors.unexpected", "ko", error_id="abc123")
    assert "abc123" in text
    assert "{" not in text
    assert catalog.t("errors.unexpected", "en-US", error_id="x").startswith("Something went wrong")


def test_locale_mapping() -> None:
    assert locale_for(discord.Locale.korean) == "ko"
    assert locale_for(discord.Locale.american_english) == "en"
    assert locale_for(discord.Locale.japanese) == "en"
    assert locale_for("ko") == "ko"


def test_bad_catalog_files_are_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('"x.y" = { ko = "only korean" }\n', "utf-8")
    with pytest.raises(CatalogError, match="needs exactly the keys ko and en"):
        Catalog.load(tmp_path)
    (tmp_path / "a.toml").write_text('"x.y" = { ko = "k", en = "e" }\n', "utf-8")
    (tmp_path / "b.toml").write_text('"x.y" = { ko = "k", en = "e" }\n', "utf-8")
    with pytest.raises(CatalogError, match="defined twice"):
        Catalog.load(tmp_path)


async def test_translator_gives_korean_command_names(catalog: Catalog) -> None:
    translator = CatalogTranslator(catalog)
    name = app_commands.locale_str("about", key="cmd.about.name")
    context = app_commands.TranslationContext(
        location=app_commands.TranslationContextLocation.command_name, data=None
    )
    assert await translator.translate(name, discord.Locale.korean, context) == "행사정보"
    assert await translator.translate(name, discord.Locale.british_english, context) is None


def test_a_catalog_read_on_first_use_reads_its_files_then(tmp_path: Path) -> None:
    # The running bot's catalog: its files are read when the first text is asked for (after READY).
    (tmp_path / "a.toml").write_text('"x.y" = { ko = "케이", en = "e" }\n', "utf-8")
    catalog = Catalog.on_first_use(tmp_path)
    (tmp_path / "a.toml").write_text('"x.y" = { ko = "나중", en = "later {n}" }\n', "utf-8")
    assert catalog.t("x.y", "en", n=1) == "later 1"
    assert catalog.t("x.y", "ko") == "나중"
    (tmp_path / "b.toml").write_text('"x.y" = { ko = "k", en = "e" }\n', "utf-8")
    with pytest.raises(CatalogError, match="defined twice"):
        Catalog.on_first_use(tmp_path).has("x.y")
