"""Readiness and watchdog notifications to systemd (`Type=notify`, `WatchdogSec=`).

systemd passes a unix datagram socket in `NOTIFY_SOCKET` (a path, or `@name` in the
abstract namespace) and, with `WatchdogSec=`, the interval in `WATCHDOG_USEC`. The
protocol is one datagram of `KEY=value` lines per message, so it is a dozen lines here
rather than a dependency. The socket is non-blocking: a datagram either goes at once or
is dropped with a log line; the event loop never waits on systemd.

`READY=1` goes when the process serves (admin server up, jobs recovered, polling about to
start); then `WATCHDOG=1` every half interval from a task on the event loop, so a loop
that stops turning (blocked by sync work, deadlocked) stops the pings and systemd
restarts the process. `STOPPING=1` goes when the drain begins; the pings go on until the
process has closed everything, so a long drain is not mistaken for a hang.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Mapping
from types import TracebackType

from loguru import logger


class SystemdNotifier:
    """Talks to systemd when started by it; does nothing otherwise (no socket given)."""

    def __init__(self, address: str | None, watchdog_s: float | None = None) -> None:
        self._address = address
        self._watchdog_s = watchdog_s
        self._socket: socket.socket | None = None
        self._watchdog: asyncio.Task[None] | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> SystemdNotifier:
        """systemd's variables; `WATCHDOG_PID` naming another process means not us."""
        address = environ.get("NOTIFY_SOCKET") or None
        watchdog_s: float | None = None
        usec = environ.get("WATCHDOG_USEC", "")
        pid = environ.get("WATCHDOG_PID", "")
        if usec.isdigit() and int(usec) > 0 and (not pid or pid == str(os.getpid())):
            watchdog_s = int(usec) / 1_000_000
        return cls(address, watchdog_s)

    @property
    def enabled(self) -> bool:
        return self._address is not None

    async def __aenter__(self) -> SystemdNotifier:
        if self._address is not None:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            sock.setblocking(False)
            self._socket = sock
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            await asyncio.gather(self._watchdog, return_exceptions=True)
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def notify(self, state: str) -> bool:
        """Send one message (such as `READY=1`); False when not under systemd or dropped."""
        if self._socket is None or self._address is None:
            return False
        address = self._address
        if address.startswith("@"):  # the abstract namespace
            address = "\0" + address[1:]
        try:
            self._socket.sendto(state.encode(), address)
        except OSError as exc:  # BlockingIOError included: never wait on systemd
            logger.warning("systemd notification {!r} not sent: {}", state, type(exc).__name__)
            return False
        return True

    def ready(self) -> None:
        """The process serves: tell systemd, and start the watchdog pings if asked for."""
        self.notify("READY=1")
        if self._watchdog_s is not None and self._socket is not None and self._watchdog is None:
            self._watchdog = asyncio.create_task(self._ping(self._watchdog_s / 2), name="watchdog")

    def stopping(self) -> None:
        self.notify("STOPPING=1")

    async def _ping(self, every_s: float) -> None:
        while True:
            self.notify("WATCHDOG=1")
            await asyncio.sleep(every_s)
