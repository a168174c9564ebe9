"""Guild scheduled events: creation rules, status transitions and their gateway dispatches.

Rules enforced (Discord's): EXTERNAL events (entity_type 3) need entity_metadata.location
(1-100 chars) and scheduled_end_time and no channel; voice/stage events need a channel. Creating
needs Manage Events or Create Events. Status goes SCHEDULED(1) -> ACTIVE(2) -> COMPLETED(3), or
SCHEDULED -> CANCELED(4).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.rehearsal.discord_standin import errors
from bot.rehearsal.discord_standin.errors import DiscordError, field_error
from bot.rehearsal.discord_standin.rest import RestCall, RestServer
from bot.rehearsal.discord_standin.routes import CoreRoutes
from bot.rehearsal.discord_standin.world import JSON, StandInGuild, World, perms

SCHEDULED, ACTIVE, COMPLETED, CANCELED = 1, 2, 3, 4
STAGE, VOICE, EXTERNAL = 1, 2, 3
_TRANSITIONS = {SCHEDULED: {SCHEDULED, ACTIVE, CANCELED}, ACTIVE: {ACTIVE, COMPLETED}}
_FIELDS = (
    "name",
    "description",
    "channel_id",
    "entity_metadata",
    "scheduled_start_time",
    "scheduled_end_time",
    "privacy_level",
    "entity_type",
    "image",
    "recurrence_rule",
)


def _invalid(path: str, code: str, message: str) -> DiscordError:
    return errors.invalid_form_body(field_error(path, code, message))


def _parse_time(value: Any, path: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise _invalid(path, "DATE_TIME_TYPE_PARSE", "Could not parse date.") from None
    if parsed.tzinfo is None:
        raise _invalid(path, "DATE_TIME_TYPE_PARSE", "Timezone required.")
    return parsed


class ScheduledEvents:
    def __init__(
        self,
        world: World,
        core: CoreRoutes,
        dispatch: Callable[[str, JSON], object],
        snowflake: Callable[[], int],
        clock: Callable[[], datetime],
        *,
        check_event_times: bool,
    ) -> None:
        self._world = world
        self._core = core
        self._dispatch = dispatch
        self._snowflake = snowflake
        self._clock = clock
        self.check_event_times = check_event_times

    def _require_manage(self, guild: StandInGuild, event: JSON | None) -> None:
        if not self._core.require_permissions:
            return
        granted = self._core.guild_permissions(guild)
        if granted & perms("manage_events"):
            return
        own = event is None or event.get("creator_id") == str(self._world.bot_user.id)
        if own and granted & perms("create_events"):
            return
        raise errors.missing_permissions()

    def _validate(self, event: JSON, *, creating: bool) -> None:
        name = str(event.get("name") or "")
        if not 1 <= len(name) <= 100:
            raise _invalid("name", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100 in length.")
        if len(str(event.get("description") or "")) > 1000:
            raise _invalid(
                "description", "BASE_TYPE_MAX_LENGTH", "Must be 1000 or fewer in length."
            )
        if event.get("privacy_level") != 2:
            raise _invalid("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
        kind = event.get("entity_type")
        if kind not in (STAGE, VOICE, EXTERNAL):
            raise _invalid("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
        start = _parse_time(event.get("scheduled_start_time"), "scheduled_start_time")
        end_raw = event.get("scheduled_end_time")
        end = _parse_time(end_raw, "scheduled_end_time") if end_raw else None
        if kind == EXTERNAL:
            location = str((event.get("entity_metadata") or {}).get("location") or "")
            if not 1 <= len(location) <= 100:
                raise _invalid(
                    "entity_metadata.location", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 100."
                )
            if end is None:
                raise _invalid("scheduled_end_time", "BASE_TYPE_REQUIRED", "This field is required")
            if event.get("channel_id") is not None:
                raise _invalid("channel_id", "GUILD_SCHEDULED_EVENT_INVALID", "Must be null.")
        elif event.get("channel_id") is None:
            raise _invalid("channel_id", "BASE_TYPE_REQUIRED", "This field is required")
        if end is not None and end <= start:
            raise _invalid(
                "scheduled_end_time",
                "GUILD_SCHEDULED_EVENT_END_BEFORE_START",
                "Must be after start.",
            )
        if creating and self.check_event_times and start < self._clock():
            raise _invalid(
                "scheduled_start_time",
                "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST",
                "Cannot schedule event in the past.",
            )

    def _find(self, call: RestCall) -> tuple[StandInGuild, JSON]:
        guild = self._core.guild(call)
        event = guild.scheduled_events.get(call.int_param("guild_scheduled_event_id"))
        if event is None:
            raise errors.unknown("Guild Scheduled Event", errors.UNKNOWN_EVENT)
        return guild, event

    @staticmethod
    def _view(event: JSON, call: RestCall) -> JSON:
        data = copy.deepcopy(event)
        if not call.flag("with_user_count"):
            data.pop("user_count", None)
        return data

    async def list_events(self, call: RestCall) -> Any:
        guild = self._core.guild(call)
        return [self._view(e, call) for e in guild.scheduled_events.values()]

    async def get_event(self, call: RestCall) -> Any:
        return self._view(self._find(call)[1], call)

    async def create_event(self, call: RestCall) -> Any:
        guild = self._core.guild(call)
        self._require_manage(guild, None)
        body = {k: call.body[k] for k in _FIELDS if k in call.body}
        self._validate(body, creating=True)
        bot = self._world.bot_user
        event: JSON = {
            "id": str(self._snowflake()),
            "guild_id": str(guild.id),
            "channel_id": None,
            "creator_id": str(bot.id),
            "creator": bot.payload(),
            "description": None,
            "scheduled_end_time": None,
            "entity_id": None,
            "entity_metadata": None,
            "image": None,
            "recurrence_rule": None,
            "guild_scheduled_event_exceptions": [],
            "user_count": 0,
            "auto_start": False,
        }
        event.update(copy.deepcopy(body))
        event["status"] = SCHEDULED
        guild.scheduled_events[int(event["id"])] = event
        self._dispatch("GUILD_SCHEDULED_EVENT_CREATE", copy.deepcopy(event))
        return event

    async def edit_event(self, call: RestCall) -> Any:
        guild, event = self._find(call)
        self._require_manage(guild, event)
        if event["status"] not in _TRANSITIONS:
            raise _invalid("status", "GUILD_SCHEDULED_EVENT_INVALID", "Event has already ended.")
        updated = copy.deepcopy(event)
        updated.update({k: copy.deepcopy(call.body[k]) for k in _FIELDS if k in call.body})
        if updated["entity_type"] == EXTERNAL and "channel_id" not in call.body:
            updated["channel_id"] = None
        if "status" in call.body:
            status = call.body["status"]
            if status not in _TRANSITIONS[event["status"]]:
                raise _invalid(
                    "status",
                    "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION",
                    f"Cannot change status from {event['status']} to {status}.",
                )
            updated["status"] = status
        self._validate(updated, creating=False)
        guild.scheduled_events[int(event["id"])] = updated
        self._dispatch("GUILD_SCHEDULED_EVENT_UPDATE", copy.deepcopy(updated))
        return self._view(updated, call)

    async def delete_event(self, call: RestCall) -> Any:
        guild, event = self._find(call)
        self._require_manage(guild, event)
        del guild.scheduled_events[int(event["id"])]
        self._dispatch("GUILD_SCHEDULED_EVENT_DELETE", copy.deepcopy(event))
        return None

    def register(self, rest: RestServer) -> None:
        base = "/guilds/{guild_id}/scheduled-events"
        one = base + "/{guild_scheduled_event_id}"
        rest.add("GET", base, self.list_events)
        rest.add("POST", base, self.create_event)
        rest.add("GET", one, self.get_event)
        rest.add("PATCH", one, self.edit_event)
        rest.add("DELETE", one, self.delete_event)
