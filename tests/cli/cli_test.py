#!/usr/bin/python3
"""End-to-end tests of the infip binary: runs it as a user would and checks its outputs and
exit codes. One case per invocation (ctest runs each as its own test):

  cli_test.py --infip PATH --testdata DIR --work DIR CASE
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys

import numpy as np

FASHION = "/usr/share/datasets/fashion-mnist"
TEST_KEYS = os.path.join(FASHION, "t10k-images-idx3-ubyte.gz")
TRAIN_KEYS = os.path.join(FASHION, "train-images-idx3-ubyte.gz")
N = 8
GRAY_KEYS = ["--keys", TEST_KEYS, "--limit", str(N), "--resize", "32x32"]
RGB_KEYS = GRAY_KEYS + ["--rgb"]

EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_UNAVAILABLE = 0, 2, 3, 4
REMOTE_COMMANDS = ("register", "verify", "screen", "list", "show", "delete", "evidence", "info")


class Env:
    def __init__(self, args):
        self.infip = args.infip
        self.data = args.testdata
        self.work = args.work

    def model(self, name):
        return os.path.join(self.data, name)

    def path(self, name):
        return os.path.join(self.work, name)

    def run(self, *argv, expect=EXIT_OK, env=None):
        proc = subprocess.run([self.infip, *argv], capture_output=True, text=True, timeout=300,
                              env=env)
        shown = f"$ infip {' '.join(argv)}\n[exit {proc.returncode}]\n" \
                f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        print(shown)
        if proc.returncode != expect:
            fail(f"expected exit code {expect}, got {proc.returncode}")
        return proc

    def extract(self, model, out, keys=GRAY_KEYS, *extra):
        proc = self.run("extract", "--model", self.model(model), *keys, *extra,
                        "--out", self.path(out))
        check(os.path.isfile(self.path(out)), f"{out} was not written")
        return proc

    def compare_json(self, a, b, *extra):
        proc = self.run("compare", self.path(a), self.path(b), "--json", *extra)
        lines = [l for l in proc.stdout.splitlines() if l.strip()]
        check(len(lines) == 1, "compare --json prints exactly one line")
        return json.loads(lines[0])


def fail(message):
    print(f"FAILED: {message}")
    sys.exit(1)


def check(condition, message):
    if not condition:
        fail(message)


def check_error_line(proc, *words):
    """Errors are one line 'infip: error: ...' on stderr that names what is wrong."""
    err = [l for l in proc.stderr.splitlines() if l.startswith("infip: error: ")]
    check(err, "stderr has an 'infip: error: ' line")
    for word in words:
        check(word.lower() in err[0].lower(), f"the error names '{word}'")
    check(proc.stdout == "", "nothing on stdout after an error")


# --- cases ---------------------------------------------------------------------------------

def case_same_model(env):
    proc = env.extract("vgg_like.pt", "a.infip")
    summary = [l for l in proc.stdout.splitlines() if l.strip()]
    check(len(summary) == 1, "extract prints one summary line")
    check(f"{N} keys" in summary[0] and "dtd" in summary[0] and "images/s" in summary[0],
          "the summary names the key count, composite and throughput")
    check(proc.stderr == "", "no progress bar when stderr is not a terminal")
    env.extract("vgg_like.pt", "b.infip")
    r = env.compare_json("a.infip", "b.infip")
    for key in ("assim", "ci_low", "ci_high", "threshold", "pirated", "n", "ssim"):
        check(key in r, f"JSON has '{key}'")
    check(abs(r["assim"] - 1.0) < 1e-9, f"ASSIM of a model with itself is 1, got {r['assim']}")
    check(r["pirated"] is True, "a model is a copy of itself")
    check(r["n"] == N and len(r["ssim"]) == N, "one SSIM per key")
    check(all(abs(s - 1.0) < 1e-9 for s in r["ssim"]), "every per-key SSIM is 1")
    check(r["threshold"] == 0.85, "default threshold 0.85")
    check(r["ci_low"] <= r["assim"] <= r["ci_high"], "the interval holds the ASSIM")

    text = env.run("compare", env.path("a.infip"), env.path("b.infip")).stdout
    for word in ("ASSIM", "1.0000", "min", "median", "PIRATED"):
        check(word in text, f"text output shows '{word}'")


def case_different_model(env):
    env.extract("vgg_like.pt", "a.infip")
    env.extract("vgg_like_other.pt", "b.infip")
    r = env.compare_json("a.infip", "b.infip")
    check(r["assim"] < 1.0, f"unrelated models score below 1, got {r['assim']}")
    check(r["pirated"] == (r["assim"] >= r["threshold"]), "decision follows the threshold")
    check(len(r["ssim"]) == N, "one SSIM per key")
    # The decision is output, not an exit status: a threshold above any ASSIM still exits 0.
    r = env.compare_json("a.infip", "b.infip", "--threshold", "1")
    check(r["pirated"] is False and r["threshold"] == 1.0, "--threshold is honoured")


def case_resnet(env):
    env.extract("resnet_like.pt", "a.infip", RGB_KEYS)
    env.extract("resnet_like.pt", "b.infip", RGB_KEYS, "--no-key-preview")
    r = env.compare_json("a.infip", "b.infip")
    check(abs(r["assim"] - 1.0) < 1e-9 and r["pirated"] is True, "ResNet-like: same model -> 1")


def check_png(path):
    check(os.path.isfile(path), f"{os.path.basename(path)} exists")
    with open(path, "rb") as f:
        check(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{os.path.basename(path)} is a PNG")


def case_render(env):
    env.extract("vgg_like.pt", "a.infip")
    env.extract("vgg_like_other.pt", "b.infip")
    out = env.path("render")
    env.run("render", env.path("a.infip"), env.path("b.infip"), "--out", out)
    for i in range(N):
        check_png(os.path.join(out, f"fingerprint_{i:04d}.png"))
        check_png(os.path.join(out, f"suspect_{i:04d}.png"))
    grids = sorted(f for f in os.listdir(out) if f.startswith("grid_"))
    check(grids == [f"grid_0000-{N - 1:04d}.png"], f"one evidence sheet for {N} keys: {grids}")
    check_png(os.path.join(out, grids[0]))
    check(len(os.listdir(out)) == 2 * N + 1, "nothing else is written")

    single = env.path("render_one")
    env.run("render", env.path("a.infip"), "--out", single)
    names = sorted(os.listdir(single))
    check(names == [f"fingerprint_{i:04d}.png" for i in range(N)] + grids,
          f"one set: fingerprints and a sheet only, got {names}")


def case_relevance(env):
    out = env.path("r.npy")
    env.run("relevance", "--model", env.model("resnet_like.pt"), *RGB_KEYS, "--out", out)
    r = np.load(out)
    check(r.dtype == np.float32, f"float32, got {r.dtype}")
    check(r.shape == (N, 3, 32, 32), f"N x C x H x W, got {r.shape}")

    # Bias-free ReLU network under the dtd composite: each key's relevance sums to about 1.
    out = env.path("nobias.npy")
    env.run("relevance", "--model", env.model("vgg_like_nobias.pt"), *GRAY_KEYS, "--out", out)
    r = np.load(out)
    check(r.shape == (N, 1, 32, 32), f"N x 1 x 32 x 32, got {r.shape}")
    sums = r.reshape(N, -1).sum(axis=1)
    check(np.allclose(sums, 1.0, atol=1e-3), f"relevance is conserved, sums {sums}")

    # An .npy key set of already-preprocessed inputs, with its box given directly.
    keys = env.path("keys.npy")
    np.save(keys, np.random.default_rng(7).uniform(-1, 1, (3, 1, 32, 32)).astype(np.float32))
    out = env.path("npy_keys.npy")
    env.run("relevance", "--model", env.model("vgg_like.pt"), "--keys", keys, "--low", "-1",
            "--high", "1", "--out", out)
    check(np.load(out).shape == (3, 1, 32, 32), "npy keys: N x C x H x W")


def case_help(env):
    check("extract" in env.run("--help").stdout, "top-level help lists the commands")
    check("--model" in env.run("extract", "--help").stdout, "extract help lists its flags")
    for command in ("compare", "relevance", "render"):
        env.run(command, "--help")


def case_usage_errors(env):
    a = env.path("a.infip")
    model = env.model("vgg_like.pt")
    usage = [
        [],
        ["frobnicate"],
        ["extract", "--model", model, "--keys", TEST_KEYS],  # no --out
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--bogus"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--resize", "32"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--gray", "--rgb"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--composite", "nope"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--lambda", "-1"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a,
         "--lambda-scaling", "sometimes"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--limit", "0"],
        ["extract", "--model", model, "--keys", TEST_KEYS, "--out", a, "--mean", "a,b"],
        ["compare", a],
        ["compare", a, a, "--threshold", "high"],
        ["render", a],  # no --out
        ["relevance", "--model", model, "--keys", TEST_KEYS],
    ]
    for argv in usage:
        proc = env.run(*argv, expect=EXIT_USAGE)
        check(proc.stderr.startswith("infip: error: "), "usage errors start 'infip: error: '")
    check(not os.path.exists(a), "a usage error writes nothing")


def case_bad_model(env):
    corrupt = env.path("corrupt.pt")
    with open(corrupt, "wb") as f:
        f.write(os.urandom(4096))
    proc = env.run("extract", "--model", corrupt, *GRAY_KEYS, "--out", env.path("c.infip"),
                   expect=EXIT_BAD_INPUT)
    check_error_line(proc)

    truncated = env.path("truncated.pt")
    with open(env.model("vgg_like.pt"), "rb") as src, open(truncated, "wb") as dst:
        dst.write(src.read()[:2000])
    env.run("extract", "--model", truncated, *GRAY_KEYS, "--out", env.path("t.infip"),
            expect=EXIT_BAD_INPUT)

    proc = env.run("extract", "--model", env.model("unsupported_op.pt"), *GRAY_KEYS,
                   "--out", env.path("u.infip"), expect=EXIT_BAD_INPUT)
    check_error_line(proc, "sigmoid")

    proc = env.run("extract", "--model", env.path("no_such_model.pt"), *GRAY_KEYS,
                   "--out", env.path("m.infip"), expect=EXIT_BAD_INPUT)
    check_error_line(proc, "no_such_model.pt")

    # A 3-channel model given 1-channel keys.
    proc = env.run("extract", "--model", env.model("resnet_like.pt"), *GRAY_KEYS,
                   "--out", env.path("s.infip"), expect=EXIT_BAD_INPUT)
    check_error_line(proc)
    for name in ("c", "t", "u", "m", "s"):
        check(not os.path.exists(env.path(f"{name}.infip")), "a failed extract writes nothing")


def case_bad_keys(env):
    missing = env.path("no_such_keys")
    proc = env.run("extract", "--model", env.model("vgg_like.pt"), "--keys", missing,
                   "--out", env.path("k.infip"), expect=EXIT_BAD_INPUT)
    check_error_line(proc, "no_such_keys")
    empty = env.path("empty_dir")
    os.makedirs(empty)
    env.run("extract", "--model", env.model("vgg_like.pt"), "--keys", empty,
            "--out", env.path("k.infip"), expect=EXIT_BAD_INPUT)


def case_bad_sets(env):
    env.extract("vgg_like.pt", "a.infip")
    corrupt = env.path("corrupt.infip")
    with open(env.path("a.infip"), "rb") as f:
        data = bytearray(f.read())
    data[len(data) // 2] ^= 0xFF
    with open(corrupt, "wb") as f:
        f.write(data)
    proc = env.run("compare", env.path("a.infip"), corrupt, expect=EXIT_BAD_INPUT)
    check_error_line(proc)
    proc = env.run("compare", env.path("a.infip"), env.path("missing.infip"),
                   expect=EXIT_BAD_INPUT)
    check_error_line(proc, "missing.infip")
    env.run("render", corrupt, "--out", env.path("r"), expect=EXIT_BAD_INPUT)


def case_mismatched_sets(env):
    env.extract("vgg_like.pt", "a.infip")
    # Same model, same count, other images: the key sets differ.
    env.extract("vgg_like.pt", "train.infip",
                ["--keys", TRAIN_KEYS, "--limit", str(N), "--resize", "32x32"])
    proc = env.run("compare", env.path("a.infip"), env.path("train.infip"), "--json",
                   expect=EXIT_BAD_INPUT)
    check_error_line(proc, "key set")
    env.run("render", env.path("a.infip"), env.path("train.infip"), "--out", env.path("r"),
            expect=EXIT_BAD_INPUT)

    env.extract("vgg_like.pt", "lambda.infip", GRAY_KEYS, "--lambda", "1000")
    proc = env.run("compare", env.path("a.infip"), env.path("lambda.infip"),
                   expect=EXIT_BAD_INPUT)
    check_error_line(proc, "lambda")


# --- remote commands without a server ------------------------------------------------------
# The commands against a running server are tests/e2e's; these need no server.

class RefusingPort:
    """A TCP port that refuses connections for as long as the object lives: bound, so nobody
    else gets it, but not listening."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc):
        self.sock.close()


