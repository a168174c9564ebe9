"""``ccei-bot preflight``: is the real Discord server and YouTube key ready for the day?

Run the night before with the real ``DISCORD_TOKEN`` and ``YOUTUBE_API_KEY``. It only reads: Discord's
REST API (no gateway connection, nothing posted) and a few one-unit YouTube calls, through the same
``DISCORD_API_BASE`` / ``YOUTUBE_API_BASE`` as the bot, so tests run it against the stand-ins. Each
check prints one line; a *problem* makes the day fail (exit 2), a *warning* is worth knowing (exit 0).

The channels and roles checked are the ones the bot will use: the config's ``[discord]``, overridden by
what ``/admin setup`` stored in the data directory's database (read-only).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Literal, TextIO
from zoneinfo import ZoneInfo

import aiohttp
import discord

from bot import __version__
from bot.clock import Clock, SystemClock
from bot.config import Config, wall_time_warnings
from bot.guilds import SETTING_KEYS, config_defaults, scope_for
from bot.settings import Settings
from bot.store import DATABASE_NAME, StorageError, check_schema, read_settings

Level = Literal["ok", "warning", "problem"]

#: What the bot needs in a channel it posts to (the chart and the .ics are attachments).
CHANNEL_PERMISSIONS = ("view_channel", "send_messages", "embed_links", "attach_files")
#: In the announce channel it also reads its own reminders back after a crash.
ANNOUNCE_PERMISSIONS = (*CHANNEL_PERMISSIONS, "read_message_history")
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
    manage_roles=True,
    create_events=True,
    manage_events=True,
).value
#: Application flags: the message content intent, enabled (or limited, under 100 servers).
MESSAGE_CONTENT_FLAGS = (1 << 18) | (1 << 19)
PACIFIC = ZoneInfo("America/Los_Angeles")
#: The relay polls fast from this long before the program to this long after it.
FAST_MARGIN = timedelta(minutes=30)
HTTP_TIMEOUT = 15.0


@dataclass(frozen=True)
class Check:
    level: Level
    subject: str
    text: str

    def line(self) -> str:
        label = {"ok": "ok", "warning": "WARNING", "problem": "PROBLEM"}[self.level]
        return f"{label:<8} {self.subject}: {self.text}"


@dataclass
class Report:
    checks: list[Check] = field(default_factory=list)

    def add(self, level: Level, subject: str, text: str) -> None:
        self.checks.append(Check(level, subject, text))

    @property
    def problems(self) -> list[Check]:
        return [c for c in self.checks if c.level == "problem"]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.level == "warning"]


# -- pure pieces ------------------------------------------------------------------------------------


def channel_permissions(
    *,
    guild_id: int,
    owner_id: int,
    user_id: int,
    role_permissions: dict[int, int],
    member_roles: Sequence[int],
    overwrites: Sequence[dict[str, Any]],
) -> int:
    """Discord's permission algorithm: base from roles, then @everyone, role and member overwrites."""
    everything = discord.Permissions.all().value
    if user_id == owner_id:
        return everything
    base = role_permissions.get(guild_id, 0)
    for role_id in member_roles:
        base |= role_permissions.get(role_id, 0)
    if base & discord.Permissions(administrator=True).value:
        return everything
    by_id = {int(o["id"]): o for o in overwrites}
    value = base
    everyone = by_id.get(guild_id)
    if everyone is not None:
        value = (value & ~int(everyone.get("deny", 0))) | int(everyone.get("allow", 0))
    allow = deny = 0
    for overwrite in overwrites:
        if int(overwrite.get("type", 0)) == 0 and int(overwrite["id"]) in member_roles:
            allow |= int(overwrite.get("allow", 0))
            deny |= int(overwrite.get("deny", 0))
    value = (value & ~deny) | allow
    own = by_id.get(user_id)
    if own is not None and int(own.get("type", 0)) == 1:
        value = (value & ~int(own.get("deny", 0))) | int(own.get("allow", 0))
    if not discord.Permissions(value).view_channel:
        return 0
    return value


