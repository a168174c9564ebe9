"""Per-viewer rate limits on public commands: at most ``rate`` uses per ``per`` seconds, per user.

The same token window as discord.py's ``app_commands.checks.cooldown`` and the same refusal
(``CommandOnCooldown``, answered by the tree), but cheaper with a large audience: discord.py walks
every user it has seen on each call to drop expired windows (~0.2 ms a call with 500 viewers);
this drops them at most once per window. Time comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from discord import app_commands

if TYPE_CHECKING:
    import discord

    from bot.core import CompanionBot

T = TypeVar("T")


class UserCooldown:
    """Each user's window starts at their first use and allows ``rate`` uses until ``per``
    seconds later; then the next use starts a new window."""

    def __init__(self, rate: int, per: float) -> None:
        if rate < 1 or per <= 0:
            raise ValueError("a cooldown needs at least one use per a positive number of seconds")
        self.rate = rate
        self.per = per
        #: user id → [window start, uses in it]
        self._windows: dict[int, list[float]] = {}
        self._swept = 0.0

    def hit(self, user_id: int, now: float) -> float | None:
        """Count one use by ``user_id`` at ``now`` (seconds); the seconds until the window ends
        when it was one use too many (refused uses count too, as in discord.py), else None."""
        if now > self._swept + self.per:
            self._sweep(now)
        window = self._windows.get(user_id)
        if window is None or now > window[0] + self.per:
            self._windows[user_id] = [now, 1.0]
            return None
        window[1] += 1
        if window[1] > self.rate:
            return self.per - (now - window[0])
        return None

    def _sweep(self, now: float) -> None:
        # An ended window behaves like no window at all: dropping it changes no answer.
        self._windows = {
            user: window for user, window in self._windows.items() if now <= window[0] + self.per
        }
        self._swept = now

    def __len__(self) -> int:
        return len(self._windows)


def per_user_cooldown(rate: int, per: float) -> Callable[[T], T]:
    """An app-command check: ``rate`` uses per ``per`` seconds for each user (one limit per
    command it decorates)."""
    limit = UserCooldown(rate, per)

    async def predicate(interaction: discord.Interaction[Any]) -> bool:
        bot: CompanionBot = interaction.client
        retry_after = limit.hit(interaction.user.id, bot.services.clock.now().timestamp())
        if retry_after is None:
            return True
        raise app_commands.CommandOnCooldown(app_commands.Cooldown(rate, per), retry_after)

    return app_commands.check(predicate)
