"""``/healthz`` and ``/metrics``: the verdict's rules with an injected clock, then both endpoints
served by the real bot against the stand-ins."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import FrozenClock
from bot.config import Config, OpsSection
from bot.ops.health import GatewayWatch, HealthReadings, assess, http_endpoint, next_reminder
from bot.program import effective_program
from bot.rehearsal.discord_standin import DiscordStandIn
from bot.rehearsal.run import standin_settings
from bot.rehearsal.youtube_standin import YouTubeStandIn
from bot.settings import SecretStr, Settings
from tests.bot.ops.conftest import free_port, get, sample
from tests.conftest import Launcher

T0 = datetime(2026, 12, 15, 3, 0, tzinfo=UTC)


def readings(**changes: object) -> HealthReadings:
    base = HealthReadings(
        now=T0,
        started_at=T0 - timedelta(hours=1),
        version="0.1.0",
        gateway_connected=True,
        gateway_down_for=None,
        gateway_latency=0.042,
        reconnects=0,
        resumes=0,
        scheduler_running=True,
        database_error=None,
        youtube_mode="active",
        youtube_last_success=T0 - timedelta(seconds=8),
        next_reminder=None,
    )
    return base.__class__(**{**base.__dict__, **changes})


def test_gateway_outage_counts_from_the_first_disconnect_not_the_latest_attempt() -> None:
    clock = FrozenClock(T0)
    watch = GatewayWatch(clock)
    assert watch.down_for(clock.now()) == timedelta(0)  # not yet connected: down since start
    watch.up(resumed=False)
    assert watch.down_for(clock.now()) is None
    clock.advance(timedelta(minutes=5))
    watch.down()
    for _ in range(3):  # three failed reconnect attempts, each another disconnect
        clock.advance(timedelta(seconds=12))
        watch.down()
    assert watch.down_for(clock.now()) == timedelta(seconds=36)
    assert not assess(readings(gateway_down_for=watch.down_for(clock.now()))).healthy
    watch.up(resumed=True)
    assert watch.down_for(clock.now()) is None
    assert (watch.reconnects, watch.resumes) == (1, 1)
    watch.down()
    watch.up(resumed=False)  # a new session this time
    assert (watch.reconnects, watch.resumes) == (2, 1)


def test_the_verdict_and_its_body() -> None:
    healthy = assess(readings(gateway_down_for=timedelta(seconds=30)))  # 30 s is still fine
    assert healthy.status_code == 200
    assert healthy.body["status"] == "ok"
    assert healthy.body["gateway"]["latency_ms"] == 42.0
    assert healthy.body["youtube"]["seconds_since_last_success"] == 8.0
    sick = assess(
        readings(
            gateway_connected=False,
            gateway_down_for=timedelta(seconds=31),
            gateway_latency=float("inf"),
            scheduler_running=False,
            database_error="database or disk is full",
        )
    )
    assert sick.status_code == 503
    assert sick.body["status"] == "unhealthy"
    assert sick.body["problems"] == [
        "gateway disconnected for 31 s (more than 30 s)",
        "scheduler stopped: reminders cannot fire",
        "database cannot be written: database or disk is full",
    ]
    assert sick.body["gateway"]["latency_ms"] is None  # JSON has no infinity
    assert set(sick.body) == set(healthy.body)  # the same body either way


def test_before_the_first_ready_a_scheduler_not_yet_started_is_no_problem() -> None:
    # The scheduler starts with the features, right after READY; the start-up's wait for READY
    # is within the gateway's grace.
    starting = assess(
        readings(
            gateway_connected=False,
            gateway_down_for=timedelta(seconds=2),
            scheduler_running=False,
            starting=True,
        )
    )
    assert starting.status_code == 200
    assert starting.body["scheduler"] == {"running": False, "starting": True}
    stopped = assess(readings(scheduler_running=False))
    assert stopped.body["problems"] == ["scheduler stopped: reminders cannot fire"]


def test_next_reminder_follows_the_program_as_it_runs(base_config: Config) -> None:
    sessions = effective_program(base_config)
    first = sessions[0].start
    found = next_reminder(sessions, base_config.reminders.before, first - timedelta(minutes=20))
    assert found is not None
    assert (found.session_id, found.before, found.due) == (
        sessions[0].id,
        timedelta(minutes=10),
        first - timedelta(minutes=10),
    )
    assert next_reminder(sessions, base_config.reminders.before, base_config.ends_at) is None


def test_the_endpoint_is_off_by_default_and_the_environment_overrides_the_config(
    base_config: Config,
) -> None:
    assert http_endpoint(base_config, Settings()) is None
    on = dataclasses.replace(base_config, ops=OpsSection(http_port=9100))
    assert http_endpoint(on, Settings()) == ("127.0.0.1", 9100)
    assert http_endpoint(base_config, Settings(http_port=8080, http_host="0.0.0.0")) == (
        "0.0.0.0",
        8080,
    )
    assert http_endpoint(on, Settings(http_port=0)) is None


@pytest.fixture
async def youtube() -> AsyncIterator[YouTubeStandIn]:
    async with YouTubeStandIn() as standin:
        yield standin


async def test_both_endpoints_against_the_standins(
    launch: Launcher,
    standin: DiscordStandIn,
    youtube: YouTubeStandIn,
    event_config: Config,
    tmp_path: Path,
) -> None:
    port = free_port()
    tomorrow = datetime.now(UTC).date() + timedelta(days=1)
    config = dataclasses.replace(
        event_config, event=dataclasses.replace(event_config.event, date=tomorrow)
    )
    settings = standin_settings(
        standin,
        Settings(
            youtube_api_key=SecretStr("yt-secret-key-123"),
            youtube_api_base=youtube.api_base,
            youtube_feed_base=youtube.feed_base,
            http_port=port,
        ),
    )
    youtube.api_key = "yt-secret-key-123"
    running = await launch(config=config, settings=settings)
    bot = running.bot
    await youtube.wait_until(
        lambda: youtube.calls["videos.list"] + youtube.calls["channels.list"] > 0
    )

    status, text, body = await get(port, "/healthz")
    assert status == 200, text
    assert body["status"] == "ok"
    assert body["gateway"]["connected"] is True
    assert body["scheduler"]["running"] is True
    assert body["database"] == {"writable": True, "error": None}
    assert body["next_reminder"]["session"] == config.program[0].id
    assert body["next_reminder"]["minutes_before"] == 30

    handle = await standin.slash("member", name="about", locale="en-US")
    await handle.response()
    cursor = standin.cursor()
    await standin.drop_gateway()
    await standin.wait_for_gateway_event(event="RESUMED", direction="sent", after=cursor)
    await standin.gateway_barrier()

    status, metrics, _ = await get(port, "/metrics")
    assert status == 200
    assert sample(metrics, 'ccei_interactions_total{command="about",outcome="ok"}') == 1.0
    assert sample(metrics, 'ccei_interaction_duration_seconds_count{command="about"}') == 1.0
    assert sample(metrics, "ccei_gateway_resumes_total") == 1.0
    assert sample(metrics, "ccei_gateway_reconnects_total") == 1.0
    assert sample(metrics, "ccei_gateway_connected") == 1.0
    assert sample(metrics, "ccei_scheduler_running") == 1.0
    assert sample(metrics, "ccei_database_writable") == 1.0
    assert sample(metrics, 'ccei_faq_replies_total{outcome="answered",via="command"}') == 0.0
    assert sample(metrics, "ccei_youtube_units_left_today") is not None
    assert sample(metrics, 'ccei_youtube_calls_today{outcome="ok"}') is not None
    assert bot.gateway_watch.resumes == 1

    _, health_text, _ = await get(port, "/healthz")
    for secret in (standin.token, "yt-secret-key-123"):
        assert secret not in metrics
        assert secret not in health_text
