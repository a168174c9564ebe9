"""The current FAQ as the ``config/faq.toml`` file moderators commit back (``/admin faq export``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.config import FaqEntry

__all__ = ["export_toml"]


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _toml_list(items: Sequence[str]) -> str:
    return "[" + ", ".join(_toml_string(item) for item in items) + "]"


def export_toml(
    entries: Sequence[FaqEntry],
    synonyms: Mapping[str, Sequence[str]] | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """``config/faq.toml`` content that loads back unchanged: the event's ``[faq_synonyms]`` and the
    entries as ``[[faq]]`` tables."""
    lines = ["# FAQ entries exported by /admin faq export."]
    if now is not None:
        lines.append(
            f"# Exported {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC; commit as config/faq.toml."
        )
    if synonyms:
        lines += ["", "[faq_synonyms]"]
        lines += [
            f"{_toml_string(word)} = {_toml_list(list(also))}" for word, also in synonyms.items()
        ]
    for entry in entries:
        lines += [
            "",
            "[[faq]]",
            f"id = {_toml_string(entry.id)}",
            f"question = {{ ko = {_toml_string(entry.question.ko)}, en = {_toml_string(entry.question.en)} }}",
            f"answer = {{ ko = {_toml_string(entry.answer.ko)}, en = {_toml_string(entry.answer.en)} }}",
            f"keywords = {{ ko = {_toml_list(entry.keywords.ko)}, en = {_toml_list(entry.keywords.en)} }}",
        ]
    return "\n".join(lines) + "\n"
