#!/usr/bin/python3
"""Bad input to infip-server: each case gets its canonical status with a message naming what
is wrong, and afterwards the server still serves (health SERVING and GetServerInfo answer),
the store's tables are exactly as before, and no staged model is left behind.

The server runs with --max-upload-bytes 2 MiB (the test models are 15..175 KiB) and one
allowed root for file:// handles.
"""
import os
import shutil
import time

import grpc
import numpy as np

import harness
from harness import pb

Code = grpc.StatusCode
N_KEYS = 4
MAX_UPLOAD = 2 * harness.MiB
WELL_FORMED_UNKNOWN = "reg_0123456789abcdef"


class BadInputTest(harness.ServerTestCase):
    SERVER_ARGS = {"max_upload_bytes": MAX_UPLOAD}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = harness.fashion_keys(N_KEYS)
        cls.npy = harness.npy_bytes(cls.keys)
        events = cls.server.stub.RegisterModel(harness.register_stream(
            "owner", "vgg", cls.npy, harness.read(harness.model_path("vgg_like.pt"))),
            timeout=harness.CALL_TIMEOUT)
        _, cls.registration = harness.drain(events, "registration")
        stores = cls.server.store_files()
        if len(stores) != 1:
            raise AssertionError(f"expected one SQLite store in the data dir, found {stores}")
        cls.db = stores[0]

    def setUp(self):
        self.tables_before = harness.sqlite_snapshot(self.db)
        self.files_before = self.staging_files()

    def tearDown(self):
        self.assertServing("the test")
        self.assertEqual(harness.sqlite_snapshot(self.db), self.tables_before,
                         "a refused request leaves every table of the store as it was")
        # The server may finish deleting a staged file just after it answered; a hung cleanup
        # fails after a bounded wait.
        give_up = time.monotonic() + 20
        while self.staging_files() != self.files_before and time.monotonic() < give_up:
            time.sleep(0.1)
        self.assertEqual(self.staging_files(), self.files_before, "no staged file left behind")

    def staging_files(self):
        """Files under the data dir (the store's own journal files aside) and TMPDIR."""
        files = harness.file_listing(self.server.data_dir, self.server.tmp_dir)
        return {f for f in files if not f.startswith(self.db)}

    # --- helpers ---------------------------------------------------------------------------

    def register_bytes(self, model, npy=None, **kwargs):
        return lambda: harness.drain(self.server.stub.RegisterModel(
            harness.register_stream("owner", "model", self.npy if npy is None else npy, model,
                                    **kwargs), timeout=harness.CALL_TIMEOUT), "registration")

    def register_file(self, model_file, keys=None, **kwargs):
        npy = None if keys is None else harness.npy_bytes(keys)
        return self.register_bytes(harness.read(harness.model_path(model_file)), npy, **kwargs)

    def verify_bytes(self, model, registration_id=None, **kwargs):
        return lambda: harness.drain(self.server.stub.Verify(
            harness.verify_stream(registration_id or self.registration.id, model, **kwargs),
            timeout=harness.CALL_TIMEOUT), "verdict")

    def verify_handle(self, uri, **kwargs):
        return self.verify_bytes(None, handle=uri, **kwargs)

    def raw_register(self, messages):
        return lambda: list(self.server.stub.RegisterModel(iter(messages),
                                                           timeout=harness.CALL_TIMEOUT))

    def raw_verify(self, messages):
        return lambda: list(self.server.stub.Verify(iter(messages), timeout=harness.CALL_TIMEOUT))

    # --- truncated and overlong streams ----------------------------------------------------

    def test_truncated_model_upload(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.register_bytes(model, declared_model=len(model) + 1000),
                            "truncated")
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.verify_bytes(model, declared=len(model) + 1), "truncated")

    def test_truncated_key_set(self):
        # The stream ends inside the key set.
        header = pb.RegisterModelHeader(
            owner="o", model_name="m", key_set=harness.key_set_info(self.npy),
            model=pb.ModelSource(upload_bytes=1000))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.raw_register([
            pb.RegisterModelRequest(header=header),
            pb.RegisterModelRequest(key_set_chunk=self.npy[:-64])]), "truncated")
        # Model bytes before the key set is complete.
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.register_bytes(model, declared_keys=len(self.npy) + 64),
                            "key set")

    def test_more_bytes_than_declared(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.verify_bytes(model, declared=len(model) - 100))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.register_bytes(model, declared_keys=len(self.npy) - 16))

    def test_stream_without_header(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.raw_verify([pb.VerifyRequest(model_chunk=model)]), "header")
        self.assertRpcError(Code.INVALID_ARGUMENT, self.raw_verify([]))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.raw_register([]))

    def test_two_headers(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        messages = list(harness.verify_stream(self.registration.id, model))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.raw_verify(messages[:1] + messages), "header")

    # --- models that do not load or do not fit ---------------------------------------------

    def test_corrupt_torchscript(self):
        rng = np.random.default_rng(7)
        noise = rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes()
        self.assertRpcError(Code.INVALID_ARGUMENT, self.register_bytes(noise))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.verify_bytes(noise))
        half = harness.read(harness.model_path("vgg_like.pt"))[:80_000]
        self.assertRpcError(Code.INVALID_ARGUMENT, self.verify_bytes(half))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.verify_bytes(b""))

    def test_keys_of_another_size(self):
        small = harness.fashion_keys(N_KEYS, size=16)
        self.assertRpcError(Code.FAILED_PRECONDITION, self.register_file("vgg_like.pt", small))
        rgb = harness.fashion_keys(N_KEYS, channels=3)
        self.assertRpcError(Code.FAILED_PRECONDITION, self.register_file("vgg_like.pt", rgb))
        # A 3-channel model against the 1x32x32 registration.
        self.assertRpcError(Code.FAILED_PRECONDITION,
                            self.verify_bytes(harness.read(harness.model_path("resnet_like.pt"))))

    def test_unsupported_op(self):
        model = harness.read(harness.model_path("unsupported_op.pt"))
        self.assertRpcError(Code.UNIMPLEMENTED, self.register_bytes(model), "sigmoid")
        self.assertRpcError(Code.UNIMPLEMENTED, self.verify_bytes(model), "sigmoid")

    # --- key sets and headers ----------------------------------------------------------------

    def test_bad_key_sets(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.register_bytes(model, b"not an npy file at all"))
        nan = self.keys.copy()
        nan[1, 0, 3, 3] = np.nan
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.register_bytes(model, harness.npy_bytes(nan)))
        as_int32 = harness.npy_bytes((self.keys * 255).astype(np.int32))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.register_bytes(model, as_int32))
        big_endian = harness.npy_bytes(self.keys.astype(">f4"))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.register_bytes(model, big_endian))
        rank3 = harness.npy_bytes(self.keys[:, 0])
        self.assertRpcError(Code.INVALID_ARGUMENT, self.register_bytes(model, rank3))
        no_keys = harness.npy_bytes(self.keys[:0])
        self.assertRpcError(Code.INVALID_ARGUMENT, self.register_bytes(model, no_keys))

    def test_bad_box(self):
        model = harness.read(harness.model_path("vgg_like.pt"))

        def with_box(low, high):
            header = pb.RegisterModelHeader(
                owner="o", model_name="m",
                key_set=pb.KeySetInfo(npy_bytes=len(self.npy), box_low=low, box_high=high),
                model=pb.ModelSource(upload_bytes=len(model)))
            return self.raw_register([pb.RegisterModelRequest(header=header),
                                      pb.RegisterModelRequest(key_set_chunk=self.npy),
                                      pb.RegisterModelRequest(model_chunk=model)])

        self.assertRpcError(Code.INVALID_ARGUMENT, with_box([1.0], [0.0]), "box")
        self.assertRpcError(Code.INVALID_ARGUMENT, with_box([0.0, 0.0], [1.0, 1.0]), "box")
        self.assertRpcError(Code.INVALID_ARGUMENT, with_box([], []), "box")

    def test_bad_header_fields(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        reg = lambda **kw: self.register_bytes(model, **kw)  # noqa: E731
        # An empty owner is the caller (docs/security.md); one that is not printable is refused.
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: harness.drain(
            self.server.stub.RegisterModel(harness.register_stream("o\nx", "m", self.npy, model)),
            "registration"), "owner")
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: harness.drain(
            self.server.stub.RegisterModel(harness.register_stream("o", "", self.npy, model)),
            "registration"), "model name")
        self.assertRpcError(Code.INVALID_ARGUMENT, reg(threshold=1.5), "threshold")
        self.assertRpcError(Code.INVALID_ARGUMENT, reg(composite="no-such-rule"), "no-such-rule")
        self.assertRpcError(Code.INVALID_ARGUMENT, reg(**{"lambda": -1.0}), "lambda")

    # --- fingerprint sets ----------------------------------------------------------------------

    def test_bad_fingerprint_sets(self):
        work = os.path.join(self.work, "fingerprints")
        path = harness.extract_locally("vgg_like.pt", self.keys, work)
        header, _ = harness.read_infip(path)
        data = harness.read(path)
        stub = self.server.stub

        def register(npy, infip, **kwargs):
            return lambda: stub.RegisterFingerprints(harness.register_fingerprints_stream(
                "owner", "set", npy, infip, header["preprocessing"], **kwargs),
                timeout=harness.CALL_TIMEOUT)

        self.assertRpcError(Code.INVALID_ARGUMENT,
                            register(self.npy, data, declared=len(data) + 10), "truncated")
        self.assertRpcError(Code.INVALID_ARGUMENT, register(self.npy, data[:-10] + bytes(10)))
        self.assertRpcError(Code.INVALID_ARGUMENT, register(self.npy, b"INFIPFS\n" + bytes(100)))
        # A set extracted on other keys of the same shape and count.
        other_keys = harness.npy_bytes(harness.fashion_keys(N_KEYS, offset=500))
        self.assertRpcError(Code.INVALID_ARGUMENT, register(other_keys, data))

    # --- ids ----------------------------------------------------------------------------------

    def test_unknown_registration(self):
        stub = self.server.stub
        model = harness.read(harness.model_path("vgg_like.pt"))
        self.assertRpcError(Code.NOT_FOUND, self.verify_bytes(model, WELL_FORMED_UNKNOWN),
                            WELL_FORMED_UNKNOWN)
        self.assertRpcError(Code.NOT_FOUND, lambda: stub.GetRegistration(
            pb.GetRegistrationRequest(id=WELL_FORMED_UNKNOWN)), WELL_FORMED_UNKNOWN)
        self.assertRpcError(Code.NOT_FOUND, lambda: stub.DeleteRegistration(
            pb.DeleteRegistrationRequest(id=WELL_FORMED_UNKNOWN)), WELL_FORMED_UNKNOWN)
        self.assertRpcError(Code.NOT_FOUND, lambda: list(stub.GetEvidence(
            pb.GetEvidenceRequest(registration_id=WELL_FORMED_UNKNOWN))), WELL_FORMED_UNKNOWN)
        self.assertRpcError(Code.NOT_FOUND, lambda: list(stub.GetEvidence(
            pb.GetEvidenceRequest(verdict_id="vrd_0123456789abcdef"))), "vrd_0123456789abcdef")

    def test_malformed_requests(self):
        stub = self.server.stub
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: stub.GetRegistration(
            pb.GetRegistrationRequest(id="../../etc/passwd")))
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: list(stub.GetEvidence(
            pb.GetEvidenceRequest())))
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: stub.ListRegistrations(
            pb.ListRegistrationsRequest(page_size=-1)), "page_size")
        self.assertRpcError(Code.INVALID_ARGUMENT, lambda: stub.ListRegistrations(
            pb.ListRegistrationsRequest(page_token="not a token")), "token")

    # --- sizes ----------------------------------------------------------------------------------

    def test_upload_over_the_cap(self):
        self.assertEqual(self.server.info().max_upload_bytes, MAX_UPLOAD)
        big = np.random.default_rng(3).integers(0, 256, MAX_UPLOAD + 1, dtype=np.uint8).tobytes()
        self.assertRpcError(Code.RESOURCE_EXHAUSTED, self.verify_bytes(big))
        self.assertRpcError(Code.RESOURCE_EXHAUSTED, self.register_bytes(big))
        # The same through a handle the server fetches itself.
        path = os.path.join(self.server.models_dir, "too-big.pt")
        with open(path, "wb") as f:
            f.write(big)
        self.assertRpcError(Code.RESOURCE_EXHAUSTED, self.verify_handle("file://" + path))

    def test_chunk_over_the_message_limit(self):
        limit = self.server.info().max_message_bytes
        self.assertGreater(limit, 0)
        # A key set in one message past the server's limit (far below the key-set cap), and
        # the same bytes in 1 MiB chunks, which go through.
        many = harness.fashion_keys((limit + harness.MiB) // (32 * 32 * 4) + 1)
        npy = harness.npy_bytes(many)
        self.assertGreater(len(npy), limit)
        model = harness.read(harness.model_path("unsupported_op.pt"))
        self.assertRpcError(Code.RESOURCE_EXHAUSTED,
                            self.register_bytes(model, npy, chunk=len(npy)))
        # Chunked, the upload is accepted and the model's own problem is what comes back.
        self.assertRpcError(Code.UNIMPLEMENTED, self.register_bytes(model, npy), "sigmoid")

    # --- remote handles -------------------------------------------------------------------------

    def test_handle_outside_allowed_roots(self):
        outside = harness.model_path("vgg_like.pt")
        self.assertRpcError(Code.PERMISSION_DENIED, self.verify_handle("file://" + outside))
        self.assertRpcError(Code.PERMISSION_DENIED, lambda: harness.drain(
            self.server.stub.RegisterModel(harness.register_stream(
                "o", "m", self.npy, handle="file://" + outside)), "registration"))
        link = os.path.join(self.server.models_dir, "link-out.pt")
        if not os.path.lexists(link):
            os.symlink(outside, link)
        self.assertRpcError(Code.PERMISSION_DENIED, self.verify_handle("file://" + link))
        dotdot = os.path.join(self.server.models_dir, "..", "..", os.path.basename(outside))
        self.assertRpcError(Code.PERMISSION_DENIED, self.verify_handle("file://" + dotdot))
        self.assertRpcError(Code.PERMISSION_DENIED,
                            self.verify_handle("https://models.example.org/x.pt"),
                            "models.example.org")

    def test_handle_inside_allowed_root(self):
        inside = os.path.join(self.server.models_dir, "copy.pt")
        shutil.copyfile(harness.model_path("vgg_like_traced.pt"), inside)
        _, verdict = self.verify_handle("file://" + inside)()
        self.assertEqual(verdict.suspect_sha256, harness.sha256sum(inside))
        self.assertTrue(verdict.pirated)
        # That verdict is recorded; from here on the refusals below must change nothing.
        self.tables_before = harness.sqlite_snapshot(self.db)
        missing = os.path.join(self.server.models_dir, "missing.pt")
        self.assertRpcError(Code.NOT_FOUND, self.verify_handle("file://" + missing))
        self.assertRpcError(Code.FAILED_PRECONDITION,
                            self.verify_handle("file://" + inside, sha256="0" * 64), "0" * 64)
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.verify_handle("file://" + inside, sha256="xyz"))
        self.assertRpcError(Code.INVALID_ARGUMENT,
                            self.verify_handle("file://" + self.server.models_dir))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.verify_handle("ftp://host/x.pt"))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.verify_handle("models/x.pt"))
        # A handle and uploaded bytes at once.
        header = pb.VerifyHeader(registration_id=self.registration.id, model=pb.ModelSource(
            handle=pb.RemoteHandle(uri="file://" + inside)))
        self.assertRpcError(Code.INVALID_ARGUMENT, self.raw_verify([
            pb.VerifyRequest(header=header),
            pb.VerifyRequest(model_chunk=harness.read(inside))]))


if __name__ == "__main__":
    harness.main()
