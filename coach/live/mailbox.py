"""The newest-frame mailbox and the judge thread that empties it.

The video callback must never wait for the pose model, so it leaves each camera frame
here and returns at once. One judge thread per stream takes the newest frame whenever it
is free; frames it had no time for are replaced, never queued, so the skeleton is at most
one model run old and nothing piles up. A stream that ends bumps the *generation*: the
thread of the old stream stops, and a frame it was judging is recognised as stale.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from coach.background import short_gil_turns


@dataclass(frozen=True)
class CameraFrame:
    """A camera frame waiting to be judged."""

    rgb: np.ndarray
    raw_t: float | None  # the frame's own timestamp (seconds), if it had one
    arrived: float  # time.perf_counter() when it reached the coach


#: Judges one frame for a generation; returns False when that generation went stale.
JudgeFunction = Callable[[CameraFrame, int], bool]


class NewestFrameMailbox:
    """Holds the newest camera frame for a judge thread started on demand."""

    #: How long the end of a stream waits for the frame being judged (on aiortc's event loop).
    join_timeout_s = 2.0

    def __init__(self, judge: JudgeFunction, max_per_second: float | None = None) -> None:
        """``max_per_second``: judge at most this many frames a second (a CPU budget, on the
        wall clock; None: as many as the model manages)."""
        if max_per_second is not None and not max_per_second > 0:
            raise ValueError("max_judged_fps must be positive (or None: no limit)")
        self._judge = judge
        self._gap = 1.0 / max_per_second if max_per_second else 0.0
        self._cv = threading.Condition()
        self._mail: CameraFrame | None = None
        self._generation = 0
        self._thread: threading.Thread | None = None

    @property
    def generation(self) -> int:
        return self._generation

    def stale(self, generation: int | None) -> bool:
        """The stream a frame came from has ended (None: a caller judging its own frame)."""
        return generation is not None and generation != self._generation

    def post(self, frame: CameraFrame) -> None:
        """Leave the newest frame (replacing one not taken yet); start the thread if needed."""
        with self._cv:
            self._mail = frame
            thread = self._thread
            if thread is None or not thread.is_alive():
                self._generation += 1
                thread = threading.Thread(target=self._run, args=(self._generation,),
                                          name="stretch-coach-judge", daemon=True)
                self._thread = thread
                thread.start()
            self._cv.notify()

    def stop(self) -> None:
        """The stream ended: stop the thread, waiting for the frame it is judging."""
        with self._cv:
            self._generation += 1
            self._mail = None
            thread, self._thread = self._thread, None
            self._cv.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self.join_timeout_s)

    def _run(self, generation: int) -> None:
        with short_gil_turns():  # the event loop never waits long for the judge's Python work
            self._judge_newest(generation)

    def _judge_newest(self, generation: int) -> None:
        next_start = 0.0
        while True:
            with self._cv:
                while not self.stale(generation):
                    if self._mail is None:
                        self._cv.wait()
                        continue
                    early = next_start - time.perf_counter()
                    if early <= 0:
                        break
                    self._cv.wait(early)  # a newer frame may replace the one waiting
                if self.stale(generation):
                    return
                next_start = time.perf_counter() + self._gap
                frame, self._mail = self._mail, None
            assert frame is not None
            if not self._judge(frame, generation):
                return  # the stream ended while this frame was being judged
