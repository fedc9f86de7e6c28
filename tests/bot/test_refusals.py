from __future__ import annotations

from kiebot.bot.refusals import RefusalGate


class Clock:
    now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_same_refusal_is_said_once_per_window_per_chat() -> None:
    clock = Clock()
    gate = RefusalGate(window_s=10, clock=clock)
    assert gate.should_say(1, "job.rate_limited")
    assert not gate.should_say(1, "job.rate_limited")
    assert gate.should_say(1, "job.too_many_active")  # another reason is news
    assert gate.should_say(2, "job.rate_limited")  # another chat too
    clock.now += 10
    assert gate.should_say(1, "job.rate_limited")


def test_memory_is_bounded() -> None:
    gate = RefusalGate(max_entries=100, clock=Clock())
    for chat in range(1000):
        gate.should_say(chat, "job.rate_limited")
    assert len(gate._said) == 100
    assert gate.should_say(0, "job.rate_limited")  # the oldest were forgotten
