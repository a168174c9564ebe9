"""Process lifecycle pieces that tests can run in-process."""

from __future__ import annotations

import gc

from bot.lifecycle import freeze_startup_objects


def test_freezing_takes_startup_objects_out_of_the_collectors_walk() -> None:
    tracked_before = len(gc.get_objects())
    try:
        freeze_startup_objects()
        assert gc.get_freeze_count() > 0
        # What a full collection still walks is only what was made after the freeze.
        assert len(gc.get_objects()) < tracked_before
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_freezing_turns_collection_back_on() -> None:
    # `ccei-bot run` pauses the collector for start-up; the freeze at READY resumes it.
    gc.disable()
    try:
        freeze_startup_objects()
        assert gc.isenabled()
    finally:
        gc.unfreeze()
        gc.enable()
