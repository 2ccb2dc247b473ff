#!/usr/bin/python3
"""An independent DTD implementation, for checking infip's relevance maps.

It follows the layer-by-layer formulation of Montavon et al.'s LRP tutorial: each rule is
applied as "z = rho(layer)(a) + eps; s = R / z; c = grad(z * s); R = a * c" with PyTorch's
autograd, in float64, walking the Python module structure of the test architectures (not a
TorchScript graph, as infip does). BatchNorm is folded here by its own formula. The choices
are those of InFIP.md: zB on the pixel layer, z+ on every other conv / linear layer, max-pool
winner-take-all, average pools and residual sums proportional, one-hot start on the
predicted class.

  reference_dtd.py --model vgg_like.pt --arch vgg_like --keys keys.npy --out ref.npy
"""
import argparse
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-9


def stab(z):
    return z + EPS * torch.where(z >= 0, 1.0, -1.0).to(z.dtype)


def fold(conv, bn):
    """A conv2d with the following eval-mode BatchNorm merged into its weight and bias."""
    w = conv.weight.detach().double()
    b = conv.bias.detach().double() if conv.bias is not None else torch.zeros(w.shape[0]).double()
    if bn is not None and isinstance(bn, nn.BatchNorm2d):
        scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
        w = w * scale.view(-1, 1, 1, 1)
        b = (b - bn.running_mean.double()) * scale + bn.bias.detach().double()
    out = nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride,
                    conv.padding, conv.dilation, conv.groups, bias=True).double()
    out.weight.data, out.bias.data = w, b
    return out


def linear_rule(layer, a, r, first, low=0.0, high=1.0):
    """z+ (or zB for the pixel layer) through a conv2d / linear layer; biases ignored."""
    is_conv = isinstance(layer, nn.Conv2d)
    w = layer.weight.detach()
    op = (lambda x, ww: F.conv2d(x, ww, None, layer.stride, layer.padding, layer.dilation,
                                 layer.groups)) if is_conv else (lambda x, ww: F.linear(x, ww))
    a = a.detach().requires_grad_(True)
    if not first:
        z = stab(op(a, w.clamp(min=0)))
        (z * (r / z).detach()).sum().backward()
        return a * a.grad
    lo = (torch.zeros_like(a) + low).requires_grad_(True)
    hi = (torch.zeros_like(a) + high).requires_grad_(True)
    z = stab(op(a, w) - op(lo, w.clamp(min=0)) - op(hi, w.clamp(max=0)))
    (z * (r / z).detach()).sum().backward()
    return a * a.grad + lo * lo.grad + hi * hi.grad


def proportional(fn, a, r):
    """Max-pool (winner takes all) and average pools (in proportion to the inputs)."""
    a = a.detach().requires_grad_(True)
    z = stab(fn(a))
    (z * (r / z).detach()).sum().backward()
    return a * a.grad


class Chain:
    """A feed-forward list of steps; each step knows its forward and its relevance rule."""

    def __init__(self, steps):
        self.steps = steps

    def explain(self, x):
        acts = [x]
        for step in self.steps:
            acts.append(step.forward(acts[-1]))
        return acts

    def relevance(self, acts, r, first):
        # Which step is the first linear layer (the pixel layer when `first`).
        first_idx = next(i for i, s in enumerate(self.steps) if s.is_layer) if first else -1
        for i in reversed(range(len(self.steps))):
            r = self.steps[i].relevance(acts[i], r, i == first_idx)
        return r


class Step:
    is_layer = False

    def __init__(self, forward, rule):
        self.forward, self._rule = forward, rule

    def relevance(self, a, r, first):
        return self._rule(a, r, first)


def layer_step(layer):
    s = Step(layer, lambda a, r, first: linear_rule(layer, a, r, first))
    s.is_layer = True
    return s


def passthrough(fn):
    return Step(fn, lambda a, r, first: r.reshape(a.shape))


def pool(fn):
    return Step(fn, lambda a, r, first: proportional(fn, a, r))


