"""What users do: slash commands, autocomplete, clicks, modal submits and plain messages.

Mixed into `DiscordStandIn`. Each interaction method waits until the bot has identified, sends a
complete INTERACTION_CREATE and returns an `InteractionHandle` for the bot's answer.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from bot.rehearsal.discord_standin.interactions import (
    InteractionHandle,
    InteractionRecord,
    InteractionRegistry,
)
from bot.rehearsal.discord_standin.messages import MessageStore
from bot.rehearsal.discord_standin.recording import Recorder
from bot.rehearsal.discord_standin.world import JSON, StandInChannel, StandInUser, World

UserRef = str | int | StandInUser
ChannelRef = str | int


class Injection:
    world: World
    recorder: Recorder
    store: MessageStore
    interactions: InteractionRegistry

    # Provided by DiscordStandIn and Observation; declared here for the type checker.
    def dispatch(self, event: str, data: JSON) -> None:
        raise NotImplementedError

    async def wait_until_identified(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        raise NotImplementedError

    def _handle(self, record: InteractionRecord) -> InteractionHandle:
        self.dispatch("INTERACTION_CREATE", record.payload)
        return InteractionHandle(record, self.store, self.recorder)

    def _command_channel(self, channel: ChannelRef, guild: int | None) -> StandInChannel:
        target = self.world.channel(channel)
        if guild is None or target.guild_id == guild:
            return target
        # A guild was named but the channel is elsewhere: use that guild's first text channel.
        return next(iter(self.world.guild(guild).channels.values()))

    async def slash(
        self,
        user: UserRef = "member",
        *,
        name: str,
        options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str | None = None,
        channel: ChannelRef = "general",
        guild: int | None = None,
    ) -> InteractionHandle:
        """`user` runs /name; option types come from the synced command, else from the values.

        User, role and channel options accept seeded names ("member", "moderator", "qna").
        `locale` defaults to the user's own (seeded: owner, moderator, member "ko"; others en-US).
        """
        await self.wait_until_identified()
        record = self.interactions.command(
            self.world.user(user),
            self._command_channel(channel, guild),
            name,
            options or {},
            subcommand=subcommand,
            group=group,
            locale=locale,
        )
        return self._handle(record)

    async def autocomplete(
        self,
        user: UserRef = "member",
        *,
        name: str,
        options: Mapping[str, Any],
        focused: str,
        subcommand: str | None = None,
        group: str | None = None,
        locale: str | None = None,
        channel: ChannelRef = "general",
        guild: int | None = None,
    ) -> InteractionHandle:
        """`user` types into option `focused`; `await handle.response()` gives the choices."""
        await self.wait_until_identified()
        record = self.interactions.command(
            self.world.user(user),
            self._command_channel(channel, guild),
            name,
            options,
            subcommand=subcommand,
            group=group,
            locale=locale,
            focused=focused,
        )
        return self._handle(record)

    async def click(
        self,
        user: UserRef,
        message: JSON | int | str,
        custom_id: str,
        *,
        values: list[str] | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """`user` presses a button (or picks `values` in a select) on a stored message.

        The component type is read from the message; ValueError if it has no such component.
        """
        await self.wait_until_identified()
        message_id = int(message["id"]) if isinstance(message, dict) else int(message)
        current = self.store.require(message_id)
        record = self.interactions.component(
            self.world.user(user), current, custom_id, values, locale
        )
        return self._handle(record)

    async def submit_modal(
        self,
        user: UserRef,
        custom_id: str,
        values: Mapping[str, Any],
        *,
        channel: ChannelRef | None = None,
        locale: str | None = None,
    ) -> InteractionHandle:
        """`user` submits the modal the bot opened with `custom_id`.

        `values` maps input custom_ids to text (or lists for selects). The payload mirrors the
        modal's layout (action rows or labels); ValueError for unknown or empty required inputs.
        """
        await self.wait_until_identified()
        record = self.interactions.modal_submit(
            self.world.user(user),
            custom_id,
            values,
            self.world.channel(channel) if channel is not None else None,
            locale,
        )
        return self._handle(record)

    async def inject_interaction(
        self,
        kind: int,
        data: JSON,
        *,
        user: UserRef = "member",
        channel: ChannelRef = "general",
        locale: str | None = None,
        message: JSON | None = None,
    ) -> InteractionHandle:
        """Any interaction type with hand-built `data`; the envelope is filled in."""
        await self.wait_until_identified()
        record = self.interactions.envelope(
            kind, self.world.user(user), self.world.channel(channel), data, locale, message
        )
        return self._handle(record)

    def inject_message(
        self,
        channel: ChannelRef,
        author: UserRef = "member",
        content: str = "",
        **fields: Any,
    ) -> JSON:
        """A user posts a message (stored and dispatched as MESSAGE_CREATE)."""
        target = self.world.channel(channel)
        if (
            target.guild_id is not None
            and self.world.user(author).id not in self.world.guild(target.guild_id).members
        ):
            raise ValueError(f"{author!r} is not a member of the channel's guild")
        body: JSON = {"content": content, **fields}
        return copy.deepcopy(self.store.create(target, self.world.user(author), body))
