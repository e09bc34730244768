"""Exports the small ONNX models lola4j-onnx's tests import, with input/output pairs.

Run from the repository root with Debian's PyTorch (apt install python3-torch):

    /usr/bin/python3 lola4j-onnx/src/test/python/make_models.py

It writes NAME.onnx and NAME.pairs (per pair: the line "input" and its values, the line "output"
and PyTorch's outputs, as decimal text) into lola4j-onnx/src/test/resources/io/github/lola4j/onnx/.
The files are committed, so the tests need no Python. Seeds are fixed; PyTorch 1.13.1.
"""
import os
import torch

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "io", "github", "lola4j", "onnx")


class Square(torch.nn.Module):
    def forward(self, x):
        return x * x


class PowSquare(torch.nn.Module):
    def forward(self, x):
        return torch.pow(x, 2)


class ConstantsNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, kernel_size=3)
        self.fc = torch.nn.Linear(3, 2)
        self.channel_scale = torch.nn.Parameter(torch.tensor([0.5, -1.5, 2.0]).view(1, 3, 1, 1), requires_grad=False)

    def forward(self, x):
        y = self.conv(x) * self.channel_scale
        y = 0.25 + y
        y = y * y
        y = torch.nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        return (self.fc(y) - 0.75) / 4.0


class Poly(torch.nn.Module):
    """A fitted quadratic activation as users write it: PyTorch exports it as Mul, Add and Sub nodes."""

    def forward(self, x):
        return 0.125 * x * x + 0.5 * x - 0.25


class Cube(torch.nn.Module):
    def forward(self, x):
        return x * x * x


class ReluPrefix(torch.nn.Module):
    """ReLU and max pooling on the client, then a polynomial network on the server (split at "server_conv")."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=3, padding=1)
        self.conv2 = torch.nn.Conv2d(4, 6, kernel_size=2, stride=2)
        self.fc = torch.nn.Linear(6 * 2 * 2, 10)

    def forward(self, x):
        y = torch.nn.functional.max_pool2d(torch.relu(self.conv1(x)), 2)
        y = self.conv2(y)
        y = y * y
        return self.fc(y.flatten(1))


class Branches(torch.nn.Module):
    """A Fire-like module on the client (two branches, Concat, a residual Add), a linear head on the server."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(3, 8, kernel_size=3, stride=2)
        self.squeeze = torch.nn.Conv2d(8, 4, kernel_size=1)
        self.expand1 = torch.nn.Conv2d(4, 8, kernel_size=1)
        self.expand3 = torch.nn.Conv2d(4, 8, kernel_size=3, padding=1)
        self.skip = torch.nn.Conv2d(8, 16, kernel_size=1)
        self.head = torch.nn.Linear(16, 5)

    def forward(self, x):
        s = torch.relu(self.stem(x))
        s = torch.nn.functional.max_pool2d(s, 3, stride=2, ceil_mode=True)
        q = torch.relu(self.squeeze(s))
        y = torch.cat([torch.relu(self.expand1(q)), torch.relu(self.expand3(q))], 1) + self.skip(s)
        f = torch.nn.functional.adaptive_avg_pool2d(y, 1).flatten(1)
        return self.head(f)


class PlaintextOps(torch.nn.Module):
    """Every plaintext-only operator the client's part evaluates, with the attributes that change results."""

    def __init__(self):
        super().__init__()
        self.grouped = torch.nn.Conv2d(4, 6, kernel_size=3, stride=2, padding=2, dilation=2, groups=2)
        self.depthwise = torch.nn.Conv2d(6, 6, kernel_size=3, padding=1, groups=6, bias=False)
        self.bn = torch.nn.BatchNorm2d(6)
        self.fc = torch.nn.Linear(6 * 3 * 3, 7)
        self.fc2 = torch.nn.Linear(7, 4)

    def forward(self, x):
        y = torch.nn.functional.leaky_relu(self.grouped(x), 0.1)
        y = torch.nn.functional.max_pool2d(y, 3, stride=2, padding=1, ceil_mode=True)
        y = torch.tanh(self.bn(self.depthwise(y)))
        y = torch.nn.functional.avg_pool2d(y, 2, stride=1, padding=1, count_include_pad=False)
        y = torch.sigmoid(y) * 2.0 - 0.5
        y = torch.nn.functional.avg_pool2d(y, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=True)
        y = y.permute(0, 1, 3, 2)
        y = torch.clamp(self.fc(y.flatten(1)), -1.0, 6.0)
        return torch.softmax(self.fc2(y), dim=1)


