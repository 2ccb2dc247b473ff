#!/usr/bin/python3
"""Hostile TorchScript models for the sandbox tests (Debian's python3-torch).

Each is a working 1x32x32 classifier (a linear layer over the flattened image, 10 classes)
whose scripted __setstate__ — which torch.jit.load runs — does something a model must never
do. torch.jit.load in an unconfined process really does it; the tests check that infip's
worker stops it. Written to --out:

  setstate_writes.pt     torch.save(...) to --write-target while loading
  setstate_reads.pt      torch.from_file(--secret) while loading, the bytes kept as a buffer
  setstate_loops.pt      a loop that never ends while loading
  setstate_allocates.pt  allocates 256 MiB tensors (filled, so the memory is real) without end
  benign.pt              the same classifier without a __setstate__ (the control)

TorchScript offers no way to start a process, open a socket or call ptrace; those attempts
are measured natively by tests/confine and `infip-worker --self-check`.
"""
import argparse
import importlib.util
import os
import tempfile

import torch

# TorchScript compiles a class from its source file, so the classes are written to one.
TEMPLATE = '''
import torch
from typing import List, Tuple


class Benign(torch.nn.Module):
    def __init__(self):
        super().__init__()
        gen = torch.Generator().manual_seed(7)
        self.w = torch.nn.Parameter(torch.randn(10, 1024, generator=gen) * 0.05)
        self.stolen = torch.zeros(64, dtype=torch.uint8)

    def forward(self, x):
        return torch.nn.functional.linear(x.flatten(1), self.w)
{classes}
'''

HOSTILE = '''

class {name}(Benign):
    @torch.jit.export
    def __getstate__(self) -> Tuple[torch.Tensor, torch.Tensor, bool]:
        return (self.w, self.stolen, self.training)

    @torch.jit.export
    def __setstate__(self, state: Tuple[torch.Tensor, torch.Tensor, bool]) -> None:
        self.w = state[0]
        self.stolen = state[1]
        self.training = state[2]
{body}
'''


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--write-target", required=True, help="file setstate_writes.pt creates")
    parser.add_argument("--secret", required=True, help="file setstate_reads.pt reads")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    bodies = {
        "SetstateWrites": f'        torch.save(torch.ones([3]), "{args.write_target}")',
        "SetstateReads": (f'        self.stolen = torch.from_file("{args.secret}", False, 64, '
                          'dtype=torch.uint8)'),
        "SetstateLoops": "        i = 0\n        while i >= 0:\n            i = i + 1",
        "SetstateAllocates": ("        kept: List[torch.Tensor] = []\n"
                              "        while len(kept) >= 0:\n"
                              "            kept.append(torch.ones([1 << 26]))"),
    }
    classes = "".join(HOSTILE.format(name=n, body=b) for n, b in bodies.items())
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "infip_hostile_models.py")
        with open(path, "w") as f:
            f.write(TEMPLATE.format(classes=classes))
        spec = importlib.util.spec_from_file_location("infip_hostile_models", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        torch.jit.save(torch.jit.script(module.Benign()), os.path.join(args.out, "benign.pt"))
        for name in bodies:
            file = "setstate_" + name[len("Setstate"):].lower() + ".pt"
            model = torch.jit.script(getattr(module, name)())
            torch.jit.save(model, os.path.join(args.out, file))


if __name__ == "__main__":
    main()
