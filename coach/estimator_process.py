"""The pose model in its own process, for the live camera path.

Why: in the live app the Streamlit server process also runs aiortc, which decodes the
camera's video, re-encodes the annotated frames and paces them out on its event loop.
A pose model in the same process competes with that path for the GIL (MediaPipe's
Python side builds 66 landmark objects a frame and takes the GIL back several times
per inference) and for the CPU (its inference threads run at the same priority as the
video's). Both delay every frame on its way to the screen. In a child process the
model holds no lock the video needs, and it runs at a lower CPU priority (``nice``), so
on a busy two-core laptop the video is served first and the model takes what is left.

`PoseEstimatorProcess` has `PoseEstimator`'s interface (``process(frame, t)``,
``close()``, ``with``), so callers choose one or the other. Frames go to the child as
raw bytes over a socket pair (a 640×480 frame is 0.9 MB: about a millisecond), results
come back as `PoseResult` objects. The child ends when it is told to, when the socket
closes (the parent died), or is killed if it does not answer in time.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from coach.estimator import EstimatorOptions, PoseEstimator, PoseResult, resolve_model_path


class EstimatorProcessError(RuntimeError):
    """The pose model process failed to start, died, or stopped answering."""


@dataclass(frozen=True)
class ProcessOptions:
    """How the pose model's process runs.

    nice: added to the child's CPU niceness (0 = same priority as the app; higher
        = the video path and the browser go first when the CPU is busy).
    start_timeout_s: how long loading MediaPipe and the model may take.
    frame_timeout_s: how long one frame may take before the process is declared hung.
    """

    nice: int = 10
    start_timeout_s: float = 120.0
    frame_timeout_s: float = 30.0

    def __post_init__(self) -> None:
        if not 0 <= self.nice <= 19:
            raise ValueError("nice must be between 0 and 19")
        if self.start_timeout_s <= 0 or self.frame_timeout_s <= 0:
            raise ValueError("timeouts must be positive")


# Messages from the child: (kind, payload).
_READY, _RESULT, _ERROR = "ready", "result", "error"


def _serve(conn: Connection) -> None:
    """The child: load the model, then answer one frame at a time until told to stop."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the app; it closes us
    try:
        options, nice = conn.recv()
    except (EOFError, OSError):
        return
    if nice:
        os.nice(nice)  # before MediaPipe starts its threads: they inherit it
    try:
        estimator = PoseEstimator(options)
    except Exception as error:  # noqa: BLE001 - reported to the parent
        conn.send((_ERROR, f"{type(error).__name__}: {error}"))
        return
    buffer = bytearray()
    with estimator:
        conn.send((_READY, str(estimator.model_path)))
        while True:
            try:
                request = conn.recv()
            except (EOFError, OSError):
                return  # the parent is gone
            if request is None:
                return
            height, width, timestamp_s = request
            size = height * width * 3
            if len(buffer) != size:
                buffer = bytearray(size)
            try:
                conn.recv_bytes_into(buffer)
            except (EOFError, OSError):
                return
            frame = np.frombuffer(buffer, dtype=np.uint8).reshape(height, width, 3)
            try:
                reply: tuple[str, Any] = (_RESULT, estimator.process(frame, timestamp_s))
            except Exception as error:  # noqa: BLE001 - reported to the parent, the model lives on
                reply = (_ERROR, f"{type(error).__name__}: {error}")
            try:
                conn.send(reply)
            except OSError:  # the parent is gone
                return


