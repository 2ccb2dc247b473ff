#!/usr/bin/python3
"""The end-to-end harness: starts the real infip-server on a free loopback port with a fresh
data directory, talks to it through Python stubs generated from proto/ (an independent
client: grpcio, not infip's C++), and checks what comes back with tools that are not infip's
own (openssl, sha256sum, sqlite3, scikit-image, PIL, promtool).

The paths come from the environment, which tests/e2e/CMakeLists.txt sets for ctest:

  INFIP_E2E_SERVER  the infip-server binary       INFIP_E2E_CLI    the infip binary
  INFIP_E2E_STUBS   the generated Python stubs    INFIP_TESTDATA   the generated test models
  INFIP_E2E_WORK    where each run makes its own directory (run_dir())

A test file uses it like this:

  class MyTest(harness.ServerTestCase):
      def test_info(self):
          info = self.server.stub.GetServerInfo(harness.pb.GetServerInfoRequest())
          ...

Each ServerTestCase class gets its own server (setUpClass) and stops it with SIGTERM in
tearDownClass, where a non-zero exit status fails the class.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.request

import grpc
import numpy as np


def _env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"{name} is not set (tests/e2e/CMakeLists.txt sets it for ctest)")
    return value


SERVER_BIN = _env("INFIP_E2E_SERVER")
CLI_BIN = _env("INFIP_E2E_CLI")
TESTDATA = _env("INFIP_TESTDATA")
WORK = _env("INFIP_E2E_WORK")
sys.path.insert(0, _env("INFIP_E2E_STUBS"))

from infip.v1 import infip_pb2 as pb  # noqa: E402  (generated; path set just above)
from infip.v1 import infip_pb2_grpc as pb_grpc  # noqa: E402

MiB = 1 << 20
CHUNK = MiB  # the protocol's chunk size
FASHION_TEST = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
SERVICE = "infip.v1.Fingerprinting"
# Generous upper bounds for anything to happen at all (a hung server fails instead of
# blocking ctest); never an assertion about speed.
CALL_TIMEOUT = 120
START_TIMEOUT = 120
STOP_TIMEOUT = 60


_run_dir = None


def run_dir():
    """This process's own directory under INFIP_E2E_WORK. Two runs of one test file at once
    (two people's ctest in one build tree) never share files; the directory is removed when
    every test passed and kept, with its server logs, when one did not (main())."""
    global _run_dir
    if _run_dir is None:
        os.makedirs(WORK, exist_ok=True)
        _run_dir = tempfile.mkdtemp(prefix="run-", dir=WORK)
    return _run_dir


def model_path(name):
    """A test model, copied on first use from the shared testdata directory into this run's
    directory: the fixture that makes the models may run again for someone else's ctest while
    this file runs, and a model must have the same bytes when it is uploaded and when its
    digest is checked. The copy is written aside and renamed, so it is whole or absent."""
    models = os.path.join(run_dir(), "models")
    path = os.path.join(models, name)
    if not os.path.exists(path):
        os.makedirs(models, exist_ok=True)
        shutil.copyfile(os.path.join(TESTDATA, name), path + ".part")
        os.replace(path + ".part", path)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha256sum(path):
    """The digest as coreutils' sha256sum computes it (the tool an auditor would use)."""
    out = subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True).stdout
    return out.split()[0]


# --- key sets --------------------------------------------------------------------------------

def fashion_keys(n, offset=0, size=32, channels=1):
    """n Fashion-MNIST test images as float32 n x channels x size x size in [0, 1]: the 28 x 28
    images zero-padded to 32 x 32 (or cropped to a smaller size), gray repeated per channel."""
    with gzip.open(FASHION_TEST, "rb") as f:
        raw = f.read()
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    assert magic == 2051 and rows == 28 and cols == 28, "not an IDX image file"
    assert offset + n <= count
    images = np.frombuffer(raw[16:], dtype=np.uint8).reshape(count, 28, 28)[offset:offset + n]
    images = images.astype(np.float32) / np.float32(255.0)
    out = np.zeros((n, size, size), dtype=np.float32)
    if size >= 28:
        p = (size - 28) // 2
        out[:, p:p + 28, p:p + 28] = images
    else:
        p = (28 - size) // 2
        out[:] = images[:, p:p + size, p:p + size]
    return np.ascontiguousarray(np.repeat(out[:, None], channels, axis=1))


