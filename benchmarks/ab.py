#!/usr/bin/python3
"""Runs two builds of a Google Benchmark program interleaved (A, B, A, B, ...) and prints, per
benchmark, the median of a counter over the runs, the ratio of the medians B / A, and the median of the
per-run ratios (run i of B over run i of A: robust to the VM's phases of running ~2x slower,
which move both of a pair). For before/after figures of
a change measured side by side in one sitting, e.g.

  benchmarks/ab.py /work/before/build/bench/benchmarks/bench_training \\
                   build/bench/benchmarks/bench_training --filter 'train_step/(small|hinton)/batch:(64|256)$' --runs 5
"""
import argparse
import json
import statistics
import subprocess


def run(binary, flt, counter):
    out = subprocess.run([binary, f"--benchmark_filter={flt}", "--benchmark_format=json"], check=True,
                         capture_output=True, text=True).stdout
    return {b["name"]: b[counter] for b in json.loads(out)["benchmarks"] if counter in b}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("--filter", default=".")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--counter", default="samples/s")
    args = p.parse_args()
    results = {"a": {}, "b": {}}
    for i in range(args.runs):
        for side, binary in (("a", args.a), ("b", args.b)):
            for name, v in run(binary, args.filter, args.counter).items():
                results[side].setdefault(name, []).append(v)
        print(f"run {i + 1}/{args.runs} done", flush=True)
    print(f"\n{'benchmark':40} {'A median':>10} {'B median':>10} {'B/A':>6} {'paired':>7}   "
          f"({args.counter}, {args.runs} runs each, interleaved)")
    for name in results["a"]:
        ra, rb = results["a"][name], results["b"].get(name, [])
        a, b = statistics.median(ra), statistics.median(rb) if rb else float("nan")
        paired = statistics.median(y / x for x, y in zip(ra, rb)) if rb else float("nan")
        short = name.split("/min_time")[0]
        print(f"{short:40} {a:10.0f} {b:10.0f} {b / a:6.3f} {paired:7.3f}   A: {' '.join(f'{v:.0f}' for v in ra)}"
              f" | B: {' '.join(f'{v:.0f}' for v in rb)}")


if __name__ == "__main__":
    main()
