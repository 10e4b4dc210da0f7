"""The person's own measurements that later frames are compared with (``scale = "start"``).

A check such as the twist's slump check divides this frame's trunk height by the same
person's trunk height earlier, seen by the same camera: body size and camera distance drop
out. The earlier frames are the start position (sitting tall, both feet on the floor) or,
when that was not seen, the first moments of the hold itself in which every other gate held.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class OwnReference:
    """Collects the raw values of the relative checks on the frames the person is in the
    reference position, and says when that position has been seen for long enough.

    ``settle_s``: how long the position must be seen without a break. The reference is the
    median over every frame it was seen on (a brief glimpse before counts too, so that a
    start phase that times out still has what it saw).
    """

    settle_s: float
    _values: dict[str, list[float]] = field(init=False, default_factory=dict)
    _since: float | None = field(init=False, default=None)

    def see(self, values: dict[str, float] | None, t: float) -> bool:
        """One frame: ``values`` are the relative checks' raw values when the person is in the
        reference position on it, ``None`` when not (the unbroken run starts again). Returns
        whether the position has now been seen for ``settle_s`` without a break."""
        if values is None:
            self._since = None
            return False
        for check_id, value in values.items():
            self._values.setdefault(check_id, []).append(value)
        if self._since is None:
            self._since = t
        return t - self._since >= self.settle_s

    def reference(self) -> dict[str, float]:
        """Check id -> the median of its values (checks never read are left out)."""
        return {check_id: float(np.nanmedian(values)) for check_id, values in self._values.items()
                if np.isfinite(values).any()}

    def clear(self) -> None:
        self._values.clear()
        self._since = None


__all__ = ["OwnReference"]
