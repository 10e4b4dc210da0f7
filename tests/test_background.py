"""The pipeline's worker threads: order kept, errors surface, resources released early."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest

from coach.background import in_background, short_gil_turns


def test_items_arrive_in_order_from_another_thread() -> None:
    producers: set[str] = set()

    def produce() -> Iterator[int]:
        for i in range(100):
            producers.add(threading.current_thread().name)
            yield i

    assert list(in_background(produce(), ahead=3, name="stage")) == list(range(100))
    assert producers == {"stage"}


def test_an_error_in_the_worker_is_raised_in_the_consumer_after_the_items_before_it() -> None:
    def produce() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("damaged frame 3")

    seen: list[int] = []
    with pytest.raises(ValueError, match="damaged frame 3"):
        for item in in_background(produce()):
            seen.append(item)
    assert seen == [1, 2]


def test_stopping_early_closes_the_producer_and_its_resources() -> None:
    released = threading.Event()

    def produce() -> Iterator[int]:
        try:
            i = 0
            while True:  # an endless source, like a camera
                yield i
                i += 1
        finally:
            released.set()

    stream = in_background(produce(), ahead=2)
    assert [next(stream) for _ in range(5)] == [0, 1, 2, 3, 4]
    stream.close()
    assert released.is_set()  # closed before close() returned, not at garbage collection
    assert not any(t.name == "pipeline-stage" for t in threading.enumerate())


def test_gil_turns_are_shortened_while_any_pipeline_runs_and_restored_after() -> None:
    before = sys.getswitchinterval()
    with short_gil_turns(0.001):
        assert sys.getswitchinterval() == pytest.approx(0.001)
        with short_gil_turns(0.001):  # a second pipeline at the same time
            pass
        assert sys.getswitchinterval() == pytest.approx(0.001)  # the first one still runs
    assert sys.getswitchinterval() == pytest.approx(before)
