"""Message storage, Discord's message limits, and mention resolution.

The store keeps the current state of every message (edits applied, deletions removed) and logs each
create/edit/delete in the recorder. Limits follow Discord's documented values so a renderer that
overflows them fails here as it would in production.
"""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.errors import DiscordError, field_error
from bot.rehearsal.discord_standin.recording import RecordedFile, Recorder
from bot.rehearsal.discord_standin.world import (
    DM_CHANNEL,
    JSON,
    StandInChannel,
    StandInUser,
    World,
    iso,
    perms,
)

EPHEMERAL = 1 << 6
LOADING = 1 << 7
IS_COMPONENTS_V2 = 1 << 15

#: How long Discord remembers a message's nonce for ``enforce_nonce`` ("the past few minutes").
NONCE_WINDOW = timedelta(minutes=5)

CONTENT_LIMIT = 2000
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_TOTAL_LIMIT = 6000

_USER_MENTION = re.compile(r"<@!?(\d+)>")
_ROLE_MENTION = re.compile(r"<@&(\d+)>")
_EVERYONE = re.compile(r"@(everyone|here)")

Dispatch = Callable[[str, JSON], None]


def _too_long(path: str, limit: int) -> dict[str, Any]:
    return field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _embed_errors(index: int, embed: JSON) -> tuple[list[dict[str, Any]], int]:
    """Errors for one embed and its character count toward the 6000 total."""
    found: list[dict[str, Any]] = []
    size = 0
    prefix = f"embeds.{index}"
    for key, limit in EMBED_LIMITS.items():
        text = str(embed.get(key) or "")
        size += len(text)
        if len(text) > limit:
            found.append(_too_long(f"{prefix}.{key}", limit))
    footer = str((embed.get("footer") or {}).get("text") or "")
    author = str((embed.get("author") or {}).get("name") or "")
    size += len(footer) + len(author)
    if len(footer) > 2048:
        found.append(_too_long(f"{prefix}.footer.text", 2048))
    if len(author) > 256:
        found.append(_too_long(f"{prefix}.author.name", 256))
    fields = embed.get("fields") or []
    if len(fields) > 25:
        found.append(_too_long(f"{prefix}.fields", 25))
    for n, item in enumerate(fields):
        for key, limit in (("name", 256), ("value", 1024)):
            text = str(item.get(key) or "")
            size += len(text)
            if not text:
                found.append(
                    field_error(
                        f"{prefix}.fields.{n}.{key}", "BASE_TYPE_REQUIRED", "This field is required"
                    )
                )
            elif len(text) > limit:
                found.append(_too_long(f"{prefix}.fields.{n}.{key}", limit))
    return found, size


def check_message_body(body: JSON) -> None:
    """Raise 400 Invalid Form Body for anything Discord would reject in a message payload."""
    found: list[dict[str, Any]] = []
    content = body.get("content")
    if content is not None and len(str(content)) > CONTENT_LIMIT:
        found.append(_too_long("content", CONTENT_LIMIT))
    embeds = body.get("embeds") or []
    if len(embeds) > 10:
        found.append(_too_long("embeds", 10))
    total = 0
    for index, embed in enumerate(embeds):
        embed_found, size = _embed_errors(index, embed)
        found.extend(embed_found)
        total += size
    if total > EMBED_TOTAL_LIMIT:
        found.append(
            field_error(
                "embeds", "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
            )
        )
    flags = int(body.get("flags") or 0)
    components = body.get("components") or []
    if not flags & IS_COMPONENTS_V2 and len(components) > 5:
        found.append(_too_long("components", 5))
    allowed = body.get("allowed_mentions")
    if isinstance(allowed, dict):
        parse = allowed.get("parse") or []
        for kind in ("users", "roles"):
            if kind in parse and allowed.get(kind):
                found.append(
                    field_error(
                        f"allowed_mentions.{kind}",
                        "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                        f'parse:["{kind}"] and {kind}: [ids...] are mutually exclusive.',
                    )
                )
    if found:
        raise errors.invalid_form_body(errors.merge_errors(found))


_COMPONENT_DEFAULTS: dict[int, JSON] = {
    3: {"min_values": 1, "max_values": 1},
    5: {"min_values": 1, "max_values": 1},
    6: {"min_values": 1, "max_values": 1},
    7: {"min_values": 1, "max_values": 1},
    8: {"min_values": 1, "max_values": 1},
    11: {"description": None, "spoiler": False},
    13: {"spoiler": False},
    14: {"spacing": 1, "divider": True},
    17: {"accent_color": None, "spoiler": False},
}


