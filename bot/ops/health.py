"""Is the bot able to do its job? The gateway watch and the ``/healthz`` verdict.

The verdict is a pure function of readings (:func:`assess`), so its rules are tested without a
server, a gateway or a sleep: unhealthy when the gateway has been down for more than
:data:`GATEWAY_GRACE` (counted from the first disconnect after the last READY or RESUMED, not from
the latest reconnect attempt), when the scheduler is stopped, or when the database cannot be written.
Time is the injected clock's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import Clock
from bot.program import Session

if TYPE_CHECKING:
    from bot.config import Config
    from bot.settings import Settings

#: How long the gateway may be down before the bot counts as unhealthy (discord.py reconnects
#: and resumes by itself; a short drop is normal).
GATEWAY_GRACE = timedelta(seconds=30)


def http_endpoint(config: Config, settings: Settings) -> tuple[str, int] | None:
    """Where ``/healthz`` and ``/metrics`` listen, or None when off (port 0, the config's default).

    ``CCEI_HTTP_PORT`` / ``CCEI_HTTP_HOST`` override ``[ops]`` (the container image sets the port).
    """
    port = settings.http_port if settings.http_port is not None else config.ops.http_port
    host = settings.http_host or config.ops.http_host
    return (host, port) if port else None


class GatewayWatch:
    """The gateway connection as the bot saw it: fed by READY, RESUMED and disconnect events."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self.connected = False
        #: When the current outage began; the start-up counts as one until the first READY.
        self.down_since: datetime | None = clock.now()
        self.reconnects = 0
        self.resumes = 0
        self._ever_connected = False

    def up(self, *, resumed: bool) -> None:
        if self._ever_connected and not self.connected:
            self.reconnects += 1
            if resumed:
                self.resumes += 1
        self._ever_connected = True
        self.connected = True
        self.down_since = None

    @property
    def ever_connected(self) -> bool:
        """Whether a first READY has come (the features load, and the scheduler starts, then)."""
        return self._ever_connected

    def down(self) -> None:
        # Only the first disconnect of an outage starts the count: failed reconnect attempts
        # (each one another disconnect) must not reset it.
        if self.connected or self.down_since is None:
            self.down_since = self._clock.now()
        self.connected = False

    def down_for(self, now: datetime) -> timedelta | None:
        return None if self.down_since is None else max(timedelta(0), now - self.down_since)


@dataclass(frozen=True)
class NextReminder:
    session_id: str
    before: timedelta
    due: datetime


def next_reminder(
    sessions: Sequence[Session], offsets: Sequence[timedelta], now: datetime
) -> NextReminder | None:
    """The next reminder due from the program as it runs now (after delays)."""
    upcoming = [
        NextReminder(session.id, offset, session.start - offset)
        for session in sessions
        for offset in offsets
        if session.start - offset >= now
    ]
    return min(upcoming, key=lambda r: r.due, default=None)


@dataclass(frozen=True)
class HealthReadings:
    now: datetime
    started_at: datetime
    version: str
    gateway_connected: bool
    gateway_down_for: timedelta | None
    gateway_latency: float | None
    reconnects: int
    resumes: int
    scheduler_running: bool
    database_error: str | None
    youtube_mode: str | None
    youtube_last_success: datetime | None
    next_reminder: NextReminder | None
    #: Before the first READY: the scheduler starts with the features, right after it.
    starting: bool = False


@dataclass(frozen=True)
class HealthReport:
    healthy: bool
    problems: tuple[str, ...]
    body: dict[str, Any]

    @property
    def status_code(self) -> int:
        return 200 if self.healthy else 503


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds(), 1)


def assess(readings: HealthReadings, *, grace: timedelta = GATEWAY_GRACE) -> HealthReport:
    """The verdict and the JSON body of ``/healthz`` (the same body for 200 and 503)."""
    r = readings
    problems: list[str] = []
    if r.gateway_down_for is not None and r.gateway_down_for > grace:
        problems.append(
            f"gateway disconnected for {r.gateway_down_for.total_seconds():.0f} s "
            f"(more than {grace.total_seconds():.0f} s)"
        )
    if not r.scheduler_running and not r.starting:
        problems.append("scheduler stopped: reminders cannot fire")
    if r.database_error is not None:
        problems.append(f"database cannot be written: {r.database_error}")
    latency = r.gateway_latency
    youtube_age = None if r.youtube_last_success is None else r.now - r.youtube_last_success
    body: dict[str, Any] = {
        "status": "unhealthy" if problems else "ok",
        "problems": problems,
        "version": r.version,
        "uptime_seconds": _seconds(r.now - r.started_at),
        "gateway": {
            "connected": r.gateway_connected,
            "latency_ms": (
                round(latency * 1000, 1) if latency is not None and math.isfinite(latency) else None
            ),
            "disconnected_seconds": _seconds(r.gateway_down_for),
            "reconnects": r.reconnects,
            "resumes": r.resumes,
        },
        "scheduler": {"running": r.scheduler_running, "starting": r.starting},
        "database": {"writable": r.database_error is None, "error": r.database_error},
        "youtube": {
            "mode": r.youtube_mode,
            "seconds_since_last_success": _seconds(youtube_age),
        },
        "next_reminder": (
            None
            if r.next_reminder is None
            else {
                "session": r.next_reminder.session_id,
                "minutes_before": int(r.next_reminder.before.total_seconds() // 60),
                "due": r.next_reminder.due.isoformat(),
                "due_in_seconds": _seconds(r.next_reminder.due - r.now),
            }
        ),
    }
    return HealthReport(not problems, tuple(problems), body)
