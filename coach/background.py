"""Run one stage of a pipeline in its own thread, a few items ahead of the next stage.

Decoding (FFmpeg), the pose model (MediaPipe/TFLite), drawing (OpenCV) and
encoding (x264) all release the GIL while they work, so on two cores a stage per
thread keeps the pose model, the slowest stage, busy all the time instead of
waiting for the others.
"""

from __future__ import annotations

import queue
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


__all__ = ["in_background"]
