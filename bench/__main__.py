"""`make bench`: run every bench/bench_*.py, print one table, write bench/results/latest.json."""

from __future__ import annotations

import importlib
import json
import os
import platform
import sys
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def machine() -> str:
    return f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()}"


def _ratio(figure) -> str:
    return f"{figure.ratio:.2f}" if figure.baseline else "—"  # counts of violations have no baseline


def markdown_table(figures: list) -> str:
    """The same table for a closing note or a pull request."""
    lines = [f"Machine: {machine()}, load average {os.getloadavg()[0]:.1f}", "",
             "| figure | value | baseline (same run) | ratio | target | met |", "|---|---|---|---|---|---|"]
    for f in figures:
        target = f"{'≤' if f.kind != 'min_ratio' else '≥'} {f.target:g}{' ×' if 'ratio' in f.kind else ' ' + f.unit}"
        lines.append(f"| {f.name} | {f.value:.2f} {f.unit} | {f.baseline:.2f} {f.unit} | {_ratio(f)} | {target} "
                     f"| {'yes' if f.met else '**no**'} |")
    return "\n".join(lines) + "\n"


def main(selected: list[str]) -> int:
    modules = sorted(p.stem for p in HERE.glob("bench_*.py"))
    if selected:
        modules = [m for m in modules if any(s in m for s in selected)]
    figures, failures = [], []
    for name in modules:
        print(f"… {name}", file=sys.stderr, flush=True)
        try:
            figures.extend(importlib.import_module(f"bench.{name}").run())
        except Exception:
            failures.append(name)
            traceback.print_exc()
    print(f"\nSira benchmarks — {machine()} — load average {os.getloadavg()[0]:.1f}\n")
    width = max([len("figure"), *(len(f.name) for f in figures)])
    header = f"{'figure':{width}} {'value':>16} {'baseline':>16} {'ratio':>8} {'target':>16}  met"
    print(header)
    print("-" * len(header))
    for f in figures:
        target = f"{'≤' if f.kind != 'min_ratio' else '≥'}{f.target:g}{' ×' if 'ratio' in f.kind else ' ' + f.unit}"
        print(f"{f.name:{width}} {f.value:>10.2f} {f.unit:<5} {f.baseline:>10.2f} {f.unit:<5} "
              f"{_ratio(f):>8} {target:>16}  {'yes' if f.met else 'NO'}")
        if f.note:
            print(f"    {f.note}")
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / "latest.json").write_text(
        json.dumps({"machine": machine(), "load_average": os.getloadavg()[0],
                    "figures": [f.as_dict() for f in figures], "failed": failures}, indent=2)
    )
    (results / "latest.md").write_text(markdown_table(figures))
    if failures:
        print(f"\nbenchmarks that failed to run: {', '.join(failures)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
