"""Writing annotated videos that play in a browser.

Browsers play H.264 in MP4. OpenCV's pip wheels cannot encode H.264, but PyAV
(already installed for the live camera path) bundles FFmpeg with libx264, so
that is the primary route. If libx264 is unavailable, the fallback is
MPEG-4 part 2 in MP4 through OpenCV: it opens in VLC and most desktop players but
not in every browser; the writer reports which codec it used.
"""

from __future__ import annotations

import contextlib
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np


class AnnotatedVideoWriter:
    """Appends RGB frames to an MP4 file; use as a context manager."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int], crf: int = 23) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # H.264 with 4:2:0 chroma needs even dimensions.
        self.size = (size[0] - size[0] % 2, size[1] - size[1] % 2)
        self.fps = fps if fps > 0 else 30.0
        self.codec = "h264"
        self.frames_written = 0
        self._container: Any = None
        self._stream: Any = None
        self._cv_writer: Any = None
        #: A write failed (a full disk): the encoder must not be flushed into the muxer again,
        #: FFmpeg crashes the process doing that.
        self._broken = False
        try:
            self._open_av(crf)
        except OSError as error:
            if error.errno is not None:  # the file cannot be written (no permission, no space): say so
                self._close_av()
                raise
            self._open_opencv()
        except Exception:  # noqa: BLE001 - any other failure of the optional encoder means: fall back
            self._open_opencv()

    def _open_av(self, crf: int) -> None:
        import av

        self._container = av.open(str(self.path), mode="w", format="mp4", options={"movflags": "+faststart"})
        rate = Fraction(self.fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = self.size
        self._stream.pix_fmt = "yuv420p"
        # "superfast": about half the CPU of "veryfast" for a slightly larger file; the
        # pose model needs both cores, and analysis should run at the model's pace.
        self._stream.options = {"crf": str(crf), "preset": "superfast"}

    def _close_av(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def _open_opencv(self) -> None:
        import cv2

        self._close_av()
        self.codec = "mpeg4"
        self._cv_writer = cv2.VideoWriter(str(self.path), cv2.VideoWriter_fourcc(*"mp4v"), self.fps, self.size)
        if not self._cv_writer.isOpened():
            raise OSError(f"{self.path}: cannot write a video here")

    def write(self, rgb: np.ndarray) -> None:
        if rgb.shape[1] != self.size[0] or rgb.shape[0] != self.size[1]:
            import cv2

            rgb = cv2.resize(rgb, self.size, interpolation=cv2.INTER_AREA)
        if self._cv_writer is not None:
            import cv2

            self._cv_writer.write(cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        else:
            import av

            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            try:
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
            except BaseException:
                self._broken = True
                raise
        self.frames_written += 1

    def close(self) -> None:
        if self._cv_writer is not None:
            self._cv_writer.release()
            self._cv_writer = None
        if self._container is not None:
            container, self._container = self._container, None
            if self._broken:  # the error was raised by `write`; just let go of the file
                with contextlib.suppress(Exception):
                    container.close()
                return
            try:
                for packet in self._stream.encode():
                    container.mux(packet)
            finally:
                container.close()

    def __enter__(self) -> "AnnotatedVideoWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
