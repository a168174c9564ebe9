from __future__ import annotations

import logging
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.config import ConfigError, load_config
from bot.errors import UserError
from bot.guilds import GuildSettings, save_guild_changes
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS, only_role
from bot.outbox import Draft, Failed
from bot.text import clean_text, clip
from bot.timefmt import discord_ts
from bot.tree import only_for

if TYPE_CHECKING:
    from bot.core import CompanionBot

log = logging.getLogger(__name__)

ANNOUNCE_LIMIT = 1800  # leaves room for the role mention within Discord's 2000 characters
CONFIRM_TIMEOUT = 120.0
#: How long a confirmed announcement keeps being tried through Discord outages (the moderator's
#: "Posting…" reply is updated after that at the latest; the interaction lives 15 minutes).
ANNOUNCE_GRACE = timedelta(minutes=5)
#: Unfinished posts listed one by one in /admin status.
STATUS_OUTBOX_LINES = 5
OUTBOX_STATE_KEYS = {
    "pending": "admin.status.outbox_pending",
    "unknown": "admin.status.outbox_unknown",
}


def missing_channel_permissions(
    channel: discord.abc.GuildChannel, me: discord.Member, *, files: bool = False
) -> list[str]:
    perms = channel.permissions_for(me)
    needed = ["view_channel", "send_messages", "embed_links"] + (["attach_files"] if files else [])
    return [name for name in needed if not getattr(perms, name)]


