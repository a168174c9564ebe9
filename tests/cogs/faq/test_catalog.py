"""Every text the FAQ feature shows exists in both languages with the same placeholders."""

from __future__ import annotations

import re
import tomllib

from bot.i18n import Catalog, placeholders

from .conftest import ROOT

FAQ_CATALOG = ROOT / "bot" / "locales" / "faq.toml"
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")


def test_faq_catalog_is_complete() -> None:
    data = tomllib.loads(FAQ_CATALOG.read_text("utf-8"))
    assert len(data) > 40
    for key, value in data.items():
        assert set(value) == {"ko", "en"}, key
        assert placeholders(value["ko"]) == placeholders(value["en"]), key
        if key.startswith("cmd.") and key.endswith(".name"):
            for name in value.values():
                assert COMMAND_NAME.match(name), (key, name)
                assert name == name.lower(), (key, name)


def test_keys_used_by_the_feature_exist(catalog: Catalog) -> None:
    used: set[str] = set()
    for path in (ROOT / "cogs" / "faq").glob("*.py"):
        used.update(
            re.findall(r"""["']((?:faq|ask|questions)\.[a-z_.]+)["']""", path.read_text("utf-8"))
        )
    used = {key for key in used if not key.endswith(".toml")}  # file names, not keys
    assert "faq.no_match" in used
    assert sorted(key for key in used if not catalog.has(key)) == []
