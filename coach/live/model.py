"""The stream's pose model: created on first use, replaced when its process is lost, closed at the end.

The model runs in its own process (`coach.estimator_process`) so it competes with the
video for neither the GIL nor the CPU. A process that dies or hangs is replaced on the
next frame, a few times a stream at most; a model that cannot load stops coaching with
its own reason, once, instead of retrying on every frame.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Protocol

import numpy as np

from coach.estimator import MODEL_ENV_VAR, EstimatorOptions, PoseResult, resolve_model_path
from coach.estimator_process import EstimatorProcessError, PoseEstimatorProcess, ProcessOptions

LOGGER = logging.getLogger(__name__)

#: Pose model processes that may be lost (died, hung) in one stream before coaching stops.
MAX_MODEL_RESTARTS = 3


class Estimator(Protocol):
    """A pose estimator for one stream (`PoseEstimatorProcess`, `PoseEstimator`, a test double)."""

    def process(self, rgb: np.ndarray, timestamp_s: float) -> PoseResult: ...

    def close(self) -> None: ...


EstimatorFactory = Callable[[EstimatorOptions], Estimator]


def model_display_name(model: str | None) -> str:
    """The model's file name for the session log (what was asked, if it cannot be resolved)."""
    try:
        return resolve_model_path(model).name
    except Exception:  # noqa: BLE001 - a test double or a missing model: name what was asked
        return str(model or "full")


def effective_model(model: str | None) -> str:
    """The model a stream uses: the page's choice, else the environment's, else "full"."""
    return model if model is not None else os.environ.get(MODEL_ENV_VAR) or "full"


class StreamModel:
    """The pose estimator of one stream, behind its own lock (inference never holds the coach's)."""

    def __init__(self, model: str | None, factory: EstimatorFactory | None = None,
                 process_options: ProcessOptions | None = None) -> None:
        self.model = model
        self._factory: EstimatorFactory = factory or (
            lambda options: PoseEstimatorProcess(options, process_options))
        self._lock = threading.Lock()
        self._estimator: Estimator | None = None
        self._failed: str | None = None
        self._restarts = 0

    @property
    def loaded(self) -> bool:
        return self._estimator is not None

    def estimate(self, rgb: np.ndarray, stream_t: float) -> PoseResult:
        """Run the model on one frame; raises with a plain reason when it cannot."""
        with self._lock:
            estimator = self._load()
            try:
                return estimator.process(rgb, stream_t)
            except EstimatorProcessError as error:
                # The model's process died or hung (and is gone now): this frame reports it,
                # the next one starts a new process, a few times a stream at most.
                self._estimator = None
                self._restarts += 1
                if self._restarts > MAX_MODEL_RESTARTS:
                    self._failed = f"{error}; it stopped {self._restarts} times, so coaching has stopped"
                raise

    def _load(self) -> Estimator:
        if self._estimator is None:
            if self._failed:
                raise RuntimeError(self._failed)
            try:
                self._estimator = self._factory(EstimatorOptions(model=self.model))
            except Exception as error:
                # The model's process says itself what failed; anything else gets the context.
                self._failed = (str(error) if isinstance(error, EstimatorProcessError)
                                else f"the pose model could not be loaded: {error}")
                raise RuntimeError(self._failed) from None
        return self._estimator

    def close(self) -> None:
        """Free the model (the stream ended, or another model was chosen); never raises."""
        with self._lock:
            if self._estimator is not None:
                try:
                    self._estimator.close()
                except Exception:  # noqa: BLE001 - closing must never fail the caller
                    LOGGER.exception("closing the pose estimator failed")
                self._estimator = None
            self._failed = None
            self._restarts = 0
