"""The PyTorch / scikit-learn side of benchmarks/compare/run.sh: the same autoencoders and PCA as
hourglass_compare, printing one JSON object per task (same fields).

    python3 peer.py --data DIR [--epochs N] [--threads N] [--tasks small,hinton,pca]
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np


def read_idx_images(path):
    with open(path, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != 0x803 or len(raw) != 16 + int(count) * int(rows) * int(cols):
        sys.exit(f"error: {path} is not an IDX3 image file")
    return np.frombuffer(raw[16:], dtype=np.uint8).reshape(int(count), int(rows) * int(cols)).astype(np.float32) / 255.0


def train(name, sizes, x_train, x_test, epochs, config):
    import torch
    from torch import nn

    torch.manual_seed(1)
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        code = i == len(sizes) // 2 - 1
        last = i == len(sizes) - 2
        if last:
            layers.append(nn.Sigmoid())
        elif not code:
            layers.append(nn.ReLU())
    model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    xt = torch.from_numpy(x_train)
    n = xt.shape[0]
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for first in range(0, n, 256):
            batch = xt.index_select(0, order[first:first + 256])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), batch)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        xs = torch.from_numpy(x_test)
        mse = float(((model(xs) - xs) ** 2).double().mean())
    med = statistics.median(seconds)
    return dict(tool="pytorch", task=name, epochs=epochs, epoch_seconds=seconds, median_epoch_s=med,
                samples_per_s=n / med, test_mse=mse, test_sse=mse * x_test.shape[1], config=config,
                torch=torch.__version__)


def pca(x_train, x_test, solver, config):
    import sklearn
    from sklearn.decomposition import PCA

    times = []
    for _ in range(3):
        start = time.perf_counter()
        p = PCA(n_components=32, svd_solver=solver, random_state=0) if solver == "randomized" else \
            PCA(n_components=32, svd_solver=solver)
        p.fit(x_train)
        times.append(time.perf_counter() - start)
    rec = p.inverse_transform(p.transform(x_test))
    mse = float(((rec.astype(np.float64) - x_test) ** 2).mean())
    return dict(tool=f"sklearn-{solver}", task="pca32", fit_seconds=times, median_fit_s=statistics.median(times),
                test_mse=mse, test_sse=mse * x_test.shape[1], variance_kept=float(p.explained_variance_ratio_.sum()),
                config=config, sklearn=sklearn.__version__)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tasks", default="small,hinton,pca")
    ap.add_argument("--config", default="")
    a = ap.parse_args()
    x_train = read_idx_images(os.path.join(a.data, "train-images-idx3-ubyte"))
    x_test = read_idx_images(os.path.join(a.data, "t10k-images-idx3-ubyte"))
    import torch
    torch.set_num_threads(a.threads)
    tasks = a.tasks.split(",")
    if "small" in tasks:
        print(json.dumps(train("small", [784, 256, 64, 32, 64, 256, 784], x_train, x_test, a.epochs, a.config)), flush=True)
    if "hinton" in tasks:
        print(json.dumps(train("hinton", [784, 1000, 500, 250, 30, 250, 500, 1000, 784], x_train, x_test, a.epochs,
                               a.config)), flush=True)
    if "pca" in tasks:
        for solver in ("full", "randomized"):
            print(json.dumps(pca(x_train, x_test, solver, a.config)), flush=True)


if __name__ == "__main__":
    main()
