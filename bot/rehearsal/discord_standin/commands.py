"""Application commands as the bot registered them (global and per guild)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.errors import DiscordError
from bot.rehearsal.discord_standin.rest import RestCall, RestServer
from bot.rehearsal.discord_standin.world import JSON, World


class CommandStore:
    """Commands keyed by scope: None for global, else the guild id."""

    def __init__(self, world: World, snowflake: Callable[[], int]) -> None:
        self._world = world
        self._snowflake = snowflake
        self.by_scope: dict[int | None, list[JSON]] = {}
        self.bulk_overwrite_count = 0

    def all(self) -> list[JSON]:
        return [c for commands in self.by_scope.values() for c in commands]

    def find(self, name: str, guild_id: int | None, command_type: int = 1) -> JSON | None:
        """The command a user in `guild_id` would invoke: guild commands shadow global ones."""
        scopes: list[int | None] = [guild_id, None] if guild_id is not None else [None]
        for scope in scopes:
            for command in self.by_scope.get(scope, []):
                if command["name"] == name and command.get("type", 1) == command_type:
                    return command
        return None

    def _echo(self, data: JSON, scope: int | None, previous: JSON | None) -> JSON:
        if not isinstance(data.get("name"), str) or not data["name"]:
            raise errors.invalid_form_body(
                errors.field_error("name", "BASE_TYPE_REQUIRED", "This field is required")
            )
        command = copy.deepcopy(data)
        command["id"] = previous["id"] if previous else str(self._snowflake())
        command["application_id"] = str(self._world.application_id)
        command["version"] = str(self._snowflake())
        command.setdefault("type", 1)
        command.setdefault("description", "")
        command.setdefault("options", [])
        command.setdefault("default_member_permissions", None)
        if command["default_member_permissions"] is not None:
            # discord.py sends an integer; Discord stores and answers a string.
            command["default_member_permissions"] = str(command["default_member_permissions"])
        command.setdefault("nsfw", False)
        command.setdefault("name_localizations", None)
        command.setdefault("description_localizations", None)
        if scope is None:
            command.setdefault("dm_permission", True)
            command.setdefault("contexts", None)
            if command.get("integration_types") is None:
                command["integration_types"] = [0]
        else:
            command["guild_id"] = str(scope)
        return command

    def _scope(self, call: RestCall) -> int | None:
        if call.int_param("application_id") != self._world.application_id:
            raise DiscordError(403, 50001, "Missing Access")
        if "guild_id" not in call.params:
            return None
        guild_id = call.int_param("guild_id")
        if guild_id not in self._world.guilds:
            raise DiscordError(403, 50001, "Missing Access")
        return guild_id

    # ------------------------------------------------------------ handlers
    async def list_commands(self, call: RestCall) -> Any:
        return self.by_scope.get(self._scope(call), [])

    async def bulk_overwrite(self, call: RestCall) -> Any:
        scope = self._scope(call)
        body = call.record.json
        if not isinstance(body, list):
            raise errors.invalid_form_body(
                errors.field_error("_root", "LIST_TYPE_CONVERT", "Expected a list")
            )
        old = {(c["name"], c.get("type", 1)): c for c in self.by_scope.get(scope, [])}
        self.by_scope[scope] = [
            self._echo(item, scope, old.get((item.get("name"), item.get("type", 1))))
            for item in body
        ]
        self.bulk_overwrite_count += 1
        return self.by_scope[scope]

    async def upsert(self, call: RestCall) -> Any:
        scope = self._scope(call)
        commands = self.by_scope.setdefault(scope, [])
        key = (call.body.get("name"), call.body.get("type", 1))
        previous = next((c for c in commands if (c["name"], c.get("type", 1)) == key), None)
        command = self._echo(call.body, scope, previous)
        if previous is not None:
            commands[commands.index(previous)] = command
        else:
            commands.append(command)
        return command

    def _by_id(self, call: RestCall) -> tuple[list[JSON], JSON]:
        commands = self.by_scope.get(self._scope(call), [])
        command_id = call.params["command_id"]
        for command in commands:
            if command["id"] == command_id:
                return commands, command
        raise errors.unknown("application command", errors.UNKNOWN_COMMAND)

    async def get_command(self, call: RestCall) -> Any:
        return self._by_id(call)[1]

    async def edit_command(self, call: RestCall) -> Any:
        commands, command = self._by_id(call)
        updated = self._echo({**command, **call.body}, self._scope(call), command)
        commands[commands.index(command)] = updated
        return updated

    async def delete_command(self, call: RestCall) -> Any:
        commands, command = self._by_id(call)
        commands.remove(command)
        return None

    def register(self, rest: RestServer) -> None:
        for base in (
            "/applications/{application_id}/commands",
            "/applications/{application_id}/guilds/{guild_id}/commands",
        ):
            rest.add("GET", base, self.list_commands)
            rest.add("PUT", base, self.bulk_overwrite)
            rest.add("POST", base, self.upsert)
            rest.add("GET", base + "/{command_id}", self.get_command)
            rest.add("PATCH", base + "/{command_id}", self.edit_command)
            rest.add("DELETE", base + "/{command_id}", self.delete_command)
