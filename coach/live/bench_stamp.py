"""Bar codes for measuring the live path (benchmark only: `tools/live_bench.py`).

Two codes, both rows of black/white cells that survive VP8/H.264 compression,
scaling and the overlay's translucent panels:

* the **time stamp** the video callback writes into the frame it returns (only
  when ``STRETCH_COACH_BENCH_STAMP=1``): ``time.time()`` in ms modulo 2**24 and a
  callback sequence number modulo 2**12, in two rows at the top of the frame; in a third
  row the age of the skeleton drawn on it (ms since its judged frame arrived) and in a
  fourth the number of that judged frame modulo 2**12 (all ones: none);
* the **frame index** written into every frame of the fake camera clip, in one
  row near the top-left (on the wall, where the pose model finds nothing).

Every bit is a pair of cells, white-black for 1 and black-white for 0
(Manchester code): a reader compares the two cells of a pair and needs no
brightness threshold, so a darkened or blended code still reads. A 4-bit
check value rejects misreads. A mirrored picture reads the same cells in
reverse order (a mirrored pair swaps its cells, which the reversed reading
undoes), so the index reads from the coach's mirrored output too.

All positions are fractions of the frame, so a frame Chrome scaled down to
480×360 still reads. The same layout is decoded in the browser by the
JavaScript in `tools/live_bench.py`; `decode_*` here are its reference
(and are what the tests use).
"""

from __future__ import annotations

import numpy as np

#: Cells across the frame: a cell is width / GRID_COLUMNS wide and height / GRID_ROWS tall.
GRID_COLUMNS = 40
GRID_ROWS = 30
WHITE = 235  # video-range luma; an RGB frame gets (235, 235, 235)
BLACK = 16
#: A pair whose two cells differ by less than this is not a bit (no code there).
MIN_CONTRAST = 24

STAMP_TIME_BITS = 24
STAMP_SEQ_BITS = 12
STAMP_ROWS = (0, 1)  # grid rows of the time stamp (20 bits each)
STAMP_LAG_BITS = 12
STAMP_LAG_ROW = 2
STAMP_JUDGED_ROW = 3
NO_LAG = (1 << STAMP_LAG_BITS) - 1  # also "no judged frame" in the fourth row
INDEX_BITS = 10
INDEX_ROW = 4  # grid row of the camera frame index (below the overlay's title and hold bar)
CHECK_BITS = 4


def _check(value: int, bits: int) -> int:
    """A 4-bit check value of `bits` bits of payload (sum of nibbles, scrambled)."""
    total = 0x5
    for shift in range(0, bits, 4):
        total = (total * 3 + ((value >> shift) & 0xF)) & 0xF
    return total


def _bits(value: int, count: int) -> list[int]:
    return [(value >> (count - 1 - i)) & 1 for i in range(count)]


def _from_bits(bits: list[int]) -> int:
    value = 0
    for bit in bits:
        value = (value << 1) | bit
    return value


def _cell_box(shape: tuple[int, ...], row: int, column: int) -> tuple[int, int, int, int]:
    height, width = shape[:2]
    y0, y1 = row * height // GRID_ROWS, (row + 1) * height // GRID_ROWS
    x0, x1 = column * width // GRID_COLUMNS, (column + 1) * width // GRID_COLUMNS
    return y0, y1, x0, x1


def _write_bits(image: np.ndarray, bits: list[int], row: int, first_column: int = 0) -> None:
    """Write bits as cell pairs into a luma plane (H, W) or an RGB frame (H, W, 3), in place."""
    for i, bit in enumerate(bits):
        for half, on in ((0, bit), (1, 1 - bit)):
            y0, y1, x0, x1 = _cell_box(image.shape, row, first_column + 2 * i + half)
            image[y0:y1, x0:x1] = WHITE if on else BLACK


