"""The process entry point (`kiebot` and `python -m kiebot`): the only `asyncio.run`."""

from __future__ import annotations

import asyncio
import sys

from kiebot.cli import Command, parse_command


def main(argv: list[str] | None = None) -> int:
    command: Command = parse_command(sys.argv[1:] if argv is None else argv)
    if isinstance(command, int):  # a usage or configuration error, already reported
        return command
    try:
        return asyncio.run(command())
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