class AnnounceConfirm(discord.ui.View):
    """Preview first: the announcement goes out only when its author presses Send."""

    def __init__(self, cog: AdminCog, author_id: int, locale: str, send: Any) -> None:
        super().__init__(timeout=CONFIRM_TIMEOUT)
        self.author_id = author_id
        self._send = send
        t = cog.bot.services.t
        self.confirm.label = t("admin.announce.send", locale)
        self.cancel.label = t("admin.announce.cancel", locale)
        self.locale = locale
        self.cog = cog

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return await only_for(interaction, self.author_id)

    @discord.ui.button(style=discord.ButtonStyle.danger, label="Send")
    async def confirm(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        # Stop first (a second click finds no view) and answer before posting, so a slow post
        # can neither time the click out nor tempt the moderator into sending it twice.
        self.stop()
        sending = self.cog.bot.services.t("admin.announce.sending", self.locale)
        await interaction.response.edit_message(content=sending, view=None)
        text = await self._send(interaction)
        await interaction.edit_original_response(content=text, allowed_mentions=NO_MENTIONS)

    @discord.ui.button(style=discord.ButtonStyle.secondary, label="Cancel")
    async def cancel(
        self, interaction: discord.Interaction[Any], button: discord.ui.Button[Any]
    ) -> None:
        self.stop()
        text = self.cog.bot.services.t("admin.announce.cancelled", self.locale)
        await interaction.response.edit_message(
            content=text, view=None, allowed_mentions=NO_MENTIONS
        )


class AdminCog(commands.Cog):
    admin_commands = ("status", "setup_cmd", "announce", "sync", "reload", "audit_log")

    def __init__(self, bot: CompanionBot) -> None:
        self.bot = bot
        self.services = bot.services

    # -- status ----------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("status", key="cmd.admin.status.name"),
        description=locale_str("Health of the bot at a glance", key="cmd.admin.status.description"),
    )
    async def status(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        await interaction.response.send_message(
            embed=await self.status_embed(locale), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    async def status_embed(self, locale: str) -> discord.Embed:
        services, t = self.services, self.services.t
        embed = discord.Embed(title=t("admin.status.title", locale), colour=discord.Colour.green())
        latency = self.bot.latency
        embed.add_field(
            name=t("admin.status.latency", locale),
            value="-"
            if latency != latency
            else f"{latency * 1000:.0f} ms",  # NaN before a heartbeat
        )
        embed.add_field(
            name=t("admin.status.uptime", locale), value=discord_ts(self.bot.started_at, "R")
        )
        embed.add_field(name=t("admin.status.version", locale), value=self.bot.version)
        jobs = services.scheduler.get_jobs()
        embed.add_field(name=t("admin.status.jobs", locale), value=str(len(jobs)))
        embed.add_field(
            name=t("admin.status.database", locale),
            value=f"{services.store.size_bytes() / 1024:.0f} KiB",
        )
        embed.add_field(
            name=t("admin.status.outbox", locale),
            value=await self.outbox_status(locale),
            inline=False,
        )
        for name, source in sorted(services.status_sources.items()):
            for field_name, value in await source.status_fields(locale):
                embed.add_field(name=field_name[:256], value=value[:1024] or "-", inline=False)
            log.debug("status from %s", name)
        return embed

    async def outbox_status(self, locale: str) -> str:
        """Posts the bot is still trying (or could not confirm): what a late post looks like."""
        t = self.services.t
        unfinished = await self.bot.outbox.unfinished()
        if not unfinished:
            return t("admin.status.outbox_none", locale)
        lines = [
            t(
                OUTBOX_STATE_KEYS.get(item.state, "admin.status.outbox_pending"),
                locale,
                ref=item.marker,
                key=clip(item.key, 80),
                attempts=item.attempts,
                since=discord_ts(item.since, "R"),
                error=clip(item.last_error, 80),
            ).strip()
            for item in unfinished[:STATUS_OUTBOX_LINES]
        ]
        if len(unfinished) > STATUS_OUTBOX_LINES:
            lines.append(
                t("admin.status.outbox_more", locale, count=len(unfinished) - STATUS_OUTBOX_LINES)
            )
        return clip("\n".join(lines), 1024)

    # -- setup -----------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("setup", key="cmd.admin.setup.name"),
        description=locale_str(
            "Choose the channels and roles the bot uses here", key="cmd.admin.setup.description"
        ),
    )
    @app_commands.describe(
        announce_channel=locale_str("Announcements and reminders", key="cmd.admin.setup.announce"),
        qna_channel=locale_str("Viewer questions for the speakers", key="cmd.admin.setup.qna"),
        audit_channel=locale_str("Log of moderator actions", key="cmd.admin.setup.audit"),
        reminder_role=locale_str(
            "Role pinged by reminders (opt-in)", key="cmd.admin.setup.reminder"
        ),
        moderator_role=locale_str("Role allowed to use /admin", key="cmd.admin.setup.moderator"),
        locale=locale_str("Language of channel posts", key="cmd.admin.setup.locale"),
    )
    async def setup_cmd(
        self,
        interaction: discord.Interaction[CompanionBot],
        announce_channel: discord.TextChannel | None = None,
        qna_channel: discord.TextChannel | None = None,
        audit_channel: discord.TextChannel | None = None,
        reminder_role: discord.Role | None = None,
        moderator_role: discord.Role | None = None,
        locale: Literal["ko", "en"] | None = None,
    ) -> None:
        user_locale = locale_for(interaction.locale)
        guild = interaction.guild
        assert guild is not None  # guild-only group
        before = await self.services.guild(guild.id)
        changes: dict[str, Any] = {}
        for key, channel in (
            ("announce_channel_id", announce_channel),
            ("qna_channel_id", qna_channel),
            ("audit_channel_id", audit_channel),
        ):
            if channel is not None:
                changes[key] = channel.id
        for key, role in (
            ("reminder_role_id", reminder_role),
            ("moderator_role_id", moderator_role),
        ):
            if role is not None:
                if role.is_default() or role.managed:
                    raise UserError("admin.setup.bad_role", role=role.name)
                changes[key] = role.id
        if locale is not None:
            changes["locale"] = locale
        after = replace(before, **changes)
        if changes:
            await save_guild_changes(self.services.store, guild.id, changes)
            await self.bot.audit(
                interaction, "setup", before=before.as_dict(), after=after.as_dict()
            )
        await interaction.response.send_message(
            self.describe_setup(guild, after, user_locale, changed=bool(changes)),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    def describe_setup(
        self, guild: discord.Guild, settings: GuildSettings, locale: str, *, changed: bool
    ) -> str:
        t = self.services.t
        unset = t("admin.setup.unset", locale)
        lines = [t("admin.setup.saved" if changed else "admin.setup.current", locale)]

        def channel_line(label_key: str, channel_id: int, *, files: bool = False) -> None:
            channel = guild.get_channel(channel_id) if channel_id else None
            value = channel.mention if channel else unset
            lines.append(f"- {t(label_key, locale)}: {value}")
            if isinstance(channel, discord.abc.GuildChannel):
                missing = missing_channel_permissions(channel, guild.me, files=files)
                if missing:
                    lines.append(
                        "  ⚠️ " + t("admin.setup.missing", locale, permissions=", ".join(missing))
                    )

        channel_line("admin.setup.label.announce", settings.announce_channel_id, files=True)
        channel_line("admin.setup.label.qna", settings.qna_channel_id)
        channel_line("admin.setup.label.audit", settings.audit_channel_id)
        for label_key, role_id in (
            ("admin.setup.label.reminder", settings.reminder_role_id),
            ("admin.setup.label.moderator", settings.moderator_role_id),
        ):
            role = guild.get_role(role_id) if role_id else None
            lines.append(f"- {t(label_key, locale)}: {role.mention if role else unset}")
        reminder_role = guild.get_role(settings.reminder_role_id)
        me = guild.me.guild_permissions
        if reminder_role and not (reminder_role.mentionable or me.mention_everyone):
            lines.append("  ⚠️ " + t("admin.setup.role_not_mentionable", locale))
        if not (me.manage_events or me.create_events):
            lines.append("  ⚠️ " + t("admin.setup.no_events", locale))
        lines.append(f"- {t('admin.setup.label.locale', locale)}: {settings.locale}")
        return "\n".join(lines)[:2000]

    # -- announce --------------------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("announce", key="cmd.admin.announce.name"),
        description=locale_str(
            "Post an announcement (preview first)", key="cmd.admin.announce.description"
        ),
    )
    @app_commands.describe(
        message=locale_str("The announcement text", key="cmd.admin.announce.message"),
        ping_role=locale_str(
            "Also ping the opt-in reminder role", key="cmd.admin.announce.ping_role"
        ),
    )
    async def announce(
        self,
        interaction: discord.Interaction[CompanionBot],
        message: app_commands.Range[str, 1, ANNOUNCE_LIMIT],
        ping_role: bool = False,
    ) -> None:
        locale = locale_for(interaction.locale)
        text = clean_text(message, max_length=ANNOUNCE_LIMIT)
        assert interaction.guild is not None
        settings = await self.services.guild(interaction.guild.id)
        channel = interaction.guild.get_channel(settings.announce_channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise UserError("admin.announce.no_channel")
        role_id = settings.reminder_role_id if ping_role else 0
        if ping_role and not role_id:
            raise UserError("admin.announce.no_role")
        content = f"<@&{role_id}> {text}" if role_id else text

        async def send(confirm: discord.Interaction[Any]) -> str:
            # Keyed by the /admin announce interaction: one confirmed preview, one post, even
            # through a 503, a timeout or a restart of the bot mid-post.
            posted = await self.bot.outbox.post(
                channel.id,
                key=f"announce:{channel.guild.id}:{interaction.id}",
                draft=Draft.of(content, mentions=only_role(role_id)),
                grace=ANNOUNCE_GRACE,
                guild_id=channel.guild.id,
            )
            if isinstance(posted, Failed):
                log.warning("announcement to %s not posted: %s", channel.id, posted)
                reply = (
                    "admin.announce.uncertain" if posted.maybe_posted else "admin.announce.failed"
                )
                return self.services.t(reply, locale, channel=channel.mention)
            await self.bot.audit(
                confirm,
                "announce",
                after={"channel": channel.id, "message": posted.message_id, "text": text},
            )
            return self.services.t("admin.announce.sent", locale, link=posted.jump_url)

        preview = self.services.t("admin.announce.preview", locale, channel=channel.mention)
        await interaction.response.send_message(
            f"{preview}\n\n{content}",
            view=AnnounceConfirm(self, interaction.user.id, locale, send),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    # -- sync / reload / audit -------------------------------------------------------------------

    @app_commands.command(
        name=locale_str("sync", key="cmd.admin.sync.name"),
        description=locale_str("Re-sync the slash commands", key="cmd.admin.sync.description"),
    )
    async def sync(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        await interaction.response.defer(ephemeral=True, thinking=True)
        synced = await self.bot.sync_commands_if_changed(force=True)
        await self.bot.audit(interaction, "sync", after={"synced": synced})
        key = "admin.sync.done" if synced else "admin.sync.failed"
        await interaction.followup.send(
            self.services.t(key, locale), ephemeral=True, allowed_mentions=NO_MENTIONS
        )

    @app_commands.command(
        name=locale_str("reload", key="cmd.admin.reload.name"),
        description=locale_str("Reload the event config file", key="cmd.admin.reload.description"),
    )
    async def reload(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        path = self.services.settings.config_path
        try:
            config = load_config(path)
        except ConfigError as error:
            problems = "\n".join(error.problems[:10])
            raise UserError("admin.reload.invalid", problems=problems[:1500]) from None
        old = self.services.config
        self.services.config = config
        self.bot.dispatch("config_reloaded", old, config)
        await self.bot.audit(interaction, "reload", after={"path": str(path)})
        await interaction.response.send_message(
            self.services.t("admin.reload.done", locale, sessions=len(config.program)),
            ephemeral=True,
            allowed_mentions=NO_MENTIONS,
        )

    @app_commands.command(
        name=locale_str("audit", key="cmd.admin.audit.name"),
        description=locale_str("Recent moderator actions", key="cmd.admin.audit.description"),
    )
    async def audit_log(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        entries = await self.services.store.audit_entries(interaction.guild_id or 0, limit=15)
        if not entries:
            text = self.services.t("admin.audit.empty", locale)
        else:
            text = "\n".join(f"`{e['at'][:19]}` <@{e['user_id']}> `{e['action']}`" for e in entries)
        await interaction.response.send_message(
            text[:2000], ephemeral=True, allowed_mentions=NO_MENTIONS
        )
