"""The live camera path: streamlit-webrtc's callbacks → the engine → the side panel.

One `LiveCoach` per browser session (`coach.live.coach`), built from parts with one job each:

* `mailbox`: the newest-frame mailbox and the judge thread (frames it had no time for are
  replaced, never queued);
* `clock`: stream time from the frames' own timestamps;
* `model`: the stream's pose model in its own process, replaced if lost, always closed;
* `session`: one run of the routine: runner, session log, summary, log retention;
* `snapshot`: the immutable `LiveSnapshot` the panel reads;
* `bench`, `bench_stamp`: the live benchmark's stamping variants (never in normal use).

Threads: aiortc's event loop runs `LiveCoach.process` (draw only, never waits for the
model); the judge thread runs the model, the routine and the log; the page's script thread
reads snapshots and sends controls. Nothing here touches Streamlit. `docs/architecture.md`
has the picture.
"""

from coach.judged_frame import CheckRow
from coach.live.coach import LiveCoach
from coach.live.snapshot import LiveSnapshot

__all__ = ["CheckRow", "LiveCoach", "LiveSnapshot"]