class PoseEstimatorProcess:
    """`PoseEstimator` run in a child process (see the module docstring for why).

    Starting it waits until the model is loaded (about 1-3 s: a fresh Python imports
    MediaPipe), and raises `EstimatorProcessError` with the child's own message if the
    model cannot be loaded. Always close it (``with`` or ``close()``).
    """

    def __init__(self, options: EstimatorOptions | None = None, process_options: ProcessOptions | None = None) -> None:
        self.options = options or EstimatorOptions()
        self.process_options = process_options or ProcessOptions()
        self.model_path = resolve_model_path(self.options.model)  # a missing model fails here, at once
        # A fresh interpreter (not fork: the parent has threads, Streamlit's and aiortc's,
        # and not multiprocessing's spawn: it re-runs the parent's main script).
        parent_socket, child_socket = socket.socketpair()
        package_root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])))
        self._process = subprocess.Popen(
            [sys.executable, "-m", "coach.estimator_process", str(child_socket.fileno())],
            pass_fds=[child_socket.fileno()], env=env, stdin=subprocess.DEVNULL)
        child_socket.close()  # the child holds its end; EOF here now means the child is gone
        # A frame (0.9 MB) does not fit in the socket's buffer: sending to a child that has
        # frozen would block for ever, so sending gives up after the frame timeout too.
        seconds = self.process_options.frame_timeout_s
        parent_socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO,
                                 struct.pack("ll", int(seconds), int(seconds % 1 * 1e6)))
        self._conn = Connection(parent_socket.detach())
        self._conn.send((self.options, self.process_options.nice))
        self._closed = False
        try:
            kind, payload = self._receive(self.process_options.start_timeout_s, "loading the pose model")
        except BaseException:
            self.close()
            raise
        if kind != _READY:
            self.close()
            raise EstimatorProcessError(f"the pose model could not be loaded: {payload}")

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def process(self, frame_rgb: np.ndarray, timestamp_s: float) -> PoseResult:
        """Find the coached person in one RGB frame (H, W, 3, uint8); see `PoseEstimator.process`."""
        if self._closed:
            raise RuntimeError("PoseEstimatorProcess is closed")
        if frame_rgb.ndim != 3 or frame_rgb.shape[2] != 3 or frame_rgb.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame_rgb.dtype} {frame_rgb.shape}")
        height, width = frame_rgb.shape[:2]
        try:
            self._conn.send((height, width, float(timestamp_s)))
            self._conn.send_bytes(np.ascontiguousarray(frame_rgb).reshape(-1))  # flat: send_bytes counts items
        except (BlockingIOError, TimeoutError):  # the send timed out: the child hangs
            self._fail(f"the pose model process did not answer within "
                       f"{self.process_options.frame_timeout_s:g} s (a frame)", hung=True)
        except OSError:  # a broken pipe: the child is gone
            self._gone()
        kind, payload = self._receive(self.process_options.frame_timeout_s, "a frame")
        if kind == _ERROR:
            raise RuntimeError(payload)
        return payload

    def _receive(self, timeout_s: float, waiting_for: str) -> tuple[str, Any]:
        try:
            if self._conn.poll(timeout_s):
                return self._conn.recv()
        except (EOFError, OSError):
            self._gone()
        self._fail(f"the pose model process did not answer within {timeout_s:g} s ({waiting_for})", hung=True)

    def _gone(self) -> NoReturn:
        try:
            code = self._process.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            code = None
        self._fail(f"the pose model process stopped unexpectedly (exit code {code})")

    def _fail(self, message: str, hung: bool = False) -> NoReturn:
        if hung:
            self._process.kill()  # asking a hung process to stop is no use
        self.close()
        raise EstimatorProcessError(message)

    def close(self) -> None:
        """Stop the child (asks, then kills if it does not end within a few seconds)."""
        if getattr(self, "_closed", True):
            return
        self._closed = True
        try:
            self._conn.send(None)
        except OSError:
            pass
        try:
            self._process.wait(timeout=5.0)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._conn.close()

    def __enter__(self) -> "PoseEstimatorProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["EstimatorProcessError", "PoseEstimatorProcess", "ProcessOptions"]

if __name__ == "__main__":  # the child: python -m coach.estimator_process <socket fd>
    _serve(Connection(int(sys.argv[1])))
