"""A private redis-server for one scenario: a free loopback port, a temp dir, no persistence.

The same logic as the tests' `tests/support/redis_server.py`, rewritten for asyncio (the
bench never imports the tests). Persistence is off: a scenario never restarts Redis, and
fsyncs would only add noise to the figures.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from pathlib import Path

_CANDIDATES = ("redis-server", "/usr/bin/redis-server", "/usr/sbin/redis-server")


def find_redis_server() -> str | None:
    for candidate in _CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = free_port()
        self._process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        args = [
            "--port", str(self.port),
            "--bind", "127.0.0.1",
            "--dir", str(self.workdir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(self.workdir / "redis.log"),
        ]  # fmt: skip
        self._process = await asyncio.create_subprocess_exec(
            self.binary, *args, stdout=asyncio.subprocess.DEVNULL
        )
        await self._wait_accepting()

    async def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.returncode is not None:
            return
        process.terminate()
        try:
            async with asyncio.timeout(10):
                await process.wait()
        except TimeoutError:
            process.kill()
            await process.wait()

    async def _wait_accepting(self, timeout: float = 10.0) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while not await self._accepts():
                if self._process is not None and self._process.returncode is not None:
                    log = (self.workdir / "redis.log").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"redis-server exited at start:\n{log}")
                await asyncio.sleep(0.02)

    async def _accepts(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        try:
            writer.write(b"PING\r\n")
            await writer.drain()
            return (await reader.read(16)).startswith(b"+PONG")
        except OSError:
            return False
        finally:
            writer.close()

    async def round_trips(self) -> int:
        """Requests Redis has read so far (`total_reads_processed`): one per command or
        per pipeline sent at once, a script counting once however many commands it runs,
        which is what a client pays for. Each call adds one of its own."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        try:
            writer.write(b"INFO stats\r\n")
            await writer.drain()
            header = await reader.readline()  # $<length>
            body = await reader.readexactly(int(header[1:]) + 2)
        finally:
            writer.close()
        for line in body.decode().splitlines():
            name, _, value = line.partition(":")
            if name == "total_reads_processed":
                return int(value)
        raise RuntimeError("redis-server did not report total_reads_processed")
