#!/usr/bin/env python3
"""Issue #16's lever table in Markdown, from benchmarks/hinton/levers.csv (levers.sh appends it).
Rows in the order run; the recipe is chosen by the validation column only."""
import csv
import sys
from pathlib import Path

path = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).with_name("levers.csv"))
rows = list(csv.DictReader(path.open()))
base = next(r for r in rows if r["name"] == "base")
print("| lever | arguments (beside `--preset hinton`) | validation SSE/image | test SSE/image | epochs run (kept) | minutes |")
print("|---|---|---:|---:|---:|---:|")
best = min(rows, key=lambda r: float(r["validation_sse"]))
for r in rows:
    v = float(r["validation_sse"])
    mark = " **(best)**" if r is best else ""
    delta = "" if r is base else f" ({v - float(base['validation_sse']):+.3f})"
    kept = f" ({r['best_epoch']})" if r["best_epoch"] else ""
    print(f"| {r['name']}{mark} | `{r['arguments'] or '(the old recipe)'}` | {v:.3f}{delta} | {float(r['test_sse']):.3f} | "
          f"{r['epochs_run']}{kept} | {r['train_minutes']} |")
