"""Deterministic training: fixed seeds, single process, manual batching (no DataLoader workers).

train() serves every use in the zoo: plain training, fine-tuning (optionally only some
parameters, optionally with pruning masks re-applied after every step), and knowledge
distillation (teacher logits as soft targets).
"""
import torch
import torch.nn as nn
import torch.nn.functional as F


def setup(threads=2):
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)


def apply_masks(masks):
    if masks:
        with torch.no_grad():
            for p, m in masks:
                p.mul_(m)


def train(model, x, y, epochs, seed, opt="sgd", lr=0.05, batch=128, params=None, masks=None,
          teacher=None, temperature=4.0, alpha=0.9, flip=True, weight_decay=5e-4, bn_eval=False, log=None):
    """Trains `model` in place. Learning rate decays linearly to 0 over all steps (SGD, momentum
    0.9, or Adam). `masks`: [(param, 0/1 tensor)] kept applied after each step. `teacher`:
    distillation (KL on softened logits, weight alpha, plus hard-label cross-entropy)."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    params = list(model.parameters()) if params is None else list(params)
    if opt == "sgd":
        optim = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    elif opt == "adam":
        optim = torch.optim.Adam(params, lr=lr)
    else:
        raise ValueError(opt)
    n = len(x)
    steps = max(1, epochs * ((n + batch - 1) // batch))
    sched = torch.optim.lr_scheduler.LambdaLR(optim, lambda s: max(0.0, 1.0 - s / steps))
    apply_masks(masks)
    if teacher is not None:
        teacher.eval()
    for ep in range(epochs):
        model.train()
        if bn_eval:   # BatchNorm uses (and keeps) its running statistics
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.eval()
        perm = torch.randperm(n, generator=gen)
        total = 0.0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = x[idx], y[idx]
            if flip:
                f = torch.rand(len(idx), generator=gen) < 0.5
                xb = torch.where(f[:, None, None, None], xb.flip(3), xb)
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            if teacher is not None:
                with torch.no_grad():
                    t = teacher(xb)
                kd = F.kl_div(F.log_softmax(out / temperature, 1), F.softmax(t / temperature, 1),
                              reduction="batchmean") * temperature * temperature
                loss = alpha * kd + (1 - alpha) * loss
            optim.zero_grad()
            loss.backward()
            optim.step()
            sched.step()
            apply_masks(masks)
            total += loss.item() * len(idx)
        if log:
            log("    epoch %d/%d loss %.4f" % (ep + 1, epochs, total / n))
    model.eval()
    return model


@torch.no_grad()
def predict(model, x, batch=500):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, len(x), batch)])


def accuracy(model, x, y):
    return (predict(model, x).argmax(1) == y).float().mean().item()