def npy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def key_set_sha256(array):
    """The key-set digest as docs/store.md defines it: SHA-256 of the shape line
    "N,C,H,W\\n" and then the float32 values, little-endian, in C order."""
    h = hashlib.sha256()
    h.update((",".join(str(d) for d in array.shape) + "\n").encode())
    h.update(np.ascontiguousarray(array, dtype="<f4").tobytes())
    return h.hexdigest()


def key_set_info(npy, low=0.0, high=1.0, declared=None):
    return pb.KeySetInfo(npy_bytes=len(npy) if declared is None else declared,
                         box_low=[low], box_high=[high], preprocessing="e2e: fashion-mnist/255")


# --- fingerprint sets made locally --------------------------------------------------------

def extract_locally(model_file, keys, work, name=None):
    """`infip extract` of a test model on `keys` (as .npy, box [0, 1]); returns the .infip path."""
    os.makedirs(work, exist_ok=True)
    name = name or model_file
    keys_path = os.path.join(work, name + ".keys.npy")
    np.save(keys_path, keys)
    out = os.path.join(work, name + ".infip")
    subprocess.run([CLI_BIN, "extract", "--model", model_path(model_file), "--keys", keys_path,
                    "--low", "0", "--high", "1", "--out", out],
                   check=True, capture_output=True, timeout=CALL_TIMEOUT)
    return out


def read_infip(path):
    """A .infip file read by its specification (docs/infip-format.md), not by infip's code:
    returns (header dict, fingerprints as N x H x W uint8)."""
    data = read(path)
    assert data[:8] == b"INFIPFS\n", "magic"
    version, header_len = np.frombuffer(data[8:16], dtype="<u4")
    assert version == 1
    header = {}
    for line in data[16:16 + header_len].decode().splitlines():
        key, _, value = line.partition(": ")
        header[key] = value
    offset = 16 + int(header_len)
    sections = {}
    for section in header["sections"].split(","):
        size = int(header[f"section.{section}.bytes"])
        sections[section] = data[offset:offset + size]
        offset += size
    shape = [int(d) for d in header["section.fingerprints.shape"].split(",")]
    fingerprints = np.frombuffer(sections["fingerprints"], dtype=np.uint8).reshape(shape)
    return header, fingerprints


def register_fingerprints_stream(owner, model_name, npy, infip, preprocessing, *,
                                 declared=None, threshold=None, chunk=CHUNK):
    header = pb.RegisterFingerprintsHeader(
        owner=owner, model_name=model_name,
        key_set=pb.KeySetInfo(npy_bytes=len(npy), box_low=[0.0], box_high=[1.0],
                              preprocessing=preprocessing),
        fingerprints_bytes=len(infip) if declared is None else declared)
    if threshold is not None:
        header.threshold = threshold
    yield pb.RegisterFingerprintsRequest(header=header)
    for c in chunks(npy, chunk):
        yield pb.RegisterFingerprintsRequest(key_set_chunk=c)
    for c in chunks(infip, chunk):
        yield pb.RegisterFingerprintsRequest(fingerprints_chunk=c)


# --- request streams -------------------------------------------------------------------------

def chunks(data, size=CHUNK):
    return [data[i:i + size] for i in range(0, len(data), size)]


def model_source(model=None, handle=None, name="", declared=None, sha256=""):
    if handle is not None:
        return pb.ModelSource(handle=pb.RemoteHandle(uri=handle, sha256=sha256), name=name)
    return pb.ModelSource(upload_bytes=len(model) if declared is None else declared, name=name)


