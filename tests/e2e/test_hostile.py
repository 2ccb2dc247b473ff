#!/usr/bin/python3
"""Hostile models through the real infip-server and the infip CLI (docs/security.md, "The
sandboxed worker"). Each model, made at test time by tools/testmodels/make_hostile.py, is a
working classifier whose scripted __setstate__ — run by torch.jit.load — attacks the process
that loads it: writes a file (into the data directory, into /tmp, over the signing key), reads
the signing key, never returns, or allocates without bound; and a zip bomb. After each:

  - the expected status, with a message that says what happened;
  - the server still answers health and verifies a normal model;
  - no worker is left running but the pool's one idle worker, and no worker directory but its;
  - no staged file is left, the store is as it was, the attacked files are untouched.

One server checks the archive's source (the default): every __setstate__ model is refused
before it is loaded. The other runs with --no-source-scan, so the models' code does run, and
the worker's confinement alone must stop it. The same models go through `infip extract`.
TorchScript cannot start a process or open a socket; the shipped worker's --self-check shows
those stopped too.
"""
import hashlib
import os
import subprocess
import sys
import time
import unittest
import zipfile

import grpc
import numpy as np

import harness

Code = grpc.StatusCode
N_KEYS = 4
MAX_UPLOAD = 4 * harness.MiB
MAKE_HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                            "testmodels", "make_hostile.py")
SANDBOX_FLAGS = ["--worker-load-timeout", "5s", "--worker-memory", "2GiB", "--worker-pool", "1"]


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def children(pid):
    """The live children of a process (its workers), from /proc."""
    out = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                out += [int(p) for p in f.read().split()]
        except FileNotFoundError:
            pass
    return out


def make_hostile(out_dir, write_target, secret):
    subprocess.run([sys.executable, MAKE_HOSTILE, "--out", out_dir, "--write-target",
                    write_target, "--secret", secret], check=True, timeout=300)


def zip_bomb(benign, out):
    """The benign model with one more tensor entry: 256 MiB of zeros, deflated to ~250 KiB."""
    with zipfile.ZipFile(benign) as src, zipfile.ZipFile(out, "w") as dst:
        root = src.namelist()[0].split("/")[0]
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr(zipfile.ZipInfo(f"{root}/data/99"), bytes(256 * harness.MiB),
                     compress_type=zipfile.ZIP_DEFLATED)


class HostileCase(harness.ServerTestCase):
    """Shared by both servers: a registration to verify against, the hostile models aimed at
    this server's own files, and the checks after each attack."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = harness.fashion_keys(N_KEYS)
        _, cls.registration = cls.register(cls, "owner", "benign", cls.keys, "vgg_like.pt")
        data = cls.server.data_dir
        cls.key_file = os.path.join(data, "signing-key.pem")
        cls.key_digest = digest(cls.key_file)
        cls.targets = {
            "data": os.path.join(data, "planted.pt"),
            "tmp": os.path.join("/tmp", f"infip-e2e-planted-{os.getpid()}-{cls.__name__}"),
            "key": cls.key_file,
        }
        cls.models = {}
        for where, target in cls.targets.items():
            out = os.path.join(cls.work, f"hostile-{where}")
            make_hostile(out, target, cls.key_file)
            cls.models[f"writes-{where}"] = os.path.join(out, "setstate_writes.pt")
        for name in ("reads", "loops", "allocates"):
            cls.models[name] = os.path.join(cls.work, "hostile-data", f"setstate_{name}.pt")
        cls.models["bomb"] = os.path.join(cls.work, "bomb.pt")
        zip_bomb(os.path.join(cls.work, "hostile-data", "benign.pt"), cls.models["bomb"])
        cls.db = cls.server.store_files()[0]

    def verify_model(self, path):
        return lambda: harness.drain(self.server.stub.Verify(
            harness.verify_stream(self.registration.id, harness.read(path),
                                  name=os.path.basename(path)),
            timeout=harness.CALL_TIMEOUT), "verdict")

    def settled_workers(self):
        """The server's children once its pool has refilled (at most a minute)."""
        give_up = time.monotonic() + 60
        while True:
            workers = children(self.server.proc.pid)
            if len(workers) == 1 or time.monotonic() > give_up:
                return workers
            time.sleep(0.1)

    def attack(self, model, code, *words):
        """Verifies `model` against the registration: `code` naming `words`, then every check
        of the module docstring."""
        tables = harness.sqlite_snapshot(self.db)
        staged = harness.file_listing(self.server.data_dir, self.server.tmp_dir)
        self.assertRpcError(code, self.verify_model(self.models[model]), *words,
                            after=f"the {model} model")
        self.assertEqual(harness.sqlite_snapshot(self.db), tables, "the store is as it was")
        give_up = time.monotonic() + 20
        while (harness.file_listing(self.server.data_dir, self.server.tmp_dir) != staged
               and time.monotonic() < give_up):
            time.sleep(0.1)
        self.assertEqual(harness.file_listing(self.server.data_dir, self.server.tmp_dir),
                         staged, "no staged file is left")
        for where, target in self.targets.items():
            if where != "key":
                self.assertFalse(os.path.exists(target), f"{target} was written")
        self.assertEqual(digest(self.key_file), self.key_digest, "the signing key is untouched")
        workers = self.settled_workers()
        self.assertEqual(len(workers), 1, f"one idle worker and no other: {workers}")
        give_up = time.monotonic() + 20
        while True:  # a reaped worker's directory goes just after it
            worker_dirs = [d for d in os.listdir(self.server.tmp_dir)
                           if d.startswith("infip-worker-")]
            if len(worker_dirs) <= 1 or time.monotonic() > give_up:
                break
            time.sleep(0.1)
        self.assertEqual(len(worker_dirs), 1, f"only the idle worker's directory: {worker_dirs}")
        _, verdict = self.verify(self.registration.id, "vgg_like.pt")
        self.assertTrue(verdict.pirated, "a normal verification still works afterwards")


