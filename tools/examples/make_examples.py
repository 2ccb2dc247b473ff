#!/usr/bin/python3
"""Example models for the infip demo (Debian's python3-torch, fixed seeds, CPU, ~1-2 min).

Trains a small CNN on a subset of Fashion-MNIST (28x28 images resized to 32x32, bilinear, as
`infip extract --resize 32x32` does; normalised with mean 0.2860, std 0.3530), then derives:

  original.pt     the owner's model: one epoch on 12,000 training images, seed 1
  pirated.pt      a copy of original: the 30 % smallest weights of every conv / linear layer
                  set to zero, then fine-tuned briefly on other training images (pruned
                  weights kept at zero) -- a thief's attempt to disguise the copy
  independent.pt  the same architecture trained independently: seed 2, other images

All three are TorchScript files in --out. Prints each model's test accuracy.
"""
import argparse
import copy
import gzip
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FASHION = "/usr/share/datasets/fashion-mnist"
MEAN, STD = 0.2860, 0.3530


def read_idx(name):
    with gzip.open(os.path.join(FASHION, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def to_inputs(images):
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)
    x = F.interpolate(x, size=(32, 32), mode="bilinear", align_corners=False)
    return (x - MEAN) / STD


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        def block(i, o):
            return [nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o),
                    nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*block(1, 16), *block(16, 32), *block(32, 64))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(64 * 4 * 4, 64), nn.ReLU(),
                                        nn.Dropout(0.3), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def train(model, x, y, steps_seed, lr, batch=64, masks=None):
    gen = torch.Generator().manual_seed(steps_seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    order = torch.randperm(len(x), generator=gen)
    for start in range(0, len(x), batch):
        idx = order[start:start + batch]
        opt.zero_grad()
        F.cross_entropy(model(x[idx]), y[idx]).backward()
        opt.step()
        if masks:
            with torch.no_grad():
                for p, m in masks:
                    p.mul_(m)
    model.eval()


def prune(model, fraction):
    """Zeroes the `fraction` smallest-magnitude weights of each conv / linear layer."""
    masks = []
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                w = m.weight
                k = int(fraction * w.numel())
                cut = w.abs().flatten().kthvalue(k).values
                mask = (w.abs() > cut).float()
                w.mul_(mask)
                masks.append((w, mask))
    return masks


def accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def save(model, path):
    torch.jit.script(model.eval()).save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(max(1, os.cpu_count() or 1))
    t0 = time.time()

    train_x = to_inputs(read_idx("train-images-idx3-ubyte.gz")[:30000])
    train_y = torch.from_numpy(read_idx("train-labels-idx1-ubyte.gz")[:30000].astype(np.int64))
    test_x = to_inputs(read_idx("t10k-images-idx3-ubyte.gz")[:2000])
    test_y = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte.gz")[:2000].astype(np.int64))
    owner = slice(0, 12000)
    thief = slice(12000, 16000)
    other = slice(16000, 28000)

    torch.manual_seed(1)
    original = SmallCnn()
    train(original, train_x[owner], train_y[owner], steps_seed=1, lr=2e-3)

    pirated = copy.deepcopy(original)
    masks = prune(pirated, 0.30)
    train(pirated, train_x[thief], train_y[thief], steps_seed=3, lr=2e-4, masks=masks)

    torch.manual_seed(2)
    independent = SmallCnn()
    train(independent, train_x[other], train_y[other], steps_seed=2, lr=2e-3)

    for name, model in (("original", original), ("pirated", pirated),
                        ("independent", independent)):
        save(model, os.path.join(args.out, f"{name}.pt"))
        print(f"{name + '.pt':16s} test accuracy {accuracy(model, test_x, test_y):.3f}")
    print(f"example models written to {args.out} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
