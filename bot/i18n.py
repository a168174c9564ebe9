"""The message catalog: stable keys, named placeholders, Korean and English.

Catalog files are TOML under ``bot/locales/`` (one per feature area), each entry a table with ``ko`` and
``en``::

    "about.title" = { ko = "행사 안내", en = "About the event" }

Placeholders are ``{name}`` and are filled *after* the text is chosen, so translations may reorder them.
Slash-command names and descriptions are localised through :class:`CatalogTranslator` using keys passed in
``locale_str(..., key="cmd....")``.
"""

from __future__ import annotations

import string
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from bot.config import LOCALES, Locale

LOCALES_DIR = Path(__file__).resolve().parent / "locales"


def locale_for(value: discord.Locale | str | None) -> Locale:
    """Korean for Korean clients, English for everyone else."""
    if value is None:
        return "ko"
    text = value.value if isinstance(value, discord.Locale) else str(value)
    return "ko" if text.lower().startswith("ko") else "en"


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class CatalogError(Exception):
    pass


class Catalog:
    def __init__(
        self,
        entries: Mapping[str, Mapping[Locale, str]] | None = None,
        *,
        directory: Path = LOCALES_DIR,
    ) -> None:
        """``entries``, or (``None``) the files in ``directory``, read when a text is first asked for."""
        self._loaded = dict(entries) if entries is not None else None
        self._directory = directory

    @classmethod
    def load(cls, directory: Path = LOCALES_DIR) -> Catalog:
        return cls(_read_catalog(directory))

    @classmethod
    def on_first_use(cls, directory: Path = LOCALES_DIR) -> Catalog:
        """The catalog, read when a text is first asked for: the bot's first texts come after
        READY, so reading its files (~15 ms of TOML) is not on the way there."""
        return cls(directory=directory)

    @property
    def _entries(self) -> Mapping[str, Mapping[Locale, str]]:
        if self._loaded is None:
            self._loaded = _read_catalog(self._directory)
        return self._loaded

    def all_keys(self) -> list[str]:
        return sorted(self._entries)

    def raw(self, key: str, locale: Locale) -> str:
        try:
            return self._entries[key][locale]
        except KeyError:
            raise KeyError(f"missing catalog key {key!r}") from None

    def t(self, key: str, locale: Locale | str, /, **values: object) -> str:
        """The text for ``key`` in ``locale`` with its placeholders filled."""
        text = self.raw(key, locale_for(locale))
        return text.format(**values) if values or "{" in text else text

    def has(self, key: str) -> bool:
        return key in self._entries


def _read_catalog(directory: Path) -> dict[str, Mapping[Locale, str]]:
    entries: dict[str, Mapping[Locale, str]] = {}
    for path in sorted(directory.glob("*.toml")):
        data: dict[str, Any] = tomllib.loads(path.read_text("utf-8"))
        for key, value in data.items():
            if key in entries:
                raise CatalogError(f"{path.name}: key {key!r} is defined twice")
            if not isinstance(value, dict) or set(value) != set(LOCALES):
                raise CatalogError(f"{path.name}: {key!r} needs exactly the keys ko and en")
            entries[key] = {"ko": str(value["ko"]), "en": str(value["en"])}
    return entries


class CatalogTranslator(app_commands.Translator):
    """Localises command names/descriptions whose ``locale_str`` carries ``key=...``."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        # Asked for every string in each of Discord's ~30 locales (the command hash, a sync): the
        # locale decides first.
        if locale is not discord.Locale.korean:
            return None
        key = string.extras.get("key")
        if not key:
            return None
        if not self.catalog.has(key):
            return None
        return self.catalog.raw(key, "ko")
