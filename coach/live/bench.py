"""The live coach as `tools/live_bench.py` measures it (benchmark only, never in normal use).

Two variants, chosen by settings (`coach.settings.bench_stamp`, `live_passthrough`):

* `StampingLiveCoach`: the real coach, writing into every frame it returns the time of
  return, a callback count, the skeleton's age and the judged frame's number (bar codes,
  `coach.live.bench_stamp`), so the browser side can measure capture → display latency;
* `PassthroughCoach`: the bare pipeline, the camera frame back as it came, stamped the
  same way: the baseline the real coach is compared with.
"""

from __future__ import annotations

import time

import av
import numpy as np

from coach.live import bench_stamp
from coach.live.coach import LatestResult, LiveCoach, VideoFrame


class StampingLiveCoach(LiveCoach):
    """The live coach, stamping every frame it returns."""

    _seq = 0

    def _stamp(self, image: np.ndarray, yuv: bool, lag_ms: float | None = None,
               judged_count: int | None = None) -> None:
        self._seq += 1
        now_ms = int(time.time() * 1000.0)
        stamp = bench_stamp.stamp_i420 if yuv else bench_stamp.stamp_frame
        stamp(image, now_ms, self._seq, lag_ms, judged_count)

    def _returning(self, image: np.ndarray, yuv: bool, arrived: float, latest: LatestResult | None) -> None:
        ok = latest is not None and latest.ok and latest.judged is not None
        lag_ms = 1000.0 * (arrived - latest.arrived) if ok and latest is not None else None
        count = latest.count if ok and latest is not None else None
        self._stamp(image, yuv, lag_ms, count)


class PassthroughCoach(StampingLiveCoach):
    """The bare pipeline: every camera frame returned as it came, with the benchmark's stamp."""

    def process(self, frame: VideoFrame) -> av.VideoFrame:
        with self._lock:
            self.frames_total += 1
        if isinstance(frame, av.VideoFrame) and frame.format.name == "yuv420p" \
                and frame.width % 2 == 0 and frame.height % 2 == 0:
            i420 = frame.to_ndarray()
            self._stamp(i420, yuv=True)
            return av.VideoFrame.from_ndarray(i420, format="yuv420p")
        rgb = frame.to_ndarray(format="rgb24")
        self._stamp(rgb, yuv=False)
        return av.VideoFrame.from_ndarray(rgb, format="rgb24")


def live_coach_class(stamp: bool, passthrough: bool) -> type[LiveCoach]:
    """The coach the settings ask for: the plain one unless a benchmark runs."""
    if passthrough:
        return PassthroughCoach
    return StampingLiveCoach if stamp else LiveCoach
