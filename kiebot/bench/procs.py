"""The processes under test: `kiebot run` and the bare aiogram echo bot, and what /proc
says about them (peak RSS, CPU time). psutil is not a dependency; /proc is enough."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcSample:
    """One reading of a process: peak and current RSS (bytes), CPU seconds used."""

    peak_rss: int
    rss: int
    cpu_s: float


def sample(pid: int) -> ProcSample:
    """VmHWM / VmRSS from /proc/<pid>/status, utime + stime from /proc/<pid>/stat."""
    status = Path(f"/proc/{pid}/status").read_text()
    values: dict[str, int] = {}
    for line in status.splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmHWM", "VmRSS"):
            values[name] = int(rest.split()[0]) * 1024
    stat = Path(f"/proc/{pid}/stat").read_text()
    # Fields after the command name (which may hold spaces) start at field 3 (state);
    # utime and stime are fields 14 and 15.
    fields = stat.rpartition(")")[2].split()
    cpu = (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS
    return ProcSample(values.get("VmHWM", 0), values.get("VmRSS", 0), cpu)


class Child:
    """A Python child process of the bench, its output in a log file, stopped by SIGTERM."""

    def __init__(self, name: str, args: list[str], env: Mapping[str, str], workdir: Path) -> None:
        self.name = name
        self.args = args
        self.env = dict(env)
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self._process: asyncio.subprocess.Process | None = None

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError(f"{self.name} is not running")
        return self._process.pid

    @property
    def exited(self) -> bool:
        return self._process is None or self._process.returncode is not None

    async def start(self) -> None:
        with self.log_path.open("ab") as log:
            self._process = await asyncio.create_subprocess_exec(
                sys.executable,
                *self.args,
                env=self.env,
                cwd=self.workdir,  # no stray .env from the repository is read
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    def sample(self) -> ProcSample:
        return sample(self.pid)

    async def stop(self, timeout: float = 30.0) -> int | None:  # noqa: ASYNC109
        """SIGTERM, then SIGKILL after `timeout`; the exit code."""
        process = self._process
        if process is None:
            return None
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(timeout):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
        return process.returncode

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def base_env() -> dict[str, str]:
    """The environment for a child: ours without any KIEBOT_ variable (the bench sets them)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("KIEBOT_")}
