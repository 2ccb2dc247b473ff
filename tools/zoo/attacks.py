"""The attacks that make pirated copies (all on copies; the parent is never modified).

Every data-using attack uses only the attacker set (2,000 test-split images).
  fine_tune        all parameters, N epochs, SGD lr 0.01
  prune            magnitude pruning, GLOBAL by default (one threshold over the weights of all
                   conv and linear layers; biases and BatchNorm untouched); scope="layer" prunes
                   p% of each layer instead. Returns masks that later fine-tuning keeps applied.
  adaptive         prune 40 %, then fine-tune with the pruned weights held at zero
  watermark        Zhang et al. 2018 noise-pattern backdoor: a fixed Gaussian noise pattern added
                   to images (clipped to [0,1]), relabelled to a target class; embedded by
                   fine-tuning on the attacker set plus watermarked copies of part of it
  ftll             fine-tune the last layer only
  rtal             re-initialise the last layer, then train all layers
  distill          a fresh student (same or other architecture) trained on the teacher's soft
                   labels over the attacker set
  fp16             float16 round trip of every parameter and buffer
  permute          function-preserving permutation of hidden channels (VGG: every conv layer's
                   output channels; ResNet: the inner channels of every basic block)
  rescale          function-preserving positive rescaling: a BatchNorm's scale and shift times
                   a > 0 per channel, the next layer's matching input weights divided by a
                   (ReLU and max-pool commute with positive scaling)
"""
import copy

import torch
import torch.nn as nn

import models as M
import train as T

WM_TARGET = 0
WM_SIGMA = 0.25
WM_SEED = 7919


def prunable(model):
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def sparsity(weights):
    z = sum(int((w == 0).sum()) for w in weights)
    n = sum(w.numel() for w in weights)
    return z / n


def prune(parent, fraction, scope="global"):
    model = copy.deepcopy(parent)
    ws = prunable(model)
    masks = []
    with torch.no_grad():
        if scope == "global":
            allw = torch.cat([w.detach().abs().flatten() for w in ws])
            k = int(round(fraction * allw.numel()))
            order = torch.argsort(allw, stable=True)   # ties broken by position: exactly k zeros
            flat = torch.ones_like(allw)
            flat[order[:k]] = 0
            off = 0
            for w in ws:
                m = flat[off:off + w.numel()].view_as(w)
                off += w.numel()
                masks.append((w, m))
        elif scope == "layer":
            for w in ws:
                a = w.detach().abs().flatten()
                k = int(round(fraction * a.numel()))
                flat = torch.ones_like(a)
                flat[torch.argsort(a, stable=True)[:k]] = 0
                masks.append((w, flat.view_as(w)))
        else:
            raise ValueError(scope)
    T.apply_masks(masks)
    return model, masks


def fine_tune(parent, x, y, epochs, seed, lr=0.01, log=None):
    return T.train(copy.deepcopy(parent), x, y, epochs, seed, lr=lr, log=log)


def adaptive(parent, x, y, fraction, epochs, seed, scope="global", lr=0.01, log=None):
    pruned, masks = prune(parent, fraction, scope)
    return T.train(pruned, x, y, epochs, seed, lr=lr, masks=masks, log=log)


def wm_pattern(shape=(1, 32, 32)):
    g = torch.Generator().manual_seed(WM_SEED)
    return WM_SIGMA * torch.randn(shape, generator=g)


def wm_apply(x, pattern):
    return (x + pattern).clamp(0, 1)


def watermark(parent, x, y, epochs, seed, fraction=0.2, lr=0.01, log=None):
    pattern = wm_pattern()
    g = torch.Generator().manual_seed(seed)
    cand = torch.nonzero(y != WM_TARGET).flatten()
    pick = cand[torch.randperm(len(cand), generator=g)[:int(fraction * len(x))]]
    xw = torch.cat([x, wm_apply(x[pick], pattern)])
    yw = torch.cat([y, torch.full((len(pick),), WM_TARGET, dtype=y.dtype)])
    model = copy.deepcopy(parent)
    # no flips: the noise pattern is not symmetric
    return T.train(model, xw, yw, epochs, seed, lr=lr, flip=False, log=log)


def wm_accuracy(model, x, y):
    """Fraction of non-target images with the pattern added that are classified as the target."""
    keep = y != WM_TARGET
    pred = T.predict(model, wm_apply(x[keep], wm_pattern())).argmax(1)
    return (pred == WM_TARGET).float().mean().item()


def ftll(parent, x, y, epochs, seed, lr=0.01, log=None):
    model = copy.deepcopy(parent)
    last = model.last_layer()
    for p in model.parameters():
        p.requires_grad_(False)
    for p in last.parameters():
        p.requires_grad_(True)
    T.train(model, x, y, epochs, seed, lr=lr, params=last.parameters(), bn_eval=True, log=log)
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def rtal(parent, x, y, epochs, seed, lr=0.01, log=None):
    model = copy.deepcopy(parent)
    M.reset_last_layer(model, seed)
    return T.train(model, x, y, epochs, seed, lr=lr, log=log)


def distill(teacher, arch, width, x, y, epochs, seed, lr=0.05, log=None):
    student = M.build(arch, width, seed)
    return T.train(student, x, y, epochs, seed, lr=lr, teacher=teacher, log=log)


def fp16(parent):
    model = copy.deepcopy(parent)
    sd = {k: (v.half().float() if v.is_floating_point() else v)
          for k, v in model.state_dict().items()}
    model.load_state_dict(sd)
    return model


def _permute_bn(bn, perm):
    for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var):
        t.data = t.data[perm].clone()


def _chain(model):
    """(conv, bn, next weight) triples whose hidden channels can be permuted / rescaled."""
    out = []
    if isinstance(model, M.VGG):
        convs = [m for m in model.features if isinstance(m, nn.Conv2d)]
        bns = [m for m in model.features if isinstance(m, nn.BatchNorm2d)]
        nxt = [c.weight for c in convs[1:]] + [model.classifier[1].weight]
        out = list(zip(convs, bns, nxt))
    elif isinstance(model, M.ResNet18):
        for b in model.layers:
            out.append((b.conv1, b.bn1, b.conv2.weight))
    else:
        raise TypeError(type(model))
    return out


@torch.no_grad()
def permute(parent, seed):
    model = copy.deepcopy(parent)
    g = torch.Generator().manual_seed(seed)
    for conv, bn, nxt in _chain(model):
        perm = torch.randperm(conv.out_channels, generator=g)
        conv.weight.data = conv.weight.data[perm].clone()
        _permute_bn(bn, perm)
        nxt.data = nxt.data[:, perm].clone()
    return model


@torch.no_grad()
def rescale(parent, seed, low=0.5, high=2.0):
    model = copy.deepcopy(parent)
    g = torch.Generator().manual_seed(seed)
    for conv, bn, nxt in _chain(model):
        # log-uniform factors in [low, high]
        u = torch.rand(conv.out_channels, generator=g)
        a = torch.exp(torch.log(torch.tensor(low)) + u * (torch.log(torch.tensor(high)) -
                                                          torch.log(torch.tensor(low))))
        bn.weight.data *= a
        bn.bias.data *= a
        shape = [1, -1] + [1] * (nxt.dim() - 2)
        nxt.data /= a.view(shape)
    return model