def register_stream(owner, model_name, npy, model=None, handle=None, *, declared_model=None,
                    declared_keys=None, threshold=None, chunk=CHUNK, **header_fields):
    header = pb.RegisterModelHeader(
        owner=owner, model_name=model_name, key_set=key_set_info(npy, declared=declared_keys),
        model=model_source(model, handle, declared=declared_model), **header_fields)
    if threshold is not None:
        header.threshold = threshold
    yield pb.RegisterModelRequest(header=header)
    for c in chunks(npy, chunk):
        yield pb.RegisterModelRequest(key_set_chunk=c)
    for c in chunks(model or b"", chunk):
        yield pb.RegisterModelRequest(model_chunk=c)


def verify_stream(registration_id, model=None, handle=None, *, name="", declared=None,
                  sha256="", chunk=CHUNK):
    yield pb.VerifyRequest(header=pb.VerifyHeader(
        registration_id=registration_id,
        model=model_source(model, handle, name, declared, sha256)))
    for c in chunks(model or b"", chunk):
        yield pb.VerifyRequest(model_chunk=c)


def screen_stream(model=None, handle=None, *, owner="", name="", chunk=CHUNK):
    yield pb.ScreenRequest(header=pb.ScreenHeader(model=model_source(model, handle, name),
                                                  owner=owner))
    for c in chunks(model or b"", chunk):
        yield pb.ScreenRequest(model_chunk=c)


def drain(events, final_field):
    """Reads a server stream of Progress events ending in one `final_field` message; checks
    the shape of the stream and returns (progress list, final message)."""
    progress, finals = [], []
    for event in events:
        kind = event.WhichOneof("event")
        if kind == "progress":
            if finals:
                raise AssertionError("a Progress event came after the final message")
            progress.append(event.progress)
        elif kind == final_field:
            finals.append(getattr(event, final_field))
        else:
            raise AssertionError(f"unexpected event {kind!r} in a stream ending in {final_field}")
    if len(finals) != 1:
        raise AssertionError(f"expected exactly one {final_field}, got {len(finals)}")
    return progress, finals[0]


# --- raw calls for services whose protos Debian's Python does not ship ----------------------

def _varint(value):
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_string_field(number, text):
    data = text.encode()
    return _varint(number << 3 | 2) + _varint(len(data)) + data


def decode_fields(data):
    """Protobuf wire format -> [(field number, value)], value an int (varint) or bytes
    (length-delimited); enough for the health and reflection replies."""
    fields, i = [], 0
    while i < len(data):
        key, i = _read_varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _read_varint(data, i)
        elif wire == 2:
            length, i = _read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError(f"wire type {wire} in field {number}")
        fields.append((number, value))
    return fields


def _read_varint(data, i):
    shift = value = 0
    while True:
        b = data[i]
        i += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, i
        shift += 7


HEALTH_SERVING = 1


def health_status(channel, service="", timeout=5):
    """grpc.health.v1.Health/Check, hand-encoded: the request is field 1 (service name), the
    reply's field 1 the serving status enum (SERVING = 1; absent means UNKNOWN = 0)."""
    check = channel.unary_unary("/grpc.health.v1.Health/Check")
    request = encode_string_field(1, service) if service else b""
    reply = check(request, timeout=timeout)
    status = [v for n, v in decode_fields(reply) if n == 1]
    return status[-1] if status else 0


