#!/usr/bin/python3
"""infip's relevance against the independent reference (reference_dtd.py) on one model.

  reference_check.py --infip PATH --model M.pt --arch ARCH --channels C --work DIR
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    for flag in ("--infip", "--model", "--arch", "--work"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--channels", type=int, required=True)
    args = ap.parse_args()
    os.makedirs(args.work, exist_ok=True)
    rng = np.random.default_rng(7)
    keys = rng.random((6, args.channels, 32, 32), dtype=np.float32)
    keys_path = os.path.join(args.work, "keys.npy")
    np.save(keys_path, keys)
    ours, ref = os.path.join(args.work, "infip.npy"), os.path.join(args.work, "ref.npy")
    subprocess.run([args.infip, "relevance", "--model", args.model, "--keys", keys_path,
                    "--low", "0", "--high", "1", "--out", ours], check=True, timeout=300)
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "reference_dtd.py"), "--model", args.model,
                    "--arch", args.arch, "--keys", keys_path, "--out", ref], check=True,
                   timeout=300)
    a, b = np.load(ours), np.load(ref)
    if a.shape != b.shape:
        sys.exit(f"shape {a.shape} != reference {b.shape}")
    scale = np.abs(b).max(axis=(1, 2, 3), keepdims=True)
    worst = float((np.abs(a - b) / scale).max())
    print(f"max |infip - reference| / max |reference| per image: {worst:.2e}")
    print(f"infip sums {a.sum((1, 2, 3))}, reference sums {b.sum((1, 2, 3))}")
    if worst > 1e-4:
        sys.exit("infip's relevance differs from the reference")


if __name__ == "__main__":
    main()