class ResidualBlock(torch.nn.Module):
    """conv, BatchNorm, x^2, then a residual block (conv, BatchNorm, x^2, conv, BatchNorm, plus the skip), pooling, a head."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 4, kernel_size=3)
        self.bn1 = torch.nn.BatchNorm2d(4)
        self.conv2 = torch.nn.Conv2d(4, 4, kernel_size=3, padding=1)
        self.bn2 = torch.nn.BatchNorm2d(4)
        self.conv3 = torch.nn.Conv2d(4, 4, kernel_size=3, padding=1)
        self.bn3 = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(4 * 3 * 3, 5)

    def forward(self, x):
        y = self.bn1(self.conv1(x))
        y = y * y
        z = self.bn2(self.conv2(y))
        z = z * z
        y = y + self.bn3(self.conv3(z))
        y = torch.nn.functional.avg_pool2d(y, 2)
        return self.fc(y.flatten(1))


class ConcatBranches(torch.nn.Module):
    """Two branches from the input (x^2 in one), joined along channels; BatchNorm after the join (no layer to fold into)."""

    def __init__(self):
        super().__init__()
        self.a = torch.nn.Conv2d(2, 3, kernel_size=3, padding=1)
        self.b = torch.nn.Conv2d(2, 2, kernel_size=1)
        self.bn = torch.nn.BatchNorm2d(5)
        self.fc = torch.nn.Linear(5 * 4 * 4, 4)

    def forward(self, x):
        a = self.a(x)
        y = torch.cat([a * a, self.b(x)], dim=1)
        y = torch.nn.functional.avg_pool2d(self.bn(y), 2)
        return self.fc((y * y).flatten(1))


class Grouped(torch.nn.Module):
    """A depthwise convolution (groups = channels) and a grouped one (2 groups), as in MobileNet-like networks."""

    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Conv2d(1, 4, kernel_size=3)
        self.depthwise = torch.nn.Conv2d(4, 4, kernel_size=3, padding=1, groups=4)
        self.grouped = torch.nn.Conv2d(4, 6, kernel_size=1, groups=2)
        self.fc = torch.nn.Linear(6 * 6 * 6, 3)

    def forward(self, x):
        y = self.stem(x)
        y = self.depthwise(y * y)
        y = self.grouped(y)
        return self.fc((y * y).flatten(1))


class Reindex(torch.nn.Module):
    """Transpose (rows and columns swapped) and Reshape to another image shape between layers."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, kernel_size=3, stride=(1, 2))
        self.mix = torch.nn.Conv2d(6, 2, kernel_size=1)
        self.fc = torch.nn.Linear(2 * 3 * 3, 3)

    def forward(self, x):
        y = self.conv(x).transpose(2, 3)
        y = (y * y).reshape(1, 6, 3, 3)
        return self.fc(self.mix(y).flatten(1))


class Padded(torch.nn.Module):
    """Zero padding: F.pad before a convolution (folded into it), an average pool counting its padding, and F.pad before x^2."""

    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 3, kernel_size=3)
        self.fc = torch.nn.Linear(3 * 5 * 5, 3)

    def forward(self, x):
        y = self.conv(torch.nn.functional.pad(x, (1, 2, 0, 1)))
        y = torch.nn.functional.avg_pool2d(y, 2, padding=1, count_include_pad=True)
        y = torch.nn.functional.pad(y, (0, 0, 1, 0))
        return self.fc((y * y).flatten(1))