def sequential_steps(modules):
    """Steps for a flat list of torch.nn modules (convs followed by their BatchNorm)."""
    steps, i = [], 0
    while i < len(modules):
        m = modules[i]
        if isinstance(m, nn.Conv2d):
            bn = modules[i + 1] if i + 1 < len(modules) and isinstance(modules[i + 1], nn.BatchNorm2d) else None
            steps.append(layer_step(fold(m, bn)))
            i += 2 if bn is not None else 1
            continue
        if isinstance(m, nn.Linear):
            lin = nn.Linear(m.in_features, m.out_features, bias=m.bias is not None).double()
            lin.weight.data = m.weight.detach().double()
            if m.bias is not None:
                lin.bias.data = m.bias.detach().double()
            steps.append(layer_step(lin))
        elif isinstance(m, (nn.ReLU, nn.Dropout, nn.Identity)):
            relu = isinstance(m, nn.ReLU)
            steps.append(passthrough(lambda a, relu=relu: F.relu(a) if relu else a))
        elif isinstance(m, nn.Flatten):
            steps.append(passthrough(lambda a: a.flatten(1)))
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d)):
            steps.append(pool(lambda a, m=m: m(a)))
        else:
            raise SystemExit(f"reference: no rule for {type(m).__name__}")
        i += 1
    return steps


class Block(Step):
    """A residual basic block: relu(branch(x) + shortcut(x)), sums split proportionally."""

    def __init__(self, conv1, bn1, conv2, bn2, short):
        self.c1, self.c2 = fold(conv1, bn1), fold(conv2, bn2)
        self.short = fold(short[0], short[1]) if short is not None else None

    def parts(self, x):
        h = F.relu(self.c1(x))
        b = self.c2(h)
        s = self.short(x) if self.short is not None else x
        return h, b, s

    def forward(self, x):
        _, b, s = self.parts(x)
        return F.relu(b + s)

    def relevance(self, x, r, first):
        h, b, s = self.parts(x)
        z = stab(b + s)
        r_b, r_s = b / z * r, s / z * r
        r_x = linear_rule(self.c1, x, linear_rule(self.c2, h, r_b, False), False)
        r_x = r_x + (linear_rule(self.short, x, r_s, False) if self.short is not None else r_s)
        return r_x


def vgg_like(m):
    return Chain(sequential_steps(list(m.features) + list(m.classifier)))


def residual_chain(stem, blocks, avgpool, fc, shortcut_of):
    """Stem, basic blocks, global average pool, flatten, linear head."""
    steps = sequential_steps(stem)
    for blk in blocks:
        short = shortcut_of(blk)
        steps.append(Block(blk.conv1, blk.bn1, blk.conv2, blk.bn2,
                           list(short) if short is not None else None))
    steps.append(pool(avgpool))
    steps.append(passthrough(lambda a: a.flatten(1)))
    steps.extend(sequential_steps([fc]))
    return Chain(steps)


def resnet_like(m):
    return residual_chain(list(m.stem), m.layers, m.pool, m.fc,
                          lambda blk: blk.shortcut if len(blk.shortcut) else None)


def tv_resnet(m):
    blocks = [blk for stage in (m.layer1, m.layer2, m.layer3, m.layer4) for blk in stage]
    return residual_chain([m.conv1, m.bn1, m.relu, m.maxpool], blocks, m.avgpool, m.fc,
                          lambda blk: blk.downsample)


def build(arch):
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "testmodels"))
    import make_models
    import torchvision
    if arch == "vgg_like":
        return make_models.VggLike(bn=True), vgg_like
    if arch == "resnet_like":
        return make_models.ResNetLike(bn=True), resnet_like
    if arch == "tv_resnet18":
        return torchvision.models.resnet18(num_classes=10), tv_resnet
    raise SystemExit(f"unknown arch {arch}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--arch", required=True)
    ap.add_argument("--keys", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    module, to_chain = build(args.arch)
    module.load_state_dict(torch.jit.load(args.model).state_dict())
    module.eval()
    chain = to_chain(module)
    x = torch.from_numpy(np.load(args.keys)).double()
    with torch.no_grad():
        reference_logits = module.double()(x)
    acts = chain.explain(x)
    logits = acts[-1].detach()
    assert torch.allclose(logits, reference_logits, rtol=1e-6, atol=1e-8), "folding changed f"
    r = F.one_hot(logits.argmax(1), logits.shape[1]).double()
    rel = chain.relevance(acts, r, first=True)
    np.save(args.out, rel.detach().float().numpy())
    print(f"reference relevance {tuple(rel.shape)}, sums {rel.sum((1, 2, 3)).tolist()}")


if __name__ == "__main__":
    main()
