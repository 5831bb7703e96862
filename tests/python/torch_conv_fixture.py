#!/usr/bin/env python3
"""Writes a small convolutional autoencoder's weights, an input batch, PyTorch's outputs and
PyTorch's parameter gradients to safetensors, for torch_conv_check (tests/python/torch_conv_check.cpp)
to reproduce with hourglass's layers.

Usage: torch_conv_fixture.py <folder>      (needs Debian's python3-torch; exits 77 without it)

The model uses every image layer hourglass has, written as a PyTorch user would write it
(activations as modules of their own), so its state_dict's names are the ones hourglass writes
(io/safetensors.hpp): encoder.0 and encoder.3 are the convolutions, encoder.6 the Linear layer.
"""
import json
import struct
import sys
from pathlib import Path

try:
    import numpy as np
    import torch
    from torch import nn
except ImportError as e:  # CTest shows this as skipped (SKIP_RETURN_CODE 77)
    print(f"SKIPPED: PyTorch is not installed ({e}); scripts/install-deps.sh python installs python3-torch")
    sys.exit(77)


class ConvAutoencoder(nn.Module):
    """hourglass (tests/python/torch_conv_check.cpp):
    Encoder<Conv2D<Shape<1,12,12>,4,3,1,1,ReLU>, MaxPool2D<Shape<4,12,12>,2>,
            Conv2D<Shape<4,6,6>,6,3,2,1,Tanh>, Flatten<6,3,3>, Dense<54,5>>
    Decoder<Dense<5,54,ReLU>, Reshape<Shape<54>,Shape<6,3,3>>,
            ConvTranspose2D<Shape<6,3,3>,4,3,2,1,1,ReLU>, Upsample2D<Shape<4,6,6>,2>,
            AvgPool2D<Shape<4,12,12>,3,1,1>, Conv2D<Shape<4,12,12>,1,3,1,1,Sigmoid>>"""

    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(
            nn.Conv2d(1, 4, 3, 1, 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(4, 6, 3, 2, 1), nn.Tanh(), nn.Flatten(), nn.Linear(54, 5))
        self.decoder = nn.Sequential(
            nn.Linear(5, 54), nn.ReLU(), nn.Unflatten(1, (6, 3, 3)),
            nn.ConvTranspose2d(6, 4, 3, 2, 1, output_padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.AvgPool2d(3, 1, 1), nn.Conv2d(4, 1, 3, 1, 1), nn.Sigmoid())

    def forward(self, x):
        return self.decoder(self.encoder(x))


def save_safetensors(path, tensors):
    """The safetensors format (8-byte header length, JSON header, little-endian data), numpy only."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main(folder):
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    model = ConvAutoencoder()
    with torch.no_grad():  # biases away from 0, so a bias read into the wrong place shows
        for p in model.parameters():
            if p.dim() == 1:
                p.uniform_(-0.3, 0.3)
    x = torch.rand(3, 1, 12, 12)
    code = model.encoder(x)
    output = model.decoder(code)
    loss = nn.functional.binary_cross_entropy(output, x)  # mean over all elements, as hourglass's BCE
    loss.backward()
    state = {k: v.detach().numpy() for k, v in model.state_dict().items()}
    save_safetensors(folder / "model.safetensors", state)
    data = {"input": x.numpy(), "code": code.detach().numpy(), "output": output.detach().numpy(),
            "loss": np.array([loss.item()])}
    save_safetensors(folder / "data.safetensors", data)
    # The gradients under the parameters' own names: hourglass reads them as a state_dict.
    save_safetensors(folder / "gradients.safetensors", {n: p.grad.numpy() for n, p in model.named_parameters()})
    print(f"torch {torch.__version__}: {len(state)} tensors ({', '.join(state)}), loss {loss.item():.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
