#!/usr/bin/env python3
"""Prints the median of every criterion benchmark from its last run.

Criterion's console line shows a confidence interval of the mean; the
issues state their targets as medians, which criterion keeps in
target/criterion/<group>/<bench>/new/estimates.json.
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")
rows = []
for estimates in sorted(root.glob("**/new/estimates.json")):
    bench = estimates.parent.parent.relative_to(root)
    median_ns = json.loads(estimates.read_text())["median"]["point_estimate"]
    rows.append((str(bench), median_ns))
if not rows:
    sys.exit(f"no criterion results under {root}; run `make bench` first")
width = max(len(name) for name, _ in rows)
for name, ns in rows:
    print(f"{name:<{width}}  median {ns / 1e6:10.3f} ms")
