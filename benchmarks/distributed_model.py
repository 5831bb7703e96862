#!/usr/bin/env python3
"""docs/distributed.md's scaling model on paper, from one machine's measurements.

A step of data-parallel training on N machines with b samples per machine:

    T(N) = T_compute(b) + T_allreduce(N)
    T_compute(b) = b / r                               r: one machine's training samples/s
    T_allreduce(N) = 2 (N - 1) / N * S / B + 2 (N - 1) * alpha     (ring all-reduce; 0 for N = 1)

S = 4 P bytes (the float gradient of P parameters), B the link's bandwidth, alpha the per-message
latency. The ring's volume term is Patarasuk & Yuan (2009), "Bandwidth optimal all-reduce
algorithms for clusters of workstations" (each process sends and receives 2 (N-1)/N S bytes);
its 2 (N - 1) latency terms are the ring's rounds. Speed-up against one machine at the same
per-machine batch (the global batch grows with N): N T(1) / T(N). No overlap of the all-reduce
with the backward pass is assumed (hourglass does not overlap; see docs/distributed.md).

  benchmarks/distributed_model.py --rate small=52000 --rate hinton=9000 --rate conv=6000 [--batch 128]
"""
import argparse

PARAMETERS = {"small": 439_728, "hinton": 2_837_392, "conv": 241_456}
LINKS = [("1 Gbit/s", 1e9 / 8, 50e-6), ("10 Gbit/s", 10e9 / 8, 20e-6), ("100 Gbit/s", 100e9 / 8, 5e-6)]
MACHINES = [1, 2, 4, 8, 16, 32, 64]


def allreduce(n, size_bytes, bandwidth, alpha):
    return 0.0 if n == 1 else 2 * (n - 1) / n * size_bytes / bandwidth + 2 * (n - 1) * alpha


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", action="append", required=True, help="MODEL=samples/s of one machine")
    ap.add_argument("--batch", type=int, default=128, help="samples per machine per step")
    a = ap.parse_args()
    rates = {k: float(v) for k, v in (r.split("=") for r in a.rate)}
    print(f"Time per step in ms (speed-up against one machine), {a.batch} samples per machine per step:\n")
    print("| model | link | " + " | ".join(f"N = {n}" for n in MACHINES) + " |")
    print("|---|---|" + "---:|" * len(MACHINES))
    for model, r in rates.items():
        size = 4 * PARAMETERS[model]
        compute = a.batch / r
        for link, bandwidth, alpha in LINKS:
            cells = []
            for n in MACHINES:
                t = compute + allreduce(n, size, bandwidth, alpha)
                cells.append(f"{t * 1e3:.1f} ({n * compute / t:.1f}×)")
            print(f"| {model} | {link} | " + " | ".join(cells) + " |")
    print(f"\nThe batch per machine at which computing takes as long as the all-reduce (64 machines; above it, more "
          f"than half the ideal speed-up):\n")
    print("| model | one machine's samples/s | " + " | ".join(l for l, _, _ in LINKS) + " |")
    print("|---|---:|" + "---:|" * len(LINKS))
    for model, r in rates.items():
        size = 4 * PARAMETERS[model]
        cells = [f"{r * allreduce(64, size, bw, alpha):,.0f}" for _, bw, alpha in LINKS]
        print(f"| {model} | {r:,.0f} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