class SilentServer:
    """A TCP port that accepts connections (the kernel does, from the backlog) and never says
    a word: a server that hangs."""

    def __enter__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def __exit__(self, *exc):
        self.sock.close()


def case_remote_help(env):
    top = env.run("--help").stdout
    for command in REMOTE_COMMANDS:
        check(command in top, f"top-level help lists '{command}'")
    for code in ("4 server unreachable", "5 verify --fail-on-pirated", "6 not allowed"):
        check(code in " ".join(top.split()), f"top-level help documents exit code '{code}'")
    for command in REMOTE_COMMANDS:
        text = env.run(command, "--help").stdout
        for flag in ("--server", "INFIP_SERVER", "--timeout", "--json", "--progress", "--tls-ca",
                     "INFIP_TLS_CA", "--tls-cert", "--tls-key", "--token-file",
                     "INFIP_TOKEN_FILE"):
            check(flag in text, f"'{command} --help' shows {flag}")
    check("--fail-on-pirated" in env.run("verify", "--help").stdout, "verify --fail-on-pirated")


def case_remote_usage_errors(env):
    model = env.model("vgg_like.pt")
    keys = ["--keys", TEST_KEYS, "--limit", str(N), "--resize", "32x32"]
    who = ["--owner", "alice", "--name", "m"]
    sha = "a" * 64
    usage = [
        ["register", *who, "--model", model, *keys, "--tls-cert", "c.pem"],  # no --tls-key
        ["info", "--tls-key", "c.key"],  # no --tls-cert
        ["register", "--owner", "alice", "--model", model, *keys],  # no --name
        ["register", *who, "--model", model],  # no --keys
        ["register", *who, *keys],  # no model, handle or fingerprints
        ["register", *who, "--model", model, "--handle", "file:///m.pt", *keys],
        ["register", *who, "--model", model, "--fingerprints", "s.infip", *keys],
        ["register", *who, "--fingerprints", "s.infip", "--lambda", "100", *keys],
        ["register", *who, "--fingerprints", "s.infip", "--composite", "dtd", *keys],
        ["register", *who, "--model", model, "--sha256", sha, *keys],  # pin without handle
        ["register", *who, "--model", model, "--threshold", "2", *keys],
        ["register", *who, "--model", model, "--composite", "nope", *keys],
        ["register", *who, "--model", model, "--lambda-scaling", "sometimes", *keys],
        ["register", *who, "--model", model, "--resize", "32", *keys[:2]],
        ["verify", "--model", model],  # no --registration
        ["verify", "--registration", "reg_0", "--model", model, "--handle", "file:///m.pt"],
        ["verify", "--registration", "reg_0"],  # no model
        ["verify", "--registration", "reg_0", "--handle", "file:///m.pt", "--sha256", "beef"],
        ["verify", "--registration", "reg_0", "--model", model, "--timeout", "-1"],
        ["verify", "--registration", "reg_0", "--model", model, "--timeout", "soon"],
        ["screen"],
        ["screen", "--model", model, "--handle", "file:///m.pt"],
        ["list", "--page-size", "0"],
        ["list", "--page-size", "1001"],
        ["show"],
        ["delete"],
        ["evidence", "--out", env.path("ev")],  # neither --verdict nor --registration
        ["evidence", "--verdict", "vrd_0", "--registration", "reg_0", "--out", env.path("ev")],
        ["evidence", "--verdict", "vrd_0"],  # no --out
        ["evidence", "--verdict", "vrd_0", "--out", env.path("ev"), "--max-keys", "0"],
        ["info", "--bogus"],
    ]
    for argv in usage:
        proc = env.run(*argv, expect=EXIT_USAGE)
        check(proc.stderr.startswith("infip: error: "), "usage errors start 'infip: error: '")
        check(proc.stdout == "", "nothing on stdout after a usage error")
    check(not os.path.exists(env.path("ev")), "a usage error creates nothing")

    # The errors say which flag is at fault.
    proc = env.run("register", "--owner", "alice", "--model", model, *keys, expect=EXIT_USAGE)
    check_error_line(proc, "--name")
    proc = env.run("info", "--tls-cert", "c.pem", expect=EXIT_USAGE)
    check_error_line(proc, "--tls-cert", "--tls-key")
    proc = env.run("verify", "--registration", "reg_0", expect=EXIT_USAGE)
    check_error_line(proc, "one of --model, --handle is required")
    check("required is required" not in proc.stderr, "the message reads as English")
    proc = env.run("verify", "--registration", "reg_0", "--model", model,
                   "--handle", "file:///m.pt", expect=EXIT_USAGE)
    check_error_line(proc, "--model", "--handle")