def estimate_units(config: Config) -> dict[date, int]:
    """YouTube units the relay may spend per quota day (Pacific) around the event, at most.

    Inside the fast window (30 minutes either side of the program) one videos.list per
    ``poll_active``; outside it one per ``poll_idle``; plus one channels.list for the handle.
    """
    youtube = config.youtube
    fast_start, fast_end = config.starts_at - FAST_MARGIN, config.ends_at + FAST_MARGIN
    days = sorted({fast_start.astimezone(PACIFIC).date(), fast_end.astimezone(PACIFIC).date()})
    estimate: dict[date, int] = {}
    for day in days:
        begins = datetime.combine(day, time(0), tzinfo=PACIFIC).astimezone(UTC)
        ends = datetime.combine(day + timedelta(days=1), time(0), tzinfo=PACIFIC).astimezone(UTC)
        fast = max(timedelta(0), min(ends, fast_end) - max(begins, fast_start))
        idle = (ends - begins) - fast
        units = math.ceil(fast / youtube.poll_active) + math.ceil(idle / youtube.poll_idle)
        estimate[day] = units
    if youtube.channel.startswith("@"):
        estimate[days[0]] += 1
    return estimate


def _day_text(moment: datetime, now: datetime) -> str:
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"in {days} days"


# -- the checks -------------------------------------------------------------------------------------


def check_event(config: Config, now: datetime, report: Report) -> None:
    start, end = config.starts_at, config.ends_at
    when = f"{config.event.date} {start:%H:%M}-{end:%H:%M} {config.event.timezone}"
    if end <= now:
        report.add(
            "problem",
            "event date",
            f"{when} is over; set [event] date (and the program's times) to the coming event",
        )
    else:
        report.add("ok", "event date", f"{when} ({_day_text(start, now)})")
    for warning in wall_time_warnings(config):
        report.add("warning", "program times", warning)


def check_data_dir(data_dir: Path, report: Report) -> None:
    database = data_dir / DATABASE_NAME
    if not data_dir.exists():
        report.add("ok", "data directory", f"{data_dir} does not exist yet; the bot creates it")
        return
    if not data_dir.is_dir() or not os.access(data_dir, os.W_OK | os.X_OK):
        report.add(
            "problem",
            "data directory",
            f"{data_dir} is not a writable directory for this user (uid {os.getuid()}); "
            "fix its owner and mode, or point CCEI_DATA_DIR elsewhere",
        )
        return
    if not database.exists():
        report.add("ok", "data directory", f"{data_dir} is writable; no database yet")
        return
    try:
        applied = check_schema(database)
    except StorageError as error:
        report.add("problem", "database", str(error))
        return
    size = database.stat().st_size / 1024
    report.add(
        "ok", "database", f"{database} ({size:.0f} KiB, {len(applied)} migrations, all known)"
    )


class DiscordRest:
    """Read-only Discord REST calls with the bot token (never the gateway)."""

    def __init__(self, session: aiohttp.ClientSession, base: str, token: str) -> None:
        self._session = session
        self._base = base.rstrip("/")
        self._headers = {
            "Authorization": f"Bot {token}",
            "User-Agent": f"DiscordBot (https://github.com/ccei/companion, {__version__})",
        }

    async def get(self, path: str) -> tuple[int, Any]:
        for _ in range(2):
            async with self._session.get(self._base + path, headers=self._headers) as response:
                try:
                    data = await response.json(content_type=None)
                except (ValueError, aiohttp.ContentTypeError):
                    data = None
                if response.status == 429 and isinstance(data, dict):
                    # The night before, waiting a moment is fine; at most once, briefly.
                    await asyncio.sleep(min(5.0, float(data.get("retry_after", 1.0))))
                    continue
                return response.status, data
        return 429, None


def _error_text(status: int, data: Any) -> str:
    if isinstance(data, dict) and data.get("message"):
        code = f" {data['code']}" if data.get("code") else ""
        return f"HTTP {status}{code} {data['message']}"
    return f"HTTP {status}"


