"""Keep the native libraries' log lines (MediaPipe's glog, TensorFlow Lite) off the terminal.

They write straight to file descriptor 2 from C++ ("W0000 ... inference_feedback_manager",
"Created TensorFlow Lite XNNPACK delegate"), which means nothing to the person running
`coach analyze`. While `native_logs_silenced()` is active, descriptor 2 points at
/dev/null and Python's own `sys.stderr` (progress bars, errors, warnings) at a copy of the
real one, so only the app's own lines reach the terminal.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def native_logs_silenced() -> Iterator[None]:
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no descriptor 2 at all: nothing to silence
        yield
        return
    try:
        writes_to_fd2 = sys.stderr.fileno() == 2
    except (OSError, ValueError, AttributeError):
        writes_to_fd2 = False  # Python's stderr is captured elsewhere (a test): leave it alone
    python_stderr = sys.stderr
    own = None
    if writes_to_fd2:
        own = os.fdopen(os.dup(saved), "w", buffering=1, errors="replace",
                        encoding=getattr(python_stderr, "encoding", None) or "utf-8")
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        if own is not None:
            sys.stderr = own
        yield
    finally:
        if own is not None:
            own.flush()
            sys.stderr = python_stderr
        os.dup2(saved, 2)
        for fd in (devnull, saved):
            os.close(fd)
        if own is not None:
            own.close()
