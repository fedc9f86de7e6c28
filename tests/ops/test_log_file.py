"""The optional log file: redacted like stderr, rotated by size, old rotations pruned."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

from loguru import logger

from kiebot.logs import LogFile, setup_logging

SECRET = "kie-secret-key-123456"


def test_the_file_gets_redacted_lines_and_rotates(tmp_path: Path) -> None:
    path = tmp_path / "logs" / "kiebot.log"
    stale = tmp_path / "logs" / "kiebot.log.20200101-000000"
    stale.parent.mkdir(parents=True)
    stale.write_text("old\n")
    month_ago = time.time() - 30 * 86_400
    os.utime(stale, (month_ago, month_ago))
    spec = LogFile(path, max_bytes=2000, retention_days=14)
    setup_logging(level="INFO", json=True, secrets=[SECRET], stream=io.StringIO(), file=spec)

    for n in range(40):
        logger.info("request {} with key {}", n, SECRET)
    logger.remove()

    files = sorted(path.parent.iterdir())
    rotated = [f for f in files if f.name.startswith("kiebot.log.")]
    assert rotated, files
    assert stale not in files  # older than the retention: pruned at rotation
    text = "".join(f.read_text() for f in files)
    assert SECRET not in text
    assert text.count('"msg":"request') == 40  # nothing lost across rotations
    assert all(f.stat().st_size <= 2000 + 200 for f in files)
