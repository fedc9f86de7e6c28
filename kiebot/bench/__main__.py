"""`python -m kiebot.bench ...`: see kiebot.bench.cli."""

from kiebot.bench.cli import main

raise SystemExit(main())
