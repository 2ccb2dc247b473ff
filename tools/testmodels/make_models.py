#!/usr/bin/python3
"""Small TorchScript models for infip's tests (Debian's python3-torch, fixed seeds).

Each model is random-initialised (fingerprint tests need structure, not accuracy) with
non-trivial BatchNorm statistics so that folding is exercised. Written to --out:

  vgg_like.pt            1x32x32, conv-BN-ReLU blocks, max-pool, dropout, two linear layers
  vgg_like_nobias.pt     the same without BN and biases (exact conservation)
  vgg_like_permuted.pt   vgg_like_nobias with hidden channels permuted (same function)
  vgg_like_rescaled.pt   vgg_like_nobias with a layer x3 and the next x1/3 (same function)
  vgg_like_traced.pt     vgg_like traced instead of scripted (aten::_convolution spelling)
  vgg_like_other.pt      vgg_like with other random weights (an unrelated model)
  resnet_like.pt         3x32x32, CIFAR-style ResNet stem, two basic blocks, a downsample
  resnet_like_nobias.pt  the same without BN and biases
  overlap_pool.pt        1x16x16, overlapping 3x3 / stride 2 max-pool, bias-free
  normalised_input.pt    vgg_like_nobias with (x - 0.5) / 0.25 inside the model
  fire_like.pt           1x16x16, two branches joined by cat, ReLU6, depthwise conv, transpose
  unsupported_op.pt      a sigmoid on the data path
  tv_resnet18.pt         torchvision's ResNet-18 (10 classes; overlapping max-pool, downsample
                         shortcuts), traced, for checks against the reference implementation
  resnet18.pt            (--bench only) ResNet-18 with a CIFAR stem at full width, 3x32x32
"""
import argparse
import copy
import os

import torch
import torch.nn as nn


def init_bn(module, gen):
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.weight.data = 0.5 + torch.rand(c, generator=gen)
            m.bias.data = 0.2 * torch.randn(c, generator=gen)
            m.running_mean.data = 0.1 * torch.randn(c, generator=gen)
            m.running_var.data = 0.5 + torch.rand(c, generator=gen)


class VggLike(nn.Module):
    def __init__(self, bn=True, in_ch=1, width=8, classes=10, normalise=False):
        super().__init__()
        def block(i, o):
            layers = [nn.Conv2d(i, o, 3, padding=1, bias=False)]
            if bn:
                layers.append(nn.BatchNorm2d(o))
            layers.append(nn.ReLU(inplace=True))
            return layers
        self.normalise = normalise
        self.features = nn.Sequential(
            *block(in_ch, width), *block(width, width), nn.MaxPool2d(2),
            *block(width, 2 * width), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(2 * width * 8 * 8, 32, bias=bn), nn.ReLU(),
            nn.Dropout(0.5), nn.Linear(32, classes, bias=False))

    def forward(self, x):
        if self.normalise:
            x = (x - 0.5) / 0.25
        return self.classifier(self.features(x))


class BasicBlock(nn.Module):
    def __init__(self, i, o, stride, bn):
        super().__init__()
        norm = (lambda c: nn.BatchNorm2d(c)) if bn else (lambda c: nn.Identity())
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn1 = norm(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.bn2 = norm(o)
        self.relu = nn.ReLU(inplace=True)
        self.shortcut = nn.Sequential()
        if stride != 1 or i != o:
            self.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), norm(o))

    def forward(self, x):
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + self.shortcut(x))


class ResNetLike(nn.Module):
    def __init__(self, bn=True, width=8, blocks=(1, 1), classes=10):
        super().__init__()
        norm = nn.BatchNorm2d(width) if bn else nn.Identity()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 1, 1, bias=False), norm,
                                  nn.ReLU(inplace=True))
        layers, c = [], width
        for stage, n in enumerate(blocks):
            o = width * (2 ** stage)
            for k in range(n):
                layers.append(BasicBlock(c, o, 2 if (k == 0 and stage > 0) else 1, bn))
                c = o
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(c, classes, bias=bn)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


class OverlapPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1, bias=False)
        self.pool = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, bias=False)
        self.avg = nn.AvgPool2d(2)
        self.fc = nn.Linear(6 * 4 * 4, 5, bias=False)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        x = self.avg(torch.relu(self.conv2(x)))
        return self.fc(x.flatten(1))


class FireLike(nn.Module):
    """SqueezeNet-style branches joined by cat, ReLU6, a depthwise conv and a transpose."""
    def __init__(self):
        super().__init__()
        self.squeeze = nn.Conv2d(1, 8, 3, padding=1, bias=False)
        self.left = nn.Conv2d(8, 4, 1, bias=False)
        self.right = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
        self.fc = nn.Linear(12 * 4 * 4, 6, bias=False)

    def forward(self, x):
        x = nn.functional.relu6(self.squeeze(x))
        x = torch.cat([torch.relu(self.left(x)), torch.relu(self.right(x))], 1)
        x = nn.functional.adaptive_avg_pool2d(x.transpose(2, 3), 4)
        return self.fc(torch.flatten(x, 1))


class Unsupported(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 32 * 32, 10)

    def forward(self, x):
        return self.fc(torch.sigmoid(self.conv(x)).flatten(1))


def permuted(model, gen):
    """Permutes the output channels of features[0] and the inputs of features[2]."""
    m = copy.deepcopy(model)
    perm = torch.randperm(m.features[0].out_channels, generator=gen)
    m.features[0].weight.data = m.features[0].weight.data[perm]
    m.features[2].weight.data = m.features[2].weight.data[:, perm]
    return m


def rescaled(model):
    """features[2] x 3, features[5] x 1/3: ReLU is positively homogeneous, so f is unchanged."""
    m = copy.deepcopy(model)
    m.features[2].weight.data *= 3.0
    m.features[5].weight.data /= 3.0
    return m


def save(model, path, example=None):
    model.eval()
    if example is not None:
        ts = torch.jit.trace(model, example)
    else:
        ts = torch.jit.script(model)
    ts.save(path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bench", action="store_true", help="also write resnet18.pt")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(1234)
    gen = torch.Generator().manual_seed(1234)
    out = lambda name: os.path.join(args.out, name)

    vgg = VggLike(bn=True)
    init_bn(vgg, gen)
    save(vgg, out("vgg_like.pt"))
    save(vgg, out("vgg_like_traced.pt"), example=torch.rand(2, 1, 32, 32))
    other = VggLike(bn=True)
    init_bn(other, gen)
    save(other, out("vgg_like_other.pt"))

    nobias = VggLike(bn=False)
    save(nobias, out("vgg_like_nobias.pt"))
    save(permuted(nobias, gen), out("vgg_like_permuted.pt"))
    save(rescaled(nobias), out("vgg_like_rescaled.pt"))
    norm = VggLike(bn=False, normalise=True)
    norm.load_state_dict(nobias.state_dict())
    save(norm, out("normalised_input.pt"))

    res = ResNetLike(bn=True)
    init_bn(res, gen)
    save(res, out("resnet_like.pt"))
    save(ResNetLike(bn=False), out("resnet_like_nobias.pt"))
    save(OverlapPool(), out("overlap_pool.pt"))
    save(FireLike(), out("fire_like.pt"))
    save(Unsupported(), out("unsupported_op.pt"))
    import torchvision
    tv = torchvision.models.resnet18(num_classes=10)
    init_bn(tv, gen)
    save(tv, out("tv_resnet18.pt"), example=torch.rand(1, 3, 32, 32))
    if args.bench:
        r18 = ResNetLike(bn=True, width=64, blocks=(2, 2, 2, 2))
        init_bn(r18, gen)
        save(r18, out("resnet18.pt"))
    print(f"test models written to {args.out}")


if __name__ == "__main__":
    main()
