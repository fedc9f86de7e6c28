"""The benchmark baseline: a bare aiogram echo bot, run as `python -m kiebot.bench.echo`."""
