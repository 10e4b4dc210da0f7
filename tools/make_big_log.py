"""Write a long, valid session log with the real writer, and time opening it.

For checking that a big log opens in bounded memory (issue 12): the log is what a
live session of the sciatica routine, repeated, would write at 30 frames/s: 33
landmarks per frame (a correct synthetic pose with a little jitter), the routine
runner's timer, events and summary. Not a test; nothing is committed.

    python tools/make_big_log.py /tmp/big.jsonl --mb 100     # write it
    python tools/make_big_log.py /tmp/big.jsonl --open       # open it: seconds, peak RSS
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

from coach.landmarks import Landmarks
from coach.routine import Phase, RoutineRunner
from coach.session_log import SessionLogWriter, event_record, frame_record, header_record, load_session_log
from coach.stretches import load_library
from coach.summary import summarize
from coachlab.synthetic.body import BodyProportions
from coachlab.synthetic.variants import CORRECT, landmarks_for

FPS = 30.0


def write(path: Path, megabytes: float, seed: int = 1) -> int:
    """Write the log; returns the number of frames."""
    library = load_library()
    routine = library.routines["sciatica"]
    body = BodyProportions.average_female()
    poses = {sid: build(body) for sid, build in CORRECT.items()}
    base: dict[tuple[str, str | None], Landmarks] = {}
    rng = np.random.default_rng(seed)
    stretches = [library.stretches[s.stretch_id] for s in routine.steps]
    limit = megabytes * 1e6
    frames = 0
    summary_frames = []
    with SessionLogWriter(path, header_record(stretches, source="live", model="pose_landmarker_full.task",
                                              routine_id=routine.id)) as writer:
        runner = RoutineRunner(routine, library.stretches)
        t, step = 0.0, 0
        while step % 1000 or writer._file.tell() < limit:
            step += 1
            if runner.phase is Phase.DONE:
                runner = RoutineRunner(routine, library.stretches)
            slot = runner.slot
            landmarks = None
            if slot is not None:
                key = (slot.stretch.id, slot.side)
                if key not in base:
                    base[key] = landmarks_for(poses[slot.stretch.id], body, slot.stretch.id, slot.side)
                b = base[key]
                landmarks = Landmarks(b.image + rng.normal(0, 0.0005, b.image.shape),
                                      b.world + rng.normal(0, 0.001, b.world.shape),
                                      b.visibility, b.presence, t, b.image_size)
            status = runner.update(landmarks, t)
            update = status.update if status.phase is not Phase.REST else None
            if update is not None and status.slot is not None:
                record = frame_record(update, t, status.slot.stretch.id, status.slot.side, status.phase.value,
                                      status.slot.rep, 1)
                writer.frame(record)
                record.pop("landmarks")
                summary_frames.append(record)
                frames += 1
            for event_slot, event in runner.drain_events():
                writer.event(event_record(event, event_slot.stretch.id, event_slot.side, event_slot.rep))
            t = round(t + 1.0 / FPS, 6)
        writer.close(summarize(summary_frames))
    return frames


def open_and_measure(path: Path) -> None:
    start = time.perf_counter()
    log = load_session_log(path)
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{path.stat().st_size / 1e6:.1f} MB, {len(log.frames)} frames: opened in {seconds:.1f} s, "
          f"peak RSS {peak_mb:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--mb", type=float, default=100.0, help="size to write (MB)")
    parser.add_argument("--open", action="store_true", help="open an existing log and report time and peak RSS")
    args = parser.parse_args(argv)
    if args.open:
        open_and_measure(args.path)
        return 0
    if args.path.exists():
        print(f"{args.path} exists; not overwriting it", file=sys.stderr)
        return 2
    frames = write(args.path, args.mb)
    print(f"wrote {args.path}: {args.path.stat().st_size / 1e6:.1f} MB, {frames} frames")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
