#!/usr/bin/python3
"""Builds infip's model zoo (originals, pirated copies, independent models) into a cache
directory outside the repository and writes <cache>/manifest.json. See README.md.

  /usr/bin/python3 tools/zoo/zoo.py [--cache ~/.cache/infip-zoo] [--width 8] [--epochs 3] ...
  /usr/bin/python3 tools/zoo/zoo.py --smoke --cache /tmp/zoo-smoke      # CI: tiny, < 2 min

Models already in the cache (same settings hash) are not rebuilt. After building, every entry
is checked (the script exits non-zero if one fails): each TorchScript file loads and gives the
eager model's outputs; pruned models have at least the claimed sparsity; permuted / rescaled
models compute their parent's outputs.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import attacks as A      # noqa: E402
import data as D         # noqa: E402
import export as E       # noqa: E402
import models as M       # noqa: E402
import train as T        # noqa: E402

CODE_VERSION = 1
OTHER = {"vgg16": "resnet18", "resnet18": "vgg16"}
ORIGINAL_SEED = 0
RANDOM_SEED = 999


def floats(s):
    return [float(v) for v in s.split(",") if v]


def ints(s):
    return [int(v) for v in s.split(",") if v]


def parse():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--cache", default=os.path.expanduser("~/.cache/infip-zoo"))
    p.add_argument("--smoke", action="store_true", help="tiny everything (CI)")
    p.add_argument("--archs", default="vgg16,resnet18", help="architectures with originals")
    p.add_argument("--width", type=int, default=8, help="channels of the first stage (64 = full)")
    p.add_argument("--epochs", type=int, default=3, help="training epochs of trained models")
    p.add_argument("--train-size", type=int, default=30000, help="images of the owner's half")
    p.add_argument("--eval-size", type=int, default=None, help="test images for accuracy (7000)")
    p.add_argument("--attacker-size", type=int, default=2000)
    p.add_argument("--opt", choices=("sgd", "adam"), default="adam")
    p.add_argument("--flip", action="store_true",
                   help="random horizontal flips when training originals and seeds")
    p.add_argument("--lr", type=float, default=None, help="default: 0.05 (sgd), 0.002 (adam)")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--seeds", type=int, default=5, help="independent seeds per architecture")
    p.add_argument("--ft-epochs", type=ints, default=[1, 3, 5])
    p.add_argument("--prune", type=floats, default=[0.2, 0.4, 0.6])
    p.add_argument("--prune-scope", choices=("global", "layer"), default="global")
    p.add_argument("--adaptive-prune", type=float, default=0.4)
    p.add_argument("--adaptive-epochs", type=int, default=5)
    p.add_argument("--wm-epochs", type=int, default=5)
    p.add_argument("--ftll-epochs", type=int, default=5)
    p.add_argument("--rtal-epochs", type=int, default=5)
    p.add_argument("--kd-epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    if a.smoke:
        a.width, a.epochs, a.train_size, a.eval_size, a.attacker_size = 4, 1, 256, 256, 128
        a.seeds, a.ft_epochs, a.prune, a.archs = 1, [1], [0.4], "vgg16"
        a.adaptive_epochs = a.wm_epochs = a.ftll_epochs = a.rtal_epochs = a.kd_epochs = 1
    if a.lr is None:
        a.lr = 0.05 if a.opt == "sgd" else 0.002
    a.archs = [s for s in a.archs.split(",") if s]
    return a


class Zoo:
    def __init__(self, args):
        self.a = args
        self.dir = os.path.abspath(args.cache)
        self.mdir = os.path.join(self.dir, "models")
        os.makedirs(self.mdir, exist_ok=True)
        self.splits = D.Splits()
        self.train_a = self.splits.get("half_a", args.train_size)
        self.train_b = self.splits.get("half_b", args.train_size)
        self.atk = self.splits.get("attacker", args.attacker_size)
        self.eval = self.splits.get("eval", args.eval_size)
        self.check_x = torch.cat([self.eval[0][:32],
                                  torch.rand(8, 1, 32, 32, generator=torch.Generator().manual_seed(5))])
        self.entries = {}    # name -> manifest entry
        self.models = {}     # name -> eager model (built or loaded this run)
        self.keys = {}       # name -> settings hash
        self.base = {"code": CODE_VERSION, "split_seed": D.SPLIT_SEED, "width": args.width,
                     "epochs": args.epochs, "train_size": args.train_size, "opt": args.opt,
                     "lr": args.lr, "batch": args.batch, "attacker_size": args.attacker_size,
                     "flip": args.flip}

    def log(self, msg):
        print(msg, flush=True)

    # -- one model ---------------------------------------------------------------------------
    def make(self, name, arch, role, attack, setting, seed, parent, fn, against=None, wm=False):
        desc = {"base": self.base, "name": name, "arch": arch, "attack": attack,
                "setting": setting, "seed": seed,
                "parent": self.keys.get(parent) if parent else None}
        key = hashlib.sha256(json.dumps(desc, sort_keys=True).encode()).hexdigest()[:16]
        self.keys[name] = key
        stem = os.path.join(self.mdir, "%s-%s" % (name, key))
        meta_path = stem + ".json"
        t0 = time.time()
        if all(os.path.exists(stem + s) for s in (".pt", ".pth", ".json")):
            model = M.ARCHS[arch](width=self.a.width)
            model.load_state_dict(torch.load(stem + ".pth"))
            model.eval()
            with open(meta_path) as f:
                meta = json.load(f)
            status = "cached"
        else:
            model = fn()
            model.eval()
            meta = {"test_accuracy": T.accuracy(model, *self.eval),
                    "build_seconds": round(time.time() - t0, 2)}
            if wm:
                meta["watermark_accuracy"] = A.wm_accuracy(model, *self.eval)
            torch.save(model.state_dict(), stem + ".pth")
            meta["export_max_diff"] = E.export(model, stem + ".pt", self.check_x)
            with open(meta_path + ".tmp", "w") as f:
                json.dump(meta, f, indent=1)
            os.replace(meta_path + ".tmp", meta_path)
            status = "built"
        self.models[name] = model
        entry = {"name": name, "model": os.path.relpath(stem + ".pt", self.dir),
                 "state_dict": os.path.relpath(stem + ".pth", self.dir), "architecture": arch,
                 "width": self.a.width, "role": role, "attack": attack, "setting": setting,
                 "seed": seed, "parent": parent, "against": against, "hash": key}
        entry.update(meta)
        self.entries[name] = entry
        wa = " wm %.3f" % meta["watermark_accuracy"] if "watermark_accuracy" in meta else ""
        self.log("  %-28s %-6s acc %.4f%s  (%.1f s, built in %.1f s)" % (
            name, status, meta["test_accuracy"], wa, time.time() - t0, meta["build_seconds"]))
        return model

    def alias(self, name, target, role, attack, against):
        e = dict(self.entries[target])
        e.update({"name": name, "role": role, "attack": attack, "setting": None,
                  "parent": None, "against": against, "alias_of": target})
        self.entries[name] = e

    # -- the zoo -----------------------------------------------------------------------------
    def trained(self, arch, seed, data):
        x, y = data
        return lambda: T.train(M.build(arch, self.a.width, seed), x, y, self.a.epochs, seed,
                               opt=self.a.opt, lr=self.a.lr, batch=self.a.batch,
                               flip=self.a.flip)

    def build(self):
        a, ax, ay = self.a, self.atk[0], self.atk[1]
        archs = list(dict.fromkeys(a.archs + [OTHER[x] for x in a.archs]))
        for arch in archs:   # originals (the other architecture is needed as a negative)
            self.make("%s-original" % arch, arch, "original", "none", None, ORIGINAL_SEED, None,
                      self.trained(arch, ORIGINAL_SEED, self.train_a), wm=True)
        for arch in a.archs:
            o = "%s-original" % arch
            P = self.models[o]
            s = 1000   # attack seeds
            self.log("%s: pirated" % arch)
            for e in a.ft_epochs:
                self.make("%s-ft-%dep" % (arch, e), arch, "pirated", "fine-tune", {"epochs": e},
                          s, o, lambda e=e: A.fine_tune(P, ax, ay, e, s), o)
            for p in a.prune:
                self.make("%s-prune-%d" % (arch, round(100 * p)), arch, "pirated", "prune",
                          {"fraction": p, "scope": a.prune_scope}, s, o,
                          lambda p=p: A.prune(P, p, a.prune_scope)[0], o)
            self.make("%s-adaptive" % arch, arch, "pirated", "prune+fine-tune",
                      {"fraction": a.adaptive_prune, "scope": a.prune_scope,
                       "epochs": a.adaptive_epochs}, s, o,
                      lambda: A.adaptive(P, ax, ay, a.adaptive_prune, a.adaptive_epochs, s,
                                         a.prune_scope), o)
            self.make("%s-watermark" % arch, arch, "pirated", "watermark-overwrite",
                      {"epochs": a.wm_epochs, "pattern": "gaussian", "sigma": A.WM_SIGMA,
                       "target": A.WM_TARGET, "fraction": 0.2}, s, o,
                      lambda: A.watermark(P, ax, ay, a.wm_epochs, s), o, wm=True)
            self.make("%s-ftll" % arch, arch, "pirated", "ftll", {"epochs": a.ftll_epochs}, s, o,
                      lambda: A.ftll(P, ax, ay, a.ftll_epochs, s), o)
            self.make("%s-rtal" % arch, arch, "pirated", "rtal", {"epochs": a.rtal_epochs}, s, o,
                      lambda: A.rtal(P, ax, ay, a.rtal_epochs, s), o)
            for st in (arch, OTHER[arch]):
                self.make("%s-distill-%s" % (arch, st), st, "pirated", "distill",
                          {"epochs": a.kd_epochs, "student": st, "data": "attacker"}, s, o,
                          lambda st=st: A.distill(P, st, a.width, ax, ay, a.kd_epochs, s), o)
            self.make("%s-fp16" % arch, arch, "pirated", "fp16", None, s, o, lambda: A.fp16(P), o)
            self.make("%s-permute" % arch, arch, "pirated", "permute", None, s, o,
                      lambda: A.permute(P, s), o)
            self.make("%s-rescale" % arch, arch, "pirated", "rescale", {"low": 0.5, "high": 2.0},
                      s, o, lambda: A.rescale(P, s), o)
            self.log("%s: independent" % arch)
            for k in range(1, a.seeds + 1):
                self.make("%s-seed%d" % (arch, k), arch, "independent", "seed", None, k, None,
                          self.trained(arch, k, self.train_a), o)
            self.make("%s-disjoint" % arch, arch, "independent", "disjoint-data",
                      {"data": "half_b"}, ORIGINAL_SEED, None,
                      self.trained(arch, ORIGINAL_SEED, self.train_b), o)
            k = a.seeds + 1   # disjoint data and its own initial weights: neither shared
            self.make("%s-disjoint-seed%d" % (arch, k), arch, "independent", "disjoint-data",
                      {"data": "half_b"}, k, None, self.trained(arch, k, self.train_b), o)
            self.alias("%s-vs-%s" % (arch, OTHER[arch]), "%s-original" % OTHER[arch],
                       "independent", "other-architecture", o)
            self.make("%s-random" % arch, arch, "independent", "random-init", None, RANDOM_SEED,
                      None, lambda arch=arch: M.build(arch, a.width, RANDOM_SEED), o)
            self.entries["%s-baseline" % arch] = {
                "name": "%s-baseline" % arch, "model": None, "role": "baseline",
                "attack": "input-gradient-magnitude", "against": o,
                "note": "input-only: the map is computed from the key image alone (no model)"}

    # -- checks ------------------------------------------------------------------------------
    @torch.no_grad()
    def verify(self):
        x = self.check_x
        fails = []
        for name, e in self.entries.items():
            if e.get("model") is None or "alias_of" in e:
                continue
            eager = self.models[name]
            loaded = torch.jit.load(os.path.join(self.dir, e["model"]))
            try:
                E.check(eager, loaded, x)
            except RuntimeError as err:
                fails.append("%s: %s" % (name, err))
            if e["attack"] in ("prune", "prune+fine-tune"):
                params = dict(loaded.named_parameters())
                names = [n + ".weight" for n, m in eager.named_modules()
                         if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
                weights = [params[n] for n in names]
                sp = A.sparsity(weights)
                e["sparsity"] = sp
                # prune() zeroes round(fraction * n) weights, which may fall short of the
                # fraction by less than half a weight.
                n = sum(w.numel() for w in weights)
                if sp * n < round(e["setting"]["fraction"] * n) - 0.5:
                    fails.append("%s: sparsity %.4f < %.2f" % (name, sp, e["setting"]["fraction"]))
                self.log("  check %-24s sparsity %.4f (claimed %.2f)" % (
                    name, sp, e["setting"]["fraction"]))
            if e["attack"] in ("permute", "rescale", "fp16"):
                ref = self.models[e["parent"]](x)
                d = E.max_diff(ref, loaded(x)) / max(1.0, ref.abs().max().item())
                e["max_diff_to_parent"] = d
                tol = 1e-2 if e["attack"] == "fp16" else 1e-4
                if not d <= tol:
                    fails.append("%s: differs from its parent by %.3g" % (name, d))
                self.log("  check %-24s max |diff| to parent %.2e (scaled)" % (name, d))
        if fails:
            for f in fails:
                self.log("CHECK FAILED: " + f)
            raise SystemExit(1)
        self.log("checks passed: %d TorchScript files load and match their eager models" %
                 sum(1 for e in self.entries.values() if e.get("model") and "alias_of" not in e))

    def write_keys(self):
        kdir = os.path.join(self.dir, "keys")
        os.makedirs(kdir, exist_ok=True)
        img, lab = self.splits.raw("keys")
        ip, lp = os.path.join(kdir, "keys-idx3-ubyte"), os.path.join(kdir, "keys-labels-idx1-ubyte")
        with open(ip, "wb") as f:
            f.write(bytes([0, 0, 8, 3]) + b"".join(int(v).to_bytes(4, "big") for v in img.shape))
            f.write(np.ascontiguousarray(img, dtype=np.uint8).tobytes())
        with open(lp, "wb") as f:
            f.write(bytes([0, 0, 8, 1]) + int(len(lab)).to_bytes(4, "big"))
            f.write(lab.astype(np.uint8).tobytes())
        return {"images": os.path.relpath(ip, self.dir), "labels": os.path.relpath(lp, self.dir),
                "count": int(len(img)), "size": [32, 32],
                "source": "Fashion-MNIST test split, disjoint from the attacker set and from the "
                          "accuracy images",
                "preprocess": {"resize": None, "scale": "x/255", "mean": 0.0, "std": 1.0,
                               "low": 0.0, "high": 1.0}}

    def write_manifest(self, keys, seconds):
        man = {"version": 1, "settings": vars(self.a), "base": self.base, "keys": keys,
               "data": {"train": "half_a (first %d)" % self.a.train_size,
                        "attacker": "test split, %d images" % self.a.attacker_size,
                        "accuracy": "test split minus attacker set and key pool (%d images)"
                                    % len(self.eval[1])},
               "build_seconds": round(seconds, 1), "models": list(self.entries.values())}
        path = os.path.join(self.dir, "manifest.json")
        with open(path + ".tmp", "w") as f:
            json.dump(man, f, indent=1)
        os.replace(path + ".tmp", path)
        return path


def main():
    args = parse()
    T.setup(args.threads)
    t0 = time.time()
    zoo = Zoo(args)
    zoo.log("zoo: cache %s, width %d, epochs %d, train %d, archs %s%s" % (
        zoo.dir, args.width, args.epochs, args.train_size, ",".join(args.archs),
        " (smoke)" if args.smoke else ""))
    keys = zoo.write_keys()
    zoo.build()
    zoo.verify()
    path = zoo.write_manifest(keys, time.time() - t0)
    zoo.log("manifest: %s (%d entries) in %.1f s" % (path, len(zoo.entries), time.time() - t0))


if __name__ == "__main__":
    main()