@dataclass
class _Guild:
    id: int
    name: str
    owner_id: int
    roles: dict[int, dict[str, Any]]
    channels: dict[int, dict[str, Any]]
    bot_roles: list[int]
    bot_id: int

    @property
    def role_permissions(self) -> dict[int, int]:
        return {rid: int(role.get("permissions", 0)) for rid, role in self.roles.items()}

    def base_permissions(self) -> discord.Permissions:
        if self.bot_id == self.owner_id:
            return discord.Permissions.all()
        value = 0
        for role_id in [self.id, *self.bot_roles]:
            value |= self.role_permissions.get(role_id, 0)
        if discord.Permissions(value).administrator:
            return discord.Permissions.all()
        return discord.Permissions(value)

    def permissions_in(self, channel: dict[str, Any]) -> discord.Permissions:
        return discord.Permissions(
            channel_permissions(
                guild_id=self.id,
                owner_id=self.owner_id,
                user_id=self.bot_id,
                role_permissions=self.role_permissions,
                member_roles=self.bot_roles,
                overwrites=channel.get("permission_overwrites") or [],
            )
        )

    def top_position(self) -> int:
        return max(
            (int(self.roles[r].get("position", 0)) for r in self.bot_roles if r in self.roles),
            default=0,
        )


async def check_discord(config: Config, settings: Settings, data_dir: Path, report: Report) -> None:
    token = settings.discord_token.get_secret_value()
    if not token:
        report.add(
            "problem",
            "discord token",
            "DISCORD_TOKEN is not set (environment or ./.env); copy the bot token from the "
            "Developer Portal (Applications → your app → Bot → Reset Token)",
        )
        return
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            await _check_discord(
                config, DiscordRest(session, settings.discord_api_base, token), data_dir, report
            )
    except (aiohttp.ClientError, TimeoutError) as error:
        report.add(
            "problem",
            "discord",
            f"cannot reach Discord at {settings.discord_api_base} ({type(error).__name__}); "
            "check the network and DISCORD_API_BASE",
        )


async def _check_discord(config: Config, rest: DiscordRest, data_dir: Path, report: Report) -> None:
    status, me = await rest.get("/users/@me")
    if status == 401:
        report.add(
            "problem",
            "discord token",
            "Discord rejected DISCORD_TOKEN (401); copy the bot token again from the Developer Portal",
        )
        return
    if status != 200 or not isinstance(me, dict):
        report.add("problem", "discord token", f"could not check it: {_error_text(status, me)}")
        return
    status, app = await rest.get("/oauth2/applications/@me")
    app = app if status == 200 and isinstance(app, dict) else {}
    app_id = int(app.get("id") or me["id"])
    bot_id = int(me["id"])
    report.add(
        "ok",
        "discord token",
        f"valid: application {app.get('name', '?')!r} (id {app_id}), bot user {me.get('username')}",
    )
    invite = (
        f"https://discord.com/oauth2/authorize?client_id={app_id}"
        f"&scope=bot%20applications.commands&permissions={INVITE_PERMISSIONS}"
    )
    await _check_commands(rest, app_id, report)
    if (
        config.discord.auto_answer_channel_ids
        and not int(app.get("flags") or 0) & MESSAGE_CONTENT_FLAGS
    ):
        report.add(
            "problem",
            "message content intent",
            "auto-answer needs it and it is off: Developer Portal → Bot → Privileged Gateway "
            "Intents → Message Content Intent (without it the bot cannot connect)",
        )
    guild_id = config.discord.guild_id
    if not guild_id:
        report.add(
            "problem",
            "server",
            "[discord] guild_id is not set; Developer Mode on, right-click the server, Copy Server ID",
        )
        return
    status, guild_data = await rest.get(f"/guilds/{guild_id}")
    if status != 200 or not isinstance(guild_data, dict):
        report.add(
            "problem",
            "server",
            f"the bot is not in server {guild_id} ({_error_text(status, guild_data)}); check "
            f"[discord] guild_id, or invite the bot: {invite}",
        )
        return
    _, roles = await rest.get(f"/guilds/{guild_id}/roles")
    _, member = await rest.get(f"/guilds/{guild_id}/members/{bot_id}")
    _, channels = await rest.get(f"/guilds/{guild_id}/channels")
    guild = _Guild(
        id=guild_id,
        name=str(guild_data.get("name", "")),
        owner_id=int(guild_data.get("owner_id") or 0),
        roles={int(r["id"]): r for r in roles or [] if isinstance(r, dict)},
        channels={int(c["id"]): c for c in channels or [] if isinstance(c, dict)},
        bot_roles=[int(r) for r in (member or {}).get("roles", [])],
        bot_id=bot_id,
    )
    report.add("ok", "server", f"the bot is in {guild.name!r} ({guild_id})")
    chosen, source = _guild_settings(config, guild_id, data_dir, report)
    channel = partial(_check_channel, guild, report)
    channel("announce channel", chosen["announce_channel_id"], source, ANNOUNCE_PERMISSIONS)
    channel("Q&A channel", chosen["qna_channel_id"], source, optional=True)
    channel("audit channel", chosen["audit_channel_id"], source, optional=True)
    for channel_id in config.discord.auto_answer_channel_ids:
        channel("auto-answer channel", channel_id, "config", optional=True)
    _check_reminder_role(guild, report, chosen["reminder_role_id"], chosen["announce_channel_id"])
    moderator = chosen["moderator_role_id"]
    if moderator and moderator not in guild.roles:
        report.add(
            "warning",
            "moderator role",
            f"role {moderator} does not exist; only members with Manage Server can use /admin "
            "(pick a role with /admin setup moderator_role:)",
        )
    permissions = guild.base_permissions()
    if permissions.manage_events or permissions.create_events:
        report.add("ok", "scheduled events", "the bot may create and manage the day's event")
    else:
        report.add(
            "problem",
            "scheduled events",
            "the bot lacks Create Events / Manage Events: give its role those permissions "
            "(Server Settings → Roles)",
        )


