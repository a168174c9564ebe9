-- Live relay: after an announced stream ends, the relay follows its recording until YouTube has
-- processed it. 'recording' is none | processing | ready | unavailable (bot.services.RecordingState),
-- 'recording_announced' is set once the recap was told the recording is ready.

ALTER TABLE live_broadcasts ADD COLUMN recording TEXT NOT NULL DEFAULT 'none';
ALTER TABLE live_broadcasts ADD COLUMN recording_announced INTEGER NOT NULL DEFAULT 0
