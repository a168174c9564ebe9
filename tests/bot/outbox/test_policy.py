"""The outbox's pure decisions: identity of a message, backoff, and the next step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox._policy import (
    BACKOFF_CAP,
    MARKER_LENGTH,
    NONCE_LENGTH,
    NONCE_WINDOW,
    Step,
    backoff,
    identity,
    next_step,
)

T0 = datetime(2022, 12, 15, 4, 0, tzinfo=UTC)


def test_identity_is_deterministic_short_and_salted() -> None:
    nonce, marker = identity("salt", "reminder:guild:1:lecture:-600")
    assert (nonce, marker) == identity("salt", "reminder:guild:1:lecture:-600")
    assert len(nonce) <= NONCE_LENGTH
    assert len(marker) == MARKER_LENGTH
    assert marker.isalnum()
    assert marker == marker.lower()
    assert identity("other", "reminder:guild:1:lecture:-600") != (nonce, marker)
    assert identity("salt", "reminder:guild:1:lecture:0")[0] != nonce


def test_markers_of_a_day_do_not_collide() -> None:
    keys = [f"reminder:guild:{g}:{s}:{o}" for g in range(3) for s in range(40) for o in range(4)]
    markers = {identity("salt", key)[1] for key in keys}
    assert len(markers) == len(keys)


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff(n).total_seconds() for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]
    assert backoff(10_000) == BACKOFF_CAP
    assert backoff(0) == timedelta(0)


@pytest.mark.parametrize(
    ("elapsed", "unsure_for", "attempts", "expected"),
    [
        # Nothing doubtful yet: send, at least once even with no grace.
        (0, None, 0, Step.SEND),
        (120, None, 0, Step.SEND),
        # Doubt within the nonce window: the nonce makes a repeat safe.
        (5, 5, 1, Step.SEND),
        # Doubt past the window: look before sending.
        (70, 60, 3, Step.LOOK),
        # Grace over: look if in doubt, else give up.
        (100, 10, 4, Step.LOOK),
        (100, None, 4, Step.GIVE_UP),
    ],
)
def test_next_step(elapsed: int, unsure_for: int | None, attempts: int, expected: Step) -> None:
    now = T0 + timedelta(seconds=elapsed)
    unsure = None if unsure_for is None else now - timedelta(seconds=unsure_for)
    deadline = T0 + timedelta(seconds=90)
    assert next_step(now, deadline=deadline, unsure_since=unsure, attempts=attempts) is expected


def test_the_window_is_well_inside_discords_few_minutes() -> None:
    assert timedelta(0) < NONCE_WINDOW <= timedelta(minutes=2)
