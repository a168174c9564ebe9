"""What a feature hands the outbox: a message as plain data, and the marker that finds it again.

A :class:`Draft` is stored with the intent (JSON), so a message whose POST was cut short by a crash
can be sent again by the next process without the feature that built it.

Where the marker lives. Discord returns a message's nonce only in the answer to the POST (and in
MESSAGE_CREATE), never in channel history, so after a crash the message can only be recognised by
something in its visible payload. Nothing invisible survives for every kind of message: an embed's
url shows only under a title, a component's custom id needs a button, zero-width characters are
fragile and end up in what readers copy. So the marker is a short code (six characters) in the
smallest text Discord has: the end of the last embed's footer (``… · k4q7xm``) when the message has
an embed, else a subtext line (``-# k4q7xm``) under the content. The same code appears in the log
lines about that message, so an operator can match a post to its history.
"""

from __future__ import annotations

import base64
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import discord

from bot.mentions import NO_MENTIONS
from bot.text import clip

CONTENT_LIMIT = 2000
FOOTER_LIMIT = 2048
_FOOTER_SEPARATOR = " · "
_SUBTEXT = "-# "


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Draft:
    """One message to post: content, embeds, files, and the mentions it may ping (always explicit)."""

    content: str = ""
    embeds: tuple[discord.Embed, ...] = ()
    files: tuple[Attachment, ...] = ()
    mentions: discord.AllowedMentions = field(default=NO_MENTIONS)

    @classmethod
    def of(
        cls,
        content: str = "",
        *,
        mentions: discord.AllowedMentions,
        embeds: Sequence[discord.Embed] = (),
        files: Sequence[Attachment] = (),
    ) -> Draft:
        """A draft; ``mentions`` has no default here, so every caller says who may be pinged."""
        return cls(content, tuple(embeds), tuple(files), mentions)

    def same_as(self, other: Draft) -> bool:
        """Whether both show the same message (embeds and mentions compare by their JSON)."""
        return self.to_json() == other.to_json()

    # -- the marker --------------------------------------------------------------------------------

    def marked(self, marker: str) -> Draft:
        """This draft with ``marker`` in its last embed's footer, or as a subtext line."""
        if self.embeds:
            *rest, last = self.embeds
            tagged = last.copy()
            footer = tagged.footer.text or ""
            room = FOOTER_LIMIT - len(_FOOTER_SEPARATOR) - len(marker)
            text = f"{clip(footer, room)}{_FOOTER_SEPARATOR}{marker}" if footer else marker
            tagged.set_footer(text=text, icon_url=tagged.footer.icon_url)
            return Draft(self.content, (*rest, tagged), self.files, self.mentions)
        line = _SUBTEXT + marker
        body = clip(self.content, CONTENT_LIMIT - len(line) - 1)
        return Draft(f"{body}\n{line}" if body else line, (), self.files, self.mentions)

    # -- Discord -----------------------------------------------------------------------------------

    def send_options(self) -> dict[str, Any]:
        """Keyword arguments for ``Messageable.send`` (fresh file objects on every call)."""
        return {
            "content": self.content or None,
            "embeds": list(self.embeds),
            "files": [discord.File(io.BytesIO(f.data), filename=f.filename) for f in self.files],
            "allowed_mentions": self.mentions,
        }

    def edit_options(self) -> dict[str, Any]:
        """Keyword arguments for ``PartialMessage.edit``; attachments are kept unless replaced."""
        options: dict[str, Any] = {
            "content": self.content or None,
            "embeds": list(self.embeds),
            "allowed_mentions": self.mentions,
        }
        if self.files:
            options["attachments"] = self.send_options()["files"]
        return options

    # -- storage -----------------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "content": self.content,
                "embeds": [embed.to_dict() for embed in self.embeds],
                "files": [
                    {"filename": f.filename, "data": base64.b64encode(f.data).decode("ascii")}
                    for f in self.files
                ],
                "mentions": self.mentions.to_dict(),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        return cls(
            str(data.get("content") or ""),
            tuple(discord.Embed.from_dict(e) for e in data.get("embeds") or []),
            tuple(
                Attachment(str(f["filename"]), base64.b64decode(f["data"]))
                for f in data.get("files") or []
            ),
            mentions_from_dict(data.get("mentions") or {}),
        )


def mentions_from_dict(data: dict[str, Any]) -> discord.AllowedMentions:
    """The inverse of ``AllowedMentions.to_dict`` (Discord's ``allowed_mentions`` JSON)."""
    parse = set(data.get("parse") or [])

    def targets(kind: str) -> bool | list[discord.Object]:
        if kind in parse:
            return True
        if kind not in data:
            return False
        return [discord.Object(id=int(i)) for i in data[kind]]

    return discord.AllowedMentions(
        everyone="everyone" in parse,
        users=targets("users"),
        roles=targets("roles"),
        replied_user=bool(data.get("replied_user", False)),
    )


def carries_marker(content: str, footers: Sequence[str], marker: str) -> bool:
    """Whether a message (its content and embed footers) carries ``marker`` as placed by
    :meth:`Draft.marked`; a marker quoted inside someone's text does not count."""
    if not marker:
        return False
    if content.rstrip().rsplit("\n", 1)[-1] == _SUBTEXT + marker:
        return True
    ending = re.compile(rf"(?:^|{re.escape(_FOOTER_SEPARATOR)}){re.escape(marker)}$")
    return any(ending.search(footer.rstrip()) for footer in footers)