def reflection_call(channel, request_bytes, timeout=10):
    """One request on the reflection stream (v1alpha, which gRPC C++ registers, else v1);
    returns the decoded reply fields."""
    last_error = None
    for version in ("v1alpha", "v1"):
        method = channel.stream_stream(
            f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo")
        try:
            replies = list(method(iter([request_bytes]), timeout=timeout))
        except grpc.RpcError as e:
            if e.code() == grpc.StatusCode.UNIMPLEMENTED:
                last_error = e
                continue
            raise
        if len(replies) != 1:
            raise AssertionError(f"reflection answered {len(replies)} messages to one request")
        return decode_fields(replies[0])
    raise last_error


# --- envelopes -------------------------------------------------------------------------------

def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def openssl_verify(envelope_json, public_key_pem, work):
    """Checks a DSSE envelope with nothing but openssl: the Ed25519 signature over
    PAE(payloadType, payload). Returns (statement dict, envelope dict); raises when openssl
    does not say the signature verifies."""
    os.makedirs(work, exist_ok=True)
    envelope = json.loads(envelope_json)
    payload = base64.b64decode(envelope["payload"], validate=True)
    sig = base64.b64decode(envelope["signatures"][0]["sig"], validate=True)
    paths = {name: os.path.join(work, name) for name in ("pae.bin", "sig.bin", "pub.pem")}
    with open(paths["pae.bin"], "wb") as f:
        f.write(pae(envelope["payloadType"], payload))
    with open(paths["sig.bin"], "wb") as f:
        f.write(sig)
    with open(paths["pub.pem"], "w") as f:
        f.write(public_key_pem)
    proc = subprocess.run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", paths["pub.pem"],
                           "-rawin", "-in", paths["pae.bin"], "-sigfile", paths["sig.bin"]],
                          capture_output=True, text=True)
    if proc.returncode != 0 or "Signature Verified Successfully" not in proc.stdout:
        raise AssertionError(f"openssl does not verify the envelope: {proc.stdout}{proc.stderr}")
    return json.loads(payload), envelope


def openssl_key_id(public_key_pem, work):
    """The key id infip puts in envelopes: SHA-256 of the raw 32-byte Ed25519 public key,
    which is the tail of the DER SubjectPublicKeyInfo (docs/verdicts.md)."""
    path = os.path.join(work, "keyid.pem")
    with open(path, "w") as f:
        f.write(public_key_pem)
    der = subprocess.run(["openssl", "pkey", "-pubin", "-in", path, "-outform", "DER"],
                         check=True, capture_output=True).stdout
    return hashlib.sha256(der[-32:]).hexdigest()


# --- looking at the server's files -----------------------------------------------------------

def find_sqlite_files(directory):
    found = []
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            try:
                with open(path, "rb") as f:
                    if f.read(16) == b"SQLite format 3\x00":
                        found.append(path)
            except OSError:
                pass
    return found


