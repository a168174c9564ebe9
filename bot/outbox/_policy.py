"""The outbox's decisions as pure functions: a message's nonce and marker, and what to do next.

No I/O here: the driver (``_outbox.py``) feeds in the clock and the stored intent.
"""

from __future__ import annotations

import base64
import enum
import hashlib
from datetime import datetime, timedelta

#: Discord accepts a message nonce of at most 25 characters.
NONCE_LENGTH = 25
MARKER_LENGTH = 6

#: How long after a POST the outbox trusts Discord's nonce check to return that message instead
#: of creating a second one. Discord says "the past few minutes"; a minute keeps a wide margin.
#: Past it, the channel's history is read before anything is sent again.
NONCE_WINDOW = timedelta(minutes=1)

#: Pauses between attempts (event time): doubling from the first, never longer than the cap.
BACKOFF_FIRST = timedelta(seconds=1)
BACKOFF_CAP = timedelta(seconds=30)


def identity(salt: str, key: str) -> tuple[str, str]:
    """The (nonce, marker) of the message stored under ``key``: deterministic, so every attempt
    and every restart sends the same nonce; salted with the installation's random id, so a fresh
    database (a new rehearsal in the same channel) never matches an earlier run's messages."""
    digest = hashlib.sha256(f"{salt}\0{key}".encode()).digest()
    nonce = "o" + digest[:12].hex()[: NONCE_LENGTH - 1]
    marker = base64.b32encode(digest[12:17]).decode("ascii").lower()[:MARKER_LENGTH]
    return nonce, marker


def backoff(attempt: int) -> timedelta:
    """The pause after the ``attempt``-th failed attempt (1-based): 1, 2, 4, 8, 16, 30, 30 ... s."""
    if attempt < 1:
        return timedelta(0)
    doubled: timedelta = BACKOFF_FIRST * (1 << min(attempt - 1, 16))
    return min(BACKOFF_CAP, doubled)


class Step(enum.Enum):
    #: POST (again) with the same nonce.
    SEND = "send"
    #: Read the channel's recent history for the marker before sending anything.
    LOOK = "look"
    #: The grace period is over: stop trying.
    GIVE_UP = "give_up"


def next_step(
    now: datetime,
    *,
    deadline: datetime,
    unsure_since: datetime | None,
    attempts: int,
    window: timedelta = NONCE_WINDOW,
) -> Step:
    """What to do for an unfinished message.

    ``unsure_since`` is the earliest attempt that may have created the message unseen. Within the
    nonce window a repeat is safe (Discord answers with that message); past it, or when giving up,
    only the channel's history can tell. A first attempt always happens, even with no grace.
    """
    if unsure_since is not None and (now - unsure_since >= window or now >= deadline):
        return Step.LOOK
    if attempts > 0 and now >= deadline:
        return Step.GIVE_UP
    return Step.SEND
