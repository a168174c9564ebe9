from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.app_commands import locale_str
from discord.ext import commands

from bot.cooldown import per_user_cooldown
from bot.i18n import locale_for
from bot.mentions import NO_MENTIONS
from bot.timefmt import discord_ts, hhmm, zone_label

if TYPE_CHECKING:
    from bot.core import CompanionBot
    from bot.services import Services


#: /about posts publicly; one viewer may ask once per this many seconds so nobody can flood a channel.
VIEWER_COOLDOWN_SECONDS = 15.0


async def about_embed(services: Services, locale: str) -> discord.Embed:
    config = services.config
    t = services.t
    # The day as it runs now: a moderator's /admin delay moves it.
    times = list((await services.program_times()).values())
    start, end = (
        (min(s for s, _ in times), max(e for _, e in times))
        if times
        else (config.starts_at, config.ends_at)
    )
    when = t(
        "about.when",
        locale,
        start=discord_ts(start, "F"),
        end=discord_ts(end, "t"),
        relative=discord_ts(start, "R"),
        local_start=hhmm(start, config.tz),
        local_end=hhmm(end, config.tz),
        zone=zone_label(start, config.tz),
        date=start.strftime("%Y-%m-%d"),
    )
    embed = discord.Embed(title=config.event.name.get(locale), colour=discord.Colour.blurple())
    embed.add_field(name=t("about.field.when", locale), value=when, inline=False)
    embed.add_field(
        name=t("about.field.where", locale), value=config.event.venue.get(locale), inline=False
    )
    link = config.youtube.stream_link
    embed.add_field(
        name=t("about.field.watch", locale),
        value=t("about.watch", locale, link=link) if link else t("about.no_stream", locale),
        inline=False,
    )
    return embed


class AboutCog(commands.Cog):
    def __init__(self, services: Services) -> None:
        self.services = services

    @app_commands.command(
        name=locale_str("about", key="cmd.about.name"),
        description=locale_str(
            "When and where the event is, and where to watch", key="cmd.about.description"
        ),
    )
    @per_user_cooldown(1, VIEWER_COOLDOWN_SECONDS)
    async def about(self, interaction: discord.Interaction[CompanionBot]) -> None:
        locale = locale_for(interaction.locale)
        await interaction.response.send_message(
            embed=await about_embed(self.services, locale), allowed_mentions=NO_MENTIONS
        )
