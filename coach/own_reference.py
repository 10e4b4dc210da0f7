"""The frames a person's own reference is taken from (``scale = "start"``).

A check such as the twist's slump check divides this frame's trunk height by the same
person's trunk height earlier, seen by the same camera: body size and camera distance drop
out. The earlier frames are the start position (sitting tall, both feet on the floor) or,
for a length when that was not seen, the first moments of the hold itself in which every
other gate held. The evaluator measures each check on these frames (`coach.verdicts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.landmarks import Landmarks


@dataclass
class OwnReference:
    """Collects the frames on which the person is in the reference position, and says when
    that position has been seen for long enough.

    ``settle_s``: how long the position must be seen without a break. Every frame it was
    seen on is kept (a brief glimpse before counts too, so that a start phase that times out
    still has what it saw).
    """

    settle_s: float
    frames: list[Landmarks] = field(init=False, default_factory=list)
    _since: float | None = field(init=False, default=None)

    def see(self, landmarks: Landmarks | None, t: float) -> bool:
        """One frame: its landmarks when the person is in the reference position on it, ``None``
        when not (the unbroken run starts again). Returns whether the position has now been
        seen for ``settle_s`` without a break."""
        if landmarks is None:
            self._since = None
            return False
        self.frames.append(landmarks)
        if self._since is None:
            self._since = t
        return t - self._since >= self.settle_s

    def clear(self) -> None:
        self.frames.clear()
        self._since = None


__all__ = ["OwnReference"]
