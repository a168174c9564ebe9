"""The rehearsal: the real bot against local stand-ins for Discord and YouTube, with no network.

Not the core. It ships because ``ccei-bot rehearse`` is a user command, and the end-to-end tests play
against the same stand-ins:

- :mod:`bot.rehearsal.run`: the compressed day (``ccei-bot rehearse``) and the helpers that start the
  bot against the stand-ins;
- :mod:`bot.rehearsal.discord_standin`: enough of Discord's API v10 (REST and gateway) for discord.py;
- :mod:`bot.rehearsal.youtube_standin`: the YouTube Data API, channel feed and WebSub hub.

Pieces only tests need (OpenAPI validation, moderation routes no feature uses) live under ``tests/``.
"""
