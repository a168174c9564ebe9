"""Program schedule and reminders: ``/schedule``, ``/next``, ``/remind``, ``/admin delay``,
``/admin reminders``, reminder posts and the day's Discord Scheduled Event (docs/schedule.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cogs.schedule._admin import ScheduleAdminCog
from cogs.schedule._cog import ScheduleCog
from cogs.schedule._feature import ScheduleFeature

if TYPE_CHECKING:
    from bot.core import CompanionBot


async def setup(bot: CompanionBot) -> None:
    feature = ScheduleFeature(bot)
    await bot.add_cog(ScheduleCog(feature))
    await bot.add_cog(ScheduleAdminCog(feature))