def randomize_batchnorm(model):
    """Running statistics and affine parameters away from the identity, so that folding them is tested."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model


def export(name, model, shape, opset, pairs=3):
    model.eval()
    torch.manual_seed(1000 + len(name))
    xs = [torch.rand(1, *shape) for _ in range(pairs)]
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, xs[0], path, opset_version=opset, input_names=["input"], output_names=["scores"],
                      do_constant_folding=True)
    with open(os.path.join(OUT, name + ".pairs"), "w") as f:
        for x in xs:
            with torch.no_grad():
                y = model(x)
            f.write("input " + " ".join(repr(float(v)) for v in x.flatten()) + "\n")
            f.write("output " + " ".join(repr(float(v)) for v in y.flatten()) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(1)
    # A multilayer perceptron with x^2 activations, exported at opset 9 (Gemm with transB = 1).
    export("mlp_square", torch.nn.Sequential(torch.nn.Linear(64, 16), Square(), torch.nn.Linear(16, 10)), (64,), 9)
    # A CNN: convolution with padding and stride, x^2 (as Pow), average pooling, flatten, dense; opset 13.
    export("cnn_avgpool", torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, kernel_size=3, stride=1, padding=1), PowSquare(), torch.nn.AvgPool2d(2),
        torch.nn.Conv2d(4, 6, kernel_size=2, stride=2), Square(),
        torch.nn.Flatten(), torch.nn.Linear(6 * 2 * 2, 10)), (1, 8, 8), 13)
    # Batch normalization after a linear layer (PyTorch folds it into a convolution itself, not into
    # Gemm), with running statistics from a few training batches; exported in eval mode.
    bn = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.BatchNorm1d(8), Square(), torch.nn.Linear(8, 4))
    bn.train()
    for _ in range(5):
        bn(torch.rand(32, 16) * 3)
    export("mlp_batchnorm", bn, (16,), 13)
    # Constants after linear layers (Mul, Add, Sub, Div; one value and one per channel, constant
    # first and second) and a global average pool.
    export("cnn_constants", ConstantsNet(), (1, 6, 6), 13)
    # An operator lola4j cannot evaluate encrypted: Softplus.
    export("unsupported_softplus", torch.nn.Sequential(torch.nn.Linear(8, 4), torch.nn.Softplus(), torch.nn.Linear(4, 2)),
           (8,), 13, pairs=1)
    # Client-side parts (OnnxGraph, OnnxModels.split): ReLU and max pooling before a polynomial
    # part; branches with Concat and a residual Add before a linear head; every plaintext operator.
    export("relu_prefix", ReluPrefix(), (1, 8, 8), 13)
    export("branches", Branches(), (3, 17, 17), 13)
    pt = PlaintextOps()
    pt.train()
    for _ in range(5):
        pt(torch.rand(8, 4, 13, 13) * 2)
    export("plaintext_ops", pt, (4, 13, 13), 11)
    # A quadratic activation written out (Mul, Add, Sub), and one of degree 3 (refused).
    export("mlp_poly", torch.nn.Sequential(torch.nn.Linear(12, 8), Poly(), torch.nn.Linear(8, 3)), (12,), 13)
    export("unsupported_cube", torch.nn.Sequential(torch.nn.Linear(6, 4), Cube(), torch.nn.Linear(4, 2)), (6,), 13, pairs=1)
    # Graph networks: a residual block with Add, two branches joined by Concat.
    export("residual_block", randomize_batchnorm(ResidualBlock()), (1, 8, 8), 13)
    export("concat_branches", randomize_batchnorm(ConcatBranches()), (2, 8, 8), 13)
    # Depthwise and grouped convolutions.
    export("grouped_conv", Grouped(), (1, 8, 8), 13)
    # Transpose and Reshape that only re-index.
    export("reindex", Reindex(), (1, 8, 8), 13)
    # Zero padding: into a convolution, counted by an average pool, and on its own.
    export("zero_padding", Padded(), (1, 8, 8), 9)


if __name__ == "__main__":
    main()
