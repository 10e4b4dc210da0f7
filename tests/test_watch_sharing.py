"""The live-share registry (`coach.live.sharing`): who may watch, for how long, and what ends a share.

Real `LiveCoach` sessions (only the pose model is scripted), a real aiortc `MediaRelay` fanning
a real video track out to viewers, an injected clock for expiry.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, VideoStreamTrack

from coach import settings
from coach.live import LiveCoach
from coach.live.sharing import (
    ALPHABET,
    CODE_LENGTH,
    ENDED_BY_PATIENT,
    ENDED_EXPIRED,
    ENDED_REPLACED,
    ENDED_SESSION,
    ShareRefused,
    ShareRegistry,
    Viewer,
)
from coach.routine import stretch_routine
from coach.stretches import load_library
from live_doubles import ScriptedEstimator, correct_figure_four, feed

LIBRARY = load_library()
PATIENT = 7
LEE = Viewer("therapist", 3, "drlee")
KIM = Viewer("therapist", 4, "drkim")  # a therapist, not assigned to the patient


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def coach_for(tmp_path: Path) -> LiveCoach:
    return LiveCoach(stretch_routine(LIBRARY.stretches["seated_figure_four"], ("right",)), LIBRARY.stretches,
                     log_dir=tmp_path, estimator_factory=lambda o: ScriptedEstimator(correct_figure_four))


def assigned_to_lee(patient_id: int) -> bool:
    return patient_id == PATIENT  # the database's answer for LEE


def share(registry: ShareRegistry, coach: LiveCoach, max_s: float | None = None) -> str:
    return registry.start(PATIENT, "Ann Example", frozenset({LEE.id}), coach.snapshot, lambda: None, max_s)


def test_a_share_code_is_short_random_and_readable_over_the_phone(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    codes = {registry.start(i, f"patient {i}", frozenset({1}), coach.snapshot, lambda: None) for i in range(50)}
    assert len(codes) == 50
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OIL") & set(ALPHABET)


def test_only_a_patient_with_an_assigned_therapist_can_share(tmp_path: Path) -> None:
    with pytest.raises(ShareRefused, match="assigned therapist"):
        ShareRegistry().start(PATIENT, "Ann", frozenset(), coach_for(tmp_path).snapshot, lambda: None)


def test_the_assigned_therapist_watches_the_patients_live_snapshot(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    code = share(registry, coach)
    feed(coach, 8.0)  # 5 s countdown, then holding
    status = registry.open(code.lower(), LEE, assigned_to_lee)  # typed in lower case: the same code
    assert status.live and status.patient_name == "Ann Example"
    snap = registry.snapshot(code, LEE, assigned_to_lee)
    assert snap == coach.snapshot() and snap.phase == "hold" and snap.held_s > 1.0


def test_refusals_say_why_and_give_nothing(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    code = share(registry, coach)
    with pytest.raises(ShareRefused, match="not assigned to this patient"):
        registry.open(code, KIM, lambda patient_id: False)
    # Listed when the share was made but unassigned since: the database's answer now wins.
    with pytest.raises(ShareRefused, match="not assigned to this patient"):
        registry.open(code, LEE, lambda patient_id: False)
    with pytest.raises(ShareRefused, match="No live session is shared with the code WRONG123"):
        registry.open("wrong123", LEE, assigned_to_lee)
    with pytest.raises(ShareRefused, match="Only a therapist"):
        registry.open(code, Viewer("patient", PATIENT, "Ann Example"), lambda patient_id: True)
    with pytest.raises(ShareRefused):
        registry.snapshot(code, KIM, lambda patient_id: False)
    with pytest.raises(ShareRefused):
        registry.subscribe(code, KIM, lambda patient_id: False, MediaRelay())


def test_a_share_expires_after_its_time(tmp_path: Path) -> None:
    clock = Clock()
    registry, coach = ShareRegistry(clock=clock, max_s=600.0), coach_for(tmp_path)
    code = share(registry, coach)
    clock.now += 599.0
    assert registry.open(code, LEE, assigned_to_lee).remaining_s == pytest.approx(1.0)
    clock.now += 1.0
    with pytest.raises(ShareRefused, match="ended: The share's time is up"):
        registry.open(code, LEE, assigned_to_lee)
    status = registry.status(code)
    assert status is not None and status.ended == ENDED_EXPIRED


def test_the_setting_limits_a_share_in_minutes() -> None:
    assert settings.share_max_s({}) == 3600.0
    assert settings.share_max_s({settings.SHARE_MINUTES_ENV: "15"}) == 900.0
    for bad in ("0", "-5", "nan", "soon", "2000"):
        with pytest.raises(settings.SettingsError, match=settings.SHARE_MINUTES_ENV):
            settings.share_max_s({settings.SHARE_MINUTES_ENV: bad})


def test_a_share_ends_with_its_session(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    code = share(registry, coach)  # turned on before the camera: it is for the session that starts next
    assert registry.open(code, LEE, assigned_to_lee).live
    feed(coach, 7.0)
    assert registry.open(code, LEE, assigned_to_lee).live
    coach.stop()  # End session
    with pytest.raises(ShareRefused, match="The session ended"):
        registry.open(code, LEE, assigned_to_lee)
    assert registry.status(code).ended == ENDED_SESSION  # type: ignore[union-attr]


def test_a_share_made_after_a_finished_session_is_for_the_next_one(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    feed(coach, 7.0)
    coach.stop()  # the summary is on screen
    code = share(registry, coach)
    assert registry.open(code, LEE, assigned_to_lee).live
    coach.restart()  # "Start the routine again"
    feed(coach, 7.0, start=500.0)
    assert registry.open(code, LEE, assigned_to_lee).live
    coach.restart()  # a new session: not the one shared
    with pytest.raises(ShareRefused, match="The session ended"):
        registry.open(code, LEE, assigned_to_lee)


def test_the_patient_ends_sharing_and_a_new_share_replaces_the_old(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    first = share(registry, coach)
    second = share(registry, coach)
    assert first != second
    assert registry.status(first).ended == ENDED_REPLACED  # type: ignore[union-attr]
    registry.end(second)
    assert registry.status(second).ended == ENDED_BY_PATIENT  # type: ignore[union-attr]
    with pytest.raises(ShareRefused, match="The patient ended sharing"):
        registry.open(second, LEE, assigned_to_lee)


def test_viewers_get_the_patients_frames_through_the_relay_until_the_share_ends(tmp_path: Path) -> None:
    """Two viewers and the patient's own subscriber read one source through one relay; ending the
    share ends both viewers' tracks while the patient's keeps getting frames."""
    registry, coach = ShareRegistry(), coach_for(tmp_path)

    async def scenario() -> None:
        relay, source = MediaRelay(), VideoStreamTrack()
        patient_side = relay.subscribe(source)
        code = registry.start(PATIENT, "Ann", frozenset({LEE.id, 5}), coach.snapshot, lambda: source)
        other = Viewer("therapist", 5, "drpark")
        viewers = [registry.subscribe(code, LEE, assigned_to_lee, relay),
                   registry.subscribe(code, other, assigned_to_lee, relay)]
        assert all(v is not None for v in viewers)
        for _ in range(3):
            frames = await asyncio.wait_for(asyncio.gather(patient_side.recv(), *(v.recv() for v in viewers)), 5)
            assert frames[1].to_ndarray().shape == frames[0].to_ndarray().shape
        assert registry.status(code).watching == ("drlee", "drpark")  # type: ignore[union-attr]
        registry.end(code)
        for viewer in viewers:
            with pytest.raises(MediaStreamError):
                await asyncio.wait_for(viewer.recv(), 5)
        assert registry.status(code).watching == ()  # type: ignore[union-attr]
        await asyncio.wait_for(patient_side.recv(), 5)  # the patient's video goes on
        with pytest.raises(ShareRefused):
            registry.subscribe(code, LEE, assigned_to_lee, relay)
        patient_side.stop()
        source.stop()

    asyncio.run(scenario())


def test_no_track_while_the_patients_camera_is_off(tmp_path: Path) -> None:
    registry, coach = ShareRegistry(), coach_for(tmp_path)
    code = share(registry, coach)
    assert registry.current_track(code) is None
    assert registry.subscribe(code, LEE, assigned_to_lee, MediaRelay()) is None