def sqlite_snapshot(path):
    """Every row of every table, read through a read-only connection: {table: sorted rows}."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        # Blobs by digest, so that a difference reads as which row changed, not as kilobytes.
        digest = lambda v: "sha256:" + hashlib.sha256(v).hexdigest() \
            if isinstance(v, bytes) else v  # noqa: E731
        return {t: sorted((tuple(digest(v) for v in row)
                           for row in db.execute(f'SELECT * FROM "{t}"')), key=repr)
                for t in tables}
    finally:
        db.close()


def file_listing(*directories):
    """The set of regular files under the directories (paths), to spot staged leftovers."""
    out = set()
    for d in directories:
        for root, _, files in os.walk(d):
            out.update(os.path.join(root, f) for f in files)
    return out


# --- the server process ----------------------------------------------------------------------

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 64 * MiB),
                   ("grpc.max_send_message_length", 64 * MiB)]


class Server:
    """One infip-server process with its own directories:

      <dir>/data     --data-dir (store, signing key)
      <dir>/tmp      TMPDIR of the process, so any staging outside the data dir is seen too
      <dir>/models   the one allowed root for file:// handles
      <dir>/server.log  its stdout and stderr

    With `credentials` (grpc.ssl_channel_credentials) the harness's own channel talks TLS, and
    `metadata` (e.g. a bearer token) goes with its GetServerInfo calls: for servers started
    with TLS or an access file (docs/security.md). Health needs neither.
    """

    def __init__(self, name, max_upload_bytes=None, extra_flags=(), credentials=None,
                 metadata=()):
        self.dir = os.path.join(run_dir(), name)
        self.data_dir = os.path.join(self.dir, "data")
        self.tmp_dir = os.path.join(self.dir, "tmp")
        self.models_dir = os.path.join(self.dir, "models")
        for d in (self.data_dir, self.tmp_dir, self.models_dir):
            os.makedirs(d)
        self.max_upload_bytes = max_upload_bytes
        self.metadata = tuple(metadata)
        # Port 0: the kernel picks free ports and the server's start line names them
        # (docs/server.md), so concurrent runs never race for a port.
        self.argv = [SERVER_BIN,
                     "--listen", "127.0.0.1:0",
                     "--metrics-listen", "127.0.0.1:0",
                     "--data-dir", self.data_dir,
                     "--allowed-root", self.models_dir]
        if max_upload_bytes is not None:
            self.argv += ["--max-upload-bytes", str(max_upload_bytes)]
        self.argv += list(extra_flags)
        self.log_path = os.path.join(self.dir, "server.log")
        self._log = open(self.log_path, "wb")
        print("$", " ".join(self.argv), flush=True)
        try:
            self.proc = subprocess.Popen(self.argv, stdout=self._log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL,
                                         env=dict(os.environ, TMPDIR=self.tmp_dir))
        except OSError:
            self._log.close()
            raise
        give_up = time.monotonic() + START_TIMEOUT
        self.port, self.metrics_port = self._wait_ports(give_up)
        self.address = f"127.0.0.1:{self.port}"
        if credentials is not None:
            self.channel = grpc.secure_channel(self.address, credentials, options=CHANNEL_OPTIONS)
        else:
            self.channel = grpc.insecure_channel(self.address, options=CHANNEL_OPTIONS)
        self.stub = pb_grpc.FingerprintingStub(self.channel)
        self._wait_serving(give_up)

    GRPC_PORT_LINE = re.compile(rb"serving infip\.v1\.Fingerprinting on \S+ \(port (\d+)\)")
    METRICS_PORT_LINE = re.compile(rb"metrics on \S+ \(port (\d+)\)")

    def _check_alive(self):
        if self.proc.poll() is not None:
            self._log.close()
            raise AssertionError(f"infip-server exited with {self.proc.returncode} while "
                                 f"starting\n{self.log_tail()}")

    def _wait_ports(self, give_up):
        """The ports the server bound, from its start lines."""
        while time.monotonic() < give_up:
            self._check_alive()
            with open(self.log_path, "rb") as f:
                text = f.read()
            grpc_port = self.GRPC_PORT_LINE.search(text)
            metrics_port = self.METRICS_PORT_LINE.search(text)
            if grpc_port and metrics_port:
                return int(grpc_port.group(1)), int(metrics_port.group(1))
            time.sleep(0.1)
        self.kill()
        raise AssertionError(f"infip-server did not log its ports within {START_TIMEOUT} s\n"
                             f"{self.log_tail()}")

    def _wait_serving(self, give_up):
        last = None
        while time.monotonic() < give_up:
            self._check_alive()
            try:
                status = health_status(self.channel, timeout=2)
                if status == HEALTH_SERVING:
                    return
                last = f"health status {status}"
            except grpc.RpcError as e:
                last = f"{e.code().name}: {e.details()}"
            time.sleep(0.2)
        self.kill()
        raise AssertionError(f"infip-server not SERVING after {START_TIMEOUT} s (last: {last})\n"
                             f"{self.log_tail()}")

    def serving(self):
        """Health SERVING and a GetServerInfo answered: the server is alive and well."""
        if self.proc.poll() is not None:
            return f"the server process exited with {self.proc.returncode}"
        try:
            status = health_status(self.channel)
            if status != HEALTH_SERVING:
                return f"health status {status}"
            self.stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=10,
                                    metadata=self.metadata)
        except grpc.RpcError as e:
            return f"{e.code().name}: {e.details()}"
        return None

    def info(self):
        return self.stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=CALL_TIMEOUT,
                                       metadata=self.metadata)

    def metrics(self):
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.read().decode()

    def store_files(self):
        return find_sqlite_files(self.data_dir)

    def stop(self):
        """SIGTERM, then the exit status (None if it had to be killed)."""
        self.channel.close()
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
                return None
        self._log.close()
        return self.proc.returncode

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()

    def log_tail(self, lines=40):
        if not self._log.closed:
            self._log.flush()
        with open(self.log_path, "rb") as f:
            text = f.read().decode(errors="replace").splitlines()
        return "--- server log (tail) ---\n" + "\n".join(text[-lines:])


class ServerTestCase(unittest.TestCase):
    """A test class with its own server. Subclasses may set SERVER_ARGS (kwargs of Server)."""
    SERVER_ARGS = {}
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.work = os.path.join(run_dir(), cls.__name__ + ".work")
        os.makedirs(cls.work)
        cls.server = Server(cls.__name__, **cls.SERVER_ARGS)
        # Runs even when a subclass's setUpClass fails after this point (then tearDownClass
        # does not): no server outlives its test file.
        cls.addClassCleanup(cls.server.kill)

    @classmethod
    def tearDownClass(cls):
        rc = cls.server.stop()
        if rc != 0:
            raise AssertionError(f"infip-server did not exit 0 on SIGTERM (exit {rc})\n"
                                 f"{cls.server.log_tail()}")

    def assertServing(self, after=""):
        problem = self.server.serving()
        if problem:
            self.fail(f"the server stopped serving{' after ' + after if after else ''}: "
                      f"{problem}\n{self.server.log_tail()}")

    def assertRpcError(self, code, call, *words, after=None):
        """`call()` fails with `code`, its message names every word (case-insensitive), and
        the server still serves afterwards. Returns the error."""
        try:
            result = call()
            if hasattr(result, "__iter__") and not isinstance(result, (bytes, str)):
                result = list(result)
        except grpc.RpcError as e:
            self.assertEqual(e.code(), code,
                             f"expected {code.name}, got {e.code().name}: {e.details()}")
            details = e.details() or ""
            for w in words:
                self.assertIn(w.lower(), details.lower(),
                              f"the {code.name} message does not name {w!r}: {details!r}")
            self.assertServing(after or f"a {code.name} ({details})")
            return e
        self.fail(f"expected {code.name}, but the call succeeded: {result!r}"[:2000])

    def register(self, owner, model_name, keys, model_file, **kwargs):
        """Registers a test model by upload; returns (progress, Registration)."""
        events = self.server.stub.RegisterModel(
            register_stream(owner, model_name, npy_bytes(keys), read(model_path(model_file)),
                            **kwargs), timeout=CALL_TIMEOUT)
        return drain(events, "registration")

    def verify(self, registration_id, model_file=None, **kwargs):
        model = read(model_path(model_file)) if model_file else None
        kwargs.setdefault("name", model_file or "")
        events = self.server.stub.Verify(verify_stream(registration_id, model, **kwargs),
                                         timeout=CALL_TIMEOUT)
        return drain(events, "verdict")

    def screen(self, model_file, owner=""):
        events = self.server.stub.Screen(
            screen_stream(read(model_path(model_file)), owner=owner, name=model_file),
            timeout=CALL_TIMEOUT)
        return drain(events, "result")


class Gate:
    """A request stream that sends `before`, then waits until released (or the call ends);
    lets a test cancel a call or kill a client mid-upload at a known point."""

    def __init__(self, before, after=()):
        self.before, self.after = list(before), list(after)
        self.sent = threading.Event()
        self.release = threading.Event()

    def __iter__(self):
        yield from self.before
        self.sent.set()
        self.release.wait(CALL_TIMEOUT)
        yield from self.after


def main():
    program = unittest.main(verbosity=2, exit=False)
    passed = program.result.wasSuccessful()
    if _run_dir is not None:
        if passed:
            shutil.rmtree(_run_dir, ignore_errors=True)
        else:
            print(f"the files of this run (server logs, data dirs) are kept in {_run_dir}")
    sys.exit(0 if passed else 1)