def _read_bits(luma: np.ndarray, count: int, row: int, mirrored: bool) -> list[int] | None:
    """Read `count` bits from cell pairs; None where a pair has no contrast."""
    width_cells = 2 * count
    bits = []
    for i in range(count):
        means = []
        for half in (0, 1):
            column = 2 * i + half
            if mirrored:
                column = GRID_COLUMNS - 1 - column
            y0, y1, x0, x1 = _cell_box(luma.shape, row, column)
            # The middle of the cell: compression smears the edges.
            dy, dx = max(1, (y1 - y0) // 4), max(1, (x1 - x0) // 4)
            means.append(float(luma[y0 + dy:y1 - dy, x0 + dx:x1 - dx].mean()))
        if abs(means[0] - means[1]) < MIN_CONTRAST:
            return None
        bits.append(1 if means[0] > means[1] else 0)
    assert len(bits) * 2 == width_cells
    return bits


def _luma(image: np.ndarray) -> np.ndarray:
    return image.mean(axis=2) if image.ndim == 3 else image


def stamp_frame(image: np.ndarray, time_ms: int, seq: int, lag_ms: float | None = None,
                judged_count: int | None = None) -> None:
    """Write the callback's time stamp into the top four rows of a frame (luma plane or RGB), in place."""
    time_value = int(time_ms) % (1 << STAMP_TIME_BITS)
    seq_value = int(seq) % (1 << STAMP_SEQ_BITS)
    payload = (time_value << STAMP_SEQ_BITS) | seq_value
    bits = _bits(payload, STAMP_TIME_BITS + STAMP_SEQ_BITS) + _bits(
        _check(payload, STAMP_TIME_BITS + STAMP_SEQ_BITS), CHECK_BITS)
    half = len(bits) // 2
    _write_bits(image, bits[:half], STAMP_ROWS[0])
    _write_bits(image, bits[half:], STAMP_ROWS[1])
    lag = NO_LAG if lag_ms is None else max(0, min(NO_LAG - 1, int(round(lag_ms))))
    judged = NO_LAG if judged_count is None else int(judged_count) % NO_LAG
    for value, row in ((lag, STAMP_LAG_ROW), (judged, STAMP_JUDGED_ROW)):
        _write_bits(image, _bits(value, STAMP_LAG_BITS) + _bits(_check(value, STAMP_LAG_BITS), CHECK_BITS), row)


def stamp_i420(i420: np.ndarray, time_ms: int, seq: int, lag_ms: float | None = None,
               judged_count: int | None = None) -> None:
    """`stamp_frame` on an I420 frame as numpy lays it out ((H * 3 / 2, W): Y, then U, then V), in place.

    The stamp goes into the luma plane; the chroma under it is set to grey so the cells stay
    black and white whatever was there.
    """
    height = i420.shape[0] * 2 // 3
    width = i420.shape[1]
    stamp_frame(i420[:height], time_ms, seq, lag_ms, judged_count)
    band = ((STAMP_JUDGED_ROW + 1) * height // GRID_ROWS + 1) // 2 + 1  # chroma rows under the stamp
    quarter = height // 4
    for plane in (i420[height:height + quarter], i420[height + quarter:height + 2 * quarter]):
        plane.reshape(height // 2, width // 2)[:band] = 128


def decode_stamp(image: np.ndarray) -> tuple[int, int] | None:
    """(time ms modulo 2**24, sequence number modulo 2**12) from a stamped frame, or None."""
    luma = _luma(image)
    total = STAMP_TIME_BITS + STAMP_SEQ_BITS + CHECK_BITS
    first = _read_bits(luma, total // 2, STAMP_ROWS[0], mirrored=False)
    second = _read_bits(luma, total - total // 2, STAMP_ROWS[1], mirrored=False)
    if first is None or second is None:
        return None
    bits = first + second
    payload = _from_bits(bits[:-CHECK_BITS])
    if _from_bits(bits[-CHECK_BITS:]) != _check(payload, STAMP_TIME_BITS + STAMP_SEQ_BITS):
        return None
    return payload >> STAMP_SEQ_BITS, payload & ((1 << STAMP_SEQ_BITS) - 1)


def _decode_extra(image: np.ndarray, row: int) -> int | None:
    bits = _read_bits(_luma(image), STAMP_LAG_BITS + CHECK_BITS, row, mirrored=False)
    if bits is None:
        return None
    value = _from_bits(bits[:STAMP_LAG_BITS])
    if _from_bits(bits[STAMP_LAG_BITS:]) != _check(value, STAMP_LAG_BITS) or value == NO_LAG:
        return None
    return value


def decode_lag(image: np.ndarray) -> int | None:
    """The skeleton's age in ms from a stamped frame; None if unreadable or there is none."""
    return _decode_extra(image, STAMP_LAG_ROW)


def decode_judged(image: np.ndarray) -> int | None:
    """The number (modulo 4095) of the judged frame whose result is drawn; None if none."""
    return _decode_extra(image, STAMP_JUDGED_ROW)


def mark_index(image: np.ndarray, index: int) -> None:
    """Write a camera frame index (modulo 2**10) near the top-left of a frame, in place."""
    value = int(index) % (1 << INDEX_BITS)
    _write_bits(image, _bits(value, INDEX_BITS) + _bits(_check(value, INDEX_BITS), CHECK_BITS), INDEX_ROW)


def decode_index(image: np.ndarray) -> tuple[int, bool] | None:
    """(frame index, mirrored) from a camera frame or the coach's (mirrored) output, or None."""
    luma = _luma(image)
    for mirrored in (False, True):
        bits = _read_bits(luma, INDEX_BITS + CHECK_BITS, INDEX_ROW, mirrored)
        if bits is None:
            continue
        value = _from_bits(bits[:INDEX_BITS])
        if _from_bits(bits[INDEX_BITS:]) == _check(value, INDEX_BITS):
            return value, mirrored
    return None
