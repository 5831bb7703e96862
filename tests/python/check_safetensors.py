#!/usr/bin/python3
"""Reads hourglass's safetensors files with numpy alone (no safetensors package) and checks
that every tensor holds exactly the numbers the C++ side wrote, in PyTorch's layout, by
running the autoencoder forward in numpy. Usage: check_safetensors.py DIR (from the fixture)."""
import json
import struct
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F32": "<f4", "F64": "<f8"}
ACTIVATIONS = {
    "identity": lambda z: z,
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    data = raw[8 + n :]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        begin, end = t["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=DTYPES[t["dtype"]]).reshape(t["shape"])
    return tensors, meta


def main(folder):
    folder = Path(folder)
    expected = json.loads((folder / "expected.json").read_text())
    failures = 0
    for file, values in expected.items():
        tensors, meta = read_safetensors(folder / file)
        dtype = np.float32 if meta["scalar"] == "float32" else np.float64
        for name in ("encoder.0.weight", "encoder.0.bias", "decoder.2.weight", "decoder.2.bias"):
            want = np.array(values[name], dtype=np.float64).astype(dtype).reshape(tensors[name].shape)
            if tensors[name].dtype != dtype or not np.array_equal(tensors[name], want):
                print(f"{file}: {name} differs:\n{tensors[name]}\nexpected\n{want}")
                failures += 1
        # Forward pass in numpy from the architecture string, e.g.
        # "encoder: dense(5,3,relu) dense(3,2,identity) | decoder: dense(2,3,tanh) dense(3,5,sigmoid)".
        # Tensors are numbered as PyTorch's nn.Sequential numbers modules (format_version 3): an
        # activation other than identity is a module after its layer.
        x = np.array(values["input"], dtype=np.float64)
        # The scaler kept with the model (format_version 4): y = (x - offset) * scale + base,
        # base = lo for "min_max(lo,hi[,clip])", 0 for "standardize"; inverted on the output.
        scaler = meta.get("scaler", "none")
        if scaler != "none":
            scale = tensors["scaler.scale"].astype(np.float64)[:, None]
            offset = tensors["scaler.offset"].astype(np.float64)[:, None]
            args = scaler[len("min_max(") : -1].split(",") if scaler.startswith("min_max(") else ["0", "0"]
            base = float(args[0])
            x = (x - offset) * scale + base
            if "clip" in args:
                x = np.clip(x, float(args[0]), float(args[1]))
        h = x
        for part, prefix in zip(meta["architecture"].split(" | "), ("encoder", "decoder")):
            module = 0
            for layer in part.split(" ")[1:]:
                kind, args = layer[: layer.index("(")], layer[layer.index("(") + 1 : -1].split(",")
                if kind != "dense":
                    raise SystemExit(f"{file}: this check reads dense layers only, got {layer}")
                w = tensors[f"{prefix}.{module}.weight"].astype(np.float64)
                b = tensors[f"{prefix}.{module}.bias"].astype(np.float64)
                h = ACTIVATIONS[args[2]](w @ h + b[:, None])
                module += 1 if args[2] == "identity" else 2
        if scaler != "none":
            h = (h - base) / scale + offset
        want = np.array(values["reconstruction"])
        tol = 1e-5 if dtype == np.float32 else 1e-12
        if not np.allclose(h, want, rtol=0, atol=tol):
            print(f"{file}: numpy forward pass {h.ravel()} != C++ {want.ravel()}")
            failures += 1
        print(f"{file}: {len(tensors)} tensors, {meta['scalar']}, scaler {scaler}, {meta['architecture']}: "
              f"{'OK' if failures == 0 else 'FAILED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