def _guild_settings(
    config: Config, guild_id: int, data_dir: Path, report: Report
) -> tuple[dict[str, Any], str]:
    chosen = config_defaults(config, guild_id).as_dict()
    try:
        stored = read_settings(data_dir / DATABASE_NAME, scope_for(guild_id))
    except StorageError as error:
        report.add("warning", "server settings", f"cannot read /admin setup choices: {error}")
        stored = {}
    overrides = {k: v for k, v in stored.items() if k in SETTING_KEYS}
    chosen.update(overrides)
    return chosen, ("config and /admin setup" if overrides else "config")


def _check_channel(
    guild: _Guild,
    report: Report,
    subject: str,
    channel_id: int,
    source: str,
    needed: Sequence[str] = CHANNEL_PERMISSIONS,
    *,
    optional: bool = False,
) -> None:
    """A channel the bot posts to: set, in the server, and the bot may post there. A missing
    optional channel (Q&A, audit) is a warning: its feature is off, the day still works."""
    level: Level = "warning" if optional else "problem"
    if not channel_id:
        report.add(level, subject, "not set; choose one with /admin setup (or in [discord])")
        return
    channel = guild.channels.get(channel_id)
    if channel is None:
        report.add(
            level,
            subject,
            f"channel {channel_id} (from {source}) is not in the server (deleted, or the bot "
            "cannot see it); choose one with /admin setup",
        )
        return
    name = f"#{channel.get('name', channel_id)}"
    have = guild.permissions_in(channel)
    missing = [p for p in needed if not getattr(have, p)]
    if missing:
        names = ", ".join(p.replace("_", " ").title() for p in missing)
        report.add(
            "problem",
            subject,
            f"{name}: the bot lacks {names}; allow them for the bot's role in the channel's "
            "permissions",
        )
        return
    report.add("ok", subject, f"{name}: the bot can view, send, embed and attach")


def _check_reminder_role(guild: _Guild, report: Report, role_id: int, announce_id: int) -> None:
    if not role_id:
        report.add(
            "warning",
            "reminder role",
            "not set: reminders ping nobody and /remind cannot give a role "
            "(choose one with /admin setup reminder_role:)",
        )
        return
    role = guild.roles.get(role_id)
    if role is None:
        report.add(
            "problem",
            "reminder role",
            f"role {role_id} does not exist; pick it again with /admin setup reminder_role:",
        )
        return
    name = f"@{role.get('name', role_id)}"
    problems = []
    base = guild.base_permissions()
    if not base.manage_roles:
        problems.append("the bot lacks Manage Roles (needed to give the role with /remind)")
    if int(role.get("position", 0)) >= guild.top_position():
        problems.append("it is not below the bot's role: drag the bot's role above it")
    announce = guild.channels.get(announce_id)
    can_mention_all = (
        guild.permissions_in(announce).mention_everyone if announce else base.mention_everyone
    )
    if not role.get("mentionable") and not can_mention_all:
        problems.append(
            "it cannot be pinged: turn on 'Allow anyone to @mention this role' "
            "(or give the bot Mention Everyone)"
        )
    if problems:
        report.add("problem", "reminder role", f"{name}: " + "; ".join(problems))
    else:
        report.add("ok", "reminder role", f"{name}: below the bot's role and can be pinged")


