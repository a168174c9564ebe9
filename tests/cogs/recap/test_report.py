"""The report's numbers from plain records: viewer figures overall and per session, actions."""

from __future__ import annotations

from datetime import timedelta

from bot.config import Config
from bot.program import effective_program
from bot.services import ViewerCount
from cogs.recap._report import (
    AuditEntry,
    build_report,
    event_day_actions,
    report_due,
    session_ranges,
    viewer_stats,
)
from cogs.recap._timeline import Mark, day_sessions
from tests.cogs.recap.records import SEOUL, questions, reminders, samples, seoul, stream


def test_viewer_stats_are_time_weighted_over_the_range() -> None:
    counts = [ViewerCount(seoul(13), 100), ViewerCount(seoul(13, 10), 400)]
    # 100 stands 10 min, 400 stands 30 min (until 13:40): (1000 + 12000) / 40 = 325.
    stats = viewer_stats(counts, seoul(13), seoul(13, 40))
    assert (stats.peak, stats.average, stats.peak_at, stats.samples) == (400, 325, seoul(13, 10), 2)


def test_viewer_stats_only_count_samples_inside_the_range() -> None:
    counts = [
        ViewerCount(seoul(12, 50), 999),
        ViewerCount(seoul(13), 10),
        ViewerCount(seoul(14), 5),
    ]
    stats = viewer_stats(counts, seoul(13), seoul(14))
    assert (stats.peak, stats.average, stats.samples) == (10, 10, 1)
    empty = viewer_stats(counts, seoul(15), seoul(16))
    assert (empty.peak, empty.average, empty.samples) == (None, None, 0)


def test_the_first_of_equal_peaks_is_the_peak_time() -> None:
    counts = [ViewerCount(seoul(13), 50), ViewerCount(seoul(13, 5), 50)]
    assert viewer_stats(counts, None, None).peak_at == seoul(13)


def test_session_ranges_run_to_the_next_actual_start_and_the_last_to_its_end(
    base_config: Config,
) -> None:
    marks = {"talk-concert": Mark("talk-concert", "start", seoul(14, 3, 20))}
    day = day_sessions(effective_program(base_config, {"results": timedelta(minutes=5)}), marks)
    ranges = {s.id: until for s, until in session_ranges(day)}
    assert ranges == {
        "lecture": seoul(14, 3, 20),
        "talk-concert": seoul(15, 15),
        "results": seoul(16),
        "networking": seoul(16, 30),
    }
    skipped = {"results": Mark("results", "skip")}
    ranges = {
        s.id: u for s, u in session_ranges(day_sessions(effective_program(base_config), skipped))
    }
    assert ranges["talk-concert"] == seoul(16)  # the skipped session's time goes to the one before
    assert "results" not in ranges


def test_the_report_of_a_day(base_config: Config) -> None:
    marks = {
        "talk-concert": Mark("talk-concert", "start", seoul(14, 3, 20)),
        "networking": Mark("networking", "skip"),
    }
    day = day_sessions(effective_program(base_config), marks)
    report = build_report(day, stream(), reminders(), questions(), (("delay", 2),))
    assert report.duration == timedelta(hours=3, minutes=36, seconds=30)
    # Overall: 10 (10 min), 100 (10), 200 (40), 150 (20), 400 (60), 300 (50), 50 (26.5 until 16:35)
    # = (100 + 1000 + 8000 + 3000 + 24000 + 15000 + 1325) / 216.5 min = 242.15...
    assert (report.viewers.peak, report.viewers.average) == (400, 242)
    by_id = {r.session.id: r for r in report.sessions}
    assert list(by_id) == ["lecture", "talk-concert", "results", "networking"]
    lecture = by_id[
        "lecture"
    ]  # 13:00 to 14:03:20: samples 13:08:30 (100), 13:18:30 (200), 13:58:30 (150)
    assert lecture.until == seoul(14, 3, 20)
    assert (lecture.viewers.peak, lecture.viewers.samples) == (200, 3)
    # (100 × 10 min + 200 × 40 min + 150 × 4 min 50 s) / 54 min 50 s = 9725 / 54.83 = 177.4
    assert lecture.viewers.average == 177
    talk = by_id["talk-concert"]  # 14:03:20 to 15:10: 14:18:30 (400)
    assert (talk.viewers.peak, talk.viewers.average) == (400, 400)
    results = by_id["results"]  # 15:10 to 16:00 (networking skipped): 15:18:30 (300)
    assert (results.until, results.viewers.peak, results.viewers.average) == (seoul(16), 300, 300)
    networking = by_id["networking"]
    assert networking.session.skipped
    assert networking.viewers.peak is None
    assert report.reminders == reminders()
    assert report.questions == questions()
    assert report.actions == (("delay", 2),)


def test_a_report_without_the_other_features(base_config: Config) -> None:
    report = build_report(day_sessions(effective_program(base_config), {}), None, None, None, ())
    assert report.stream is None
    assert report.duration is None
    assert report.viewers.peak is None
    assert report.reminders is None
    assert report.questions is None
    assert all(r.viewers.peak is None for r in report.sessions)


def test_moderator_actions_of_the_event_day_are_counted() -> None:
    entries = [
        AuditEntry("delay", 1, seoul(13, 30)),
        AuditEntry("delay", 2, seoul(14, 30)),
        AuditEntry("session_start", 1, seoul(14, 4)),
        AuditEntry("setup", 1, seoul(9) - timedelta(days=1)),  # the day before: not the event's
        AuditEntry("announce", 1, seoul(23, 59)),
    ]
    assert event_day_actions(entries, seoul(13).astimezone(SEOUL).date(), SEOUL) == (
        ("delay", 2),
        ("announce", 1),
        ("session_start", 1),
    )


def test_the_report_is_due_ten_minutes_after_the_end() -> None:
    program_end = seoul(16, 30)
    assert report_due(stream(), program_end) == seoul(16, 45)
    assert report_due(None, program_end) == seoul(16, 40)
    assert report_due(stream(ended=False), program_end) is None
    not_started = stream(ended=False).__class__(video_id="x")
    assert report_due(not_started, program_end) == seoul(16, 40)


def test_samples_fixture_is_ordered() -> None:
    times = [s.at for s in samples()]
    assert times == sorted(times)