class ScannedServerTest(HostileCase):
    SERVER_ARGS = {"max_upload_bytes": MAX_UPLOAD, "extra_flags": SANDBOX_FLAGS}

    def test_every_setstate_model_is_refused_before_it_loads(self):
        for model in ("writes-data", "writes-tmp", "writes-key", "reads", "loops", "allocates"):
            with self.subTest(model=model):
                self.attack(model, Code.INVALID_ARGUMENT, "__setstate__")

    def test_a_zip_bomb_is_refused_before_it_expands(self):
        self.attack("bomb", Code.INVALID_ARGUMENT, "data/99")


class UnscannedServerTest(HostileCase):
    SERVER_ARGS = {"max_upload_bytes": MAX_UPLOAD,
                   "extra_flags": SANDBOX_FLAGS + ["--no-source-scan"]}

    def test_writing_a_file_anywhere_is_a_forbidden_operation(self):
        for where in ("data", "tmp", "key"):
            with self.subTest(target=where):
                self.attack(f"writes-{where}", Code.PERMISSION_DENIED,
                            "the model attempted a forbidden operation (openat)",
                            "loading the model")
        log = harness.read(self.server.log_path).decode(errors="replace")
        self.assertIn("forbidden system call openat", log, "a warning names the system call")

    def test_reading_the_signing_key_is_refused(self):
        landlock = subprocess.run([os.path.join(os.path.dirname(harness.SERVER_BIN),
                                                "infip-worker"), "--self-check"],
                                  capture_output=True, text=True)
        if "EACCES (Landlock)" not in landlock.stdout:
            self.skipTest("this kernel has no Landlock, the layer that stops reads outside the "
                          "worker's libraries:\n" + landlock.stdout)
        self.attack("reads", Code.INVALID_ARGUMENT, "signing-key.pem", "permission denied")

    def test_a_model_that_never_loads_is_killed_at_the_limit(self):
        start = time.monotonic()
        self.attack("loops", Code.DEADLINE_EXCEEDED, "loading the model took longer",
                    "--worker-load-timeout")
        self.assertLess(time.monotonic() - start, 90)

    def test_unbounded_allocation_hits_the_memory_limit(self):
        self.attack("allocates", Code.RESOURCE_EXHAUSTED, "--worker-memory")

    def test_a_zip_bomb_is_refused_before_it_expands(self):
        self.attack("bomb", Code.INVALID_ARGUMENT, "data/99")