async def _check_commands(rest: DiscordRest, app_id: int, report: Report) -> None:
    status, commands = await rest.get(f"/applications/{app_id}/commands")
    if status != 200 or not isinstance(commands, list):
        report.add(
            "warning",
            "slash commands",
            f"could not list them ({_error_text(status, commands)}); the bot syncs at start",
        )
        return
    if not commands:
        report.add(
            "ok", "slash commands", "none registered yet: the bot registers them when it starts"
        )
        return
    names = ", ".join(sorted(f"/{c.get('name')}" for c in commands if isinstance(c, dict)))
    report.add(
        "ok",
        "slash commands",
        f"{len(commands)} registered ({names}); the bot re-syncs them itself when they change",
    )


# -- YouTube ----------------------------------------------------------------------------------------


class _YouTubeRefused(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason
        self.message = message


def _youtube_call(api_key: str, api_base: str, resource: str, **params: str) -> dict[str, Any]:
    """One Data API call with google-api-python-client (synchronous: run it in a thread)."""
    import httplib2
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError

    service = build(
        "youtube",
        "v3",
        developerKey=api_key,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": api_base},
        http=httplib2.Http(timeout=HTTP_TIMEOUT),
    )
    request = getattr(service, resource)().list(**params)
    try:
        result: dict[str, Any] = request.execute(num_retries=0)
    except HttpError as error:
        raise _refusal(error.status_code, error.content, api_key) from None
    return result


def _refusal(status: int, content: bytes, api_key: str) -> _YouTubeRefused:
    reasons: list[str] = []
    message = ""
    try:
        error = json.loads(content.decode("utf-8")).get("error", {})
        message = str(error.get("message", ""))
        # details[].reason (API_KEY_INVALID) is more specific than errors[].reason (badRequest).
        for listed in ("details", "errors"):
            reasons += [str(i["reason"]) for i in error.get(listed) or [] if i.get("reason")]
    except (ValueError, AttributeError, TypeError):
        pass
    if api_key:
        message = message.replace(api_key, "***")
    return _YouTubeRefused(status, reasons[0] if reasons else "", message or f"HTTP {status}")


def _key_fix(refused: _YouTubeRefused) -> str:
    text = f"YouTube refused the key (HTTP {refused.status} {refused.reason}: {refused.message})"
    reasons = refused.reason
    if reasons in ("quotaExceeded", "dailyLimitExceeded"):
        return f"{text}; today's quota is used up: wait for midnight Pacific or use another key"
    if reasons in ("accessNotConfigured", "SERVICE_DISABLED"):
        return f"{text}; enable 'YouTube Data API v3' for the key's project in Google Cloud Console"
    return (
        f"{text}; create a key in Google Cloud Console (APIs & Services → Credentials) with "
        "YouTube Data API v3 enabled, and set YOUTUBE_API_KEY"
    )


async def check_youtube(config: Config, settings: Settings, report: Report) -> None:
    youtube = config.youtube
    api_key = settings.youtube_api_key.get_secret_value()
    if not youtube.channel and not youtube.video_id:
        report.add(
            "warning",
            "youtube",
            "[youtube] channel and video_id are empty: the live relay is off",
        )
        return
    if not api_key:
        report.add(
            "problem",
            "youtube key",
            "YOUTUBE_API_KEY is not set: the live relay stays off; create a key in Google Cloud "
            "Console (APIs & Services → Credentials) with YouTube Data API v3 enabled",
        )
        return
    base = settings.youtube_api_base

    async def call(resource: str, **params: str) -> dict[str, Any]:
        return await asyncio.to_thread(_youtube_call, api_key, base, resource, **params)

    channel_id = ""
    try:
        if youtube.channel:
            key = "forHandle" if youtube.channel.startswith("@") else "id"
            answer = await call("channels", part="id,snippet", **{key: youtube.channel})
            report.add("ok", "youtube key", "accepted by the YouTube Data API")
            items = answer.get("items") or []
            if items:
                channel_id = str(items[0]["id"])
                title = items[0].get("snippet", {}).get("title", "")
                report.add(
                    "ok", "youtube channel", f"{youtube.channel} is {channel_id} ({title!r})"
                )
            else:
                report.add(
                    "problem",
                    "youtube channel",
                    f"YouTube knows no channel {youtube.channel}; copy the handle (@name) or the "
                    "UC… id from the channel page into [youtube] channel",
                )
        if youtube.video_id:
            answer = await call("videos", part="snippet,liveStreamingDetails", id=youtube.video_id)
            if not youtube.channel:
                report.add("ok", "youtube key", "accepted by the YouTube Data API")
            _check_video(youtube.video_id, answer, channel_id, report)
        else:
            report.add(
                "warning",
                "youtube stream",
                "[youtube] video_id is empty: the relay finds the stream on the channel "
                "(set it once the stream is scheduled to be sure)",
            )
    except _YouTubeRefused as refused:
        if refused.status in (400, 403):
            report.add("problem", "youtube key", _key_fix(refused))
        else:
            report.add(
                "problem",
                "youtube",
                f"YouTube answered HTTP {refused.status} ({refused.message}); try again later",
            )
        return
    except (OSError, TimeoutError) as error:
        report.add(
            "problem",
            "youtube",
            f"cannot reach YouTube at {base} ({type(error).__name__}); check the network",
        )
        return
    for day, units in estimate_units(config).items():
        text = f"about {units:,} units on {day} (Pacific quota day) of daily_quota {youtube.daily_quota:,}"
        if units > youtube.daily_quota:
            report.add(
                "problem",
                "youtube quota",
                f"{text}; the relay would slow down to fit: raise poll_active or daily_quota",
            )
        else:
            report.add("ok", "youtube quota", text)


def _check_video(video_id: str, answer: dict[str, Any], channel_id: str, report: Report) -> None:
    items = answer.get("items") or []
    if not items:
        report.add(
            "problem",
            "youtube stream",
            f"video {video_id} does not exist or is private; fix [youtube] video_id (or leave it "
            "empty to let the relay find the stream)",
        )
        return
    item = items[0]
    snippet = item.get("snippet") or {}
    details = item.get("liveStreamingDetails")
    title = snippet.get("title", "")
    if details is None:
        report.add("warning", "youtube stream", f"{video_id} ({title!r}) is not a live stream")
        return
    state = str(snippet.get("liveBroadcastContent", "none"))
    if state == "upcoming":
        text = f"{video_id} ({title!r}) is scheduled for {details.get('scheduledStartTime', '?')}"
    elif state == "live":
        text = f"{video_id} ({title!r}) is live now"
    elif details.get("actualEndTime"):
        report.add(
            "warning",
            "youtube stream",
            f"{video_id} ({title!r}) has already ended: wrong video_id?",
        )
        return
    else:
        text = f"{video_id} ({title!r}) exists ({state})"
    if channel_id and snippet.get("channelId") and snippet["channelId"] != channel_id:
        report.add(
            "warning", "youtube stream", f"{text}, but on another channel than [youtube] channel"
        )
        return
    report.add("ok", "youtube stream", text)


# -- running it -------------------------------------------------------------------------------------


async def preflight(
    config: Config, settings: Settings, *, data_dir: Path, clock: Clock | None = None
) -> Report:
    report = Report()
    check_event(config, (clock or SystemClock()).now(), report)
    check_data_dir(data_dir, report)
    await check_discord(config, settings, data_dir, report)
    await check_youtube(config, settings, report)
    return report


def summary(report: Report) -> str:
    problems, warnings = report.problems, report.warnings
    if problems:
        subjects = ", ".join(dict.fromkeys(c.subject for c in problems))
        return (
            f"NOT READY: {len(problems)} problem(s) ({subjects}) and {len(warnings)} warning(s); "
            "fix the PROBLEM lines and run preflight again"
        )
    return f"ready for the day ({len(warnings)} warning(s))"


async def run_preflight(
    config: Config,
    settings: Settings,
    *,
    data_dir: Path,
    out: TextIO,
    clock: Clock | None = None,
) -> int:
    report = await preflight(config, settings, data_dir=data_dir, clock=clock)
    for check in report.checks:
        out.write(check.line() + "\n")
    out.write(summary(report) + "\n")
    return 2 if report.problems else 0
