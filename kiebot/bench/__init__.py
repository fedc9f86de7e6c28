"""The benchmark: `scripts/bench [scenario ...] [--quick]` (see docs/benchmark.md).

The bot runs as its own process (`python -m kiebot run`), the simulators and the virtual
users in this one, so the figures measured on the bot's pid are the bot's alone. Every
scenario starts a private redis-server and fresh simulators, stops by itself, and talks
over loopback only. Not part of the test suite: timings belong here, not in pytest.
"""
