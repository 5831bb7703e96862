#!/usr/bin/python3
"""Runs two builds of a Google Benchmark program interleaved (A, B, A, B, ...) and prints, per
benchmark, the median of a counter over the runs and the ratio B / A. For before/after figures of
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
    print(f"\n{'benchmark':40} {'A median':>12} {'B median':>12} {'B/A':>7}   ({args.counter}, {args.runs} runs each, interleaved)")
    for name in results["a"]:
        a, b = statistics.median(results["a"][name]), statistics.median(results["b"].get(name, [float("nan")]))
        print(f"{name:40} {a:12.0f} {b:12.0f} {b / a:7.3f}   A: {' '.join(f'{v:.0f}' for v in results['a'][name])}"
              f" | B: {' '.join(f'{v:.0f}' for v in results['b'].get(name, []))}")


if __name__ == "__main__":
    main()
