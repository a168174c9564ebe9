"""Program schedule and reminders: ``/schedule``, ``/next``, ``/remind``, ``/admin delay``,
``/admin reminders``, reminder posts and the day's Discord Scheduled Event (docs/schedule.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core import CompanionBot

#: Loaded before the other features (they load in this order, then by name): a reminder that fell
#: due while the bot was down goes out at once, and the others read the program with its delays.
LOAD_ORDER = 0


async def setup(bot: CompanionBot) -> None:
    from cogs.schedule._admin import ScheduleAdminCog
    from cogs.schedule._cog import ScheduleCog
    from cogs.schedule._feature import ScheduleFeature

    feature = ScheduleFeature(bot)
    await bot.add_cog(ScheduleCog(feature))
    await bot.add_cog(ScheduleAdminCog(feature))
