"""PyTorch's deep features of a few CalTech-101 test images, for DeepFeaturesTest.

Run from the repository root with Debian's PyTorch, Pillow and onnx
(apt install python3-torch python3-pil python3-onnx):

    /usr/bin/python3 lola4j-cli/src/test/python/caltech101_features.py ../shared/data

It builds SqueezeNet 1.1 as torchvision's squeezenet1_1 defines it (same parameter names), loads
the weights of squeezenet1.1/squeezenet1.1.onnx into it, preprocesses each image as squeezenet1.1/README.md says (RGB, shorter side 256 with
Pillow's bilinear filter, centre crop 224, /255, ImageNet mean and std), takes the last Fire
module's output, averages it over the 13 x 13 positions and scales it to unit length. It writes one
line per image ("path v0 v1 ... v511") to
lola4j-cli/src/test/resources/io/github/lola4j/cli/caltech101-features-pytorch.txt.
"""
import os
import sys

import numpy as np
import onnx
import onnx.numpy_helper
import torch
from PIL import Image

IMAGES = ["accordion/image_0021.jpg", "ant/image_0021.jpg", "Faces/image_0025.jpg", "yin_yang/image_0030.jpg"]
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


class Fire(torch.nn.Module):
    def __init__(self, inplanes, squeeze, expand1x1, expand3x3):
        super().__init__()
        self.squeeze = torch.nn.Conv2d(inplanes, squeeze, kernel_size=1)
        self.expand1x1 = torch.nn.Conv2d(squeeze, expand1x1, kernel_size=1)
        self.expand3x3 = torch.nn.Conv2d(squeeze, expand3x3, kernel_size=3, padding=1)

    def forward(self, x):
        x = torch.relu(self.squeeze(x))
        return torch.cat([torch.relu(self.expand1x1(x)), torch.relu(self.expand3x3(x))], 1)


class SqueezeNet11(torch.nn.Module):
    def __init__(self):
        super().__init__()
        pool = lambda: torch.nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True)
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(3, 64, kernel_size=3, stride=2), torch.nn.ReLU(), pool(),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256))
        self.classifier = torch.nn.Sequential(torch.nn.Dropout(), torch.nn.Conv2d(512, 1000, kernel_size=1))


def preprocess(path):
    im = Image.open(path).convert("RGB")
    w, h = im.size
    s = min(w, h)
    nw, nh = (256, int(round(256 / s * h))) if w <= h else (int(round(256 / s * w)), 256)
    im = im.resize((nw, nh), Image.BILINEAR)
    x0, y0 = nw // 2 - 112, nh // 2 - 112
    a = np.asarray(im.crop((x0, y0, x0 + 224, y0 + 224)), dtype=np.float32) / 255.0
    return torch.from_numpy(((a - MEAN) / STD).transpose(2, 0, 1).copy()).unsqueeze(0)


def main():
    data = sys.argv[1]
    model = onnx.load(os.path.join(data, "squeezenet1.1", "squeezenet1.1.onnx"))
    net = SqueezeNet11()
    state = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    net.load_state_dict(state, strict=True)
    net.eval()
    out = os.path.join(os.path.dirname(__file__), "..", "resources", "io", "github", "lola4j", "cli",
                       "caltech101-features-pytorch.txt")
    with open(out, "w") as f, torch.no_grad():
        for name in IMAGES:
            x = preprocess(os.path.join(data, "caltech101", "101_ObjectCategories", name))
            v = net.features(x).double().mean(dim=(2, 3)).flatten()
            v = v / v.norm()
            f.write(name + " " + " ".join(repr(float(e)) for e in v) + "\n")


if __name__ == "__main__":
    main()
