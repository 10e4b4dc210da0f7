"""Run one stage of a pipeline in its own thread, a few items ahead of the next stage.

Decoding (FFmpeg), the pose model (MediaPipe/TFLite), drawing (OpenCV) and
encoding (x264) all release the GIL while they work, so on two cores a stage per
thread keeps the pose model, the slowest stage, busy all the time instead of
waiting for the others.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def in_background(items: Iterable[T], ahead: int = 8, name: str = "pipeline-stage") -> Iterator[T]:
    """Yield ``items``, produced by a worker thread up to ``ahead`` items in advance.

    An exception in the worker is raised here, in the consumer. Closing the
    returned generator early (``break``, an exception, ``close()``) stops the
    worker and closes ``items`` if it is a generator, so resources it holds (a
    pose model, a video file) are released before this returns.
    """
    handoff: queue.Queue[object] = queue.Queue(maxsize=max(1, ahead))
    stop = threading.Event()

    def work() -> None:
        iterator = iter(items)
        try:
            for item in iterator:
                if stop.is_set():
                    return
                handoff.put(item)
        except BaseException as error:  # noqa: BLE001 - handed to the consumer
            handoff.put(_Failed(error))
        finally:
            close = getattr(iterator, "close", None)
            if close is not None:
                close()
            handoff.put(_DONE)

    worker = threading.Thread(target=work, name=name, daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a worker waiting on a full queue
            try:
                handoff.get(timeout=0.05)
            except queue.Empty:
                pass
        worker.join()


#: GIL switch interval while a pipeline runs, seconds (Python's default is 0.005).
PIPELINE_SWITCH_INTERVAL_S = 0.001
_switch_lock = threading.Lock()
_switch_users = 0
_switch_saved = 0.005


@contextlib.contextmanager
def short_gil_turns(interval_s: float = PIPELINE_SWITCH_INTERVAL_S) -> Iterator[None]:
    """Let a thread that wants the GIL back get it within ``interval_s``, for the duration.

    The pose model releases the GIL while it infers and needs it back several
    times a frame; with Python's default 5 ms turns, a busy judging/drawing
    thread makes it wait up to 5 ms each time (measured: 35 -> 62 ms a frame
    beside a pure-Python loop; unchanged with 1 ms turns). The setting is
    process-wide, so it is restored only when the last pipeline using it ends.
    """
    global _switch_users, _switch_saved
    with _switch_lock:
        if _switch_users == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(min(interval_s, _switch_saved))
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_saved)


__all__ = ["PIPELINE_SWITCH_INTERVAL_S", "in_background", "short_gil_turns"]
