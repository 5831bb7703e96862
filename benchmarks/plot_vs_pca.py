"""Plots test error against code size k from hourglass_vs_pca's CSV (Debian's python3-matplotlib).

    python3 benchmarks/plot_vs_pca.py benchmarks/vs_pca.csv benchmarks/vs_pca.png
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

rows = list(csv.DictReader(open(sys.argv[1])))
fig, ax = plt.subplots(figsize=(6, 4), dpi=120)
for method, style in (("PCA", "o-"), ("linear AE", "s--"), ("small AE", "^-")):
    pts = sorted((int(r["k"]), float(r["sse"])) for r in rows if r["method"] == method)
    ax.plot([k for k, _ in pts], [e for _, e in pts], style, label=method)
ax.set_xscale("log", base=2)
ax.set_xticks([2, 8, 16, 32, 64], ["2", "8", "16", "32", "64"])
ax.set_xlabel("code size k")
ax.set_ylabel("test error: sum of squared errors per image")
ax.set_title("MNIST: autoencoders against PCA")
ax.grid(True, alpha=0.3)
ax.legend()
fig.tight_layout()
fig.savefig(sys.argv[2])