def normalise_components(components: list[JSON]) -> list[JSON]:
    """Components as Discord echoes them: every one numbered (`id`), defaults filled in."""
    result = copy.deepcopy(components)
    counter = 0

    def walk(items: list[JSON]) -> None:
        nonlocal counter
        for item in items:
            counter += 1
            item.setdefault("id", counter)
            for key, value in _COMPONENT_DEFAULTS.get(int(item.get("type", 0)), {}).items():
                item.setdefault(key, value)
            walk(list(item.get("components") or []))
            for key in ("accessory", "component"):
                if isinstance(item.get(key), dict):
                    walk([item[key]])

    walk(result)
    return result


def is_empty(message: JSON) -> bool:
    return not (
        str(message.get("content") or "").strip()
        or message.get("embeds")
        or message.get("attachments")
        or message.get("components")
        or message.get("sticker_ids")
        or message.get("sticker_items")
        or message.get("poll")
    )


class MessageStore:
    """Current state of all messages, keyed by id, plus per-channel order."""

    def __init__(
        self,
        world: World,
        recorder: Recorder,
        snowflake: Callable[[], int],
        clock: Callable[[], datetime],
        dispatch: Dispatch,
        attachment_base: Callable[[], str],
    ) -> None:
        self._world = world
        self._recorder = recorder
        self._snowflake = snowflake
        self._clock = clock
        self._dispatch = dispatch
        self._attachment_base = attachment_base
        self._messages: dict[int, JSON] = {}
        self._by_channel: dict[int, list[int]] = defaultdict(list)
        self.allowed_mentions: dict[int, Any] = {}
        self.attachment_files: dict[int, RecordedFile] = {}
        #: (author id, nonce) -> (message id, created at) for ``enforce_nonce``.
        self._nonces: dict[tuple[int, str], tuple[int, datetime]] = {}
        self.nonce_window = NONCE_WINDOW
        #: How many creates were answered with an earlier message (a repeat of its nonce).
        self.nonce_replays = 0

    # ---------------------------------------------------------------- reading
    def get(self, message_id: int) -> JSON | None:
        return self._messages.get(int(message_id))

    def require(self, message_id: int, channel_id: int | None = None) -> JSON:
        message = self.get(message_id)
        if message is None or (channel_id is not None and int(message["channel_id"]) != channel_id):
            raise errors.unknown("Message", errors.UNKNOWN_MESSAGE)
        return message

    def in_channel(self, channel_id: int) -> list[JSON]:
        return [self._messages[mid] for mid in self._by_channel.get(channel_id, [])]

    # ---------------------------------------------------------------- writing
    def create(
        self,
        channel: StandInChannel,
        author: StandInUser,
        body: JSON,
        files: Sequence[RecordedFile] = (),
        *,
        message_type: int = 0,
        webhook_id: int | None = None,
        extra: JSON | None = None,
        flags: int | None = None,
        allow_empty: bool = False,
    ) -> JSON:
        """Validate, store, log and dispatch a new message; returns the stored dict.

        With ``enforce_nonce``, a nonce this author used within ``nonce_window`` returns that
        message instead (nothing new is created or dispatched), as Discord does.
        """
        check_message_body(body)
        replayed = self._replay(author, body)
        if replayed is not None:
            return replayed
        message_id = self._snowflake()
        mentions, roles, everyone = self._resolve_mentions(channel, author, body)
        message: JSON = {
            "id": str(message_id),
            "channel_id": str(channel.id),
            "author": author.payload(),
            "content": str(body.get("content") or ""),
            "timestamp": iso(self._clock()),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": everyone,
            "mentions": mentions,
            "mention_roles": roles,
            "attachments": self._attachments(channel.id, body, files, existing=[]),
            "embeds": [self._normalise_embed(e) for e in body.get("embeds") or []],
            "components": normalise_components(body.get("components") or []),
            "pinned": False,
            "type": message_type,
            "flags": int(body.get("flags") or 0) if flags is None else flags,
        }
        if body.get("nonce") is not None:
            message["nonce"] = body["nonce"]
            self._nonces[(author.id, str(body["nonce"]))] = (message_id, self._clock())
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(webhook_id)
        reference = body.get("message_reference")
        if isinstance(reference, dict) and reference.get("message_id"):
            referenced = self.get(int(reference["message_id"]))
            message["type"] = 19
            message["message_reference"] = {
                "type": 0,
                "message_id": str(reference["message_id"]),
                "channel_id": str(channel.id),
                **({"guild_id": str(channel.guild_id)} if channel.guild_id else {}),
            }
            message["referenced_message"] = copy.deepcopy(referenced)
        if extra:
            message.update(extra)
        if is_empty(message) and not allow_empty:
            raise DiscordError(400, 50006, "Cannot send an empty message")
        self._messages[message_id] = message
        self._by_channel[channel.id].append(message_id)
        self.allowed_mentions[message_id] = copy.deepcopy(body.get("allowed_mentions"))
        channel.last_message_id = message_id
        self._recorder.log_message("create", message)
        self._dispatch_message("MESSAGE_CREATE", channel, message)
        return message

    def _replay(self, author: StandInUser, body: JSON) -> JSON | None:
        """The message ``author`` created recently with this nonce, when the body enforces it.

        Raises 404 Unknown Message when that message was deleted since (discord.py documents
        this answer for a nonce "explicitly deleted shortly earlier").
        """
        nonce = body.get("nonce")
        if nonce is None or not body.get("enforce_nonce"):
            return None
        earlier = self._nonces.get((author.id, str(nonce)))
        if earlier is None or self._clock() - earlier[1] > self.nonce_window:
            return None
        self.nonce_replays += 1
        message = self.get(earlier[0])
        if message is None:
            raise errors.unknown("Message", errors.UNKNOWN_MESSAGE)
        return message

    def edit(
        self,
        message_id: int,
        body: JSON,
        files: Sequence[RecordedFile] = (),
        *,
        flags: int | None = None,
    ) -> JSON:
        message = self.require(message_id)
        check_message_body(body)
        channel = self._world.channel(int(message["channel_id"]))
        updated = copy.deepcopy(message)
        if "content" in body:
            updated["content"] = str(body["content"] or "")
        if "embeds" in body:
            updated["embeds"] = [self._normalise_embed(e) for e in body["embeds"] or []]
        if "components" in body:
            updated["components"] = normalise_components(body["components"] or [])
        if "flags" in body and body["flags"] is not None:
            # Only SUPPRESS_EMBEDS can be toggled on edit; keep the others.
            updated["flags"] = (updated["flags"] & ~4) | (int(body["flags"]) & 4)
        if flags is not None:
            updated["flags"] = flags
        if "attachments" in body or files:
            updated["attachments"] = self._attachments(
                channel.id, body, files, existing=message["attachments"]
            )
        if "content" in body or "allowed_mentions" in body:
            author = self._world.user(int(message["author"]["id"]))
            mention_body = {
                "content": updated["content"],
                "allowed_mentions": body.get("allowed_mentions"),
            }
            if "allowed_mentions" in body:
                self.allowed_mentions[int(message_id)] = copy.deepcopy(body["allowed_mentions"])
            else:
                mention_body["allowed_mentions"] = self.allowed_mentions.get(int(message_id))
            mentions, roles, everyone = self._resolve_mentions(channel, author, mention_body)
            updated.update(mentions=mentions, mention_roles=roles, mention_everyone=everyone)
        if is_empty(updated):
            raise DiscordError(400, 50006, "Cannot send an empty message")
        updated["edited_timestamp"] = iso(self._clock())
        self._messages[int(message_id)] = updated
        self._recorder.log_message("edit", updated)
        self._dispatch_message("MESSAGE_UPDATE", channel, updated)
        return updated

    def delete(self, message_id: int, *, dispatch: bool = True) -> None:
        message = self.require(message_id)
        channel_id = int(message["channel_id"])
        del self._messages[int(message_id)]
        self._by_channel[channel_id].remove(int(message_id))
        self._recorder.log_message("delete", message)
        if message["flags"] & EPHEMERAL or not dispatch:
            return
        channel = self._world.find_channel(channel_id)
        data: JSON = {"id": message["id"], "channel_id": message["channel_id"]}
        if channel is not None and channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
        self._dispatch("MESSAGE_DELETE", data)

    # ---------------------------------------------------------------- helpers
    def _dispatch_message(self, event: str, channel: StandInChannel, message: JSON) -> None:
        if message["flags"] & EPHEMERAL:
            return  # ephemeral messages never reach the gateway
        data = copy.deepcopy(message)
        if channel.guild_id is not None:
            data["guild_id"] = str(channel.guild_id)
            guild = self._world.guild(channel.guild_id)
            author_id = int(message["author"]["id"])
            if author_id in guild.members and "webhook_id" not in message:
                data["member"] = self._world.member_payload(guild, author_id, with_user=False)
        self._dispatch(event, data)

    def _normalise_embed(self, embed: JSON) -> JSON:
        data = copy.deepcopy(embed)
        data.setdefault("type", "rich")
        data.setdefault("content_scan_version", 0)
        return data

    def _attachments(
        self,
        channel_id: int,
        body: JSON,
        files: Sequence[RecordedFile],
        *,
        existing: list[JSON],
    ) -> list[JSON]:
        """Existing attachments kept by id, plus one attachment per uploaded file."""
        requested = body.get("attachments")
        kept: list[JSON] = []
        described: dict[int, JSON] = {}
        if requested is None:
            kept = copy.deepcopy(existing)
        else:
            existing_by_id = {int(a["id"]): a for a in existing}
            for item in requested:
                item_id = int(item.get("id", -1))
                if item_id in existing_by_id:
                    kept.append(copy.deepcopy(existing_by_id[item_id]))
                else:
                    described[item_id] = item
        for index, upload in enumerate(files):
            match = re.fullmatch(r"files\[(\d+)\]", upload.field)
            file_index = int(match.group(1)) if match else index
            meta = described.get(file_index, {})
            attachment_id = self._snowflake()
            filename = str(meta.get("filename") or upload.filename)
            url = f"{self._attachment_base()}/{channel_id}/{attachment_id}/{filename}"
            attachment: JSON = {
                "id": str(attachment_id),
                "filename": filename,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
                "content_type": upload.content_type or "application/octet-stream",
            }
            if meta.get("description"):
                attachment["description"] = meta["description"]
            self.attachment_files[attachment_id] = upload
            kept.append(attachment)
        return kept

    def _resolve_mentions(
        self, channel: StandInChannel, author: StandInUser, body: JSON
    ) -> tuple[list[JSON], list[str], bool]:
        """Who actually gets pinged: mentions in content filtered through allowed_mentions.

        Without allowed_mentions Discord parses users, roles and @everyone. A role ping also needs
        the role to be mentionable or the author to have Mention Everyone; so does @everyone.
        """
        content = str(body.get("content") or "")
        allowed = body.get("allowed_mentions")
        if not isinstance(allowed, dict):
            allowed = {"parse": ["users", "roles", "everyone"]}
        parse = set(allowed.get("parse") or [])
        allowed_users = {int(u) for u in allowed.get("users") or []}
        allowed_roles = {int(r) for r in allowed.get("roles") or []}
        guild = self._world.guilds.get(channel.guild_id) if channel.guild_id else None
        can_mention_everyone = channel.type != DM_CHANNEL and bool(
            self._world.channel_permissions(channel, author.id) & perms("mention_everyone")
        )

        users: list[JSON] = []
        for raw in dict.fromkeys(_USER_MENTION.findall(content)):
            user_id = int(raw)
            user = self._world.find_user(user_id)
            if user is None or not ("users" in parse or user_id in allowed_users):
                continue
            payload = user.payload()
            if guild is not None and user_id in guild.members:
                payload["member"] = self._world.member_payload(guild, user_id, with_user=False)
            users.append(payload)
        roles: list[str] = []
        if guild is not None:
            for raw in dict.fromkeys(_ROLE_MENTION.findall(content)):
                role = guild.roles.get(int(raw))
                if role is None or not ("roles" in parse or role.id in allowed_roles):
                    continue
                if role.mentionable or can_mention_everyone:
                    roles.append(str(role.id))
        everyone = bool(_EVERYONE.search(content)) and "everyone" in parse and can_mention_everyone
        return users, roles, everyone


