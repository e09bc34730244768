"""Trains a small HE-friendly MNIST network in PyTorch and exports it: the docs/onnx.md walkthrough.

Run from the repository root with Debian's PyTorch (apt install python3-torch):

    /usr/bin/python3 lola4j-onnx/src/test/python/train_mnist.py ../shared/data/mnist

Three networks, each trained for 2 epochs with Adam on the 60,000 training images scaled to [0, 1]
(pixel / 255), seed 1, written to lola4j-onnx/src/test/resources/io/github/lola4j/onnx/ with the
test accuracy PyTorch measures printed:

- mnist_square.onnx: conv 5x5 stride 2 (4 maps), x^2, flatten, dense 576 -> 10;
- mnist_relu_prefix.onnx: conv 3x3 (4 maps), ReLU, max pool 2 (the client's part), then conv 5x5
  stride 2 (6 maps), x^2, flatten, dense 150 -> 10 (the encrypted part, from node "/3/Conv");
- mnist_residual.onnx: conv 5x5 stride 2 (4 maps), x^2, a residual block (conv 3x3, x^2, conv 3x3,
  plus the skip), flatten, dense 576 -> 10.
"""
import gzip
import os
import struct
import sys

import numpy as np
import torch


def idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic, = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Square(torch.nn.Module):
    def forward(self, x):
        return x * x


class Residual(torch.nn.Module):
    """conv 5x5 stride 2 (4 maps), x^2, a residual block (conv 3x3, x^2, conv 3x3, plus the skip), dense 576 -> 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=5, stride=2)
        self.conv2 = torch.nn.Conv2d(4, 4, kernel_size=3, padding=1)
        self.conv3 = torch.nn.Conv2d(4, 4, kernel_size=3, padding=1)
        self.fc = torch.nn.Linear(4 * 12 * 12, 10)

    def forward(self, x):
        y = self.conv1(x)
        y = y * y
        z = self.conv2(y)
        z = self.conv3(z * z)
        return self.fc((y + z).flatten(1))


def train_and_export(model, name, xtr, ytr, xte, yte):
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for epoch in range(2):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 64):
            b = perm[i:i + 64]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        acc = (model(xte).argmax(1) == yte).float().mean().item()
    print("%s: test accuracy %.4f" % (name, acc))
    out = os.path.join(os.path.dirname(__file__), "..", "resources", "io", "github", "lola4j", "onnx", name + ".onnx")
    torch.onnx.export(model, xte[:1], out, opset_version=13, input_names=["input"], output_names=["scores"],
                      do_constant_folding=True)


def main():
    d = sys.argv[1]
    xtr = torch.from_numpy(idx(os.path.join(d, "train-images-idx3-ubyte.gz")).astype(np.float32) / 255.0).unsqueeze(1)
    ytr = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xte = torch.from_numpy(idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / 255.0).unsqueeze(1)
    yte = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, kernel_size=5, stride=2), Square(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 12 * 12, 10))
    train_and_export(model, "mnist_square", xtr, ytr, xte, yte)
    torch.manual_seed(1)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, kernel_size=3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                torch.nn.Conv2d(4, 6, kernel_size=5, stride=2), Square(), torch.nn.Flatten(),
                                torch.nn.Linear(6 * 5 * 5, 10))
    train_and_export(model, "mnist_relu_prefix", xtr, ytr, xte, yte)
    torch.manual_seed(1)
    train_and_export(Residual(), "mnist_residual", xtr, ytr, xte, yte)

if __name__ == "__main__":
    main()
