"""`coach.live.resume.ResumeRegistry` (issue 14): a reloaded page gets its live coach back, only
while that coach's session has not ended, within the pause limit, and only for the same user."""

from __future__ import annotations

from dataclasses import dataclass

from coach.live.resume import ResumeRegistry, owner_of


@dataclass
class _Snap:
    done: bool = False


class _Coach:
    def __init__(self) -> None:
        self.snap = _Snap()

    def snapshot(self) -> _Snap:
        return self.snap


@dataclass
class _User:
    role: str
    id: int


class _Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_a_token_gives_back_its_coach_to_the_same_user() -> None:
    registry = ResumeRegistry(expire_s=600.0, clock=_Clock())
    coach, other = _Coach(), _Coach()
    token = registry.add(coach, owner_of(_User("patient", 3)))
    other_token = registry.add(other, None)
    assert token != other_token and len(token) >= 20
    assert registry.adopt(token, ("patient", 3)) is coach
    assert registry.adopt(token, ("patient", 3)) is coach  # a second reload too
    assert registry.adopt(other_token, None) is other
    assert registry.adopt("no-such-token", None) is None and registry.adopt(None, None) is None


def test_another_user_or_nobody_is_refused_and_the_owner_still_gets_it() -> None:
    registry = ResumeRegistry(clock=_Clock())
    coach = _Coach()
    token = registry.add(coach, owner_of(_User("patient", 3)))
    assert registry.adopt(token, ("patient", 4)) is None
    assert registry.adopt(token, ("therapist", 3)) is None
    assert registry.adopt(token, None) is None  # logged out by the reload: log in again first
    assert registry.pending(token)
    assert registry.adopt(token, ("patient", 3)) is coach
    anonymous = registry.add(_Coach(), None)
    assert registry.adopt(anonymous, ("patient", 3)) is None  # made with nobody logged in


def test_an_ended_coach_is_dropped_not_adopted() -> None:
    registry = ResumeRegistry(clock=_Clock())
    coach = _Coach()
    token = registry.add(coach, None)
    coach.snap = _Snap(done=True)
    assert not registry.pending(token)
    assert registry.adopt(token, None) is None
    assert len(registry) == 0
    coach.snap = _Snap(done=False)  # its tab restarted the routine: kept again by its page run
    registry.keep(token, coach, None)
    assert registry.adopt(token, None) is coach


def test_entries_expire_with_the_pause_limit_unless_their_page_keeps_them() -> None:
    clock = _Clock()
    registry = ResumeRegistry(expire_s=600.0, clock=clock)
    kept, left = _Coach(), _Coach()
    kept_token, left_token = registry.add(kept, None), registry.add(left, None)
    clock.t += 400
    registry.keep(kept_token, kept, None)  # its page ran
    clock.t += 300
    assert registry.adopt(left_token, None) is None and not registry.pending(left_token)
    assert registry.adopt(kept_token, None) is kept  # 300 s since it was kept (adopting keeps it too)
    clock.t += 601
    assert registry.adopt(kept_token, None) is None
    assert len(registry) == 0
