"""The errors page's ring: only ERROR and above, bounded, redacted like the log lines."""

from __future__ import annotations

from loguru import logger

from kiebot.logs import Redactor
from kiebot.ops.recent_errors import RecentErrors

SECRET = "kie-key-0123456789abcdef"


def test_errors_are_kept_newest_first_with_context_and_secrets_redacted() -> None:
    ring = RecentErrors(Redactor([SECRET]), capacity=3)
    remove = ring.install()
    try:
        logger.warning("only a warning")
        with logger.contextualize(job_id="job-7", model="z-image"):
            try:
                raise RuntimeError(f"KIE refused key {SECRET}")
            except RuntimeError:
                logger.exception("the runner failed on a job")
        logger.error("bot token 123456789:AAE_abcdefghijklmnopqrstuvwxyz0123456 leaked")
    finally:
        remove()
    newest, oldest = ring.latest()
    assert newest.message == "bot token *** leaked"
    assert oldest.message == "the runner failed on a job"
    assert oldest.context == {"job_id": "job-7", "model": "z-image"}
    assert oldest.exception is not None
    assert "RuntimeError: KIE refused key ***" in oldest.exception
    assert SECRET not in repr(ring.latest())


def test_the_ring_is_bounded() -> None:
    ring = RecentErrors(Redactor([]), capacity=3)
    remove = ring.install()
    try:
        for n in range(10):
            logger.error("error {}", n)
    finally:
        remove()
    assert [r.message for r in ring.latest()] == ["error 9", "error 8", "error 7"]
    remove()  # removing twice is harmless (the stack may run after logger.remove())
