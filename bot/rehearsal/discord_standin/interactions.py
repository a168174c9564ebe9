"""Interactions: building what a user's click or command sends, and answering the bot's replies.

`InteractionRegistry` builds INTERACTION_CREATE payloads (slash commands, autocomplete, component
clicks, modal submits) and serves the callback and follow-up webhook routes. Each injected
interaction gets an `InteractionHandle` for awaiting and inspecting the bot's answer.
"""

# The waiting API takes `timeout=` on purpose: tests read better than with asyncio.timeout.
# ruff: noqa: ASYNC109

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.commands import CommandStore
from bot.rehearsal.discord_standin.errors import DiscordError
from bot.rehearsal.discord_standin.messages import EPHEMERAL, LOADING, MessageStore, message_text
from bot.rehearsal.discord_standin.recording import Recorder
from bot.rehearsal.discord_standin.rest import RestCall, RestServer
from bot.rehearsal.discord_standin.world import JSON, StandInChannel, StandInUser, World

APPLICATION_COMMAND, MESSAGE_COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
# Callback types each interaction type may answer with.
_ALLOWED_CALLBACKS = {
    APPLICATION_COMMAND: {4, 5, 9},
    MESSAGE_COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}
# Message flags a reply may set: suppress embeds, ephemeral, silent, components v2.
_REPLY_FLAGS = 4 | EPHEMERAL | 4096 | (1 << 15)
_OPTION_TYPES_BY_PYTHON: tuple[tuple[type, int], ...] = ((bool, 5), (int, 4), (float, 10), (str, 3))
SELECT_TYPES = {3, 5, 6, 7, 8}


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    payload: JSON
    user_id: int
    channel_id: int
    created: float = field(default_factory=time.monotonic)
    source_message_id: int | None = None
    callback: JSON | None = None
    original_message_id: int | None = None
    followup_ids: list[int] = field(default_factory=list)
    deferred: bool = False
    opener: InteractionRecord | None = None  # modal submits: the interaction that opened it


def _find_component(components: list[JSON], custom_id: str) -> JSON | None:
    for component in components:
        if component.get("custom_id") == custom_id:
            return component
        children = list(component.get("components") or [])
        children += [component[k] for k in ("accessory", "component") if component.get(k)]
        found = _find_component(children, custom_id)
        if found is not None:
            return found
    return None


