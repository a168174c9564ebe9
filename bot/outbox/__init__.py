"""Post once: every message the bot starts on its own goes through ``bot.outbox``.

Reminders, the live announcement, the end-of-stream summary, the delay notice, a moderator's
announcement after Send: one pattern, implemented here once.

1. The intent is stored first (table ``outbox``), under a stable key, with a nonce and a marker
   derived from it and the message itself, before anything reaches Discord.
2. It is posted with that nonce; discord.py sends ``enforce_nonce``, so a repeat within Discord's
   window returns the first message instead of creating a second one.
3. An ambiguous outcome (5xx including 503, a timeout, a reset connection) is tried again with a
   bounded backoff until the caller's grace runs out; a 429 too; a refusal (403/404/400) is
   reported to the caller at once.
4. Past the nonce window, after a crash, and before giving up, the channel's recent history is read
   for the marker before anything is sent again. A message is never posted twice; one that cannot
   be confirmed either way is reported, never repeated.

For a feature::

    draft = Draft.of(text, mentions=only_role(role_id), embeds=[embed])
    result = await bot.outbox.post(channel_id, key=f"reminder:guild:{gid}:lecture:-600",
                                   draft=draft, grace=timedelta(minutes=10), guild_id=gid)
    if isinstance(result, Posted): ...result.message_id, result.jump_url
    else: ...result.reason ("refused", "deleted", "expired", "unknown", "stopped")
    await bot.outbox.edit(key, new_draft)      # the message posted under key, edited in place

Keys name a message for good: ``<feature>:<target>:<what>``. Calling ``post()`` again with a key
that was posted returns that message and sends nothing, so a feature may simply call it again
whenever it is unsure (after a restart, at its next poll).
"""

from bot.outbox._draft import Attachment, Draft
from bot.outbox._outbox import Failed, Outbox, Posted, Unfinished

__all__ = ["Attachment", "Draft", "Failed", "Outbox", "Posted", "Unfinished"]
