"""Names for new files that never replace an earlier one: ``name``, ``name-2``, ``name-3`` ..."""

from __future__ import annotations

from collections.abc import Iterator

#: More files than this of one name in one folder is a mistake worth reporting.
MAX_NUMBERED = 999


def numbered(stem: str) -> Iterator[str]:
    """``stem``, then ``stem-2`` ... ``stem-999``: the candidates for a new file's name."""
    yield stem
    for number in range(2, MAX_NUMBERED + 1):
        yield f"{stem}-{number}"
