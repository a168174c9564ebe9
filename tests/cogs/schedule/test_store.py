from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bot.program import DelayPlan, effective_program, plan_delay
from bot.store import MIGRATIONS_DIR, Store
from cogs.schedule._reminders import LedgerState, Reminder, ReminderPlan
from cogs.schedule._store import ScheduleStore
from tests.programs import make_config

NOW = datetime(2022, 12, 15, 3, 0, tzinfo=UTC)


def reminders(version: int = 1) -> ReminderPlan:
    config = make_config()
    return ReminderPlan.build(effective_program(config), config.reminders.before, version)


def first() -> Reminder:
    return reminders().reminders[0]


async def test_claim_is_exclusive_and_mark_sent_records(schedule_store: ScheduleStore) -> None:
    r = first()
    assert await schedule_store.claim("guild:1", r, now=NOW, late=False)
    assert not await schedule_store.claim("guild:1", r, now=NOW, late=False)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.INTENT
    await schedule_store.mark_sent("guild:1", r.key, 42, now=NOW)
    assert await schedule_store.states("guild:1") == {r.key: LedgerState.SENT}
    # A later version of the same (session, offset) is still "already sent".
    assert not await schedule_store.claim("guild:1", reminders(2).reminders[0], now=NOW, late=False)
    (entry,) = await schedule_store.entries()
    assert entry.message_id == 42
    assert entry.version == 1
    assert entry.sent_at == NOW


async def test_skip_is_final_until_a_delay_moves_the_reminder(
    schedule_store: ScheduleStore,
) -> None:
    r = first()
    await schedule_store.record_skip("guild:1", r, "too_late", now=NOW)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.SKIPPED
    assert await schedule_store.states("guild:1", reminders()) == {r.key: LedgerState.SKIPPED}
    assert not await schedule_store.claim("guild:1", r, now=NOW, late=True)
    config = make_config()
    moved_plan = ReminderPlan.build(
        effective_program(config, {r.session_id: timedelta(minutes=20)}), config.reminders.before, 2
    )
    assert await schedule_store.states("guild:1", moved_plan) == {}
    moved = moved_plan.get(r.key)
    assert moved is not None
    assert await schedule_store.claim("guild:1", moved, now=NOW, late=False)
    # A skip never overrides a claim or a send.
    await schedule_store.record_skip("guild:1", r, "paused", now=NOW)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.INTENT


async def test_release_forgets_only_intents(schedule_store: ScheduleStore) -> None:
    r = first()
    await schedule_store.claim("guild:1", r, now=NOW, late=False)
    await schedule_store.release("guild:1", r.key)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.NONE
    await schedule_store.claim("guild:1", r, now=NOW, late=False)
    await schedule_store.mark_sent("guild:1", r.key, 1, now=NOW)
    await schedule_store.release("guild:1", r.key)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.SENT


async def test_settle_resolves_what_a_crash_left_between_claim_and_record(tmp_path: Path) -> None:
    store = await Store.open(tmp_path)
    schedule_store = ScheduleStore(store.db)
    found, absent, unknown = reminders().reminders[:3]
    for r in (found, absent, unknown):
        assert await schedule_store.claim("guild:1", r, now=NOW, late=False)
    await store.close()  # the crash: nothing recorded after the claims

    store = await Store.open(tmp_path)  # the restart: same file, migrations already applied
    try:
        schedule_store = ScheduleStore(store.db)
        pending = await schedule_store.pending_intents()
        assert [i.post_key for i in pending] == [
            r.post_key("guild:1") for r in (found, absent, unknown)
        ]
        by_key = {i.key: i for i in pending}
        await schedule_store.settle(by_key[found.key], LedgerState.SENT, 777)
        await schedule_store.release("guild:1", absent.key)
        await schedule_store.settle(by_key[unknown.key], LedgerState.UNCERTAIN)
        states = await schedule_store.states("guild:1")
        assert states == {found.key: LedgerState.SENT, unknown.key: LedgerState.UNCERTAIN}
        entries = await schedule_store.entries()
        assert [
            (e.message_id, e.note) for e in entries if (e.session_id, e.offset_seconds) == found.key
        ] == [(777, "reconciled at start-up")]
        assert await schedule_store.pending_intents() == []
        # Settling only ever resolves an intent: a sent row stays as it is.
        await schedule_store.settle(by_key[found.key], LedgerState.UNCERTAIN)
        assert (await schedule_store.states("guild:1"))[found.key] is LedgerState.SENT
    finally:
        await store.close()


