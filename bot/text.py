"""Checks for text that users and moderators type into commands."""

from __future__ import annotations

import re
import unicodedata

from bot.errors import UserError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, *, max_length: int, min_length: int = 1) -> str:
    """Normalise user text: NFC, no control or bidi characters, trimmed; raise a localised error
    when it is empty or longer than ``max_length`` (Discord's limits are in characters)."""
    cleaned = _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()
    if len(cleaned) < min_length:
        raise UserError("errors.text_empty")
    if len(cleaned) > max_length:
        raise UserError("errors.text_too_long", length=len(cleaned), limit=max_length)
    return cleaned
