"""Figures, targets and the PASS / MISS table; results as JSON in bench-results/."""

from __future__ import annotations

import contextlib
import json
import math
import os
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

Op = Literal["<=", ">=", "=="]


def quantile(values: list[float], q: float) -> float:
    """The nearest-rank quantile (q in 0..1); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


@dataclass(slots=True)
class Figure:
    """One measured number, with its target when the issue sets one."""

    name: str
    value: float
    unit: str = ""
    op: Op | None = None
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        if self.op is None or self.target is None:
            return "info"
        if math.isnan(self.value):
            return "MISS"
        ok = {
            "<=": self.value <= self.target,
            ">=": self.value >= self.target,
            "==": self.value == self.target,
        }[self.op]
        return "PASS" if ok else "MISS"


@dataclass(slots=True)
class ScenarioResult:
    name: str
    quick: bool
    params: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None

    def add(
        self,
        name: str,
        value: float,
        unit: str = "",
        op: Op | None = None,
        target: float | None = None,
        note: str = "",
    ) -> None:
        self.figures.append(Figure(name, float(value), unit, op, target, note))

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for figure, raw in zip(self.figures, data["figures"], strict=True):
            raw["verdict"] = figure.verdict
            if math.isnan(figure.value):
                raw["value"] = None
        return data


def _fmt(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"


def table(results: list[ScenarioResult]) -> str:
    lines = [f"{'scenario':<10} {'figure':<48} {'value':>12} {'target':>12}  verdict"]
    for result in results:
        mode = f"{result.name}{' (q)' if result.quick else ''}"
        if result.error:
            lines.append(f"{mode:<10} ERROR: {result.error}")
        for f in result.figures:
            target = f"{f.op} {_fmt(f.target)}" if f.op and f.target is not None else ""
            value = f"{_fmt(f.value)} {f.unit}".strip()
            lines.append(f"{mode:<10} {f.name:<48} {value:>12} {target:>12}  {f.verdict}")
            if f.note and f.verdict == "MISS":
                lines.append(f"{'':<10}   ↳ {f.note}")
        lines.append(f"{mode:<10} {'(wall time of the scenario)':<48} {result.seconds:>10.1f} s")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = ""
    with contextlib.suppress(OSError, IndexError):
        memory = Path("/proc/meminfo").read_text().splitlines()[0].split(":")[1].strip()
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
    }


def write_json(results: list[ScenarioResult], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    names = "-".join(r.name for r in results) or "none"
    path = out_dir / f"{stamp}-{names}.json"
    payload = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(),
        "results": [r.as_dict() for r in results],
    }
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return path
