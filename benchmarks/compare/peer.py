"""The PyTorch / scikit-learn side of benchmarks/compare/run.sh: the same autoencoders and PCA as
hourglass_compare, printing one JSON object per task (same fields).

    python3 peer.py --data DIR [--epochs N] [--batch N] [--threads N] [--tasks small,hinton,conv,conv-keras,vae,encode,latency,pca]
                    [--iwae-images N] [--iwae-samples K]
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


def autoencoder(sizes):
    from torch import nn

    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(a, b))
        code = i == len(sizes) // 2 - 1
        last = i == len(sizes) - 2
        if last:
            layers.append(nn.Sigmoid())
        elif not code:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def conv_autoencoder(name):
    """The conv presets of hourglass's MNIST example (benchmarks/models.hpp: Conv, ConvKeras), on
    [N, 784] batches: unflattened to [N, 1, 28, 28] in, flattened out."""
    from torch import nn

    if name == "conv":
        body = [nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.Flatten(),
                nn.Linear(3136, 32), nn.Linear(32, 3136), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
                nn.ConvTranspose2d(64, 32, 3, 2, 1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1), nn.Sigmoid()]
    else:  # conv-keras: keras.io's convolutional denoising autoencoder
        body = [nn.Conv2d(1, 32, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 32, 3, 1, 1), nn.ReLU(),
                nn.MaxPool2d(2), nn.ConvTranspose2d(32, 32, 3, 2, 1, output_padding=1), nn.ReLU(),
                nn.ConvTranspose2d(32, 32, 3, 2, 1, output_padding=1), nn.ReLU(), nn.Conv2d(32, 1, 3, 1, 1),
                nn.Sigmoid()]
    return nn.Sequential(nn.Unflatten(1, (1, 28, 28)), *body, nn.Flatten())


def train(name, sizes, x_train, x_test, epochs, batch_size, config):
    import torch
    from torch import nn

    torch.manual_seed(1)
    model = conv_autoencoder(name) if sizes is None else autoencoder(sizes)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.MSELoss()
    xt = torch.from_numpy(x_train)
    n = xt.shape[0]
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(n)
        for first in range(0, n, batch_size):
            batch = xt.index_select(0, order[first:first + batch_size])
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(batch), batch)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        xs = torch.from_numpy(x_test)
        mse = float(((model(xs) - xs) ** 2).double().mean())
    med = statistics.median(seconds)
    return dict(tool="pytorch", task=name, batch=batch_size, epochs=epochs, epoch_seconds=seconds, median_epoch_s=med,
                samples_per_s=n / med, test_mse=mse, test_sse=mse * x_test.shape[1], config=config,
                torch=torch.__version__)


def encode(sizes, x_train, config):
    """Inference: the encoder half of the `small` model on all training images under torch.no_grad()
    (one warm-up, median of 5), as hourglass_compare's encode task."""
    import torch

    torch.manual_seed(1)
    layers = list(autoencoder(sizes).children())
    encoder = torch.nn.Sequential(*layers[:2 * (len(sizes) // 2) - 1])  # Linear+ReLU pairs, then the linear code
    xt = torch.from_numpy(x_train)
    times = []
    with torch.no_grad():
        codes = encoder(xt)
        for _ in range(5):
            start = time.perf_counter()
            codes = encoder(xt)
            times.append(time.perf_counter() - start)
    med = statistics.median(times)
    return dict(tool="pytorch", task="encode", batch=int(xt.shape[0]), seconds=times, median_s=med,
                samples_per_s=xt.shape[0] / med, checksum=float(codes.abs().mean()), code=int(codes.shape[1]),
                config=config, torch=torch.__version__)


def time_calls(call, xs, calls=2000, seconds=1.0):
    """Each call timed on its own, cycling through the samples xs (a list of 1x784 tensors): 100
    warm-up calls, then at most `calls` calls or about `seconds` (at least 100); microseconds."""
    for i in range(100):
        call(xs[i % len(xs)])
    us = []
    stop = time.perf_counter() + seconds
    for i in range(calls):
        if i >= 100 and time.perf_counter() > stop:
            break
        x = xs[i % len(xs)]
        start = time.perf_counter_ns()
        call(x)
        us.append((time.perf_counter_ns() - start) / 1000)
    return us


def threads_calls_per_s(model, xs, threads, seconds=1.0):
    """`threads` Python threads share one model, each calling it on one sample at a time under
    torch.inference_mode() (PyTorch releases the GIL inside its operators): calls/s in total, CPU µs per
    call (all threads) and the cores the process got (CPU time / wall time)."""
    import threading

    import torch

    counts = [0] * threads
    start_line = threading.Barrier(threads + 1)
    stop = [0.0]

    def work(t):
        with torch.inference_mode():
            j, n = t * 997, 0
            start_line.wait()
            while time.perf_counter() < stop[0]:
                model(xs[j % len(xs)])
                j, n = j + 1, n + 1
        counts[t] = n

    pool = [threading.Thread(target=work, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    start, cpu_start = time.perf_counter(), time.process_time()
    stop[0] = start + seconds
    start_line.wait()
    for th in pool:
        th.join()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    return dict(calls_per_s=sum(counts) / elapsed, cpu_us_per_call=1e6 * cpu / sum(counts), cores_used=cpu / elapsed)


def latency(name, sizes, x_test, threads, config):
    """Single-sample inference: the model in eval mode, one 1x784 MNIST test image per call, under
    torch.no_grad() and torch.inference_mode(), with 1 intra-op thread and with the run's --threads;
    the encoder alone (encode) and the whole model (reconstruct). Then calls/s of the whole model
    from 1, 2, 4, 8 Python threads sharing it (1 intra-op thread). One JSON row per measurement."""
    import torch

    torch.manual_seed(1)
    model = autoencoder(sizes).eval()
    encoder = torch.nn.Sequential(*list(model.children())[:2 * (len(sizes) // 2) - 1]).eval()
    xs = [torch.from_numpy(x_test[j:j + 1].copy()) for j in range(1000)]
    rows = []
    for intra in sorted({1, threads}):
        torch.set_num_threads(intra)
        for mode_name, mode in (("no_grad", torch.no_grad), ("inference_mode", torch.inference_mode)):
            for call, net in (("encode", encoder), ("reconstruct", model)):
                with mode():
                    us = time_calls(net, xs)
                s = sorted(us)
                rows.append(dict(tool="pytorch", task="latency", model=name, call=call, api=mode_name,
                                 intra_threads=intra, calls=len(us), median_us=statistics.median(us),
                                 p10_us=s[int(0.1 * (len(s) - 1))], p90_us=s[int(0.9 * (len(s) - 1))],
                                 median_s=statistics.median(us) * 1e-6, config=config, torch=torch.__version__))
    # torch.set_num_threads does not reach OpenBLAS's own thread pool (OPENBLAS_NUM_THREADS, the
    # run's --threads), whose callers contend when several application threads call it at once:
    # the thread counts run as the environment says, then with OpenBLAS set to 1 thread as well.
    # The framework's own cost: the same layers with 1-unit sizes (next to no arithmetic).
    torch.set_num_threads(1)
    tiny = autoencoder([1] * len(sizes)).eval()
    tiny_encoder = torch.nn.Sequential(*list(tiny.children())[:2 * (len(sizes) // 2) - 1]).eval()
    ones = [torch.ones(1, 1)]
    for call, net in (("encode", tiny_encoder), ("reconstruct", tiny)):
        with torch.inference_mode():
            us = time_calls(net, ones)
        rows.append(dict(tool="pytorch", task="latency", model=name, call=call, api="overhead", intra_threads=1,
                         calls=len(us), median_us=statistics.median(us), median_s=statistics.median(us) * 1e-6,
                         config=config, torch=torch.__version__))
    openblas = loaded_openblas()
    for blas_threads in ("environment", 1) if openblas else ("environment",):
        if blas_threads == 1:
            openblas.openblas_set_num_threads(1)
        for n in (1, 2, 4, 8):
            rows.append(dict(tool="pytorch", task="latency-threads", model=name, call="reconstruct", threads=n,
                             blas_threads=blas_threads, **threads_calls_per_s(model, xs, n), config=config,
                             torch=torch.__version__))
    if openblas:
        openblas.openblas_set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", threads)))
    torch.set_num_threads(threads)
    return rows


def loaded_openblas():
    """The OpenBLAS library this process has loaded (through PyTorch), or None."""
    import ctypes

    paths = {line.split()[-1] for line in open("/proc/self/maps") if "libopenblas" in line}
    return ctypes.CDLL(sorted(paths)[0]) if paths else None


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


def vae(x_train, x_test, epochs, batch_size, iwae_images, iwae_samples, config):
    """PyTorch's own VAE example (pytorch/examples, vae/main.py: 784-400-20, ReLU, sigmoid output,
    BCE summed + KL, Adam 1e-3, batch 128), with its data loader replaced by index_select on one
    tensor (as the other tasks; faster than the example's per-image transforms). Test loss: the
    example's, one z per image, nats per image. Then the IWAE estimate of -log p(x) (k samples) on
    the first test images, as hourglass_compare."""
    import torch
    from torch import nn
    from torch.nn import functional as F

    class VAE(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
            self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

        def encode(self, x):
            h1 = F.relu(self.fc1(x))
            return self.fc21(h1), self.fc22(h1)

        def decode(self, z):
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

        def decode_logits(self, z):
            return self.fc4(F.relu(self.fc3(z)))

        def forward(self, x):
            mu, logvar = self.encode(x)
            z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
            return self.decode(z), mu, logvar

    def loss_function(recon_x, x, mu, logvar):
        bce = F.binary_cross_entropy(recon_x, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    torch.manual_seed(1)
    model = VAE()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    xt, xs = torch.from_numpy(x_train), torch.from_numpy(x_test)
    n = xt.shape[0]
    seconds, test_losses = [], []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for first in range(0, n, batch_size):
            batch = xt.index_select(0, order[first:first + batch_size])
            opt.zero_grad(set_to_none=True)
            recon, mu, logvar = model(batch)
            loss = loss_function(recon, batch, mu, logvar)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            total = 0.0
            for i in range(0, xs.shape[0], batch_size):
                batch = xs[i:i + batch_size]
                recon, mu, logvar = model(batch)
                total += float(loss_function(recon, batch, mu, logvar))
            test_losses.append(total / xs.shape[0])
    iwae_start = time.perf_counter()
    total = 0.0
    with torch.no_grad():
        mu, logvar = model.encode(xs[:iwae_images])
        for j in range(iwae_images):
            x = xs[j]
            weights = []
            for done in range(0, iwae_samples, 2500):
                m = min(2500, iwae_samples - done)
                eps = torch.randn(m, 20)
                z = mu[j] + torch.exp(0.5 * logvar[j]) * eps
                logits = model.decode_logits(z)
                log_px_z = -F.binary_cross_entropy_with_logits(logits, x.expand(m, -1), reduction="none").sum(1)
                weights.append(log_px_z - 0.5 * z.pow(2).sum(1) + 0.5 * eps.pow(2).sum(1) + 0.5 * logvar[j].sum())
            total += float(torch.logsumexp(torch.cat(weights), 0)) - np.log(iwae_samples)
    med = statistics.median(seconds)
    return dict(tool="pytorch", task="vae", batch=batch_size, epochs=epochs, epoch_seconds=seconds, median_epoch_s=med,
                samples_per_s=n / med, test_losses=test_losses, test_loss=test_losses[-1],
                iwae_nll=-total / iwae_images, iwae_images=iwae_images, iwae_samples=iwae_samples,
                iwae_seconds=time.perf_counter() - iwae_start, config=config, torch=torch.__version__)


SMALL = [784, 256, 64, 32, 64, 256, 784]
HINTON = [784, 1000, 500, 250, 30, 250, 500, 1000, 784]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="data/mnist")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--tasks", default="small,hinton,conv,conv-keras,encode,pca")
    ap.add_argument("--config", default="")
    ap.add_argument("--iwae-images", type=int, default=1000)
    ap.add_argument("--iwae-samples", type=int, default=5000)
    a = ap.parse_args()
    x_train = read_idx_images(os.path.join(a.data, "train-images-idx3-ubyte"))
    x_test = read_idx_images(os.path.join(a.data, "t10k-images-idx3-ubyte"))
    import torch
    torch.set_num_threads(a.threads)
    tasks = a.tasks.split(",")
    if "small" in tasks:
        print(json.dumps(train("small", SMALL, x_train, x_test, a.epochs, a.batch, a.config)), flush=True)
    if "hinton" in tasks:
        print(json.dumps(train("hinton", HINTON, x_train, x_test, a.epochs, a.batch, a.config)), flush=True)
    for conv in ("conv", "conv-keras"):
        if conv in tasks:
            print(json.dumps(train(conv, None, x_train, x_test, a.epochs, a.batch, a.config)), flush=True)
    if "vae" in tasks:
        print(json.dumps(vae(x_train, x_test, a.epochs, a.batch, a.iwae_images, a.iwae_samples, a.config)), flush=True)
    if "encode" in tasks:
        print(json.dumps(encode(SMALL, x_train, a.config)), flush=True)
    if "latency" in tasks:
        for name, sizes in (("small", SMALL), ("hinton", HINTON)):
            for row in latency(name, sizes, x_test, a.threads, a.config):
                print(json.dumps(row), flush=True)
    if "pca" in tasks:
        for solver in ("full", "randomized"):
            print(json.dumps(pca(x_train, x_test, solver, a.config)), flush=True)


if __name__ == "__main__":
    main()
