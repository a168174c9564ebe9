"""The per-user cooldown: discord.py's token window, decided the same way, with old windows dropped.
(End to end, the refusal text: tests/bot/test_bot_e2e.py and tests/cogs/schedule/test_commands.py.)"""

from __future__ import annotations

import random

import pytest
from discord import app_commands

from bot.cooldown import UserCooldown


def test_one_use_per_window_per_user() -> None:
    limit = UserCooldown(1, 15.0)
    assert limit.hit(1, 100.0) is None
    assert limit.hit(1, 104.0) == pytest.approx(11.0)
    assert limit.hit(2, 104.0) is None  # another user has their own window
    assert limit.hit(1, 115.0) == pytest.approx(0.0)  # the window includes its last instant
    assert limit.hit(1, 115.5) is None  # then a new one starts


def test_rate_uses_then_refusals_until_the_window_ends() -> None:
    limit = UserCooldown(5, 30.0)
    assert [limit.hit(7, 10.0 + i) for i in range(5)] == [None] * 5
    assert limit.hit(7, 16.0) == pytest.approx(24.0)
    # Refused uses do not move the window: it still ends 30 s after the first use.
    assert limit.hit(7, 39.0) == pytest.approx(1.0)
    assert limit.hit(7, 40.5) is None


def test_ended_windows_are_dropped_without_changing_answers() -> None:
    limit = UserCooldown(1, 10.0)
    for user in range(500):
        assert limit.hit(user, 0.0) is None
    assert len(limit) == 500
    assert limit.hit(9999, 11.0) is None  # the first call after a window sweeps
    assert len(limit) == 1
    assert limit.hit(3, 11.5) is None  # a swept user starts afresh, as before the sweep
    assert limit.hit(3, 12.0) == pytest.approx(9.5)


def test_rejects_a_meaningless_limit() -> None:
    with pytest.raises(ValueError, match="at least one use"):
        UserCooldown(0, 10.0)
    with pytest.raises(ValueError, match="at least one use"):
        UserCooldown(1, 0.0)


@pytest.mark.parametrize(("rate", "per"), [(1, 15.0), (5, 30.0), (2, 3.0)])
def test_same_decisions_as_discord_py(rate: int, per: float) -> None:
    """Random traffic from a few users: allowed or refused, and the retry-after, exactly as
    discord.py's Cooldown buckets (one per user) decide."""
    rng = random.Random(rate * 1000 + int(per))
    ours = UserCooldown(rate, per)
    theirs: dict[int, app_commands.Cooldown] = {}
    now = 1_000.0
    for _ in range(3000):
        now += rng.choice([0.0, 0.1, 0.5, 1.0, 2.5, per / 2, per, per + 0.01])
        user = rng.randrange(6)
        expected = theirs.setdefault(user, app_commands.Cooldown(rate, per)).update_rate_limit(now)
        got = ours.hit(user, now)
        if expected is None:
            assert got is None
        else:
            assert got == pytest.approx(expected)