def _too_long(path: str, limit: int) -> DiscordError:
    return errors.invalid_form_body(
        errors.field_error(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")
    )


class InteractionRegistry:
    def __init__(
        self,
        world: World,
        messages: MessageStore,
        commands: CommandStore,
        recorder: Recorder,
        snowflake: Callable[[], int],
        deadline: float | None,
    ) -> None:
        self._world = world
        self._messages = messages
        self._commands = commands
        self._recorder = recorder
        self._snowflake = snowflake
        self.deadline = deadline
        self.records: dict[int, InteractionRecord] = {}
        self.modals: dict[str, tuple[JSON, InteractionRecord]] = {}

    # ------------------------------------------------------------ building
    def envelope(
        self,
        kind: int,
        user: StandInUser,
        channel: StandInChannel,
        data: JSON,
        locale: str | None,
        message: JSON | None = None,
    ) -> InteractionRecord:
        world = self._world
        interaction_id = self._snowflake()
        token = f"interaction-{interaction_id}"  # unlike the bot token, so a leak test can tell
        channel_data = world.channel_payload(channel)
        channel_data["permissions"] = str(world.channel_permissions(channel, user.id))
        payload: JSON = {
            "id": str(interaction_id),
            "application_id": str(world.application_id),
            "type": kind,
            "token": token,
            "version": 1,
            "data": data,
            "locale": locale or user.locale,
            "attachment_size_limit": 10 * 1024 * 1024,
            "entitlements": [],
            "entitlement_sku_ids": [],
            "app_permissions": str(world.channel_permissions(channel, world.bot_user.id)),
            "channel": channel_data,
            "channel_id": str(channel.id),
        }
        if channel.guild_id is not None:
            guild = world.guild(channel.guild_id)
            if user.id not in guild.members:
                raise ValueError(f"{user.username} is not a member of guild {guild.name!r}")
            member = world.member_payload(guild, user.id)
            member["permissions"] = channel_data["permissions"]
            payload.update(
                guild_id=str(guild.id),
                guild_locale=guild.preferred_locale,
                guild={"id": str(guild.id), "locale": guild.preferred_locale, "features": []},
                member=member,
                authorizing_integration_owners={"0": str(guild.id)},
                context=0,
            )
        else:
            payload.update(
                user=user.payload(), authorizing_integration_owners={"0": "0"}, context=1
            )
        if message is not None:
            payload["message"] = copy.deepcopy(message)
        record = InteractionRecord(interaction_id, token, kind, payload, user.id, channel.id)
        if message is not None:
            record.source_message_id = int(message["id"])
        self.records[interaction_id] = record
        return record

    def command(
        self,
        user: StandInUser,
        channel: StandInChannel,
        name: str,
        options: Mapping[str, Any],
        *,
        subcommand: str | None,
        group: str | None,
        locale: str | None,
        focused: str | None = None,
    ) -> InteractionRecord:
        """A slash command (type 2) or, with `focused`, an autocomplete request (type 4)."""
        registered = self._commands.find(name, channel.guild_id)
        schema = registered.get("options", []) if registered else None
        for level in (group, subcommand):
            if level is not None and schema is not None:
                parent = next((o for o in schema if o["name"] == level), None)
                schema = parent.get("options", []) if parent else None
        resolved: JSON = {}
        built = [
            self._option(name_, value, schema, channel, resolved, focused)
            for name_, value in options.items()
        ]
        if subcommand is not None:
            built = [{"type": 1, "name": subcommand, "options": built}]
        if group is not None:
            built = [{"type": 2, "name": group, "options": built}]
        data: JSON = {
            "id": registered["id"] if registered else str(self._snowflake()),
            "name": name,
            "type": 1,
            "options": built,
        }
        if registered and registered.get("guild_id"):
            data["guild_id"] = registered["guild_id"]
        if resolved:
            data["resolved"] = resolved
        kind = AUTOCOMPLETE if focused is not None else APPLICATION_COMMAND
        return self.envelope(kind, user, channel, data, locale)

    def _option(
        self,
        name: str,
        value: Any,
        schema: list[JSON] | None,
        channel: StandInChannel,
        resolved: JSON,
        focused: str | None,
    ) -> JSON:
        spec = next((o for o in schema or [] if o["name"] == name), None)
        if spec is not None:
            option_type = int(spec["type"])
        elif isinstance(value, StandInUser):
            option_type = 6
        else:
            option_type = next((t for py, t in _OPTION_TYPES_BY_PYTHON if isinstance(value, py)), 0)
            if not option_type:
                raise TypeError(f"cannot infer the option type of {name}={value!r}")
        if name != focused and option_type in (6, 7, 8, 9):
            value = self._resolve(option_type, value, channel, resolved)
        option: JSON = {"name": name, "type": option_type, "value": value}
        if name == focused:
            option["value"] = str(value)
            option["focused"] = True
        return option

    def _resolve(
        self, option_type: int, value: Any, channel: StandInChannel, resolved: JSON
    ) -> str:
        world = self._world
        guild = world.guilds.get(channel.guild_id) if channel.guild_id else None
        if option_type in (6, 9):
            try:
                user = world.user(value)
            except KeyError:
                if option_type == 6:
                    raise
            else:
                resolved.setdefault("users", {})[str(user.id)] = user.payload()
                if guild is not None and user.id in guild.members:
                    member = world.member_payload(guild, user.id, with_user=False)
                    member["permissions"] = str(world.channel_permissions(channel, user.id))
                    resolved.setdefault("members", {})[str(user.id)] = member
                return str(user.id)
        if option_type in (8, 9):
            role = world.role(value, channel.guild_id)
            resolved.setdefault("roles", {})[str(role.id)] = role.payload()
            return str(role.id)
        target = world.channel(value)
        data = world.channel_payload(target)
        data["permissions"] = str(world.channel_permissions(target, world.bot_user.id))
        resolved.setdefault("channels", {})[str(target.id)] = data
        return str(target.id)

    def component(
        self,
        user: StandInUser,
        message: JSON,
        custom_id: str,
        values: list[str] | None,
        locale: str | None,
    ) -> InteractionRecord:
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            raise ValueError(
                f"message {message['id']} has no component with custom_id {custom_id!r}"
            )
        if component.get("disabled"):
            raise ValueError(f"component {custom_id!r} is disabled")
        kind = int(component["type"])
        data: JSON = {"custom_id": custom_id, "component_type": kind}
        if kind in SELECT_TYPES:
            data["values"] = list(values or [])
        channel = self._world.channel(int(message["channel_id"]))
        return self.envelope(MESSAGE_COMPONENT, user, channel, data, locale, message=message)

    def modal_submit(
        self,
        user: StandInUser,
        custom_id: str,
        values: Mapping[str, Any],
        channel: StandInChannel | None,
        locale: str | None,
    ) -> InteractionRecord:
        """Fill the modal the bot last opened with `custom_id`, shaped as discord.py parses it."""
        opened = self.modals.get(custom_id)
        remaining = dict(values)
        components: list[JSON] = []
        message: JSON | None = None
        if opened is None:
            for key, value in values.items():
                components.append(
                    {"type": 1, "components": [{"type": 4, "custom_id": key, "value": value}]}
                )
            remaining.clear()
        else:
            modal, source = opened
            channel = channel or self._world.channel(source.channel_id)
            if source.source_message_id is not None:
                message = self._messages.get(source.source_message_id)
            for row in modal.get("components", []):
                submitted = self._submitted_row(row, remaining)
                if submitted is not None:
                    components.append(submitted)
        if remaining:
            raise ValueError(f"modal {custom_id!r} has no inputs named {sorted(remaining)}")
        if channel is None:
            raise ValueError("no channel for the modal submit")
        data = {"custom_id": custom_id, "components": components}
        record = self.envelope(MODAL_SUBMIT, user, channel, data, locale, message=message)
        record.opener = opened[1] if opened is not None else None
        return record

    def _submitted_row(self, row: JSON, values: dict[str, Any]) -> JSON | None:
        kind = row.get("type")
        if kind == 1:
            children = [self._submitted(c, values) for c in row.get("components", [])]
            return {"type": 1, "id": row.get("id"), "components": children}
        if kind == 18:
            inner = self._submitted(row["component"], values)
            return {"type": 18, "id": row.get("id"), "component": inner}
        return None  # text displays and other static parts are not echoed back

    def _submitted(self, component: JSON, values: dict[str, Any]) -> JSON:
        custom_id = component.get("custom_id", "")
        out: JSON = {"type": component["type"], "custom_id": custom_id, "id": component.get("id")}
        value = values.pop(custom_id, None)
        if component["type"] == 4:
            text = str(value if value is not None else component.get("value") or "")
            if component.get("required", True) and not text:
                raise ValueError(f"modal input {custom_id!r} is required")
            if len(text) > int(component.get("max_length") or 4000):
                raise ValueError(f"modal input {custom_id!r} is longer than its max_length")
            if text and len(text) < int(component.get("min_length") or 0):
                raise ValueError(f"modal input {custom_id!r} is shorter than its min_length")
            out["value"] = text
        elif isinstance(value, list) or component["type"] in SELECT_TYPES:
            out["values"] = list(value or [])
        else:
            out["value"] = value
        return out

    # ------------------------------------------------------------ answering
    def _record_for(self, interaction_id: int, token: str) -> InteractionRecord:
        record = self.records.get(interaction_id)
        if record is None or record.token != token:
            raise errors.unknown("interaction", errors.UNKNOWN_INTERACTION)
        return record

    def _record_for_webhook(self, call: RestCall) -> InteractionRecord:
        token = call.params["webhook_token"]
        if call.int_param("webhook_id") == self._world.application_id:
            for record in self.records.values():
                if record.token == token and record.callback is not None:
                    return record
        raise errors.unknown("Webhook", errors.UNKNOWN_WEBHOOK)

    def _interaction_metadata(self, record: InteractionRecord) -> JSON:
        meta: JSON = {
            "id": str(record.id),
            "type": record.type,
            "user": self._world.user(record.user_id).payload(),
            "authorizing_integration_owners": record.payload["authorizing_integration_owners"],
        }
        if record.type == APPLICATION_COMMAND:
            meta["name"] = record.payload["data"]["name"]
            meta["command_type"] = 1
        if record.source_message_id is not None:
            meta["interacted_message_id"] = str(record.source_message_id)
        if record.original_message_id is not None:
            meta["original_response_message_id"] = str(record.original_message_id)
        if record.type == MODAL_SUBMIT:
            opener = record.opener
            meta["triggering_interaction_metadata"] = (
                self._interaction_metadata(opener) if opener is not None else {}
            )
        return meta

    def _metadata(self, record: InteractionRecord) -> JSON:
        """Fields linking a response message to its interaction."""
        meta = self._interaction_metadata(record)
        user = meta["user"]
        extra: JSON = {"interaction_metadata": meta}
        if record.type == APPLICATION_COMMAND:
            extra["interaction"] = {
                "id": str(record.id), "type": record.type, "name": meta["name"], "user": user,
            }  # fmt: skip
        return extra

    def _new_message(
        self, record: InteractionRecord, body: JSON, call: RestCall, **kw: Any
    ) -> JSON:
        channel = self._world.channel(record.channel_id)
        kind = 20 if record.type == APPLICATION_COMMAND else 0
        flags = kw.pop("flags", int(body.get("flags") or 0) & _REPLY_FLAGS)
        return self._messages.create(
            channel,
            self._world.bot_user,
            body,
            call.files,
            message_type=kind,
            webhook_id=self._world.application_id,
            extra=self._metadata(record),
            flags=flags,
            **kw,
        )

    async def callback(self, call: RestCall) -> Any:
        record = self._record_for(
            call.int_param("interaction_id"), call.params["interaction_token"]
        )
        if record.callback is not None:
            raise DiscordError(400, 40060, "Interaction has already been acknowledged.")
        if self.deadline is not None and time.monotonic() - record.created > self.deadline:
            raise errors.unknown("interaction", errors.UNKNOWN_INTERACTION)
        body = call.body
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        if kind not in _ALLOWED_CALLBACKS[record.type]:
            raise errors.invalid_form_body(
                errors.field_error("type", "INTERACTION_RESPONSE_TYPE_INVALID", "Invalid type")
            )
        if kind == 7 and record.source_message_id is None:
            raise DiscordError(400, 40060, "UPDATE_MESSAGE needs a message interaction")
        message: JSON | None = None
        if kind == 4:
            message = self._new_message(record, data, call)
        elif kind == 5:
            flags = LOADING | (int(data.get("flags") or 0) & EPHEMERAL)
            message = self._new_message(record, {}, call, flags=flags, allow_empty=True)
            record.deferred = True
        elif kind in (6, 7):
            assert record.source_message_id is not None
            if kind == 7:
                message = self._messages.edit(record.source_message_id, data, call.files)
        elif kind == 8:
            choices = data.get("choices") or []
            if len(choices) > 25:
                raise _too_long("data.choices", 25)
        elif kind == 9:
            self._check_modal(data)
            self.modals[str(data["custom_id"])] = (copy.deepcopy(data), record)
        record.callback = {"type": kind, "data": copy.deepcopy(data)}
        if message is not None:
            record.original_message_id = int(message["id"])
        elif kind == 6:
            record.original_message_id = record.source_message_id
        if not call.flag("with_response"):
            return None
        answer: JSON = {"interaction": {"id": str(record.id), "type": record.type}}
        if message is not None:
            answer["interaction"].update(
                response_message_id=message["id"],
                response_message_loading=kind == 5,
                response_message_ephemeral=bool(message["flags"] & EPHEMERAL),
            )
        if kind in (4, 7) and message is not None:
            answer["resource"] = {"type": kind, "message": message}
        return answer

    def _check_modal(self, data: JSON) -> None:
        if not data.get("custom_id") or not data.get("components"):
            raise errors.invalid_form_body(
                errors.field_error(
                    "data.components", "BASE_TYPE_REQUIRED", "This field is required"
                )
            )
        if len(str(data.get("title") or "")) > 45:
            raise _too_long("data.title", 45)

    async def followup(self, call: RestCall) -> Any:
        record = self._record_for_webhook(call)
        body = call.body
        if record.deferred and record.original_message_id is not None:
            # Discord turns the first follow-up after a defer into the deferred message itself.
            original = self._messages.require(record.original_message_id)
            flags = original["flags"] & ~LOADING
            message = self._messages.edit(record.original_message_id, body, call.files, flags=flags)
            record.deferred = False
        else:
            message = self._new_message(record, body, call)
        record.followup_ids.append(int(message["id"]))
        return message if call.flag("wait") else None

    def _webhook_message(self, call: RestCall) -> tuple[InteractionRecord, int]:
        record = self._record_for_webhook(call)
        raw = call.params.get("message_id", "@original")
        if raw == "@original":
            if record.original_message_id is None:
                raise errors.unknown("Message", errors.UNKNOWN_MESSAGE)
            return record, record.original_message_id
        message_id = call.int_param("message_id")
        if message_id != record.original_message_id and message_id not in record.followup_ids:
            raise errors.unknown("Message", errors.UNKNOWN_MESSAGE)
        return record, message_id

    async def get_message(self, call: RestCall) -> Any:
        return self._messages.require(self._webhook_message(call)[1])

    async def edit_message(self, call: RestCall) -> Any:
        record, message_id = self._webhook_message(call)
        flags: int | None = None
        if record.deferred and message_id == record.original_message_id:
            flags = self._messages.require(message_id)["flags"] & ~LOADING
            record.deferred = False
        return self._messages.edit(message_id, call.body, call.files, flags=flags)

    async def delete_message(self, call: RestCall) -> Any:
        self._messages.delete(self._webhook_message(call)[1])
        return None

    def register(self, rest: RestServer) -> None:
        rest.add(
            "POST",
            "/interactions/{interaction_id}/{interaction_token}/callback",
            self.callback,
            auth=False,
        )
        hook = "/webhooks/{webhook_id}/{webhook_token}"
        rest.add("POST", hook, self.followup, auth=False)
        for template in (hook + "/messages/@original", hook + "/messages/{message_id}"):
            rest.add("GET", template, self.get_message, auth=False)
            rest.add("PATCH", template, self.edit_message, auth=False)
            rest.add("DELETE", template, self.delete_message, auth=False)


class InteractionHandle:
    """What the test holds after injecting an interaction: await and inspect the bot's answer."""

    def __init__(
        self, record: InteractionRecord, messages: MessageStore, recorder: Recorder
    ) -> None:
        self._record = record
        self._messages = messages
        self._recorder = recorder
        self._followups_taken = 0

    @property
    def id(self) -> int:
        return self._record.id

    @property
    def token(self) -> str:
        return self._record.token

    @property
    def payload(self) -> JSON:
        """The INTERACTION_CREATE data as dispatched."""
        return self._record.payload

    @property
    def responded(self) -> bool:
        return self._record.callback is not None

    async def response(self, timeout: float = 5.0) -> JSON:
        """The callback body the bot sent: {"type": ..., "data": ...}."""
        return await self._recorder.wait_until(
            lambda: self._record.callback,
            timeout,
            lambda: f"a response to interaction {self.id} ({self.payload['data'].get('name')})",
        )

    @property
    def original(self) -> JSON | None:
        """Current state of the original response message (after any @original edits)."""
        if self._record.original_message_id is None:
            return None
        return self._messages.get(self._record.original_message_id)

    async def wait_original(
        self, predicate: Callable[[JSON], bool] | None = None, timeout: float = 5.0
    ) -> JSON:
        """Wait until the original response exists, is not loading, and matches `predicate`."""

        def check() -> JSON | None:
            message = self.original
            if message is None or message["flags"] & LOADING:
                return None
            return message if predicate is None or predicate(message) else None

        return await self._recorder.wait_until(
            check, timeout, lambda: f"the original response of interaction {self.id}"
        )

    @property
    def followups(self) -> list[JSON]:
        found = (self._messages.get(mid) for mid in self._record.followup_ids)
        return [m for m in found if m is not None]

    async def wait_followup(self, timeout: float = 5.0) -> JSON:
        """The next follow-up not yet returned by this method."""
        index = self._followups_taken

        def check() -> JSON | None:
            ids = self._record.followup_ids
            return self._messages.get(ids[index]) if len(ids) > index else None

        message = await self._recorder.wait_until(
            check, timeout, lambda: f"follow-up #{index + 1} of interaction {self.id}"
        )
        self._followups_taken += 1
        return message

    @property
    def ephemeral(self) -> bool:
        original = self.original
        if original is not None:
            return bool(original["flags"] & EPHEMERAL)
        callback = self._record.callback or {}
        return bool(int((callback.get("data") or {}).get("flags") or 0) & EPHEMERAL)

    @property
    def modal(self) -> JSON | None:
        callback = self._record.callback
        return callback["data"] if callback and callback["type"] == 9 else None

    @property
    def choices(self) -> list[JSON] | None:
        callback = self._record.callback
        if not callback or callback["type"] != 8:
            return None
        return list(callback["data"].get("choices") or [])

    def content_text(self, *, include_followups: bool = False) -> str:
        """Content, embed text and text displays of the answer, joined by newlines."""
        messages = [self.original] if self.original is not None else []
        if not messages and self._record.callback:
            messages = [self._record.callback.get("data") or {}]
        if include_followups:
            messages += self.followups
        return "\n".join(message_text(m) for m in messages if m)
