"""Checks for text that users and moderators type into commands.

No discord import at module level: pure logic (the FAQ matcher) uses :func:`strip_invisible` and
:func:`clip` and must stay importable without discord.py.
"""

from __future__ import annotations

import re
import unicodedata

#: Control characters (C0 but newline and tab, DEL, C1) and invisible formatting: zero-width characters,
#: bidi embeddings/overrides/isolates (which can reorder how a text displays), word joiners, BOM.
INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)
_MANY_NEWLINES = re.compile(r"\n{3,}")


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def clean_text(text: str, *, max_length: int | None = None, min_length: int = 1) -> str:
    """Normalise user text: NFC, line breaks as ``\\n`` (a bare ``\\r`` too, so lines do not join), no
    control or bidi characters, at most one blank line in a row, trimmed.

    Raises a localised :class:`~bot.errors.UserError` when it is shorter than ``min_length`` or
    longer than ``max_length`` (Discord's limits are in characters); pass ``min_length=0`` and no
    ``max_length`` to check the length yourself.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    cleaned = _MANY_NEWLINES.sub("\n\n", strip_invisible(text)).strip()
    if len(cleaned) < min_length or (max_length is not None and len(cleaned) > max_length):
        from bot.errors import UserError  # only on refusal: keeps this module free of discord

        if len(cleaned) < min_length:
            raise UserError("errors.text_empty")
        raise UserError("errors.text_too_long", length=len(cleaned), limit=max_length)
    return cleaned