async def test_delays_persist_shifts_and_versions(schedule_store: ScheduleStore) -> None:
    config = make_config()
    assert await schedule_store.version() == 1
    assert await schedule_store.shifts() == {}
    now = datetime(2022, 12, 15, 4, 30, tzinfo=UTC)  # 13:30 KST, lecture running
    plan = plan_delay(effective_program(config), now, 15)
    assert isinstance(plan, DelayPlan)
    assert await schedule_store.record_delay(plan, guild_id=1, user_id=2, now=now) == 2
    shifts = await schedule_store.shifts()
    assert shifts == {s: timedelta(minutes=15) for s in ("talk-concert", "results", "networking")}
    again = plan_delay(effective_program(config, shifts), now, -5)
    assert isinstance(again, DelayPlan)
    assert await schedule_store.record_delay(again, guild_id=1, user_id=3, now=now) == 3
    assert (await schedule_store.shifts())["results"] == timedelta(minutes=10)
    history = await schedule_store.changes()
    assert [(c.kind, c.minutes, c.user_id) for c in history] == [("delay", 15, 2), ("delay", -5, 3)]
    assert history[0].moved[0]["id"] == "talk-concert"


async def test_program_edits_bump_the_version_once(schedule_store: ScheduleStore) -> None:
    assert await schedule_store.note_program("aaa", now=NOW) == 1
    assert await schedule_store.note_program("aaa", now=NOW) == 1
    assert await schedule_store.note_program("bbb", now=NOW) == 2
    assert await schedule_store.note_program("bbb", now=NOW) == 2
    assert (await schedule_store.changes())[-1].kind == "edit"


async def test_paused_flag(schedule_store: ScheduleStore) -> None:
    assert not await schedule_store.paused()
    assert await schedule_store.set_paused(True)
    assert not await schedule_store.set_paused(True)
    assert await schedule_store.paused()
    assert await schedule_store.set_paused(False)


async def test_dm_opt_in(schedule_store: ScheduleStore) -> None:
    assert await schedule_store.set_dm(5, True, locale="ko", now=NOW)
    assert not await schedule_store.set_dm(5, True, locale="ko", now=NOW)
    assert await schedule_store.set_dm(6, True, locale="en", now=NOW)
    assert await schedule_store.dm_users() == {5: "ko", 6: "en"}
    assert await schedule_store.set_dm(5, False, locale="ko", now=NOW)
    assert not await schedule_store.set_dm(5, False, locale="ko", now=NOW)
    assert await schedule_store.dm_users() == {6: "en"}


async def test_discord_event_id_per_server_and_day(schedule_store: ScheduleStore) -> None:
    day = date(2022, 12, 15)
    assert await schedule_store.scheduled_event_id(1, day) is None
    await schedule_store.set_scheduled_event_id(1, day, 99)
    await schedule_store.set_scheduled_event_id(1, day, 100)
    assert await schedule_store.scheduled_event_id(1, day) == 100
    await schedule_store.set_scheduled_event_id(1, day, None)
    assert await schedule_store.scheduled_event_id(1, day) is None


async def test_targets_are_independent(schedule_store: ScheduleStore) -> None:
    r = first()
    assert await schedule_store.claim("guild:1", r, now=NOW, late=False)
    assert await schedule_store.claim("guild:2", r, now=NOW, late=False)
    assert await schedule_store.claim("dm", r, now=NOW, late=False)
    await schedule_store.mark_sent("guild:2", r.key, 9, now=NOW)
    assert await schedule_store.state("guild:1", r.key) is LedgerState.INTENT
    assert await schedule_store.state("guild:2", r.key) is LedgerState.SENT
    assert await schedule_store.states("guild:3") == {}
    assert [e.target for e in await schedule_store.entries("dm")] == ["dm"]
    assert len(await schedule_store.entries()) == 3


async def test_notices_given_before_the_upgrade_are_not_repeated(tmp_path: Path) -> None:
    # A database from before migration 0005, where the schedule kept its own notices.
    before = tmp_path / "migrations"
    before.mkdir()
    # (0009 too: the core's write probe, which every open runs, needs its table.)
    for path in [
        *sorted(MIGRATIONS_DIR.glob("000[1-4]_*.sql")),
        *MIGRATIONS_DIR.glob("0009_*.sql"),
    ]:
        (before / path.name).write_text(path.read_text("utf-8"), "utf-8")
    store = await Store.open(tmp_path, migrations_dir=before)
    await store.db.execute(
        "INSERT INTO schedule_notices (guild_id, kind, at) VALUES (1, 'no_event_permission', ?)",
        (NOW.isoformat(),),
    )
    await store.close()

    store = await Store.open(tmp_path)  # the upgrade
    try:
        assert await store.get_setting("no_event_permission", scope="notice:1") is True
        assert await store.get_setting("no_event_permission", scope="notice:2") is None
        async with store.db.execute(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'schedule_notices'"
        ) as cursor:
            row = await cursor.fetchone()
        assert row is not None
        assert row[0] == 0
    finally:
        await store.close()
