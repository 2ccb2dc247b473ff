"""TorchScript export (eval mode) with an output check against the eager model."""
import torch

TOL = 1e-4


def max_diff(a, b):
    return (a - b).abs().max().item()


@torch.no_grad()
def check(eager, scripted, x):
    """Max abs output difference, scaled by max(1, max |logit|). Raises if above TOL."""
    eager.eval()
    scripted.eval()
    ref = eager(x)
    d = max_diff(ref, scripted(x)) / max(1.0, ref.abs().max().item())
    if not d <= TOL:
        raise RuntimeError("TorchScript output differs from the eager model: %.3g" % d)
    return d


def export(model, path, x):
    model.eval()
    scripted = torch.jit.script(model)
    scripted.save(path)
    loaded = torch.jit.load(path)
    return check(model, loaded, x)