class WorkerSelfCheckTest(unittest.TestCase):
    """TorchScript has no op that starts a process, opens a socket or traces another process,
    so no model can try; native code can, through a memory-safety bug in the loader. The
    shipped infip-worker's --self-check confines a child exactly as a job does and makes those
    calls: each must be stopped, the way the filter says."""

    def test_exec_fork_sockets_ptrace_and_signals_are_stopped(self):
        worker = os.path.join(os.path.dirname(harness.SERVER_BIN), "infip-worker")
        result = subprocess.run([worker, "--self-check"], capture_output=True, text=True,
                                timeout=harness.CALL_TIMEOUT)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        rows = {line.split()[0]: line for line in result.stdout.splitlines()[1:-1]}
        expected = {"exec": "execve", "fork": "clone", "socket-inet": "socket",
                    "connect": "connect", "ptrace": "ptrace", "kill-parent": "kill",
                    "write-file": "openat"}
        for probe, call in expected.items():
            with self.subTest(probe=probe):
                self.assertIn(probe, rows, result.stdout)
                self.assertRegex(rows[probe],
                                 rf"\bstopped\s+SIGSYS: forbidden syscall \d+ \({call}\)")


class HostileCliTest(harness.ServerTestCase):
    """`infip extract` runs models in the same confined worker; no server is needed, but the
    class keeps the harness's per-run directories."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.target = os.path.join(cls.work, "planted.pt")
        cls.secret = os.path.join(cls.work, "secret.pem")
        with open(cls.secret, "w") as f:
            f.write("-----BEGIN PRIVATE KEY-----\n" + "S" * 64 + "\n-----END PRIVATE KEY-----\n")
        cls.hostile = os.path.join(cls.work, "hostile")
        make_hostile(cls.hostile, cls.target, cls.secret)
        cls.keys_path = os.path.join(cls.work, "keys.npy")
        np.save(cls.keys_path, harness.fashion_keys(N_KEYS))
        cls.tmp = os.path.join(cls.work, "tmp")
        os.makedirs(cls.tmp)

    def extract(self, model, *flags):
        out = os.path.join(self.work, "out.infip")
        result = subprocess.run(
            [harness.CLI_BIN, "extract", "--model", os.path.join(self.hostile, model),
             "--keys", self.keys_path, "--low", "0", "--high", "1", "--out", out, *flags],
            capture_output=True, text=True, timeout=harness.CALL_TIMEOUT,
            env=dict(os.environ, TMPDIR=self.tmp))
        self.assertFalse(os.path.exists(self.target), "the hostile model wrote its file")
        self.assertEqual(os.listdir(self.tmp), [], "the worker's directory is removed")
        return result

    def test_the_benign_control_extracts(self):
        result = self.extract("benign.pt")
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_the_scan_refuses_setstate(self):
        result = self.extract("setstate_writes.pt")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("__setstate__", result.stderr)

    def test_confinement_stops_a_write(self):
        result = self.extract("setstate_writes.pt", "--no-source-scan")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("the model attempted a forbidden operation (openat)", result.stderr)

    def test_a_model_that_never_loads_is_killed(self):
        result = self.extract("setstate_loops.pt", "--no-source-scan", "--worker-timeout", "3")
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIn("loading the model took longer", result.stderr)

    def test_unbounded_allocation_hits_the_memory_limit(self):
        result = self.extract("setstate_allocates.pt", "--no-source-scan",
                              "--worker-memory", "2048")
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("more memory than a worker may use", result.stderr)

    def test_no_sandbox_is_what_it_says(self):
        # The control for the tests above: in-process, the same model really writes its file.
        result = subprocess.run(
            [harness.CLI_BIN, "extract", "--model",
             os.path.join(self.hostile, "setstate_writes.pt"), "--keys", self.keys_path,
             "--low", "0", "--high", "1", "--out", os.path.join(self.work, "x.infip"),
             "--no-sandbox"], capture_output=True, text=True, timeout=harness.CALL_TIMEOUT)
        self.assertTrue(os.path.exists(self.target), result.stderr)
        os.remove(self.target)


if __name__ == "__main__":
    harness.main()