def case_remote_unreachable(env):
    model = env.model("vgg_like.pt")
    with RefusingPort() as server:
        commands = [
            ["info"],
            ["list"],
            ["show", "reg_0123456789abcdef"],
            ["delete", "reg_0123456789abcdef"],
            ["evidence", "--registration", "reg_0123456789abcdef", "--out", env.path("ev")],
            ["verify", "--registration", "reg_0123456789abcdef", "--model", model],
            ["verify", "--registration", "reg_0123456789abcdef", "--handle", "file:///m.pt"],
            ["screen", "--model", model],
            ["register", "--owner", "alice", "--name", "m", "--model", model, *GRAY_KEYS],
        ]
        for argv in commands:
            for extra in ([], ["--json"]):
                proc = env.run(*argv, *extra, "--server", server, expect=EXIT_UNAVAILABLE)
                check_error_line(proc, f"cannot reach the infip server at {server}",
                                 "INFIP_SERVER")

        check(not os.path.exists(env.path("ev")), "evidence creates no directory without a server")

        # INFIP_SERVER is the default --server; --server overrides it.
        with_env = dict(os.environ, INFIP_SERVER=server)
        proc = env.run("list", env=with_env, expect=EXIT_UNAVAILABLE)
        check_error_line(proc, server)
        with RefusingPort() as other:
            proc = env.run("list", "--server", other, env=with_env, expect=EXIT_UNAVAILABLE)
            check_error_line(proc, other)

        # Without either, the documented default (a server may well run there, so only the
        # help says it).
        without = {k: v for k, v in os.environ.items() if k != "INFIP_SERVER"}
        check("127.0.0.1:50051" in env.run("info", "--help", env=without).stdout,
              "help shows the default server")

        # Local input is checked before the server is asked: bad input (3), not unreachable.
        proc = env.run("verify", "--registration", "reg_0", "--model", env.path("missing.pt"),
                       "--server", server, expect=EXIT_BAD_INPUT)
        check_error_line(proc, "missing.pt")
        proc = env.run("register", "--owner", "a", "--name", "m", "--model", model,
                       "--keys", env.path("no_keys"), "--server", server,
                       expect=EXIT_BAD_INPUT)
        check_error_line(proc, "no_keys")


def case_remote_timeout(env):
    with SilentServer() as server:
        for command in (["info"], ["list", "--json"],
                         ["verify", "--registration", "reg_0", "--model",
                          env.model("vgg_like.pt")]):
            proc = env.run(*command, "--server", server, "--timeout", "1",
                           expect=EXIT_UNAVAILABLE)
            check_error_line(proc, server, "did not finish within --timeout 1 s")


CASES = {name[len("case_"):]: fn for name, fn in globals().items() if name.startswith("case_")}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--infip", required=True)
    ap.add_argument("--testdata", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    args = ap.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    CASES[args.case](Env(args))
    print(f"PASSED: {args.case}")


if __name__ == "__main__":
    main()