def message_text(message: JSON) -> str:
    """Content, embed text and components-v2 text displays of a message, one part per line."""
    parts: list[str] = [str(message.get("content") or "")]
    for embed in message.get("embeds") or []:
        parts += [str((embed.get("author") or {}).get("name") or "")]
        parts += [str(embed.get("title") or ""), str(embed.get("description") or "")]
        for item in embed.get("fields") or []:
            parts += [str(item.get("name") or ""), str(item.get("value") or "")]
        parts.append(str((embed.get("footer") or {}).get("text") or ""))

    def walk(components: list[JSON]) -> None:
        for component in components:
            if component.get("type") == 10:
                parts.append(str(component.get("content") or ""))
            walk(list(component.get("components") or []))
            if isinstance(component.get("accessory"), dict):
                walk([component["accessory"]])

    walk(list(message.get("components") or []))
    return "\n".join(p for p in parts if p)


def describe_message(message: JSON, channel_name: str) -> str:
    """One line for a transcript: where, who, flags, then the text and component labels."""
    author = message["author"].get("global_name") or message["author"]["username"]
    flags = int(message.get("flags") or 0)
    tags = [t for bit, t in ((EPHEMERAL, "ephemeral"), (LOADING, "thinking")) if flags & bit]
    labels: list[str] = []

    def walk(components: list[JSON]) -> None:
        for component in components:
            if component.get("label"):
                labels.append(str(component["label"]))
            walk(list(component.get("components") or []))

    walk(list(message.get("components") or []))
    text = message_text(message).replace("\n", " / ")
    parts = [f"#{channel_name}", f"{author}:", *(f"[{t}]" for t in tags), text]
    if labels:
        parts.append("[" + " | ".join(labels) + "]")
    if message.get("attachments"):
        parts.append("[files: " + ", ".join(a["filename"] for a in message["attachments"]) + "]")
    return " ".join(p for p in parts if p)
