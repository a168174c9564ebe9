"""What the cog decides by itself: which config reloads restart the relay."""

from __future__ import annotations

from bot.config import Config
from cogs.live._cog import relay_inputs_changed


def test_only_youtube_and_program_times_restart_the_relay(base_config: Config) -> None:
    assert not relay_inputs_changed(base_config, base_config.model_copy())
    discord_only = base_config.model_copy(
        update={"discord": base_config.discord.model_copy(update={"locale": "en"})}
    )
    assert not relay_inputs_changed(base_config, discord_only)
    youtube = base_config.model_copy(
        update={"youtube": base_config.youtube.model_copy(update={"video_id": "abc"})}
    )
    assert relay_inputs_changed(base_config, youtube)
    other_zone = base_config.model_copy(
        update={"event": base_config.event.model_copy(update={"timezone": "UTC"})}
    )
    assert relay_inputs_changed(base_config, other_zone)
    first = base_config.program[0]
    moved = first.model_copy(update={"start": first.start.replace(minute=5)})
    program = [moved, *base_config.program[1:]]
    assert relay_inputs_changed(base_config, base_config.model_copy(update={"program": program}))
