"""Checks for text that users and moderators type into commands."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError

#: Control characters (C0 but newline and tab, DEL, C1) and invisible formatting: zero-width characters,
#: bidi embeddings/overrides/isolates (which can reorder how a text displays), word joiners, BOM.
INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]"
)


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def clip(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, with an ellipsis when it was cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + "…"


def clean_text(text: str, *, max_length: int, min_length: int = 1) -> str:
    """Normalise user text: NFC, no control or bidi characters, trimmed; raise a localised error
    when it is empty or longer than ``max_length`` (Discord's limits are in characters)."""
    cleaned = strip_invisible(unicodedata.normalize("NFC", text)).strip()
    if len(cleaned) < min_length:
        raise UserError("errors.text_empty")
    if len(cleaned) > max_length:
        raise UserError("errors.text_too_long", length=len(cleaned), limit=max_length)
    return cleaned
