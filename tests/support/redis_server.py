"""A private redis-server for the test session: free port, temp dir, AOF on.

AOF is on so that `restart()` keeps the data, as a production Redis with
`appendonly yes` does; the tests of Redis restarts mid-job rely on that.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from pathlib import Path

# One launcher's worth of discovery: the benchmark starts redis-server the same way.
from kiebot.bench.redis_server import find_redis_server, free_port

__all__ = ["RedisServer", "find_redis_server", "free_port"]


class RedisServer:
    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary,
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--daemonize", "no",
            "--logfile", str(self.workdir / "redis.log"),
        ]  # fmt: skip
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL)
        self._wait_until(accepting=True)

    def stop(self) -> None:
        """SIGTERM: Redis flushes the AOF and exits, like `systemctl stop redis`."""
        if self._process is None:
            return
        self._process.terminate()
        self._process.wait(timeout=10)
        self._process = None
        self._wait_until(accepting=False)

    def kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None

    def pause(self) -> None:
        """SIGSTOP: Redis stops reading its sockets, as a hung or swapped-out one does."""
        if self._process is not None:
            self._process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        if self._process is not None:
            self._process.send_signal(signal.SIGCONT)

    def restart(self) -> None:
        self.stop()
        self.start()

    def _wait_until(self, *, accepting: bool, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._accepts() == accepting:
                return
            if accepting and self._process is not None and self._process.poll() is not None:
                log = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"redis-server exited at start:\n{log}")
            time.sleep(0.02)
        raise RuntimeError(f"redis-server on port {self.port}: still accepting={not accepting}")

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False
