#!/usr/bin/python3
"""infip-server through an independent gRPC client (Python grpcio, stubs generated from
proto/): register, verify a pirated copy and an independent model, screen, evidence, list,
get, delete, file:// handles. Every signed statement is checked with openssl and
`infip verdict verify`; every per-key SSIM against scikit-image on the evidence PNGs.

Test models (tools/testmodels/make_models.py): vgg_like_permuted.pt and vgg_like_rescaled.pt
compute the same function as vgg_like_nobias.pt (channels permuted; a layer x3 and the next
x1/3), and vgg_like_traced.pt is vgg_like.pt traced instead of scripted: copies, ASSIM about
1. vgg_like_other.pt is vgg_like with other random weights: an unrelated model.
"""
import base64
import json
import os
import shutil
import subprocess
import time

import grpc
import numpy as np

import harness
from harness import pb
from verdict_checks import VerdictChecks, load_json_line

N_KEYS = 8
COPY_ASSIM = 0.99  # function-preserving copies: ASSIM 1 up to rounding of the fingerprints


class ApiTest(VerdictChecks, harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = harness.fashion_keys(N_KEYS)
        cls.rgb_keys = harness.fashion_keys(N_KEYS, offset=100, channels=3)
        t0 = time.time()
        register = cls.register_model
        cls.nobias_progress, cls.nobias = register("alice", "vgg-nobias", cls.keys,
                                                   "vgg_like_nobias.pt")
        _, cls.vgg = register("bob", "vgg", cls.keys, "vgg_like.pt", threshold=0.9)
        _, cls.resnet = register("carol", "resnet", cls.rgb_keys, "resnet_like.pt")
        cls.registered_between = (t0, time.time())
        cls.all_registrations = [cls.nobias, cls.vgg, cls.resnet]

    @classmethod
    def register_model(cls, owner, name, keys, model_file, **kwargs):
        events = cls.server.stub.RegisterModel(
            harness.register_stream(owner, name, harness.npy_bytes(keys),
                                    harness.read(harness.model_path(model_file)), **kwargs),
            timeout=harness.CALL_TIMEOUT)
        return harness.drain(events, "registration")

    # --- server info and registrations ----------------------------------------------------

    def test_server_info(self):
        info = self.server.info()
        self.assertTrue(info.version)
        self.assertTrue(info.engine_version)
        self.assertTrue(info.device == "cpu" or info.device.startswith("cuda"), info.device)
        self.assertIn("dtd", info.composites)
        self.assertEqual(info.default_composite, "dtd")
        self.assertEqual(info.default_lambda, 5000.0)
        self.assertEqual(info.default_threshold, 0.85)
        self.assertTrue(info.public_key_pem.startswith("-----BEGIN PUBLIC KEY-----"))
        self.assertEqual(info.key_id, harness.openssl_key_id(info.public_key_pem, self.work))
        self.assertGreater(info.max_upload_bytes, 0)
        self.assertGreaterEqual(info.max_message_bytes, harness.CHUNK,
                                "the server takes the protocol's 1 MiB chunks")
        self.assertEqual(info.store, "sqlite")
        listed = self.server.stub.ListRegistrations(pb.ListRegistrationsRequest(page_size=1000))
        self.assertEqual(info.registrations, len(listed.registrations))

    def test_registration_and_receipt(self):
        self.check_receipt(self.nobias, harness.model_path("vgg_like_nobias.pt"), self.keys,
                           "alice", "vgg-nobias")
        self.check_receipt(self.vgg, harness.model_path("vgg_like.pt"), self.keys, "bob", "vgg")
        self.check_receipt(self.resnet, harness.model_path("resnet_like.pt"), self.rgb_keys,
                           "carol", "resnet")
        # Defaults when the header leaves them unset; the threshold when it sets one.
        for r in self.all_registrations:
            self.assertEqual(r.composite, "dtd")
            self.assertEqual(getattr(r, "lambda"), 5000.0)
            self.assertEqual(r.lambda_scaling, pb.LAMBDA_SCALING_RESOLUTION)
        self.assertEqual(self.nobias.threshold, 0.85)
        self.assertEqual(self.vgg.threshold, 0.9)
        # One key set, one digest, whichever model it was registered with.
        self.assertEqual(self.nobias.key_set_sha256, self.vgg.key_set_sha256)
        self.assertNotEqual(self.nobias.fingerprints_sha256, self.vgg.fingerprints_sha256)
        ids = [r.id for r in self.all_registrations]
        self.assertEqual(len(set(ids)), len(ids))
        t0, t1 = self.registered_between
        for r in self.all_registrations:
            created = r.created.seconds + r.created.nanos * 1e-9
            self.assertTrue(t0 - 2 <= created <= t1 + 2,
                            f"created {created} is not when it was registered ({t0}..{t1})")

    def test_registration_receipt_verifies_with_cli(self):
        proc = self.cli_verdict_verify(self.nobias.receipt, "receipt")
        self.assertIn(self.nobias.id, proc.stdout)

    def test_register_progress(self):
        upload = len(harness.npy_bytes(self.keys)) + \
            len(harness.read(harness.model_path("vgg_like_nobias.pt")))
        stages = []
        for p in self.nobias_progress:
            self.assertNotEqual(p.stage, pb.STAGE_UNSPECIFIED)
            if p.total > 0:
                self.assertLessEqual(p.done, p.total, str(p))
            if p.stage == pb.STAGE_EXTRACTING:
                self.assertEqual(p.total, N_KEYS, "extraction counts keys")
            if p.stage == pb.STAGE_RECEIVING:
                self.assertEqual(p.total, upload, "receiving counts the bytes uploaded")
            stages.append(p.stage)
        self.assertEqual(stages, sorted(stages), "stages in the order work is done")
        for stage in (pb.STAGE_RECEIVING, pb.STAGE_EXTRACTING, pb.STAGE_SIGNING):
            self.assertIn(stage, stages, pb.Stage.Name(stage))
        done = [p for p in self.nobias_progress if p.stage == pb.STAGE_EXTRACTING]
        self.assertEqual(done[-1].done, N_KEYS, "extraction ends with every key explained")

    def test_get_registration(self):
        for r in self.all_registrations:
            got = self.server.stub.GetRegistration(pb.GetRegistrationRequest(id=r.id))
            self.assertEqual(got, r, "GetRegistration returns what RegisterModel did")

    def test_list_registrations(self):
        stub = self.server.stub
        listed = stub.ListRegistrations(pb.ListRegistrationsRequest()).registrations
        self.assertEqual([r.id for r in listed], [r.id for r in self.all_registrations],
                         "oldest first")
        for got, want in zip(listed, self.all_registrations):
            self.assertEqual(got.receipt, "", "listings carry no receipts")
            without_receipt = pb.Registration()
            without_receipt.CopyFrom(want)
            without_receipt.receipt = ""
            self.assertEqual(got, without_receipt)
        # Pages of one, chained by tokens, give the same listing.
        ids, token = [], ""
        for _ in range(10):
            page = stub.ListRegistrations(pb.ListRegistrationsRequest(page_size=1,
                                                                      page_token=token))
            self.assertLessEqual(len(page.registrations), 1)
            ids += [r.id for r in page.registrations]
            token = page.next_page_token
            if not token:
                break
        self.assertEqual(ids, [r.id for r in self.all_registrations])
        by_owner = stub.ListRegistrations(pb.ListRegistrationsRequest(owner="bob"))
        self.assertEqual([r.id for r in by_owner.registrations], [self.vgg.id])
        by_shape = stub.ListRegistrations(pb.ListRegistrationsRequest(
            input_shape=pb.InputShape(channels=3, height=32, width=32)))
        self.assertEqual([r.id for r in by_shape.registrations], [self.resnet.id])
        nobody = stub.ListRegistrations(pb.ListRegistrationsRequest(owner="nobody"))
        self.assertEqual(list(nobody.registrations), [])
        self.assertEqual(nobody.next_page_token, "")

    # --- verification ----------------------------------------------------------------------

    def test_verify_permuted_copy(self):
        progress, v = self.verify(self.nobias.id, "vgg_like_permuted.pt")
        self.check_verdict(v, self.nobias, harness.model_path("vgg_like_permuted.pt"))
        self.assertGreaterEqual(v.assim, COPY_ASSIM)
        self.assertTrue(v.pirated)
        self.assertTrue(progress, "Verify reports progress before its verdict")
        self.cli_verdict_verify(v.envelope, "permuted")

    def test_tampered_verdict_is_refused(self):
        """The signature binds the numbers: a verdict edited after signing fails both openssl
        and `infip verdict verify` (exit 3)."""
        _, v = self.verify(self.vgg.id, "vgg_like_other.pt")
        envelope = json.loads(v.envelope)
        statement = json.loads(base64.b64decode(envelope["payload"]))
        statement["predicate"]["assim"] = 0.99
        statement["predicate"]["pirated"] = statement["predicate"]["assim"] >= v.threshold
        envelope["payload"] = base64.b64encode(json.dumps(
            statement, sort_keys=True, separators=(",", ":")).encode()).decode()
        forged = json.dumps(envelope, sort_keys=True, separators=(",", ":"))
        with self.assertRaises(AssertionError):
            harness.openssl_verify(forged, self.server.info().public_key_pem,
                                   os.path.join(self.work, "forged"))
        proc = self.cli_verdict_verify(forged, "forged", expect=3)
        self.assertIn("signature", proc.stderr.lower())

    def test_verify_rescaled_copy(self):
        _, v = self.verify(self.nobias.id, "vgg_like_rescaled.pt")
        self.check_verdict(v, self.nobias, harness.model_path("vgg_like_rescaled.pt"))
        self.assertGreaterEqual(v.assim, COPY_ASSIM)
        self.assertTrue(v.pirated)

    def test_verify_traced_copy(self):
        _, v = self.verify(self.vgg.id, "vgg_like_traced.pt")
        self.check_verdict(v, self.vgg, harness.model_path("vgg_like_traced.pt"))
        self.assertGreaterEqual(v.assim, COPY_ASSIM)
        self.assertTrue(v.pirated)
        self.assertEqual(v.threshold, 0.9, "the registration's own T")

    def test_verify_registered_model_itself(self):
        _, v = self.verify(self.vgg.id, "vgg_like.pt", name="the-original.pt")
        self.check_verdict(v, self.vgg, harness.model_path("vgg_like.pt"),
                           suspect_name="the-original.pt")
        for s in v.per_key_ssim:
            self.assertAlmostEqual(s, 1.0, delta=1e-9, msg="identical fingerprints")

    def test_verify_independent_model(self):
        _, copy = self.verify(self.vgg.id, "vgg_like_traced.pt")
        _, v = self.verify(self.vgg.id, "vgg_like_other.pt")
        self.check_verdict(v, self.vgg, harness.model_path("vgg_like_other.pt"))
        print(f"ASSIM of the independent model: {v.assim:.4f} "
              f"[{v.ci_low:.4f}, {v.ci_high:.4f}], T {v.threshold}")
        self.assertLess(v.assim, copy.assim - 0.05, "an unrelated model matches less")
        self.assertFalse(v.pirated)
        self.cli_verdict_verify(v.envelope, "other")

    def test_verdict_agrees_with_local_extraction(self):
        """The same keys and settings through the CLI's local extract + compare give the
        server's ASSIM: the service adds transport, not different maths."""
        _, v = self.verify(self.vgg.id, "vgg_like_other.pt")
        work = os.path.join(self.work, "local")
        os.makedirs(work, exist_ok=True)
        keys = os.path.join(work, "keys.npy")
        np.save(keys, self.keys)
        for model in ("vgg_like.pt", "vgg_like_other.pt"):
            subprocess.run([harness.CLI_BIN, "extract", "--model", harness.model_path(model),
                            "--keys", keys, "--low", "0", "--high", "1",
                            "--out", os.path.join(work, model + ".infip")],
                           check=True, capture_output=True, timeout=harness.CALL_TIMEOUT)
        proc = subprocess.run([harness.CLI_BIN, "compare",
                               os.path.join(work, "vgg_like.pt.infip"),
                               os.path.join(work, "vgg_like_other.pt.infip"),
                               "--threshold", "0.9", "--json"],
                              check=True, capture_output=True, text=True)
        local = load_json_line(proc.stdout)
        self.assertAlmostEqual(local["assim"], v.assim, delta=1e-9)
        np.testing.assert_allclose(local["ssim"], list(v.per_key_ssim), atol=1e-9)
        self.assertEqual(local["key_set_sha256"], self.vgg.key_set_sha256)

    def test_verify_by_file_handle(self):
        """A file:// handle under the server's allowed root works like an upload; its name
        defaults to the handle's last path segment."""
        path = os.path.join(self.server.models_dir, "suspect-by-handle.pt")
        shutil.copyfile(harness.model_path("vgg_like_permuted.pt"), path)
        _, v = self.verify(self.nobias.id, handle="file://" + path, name="")
        self.check_verdict(v, self.nobias, path, suspect_name="suspect-by-handle.pt")
        self.assertTrue(v.pirated)
        # With the right pin too.
        _, pinned = self.verify(self.nobias.id, handle="file://" + path, name="",
                                sha256=harness.sha256sum(path))
        self.assertEqual(pinned.assim, v.assim)
        self.assertTrue(os.path.exists(path), "the server leaves the operator's file alone")

    def test_verify_default_upload_name(self):
        _, v = self.verify(self.nobias.id, "vgg_like_permuted.pt", name="")
        self.assertEqual(v.suspect_name, "suspect.pt")

    # --- evidence ----------------------------------------------------------------------------

    def test_verdict_evidence(self):
        _, v = self.verify(self.vgg.id, "vgg_like_other.pt")
        images = list(self.server.stub.GetEvidence(pb.GetEvidenceRequest(verdict_id=v.verdict_id),
                                                   timeout=harness.CALL_TIMEOUT))
        self.check_verdict_evidence(v, self.keys, images)
        first = list(self.server.stub.GetEvidence(
            pb.GetEvidenceRequest(verdict_id=v.verdict_id, max_keys=3)))
        self.check_verdict_evidence(v, self.keys, first, max_keys=3)

    def test_registration_evidence(self):
        _, v = self.verify(self.nobias.id, "vgg_like_nobias.pt")
        verdict_images = list(self.server.stub.GetEvidence(
            pb.GetEvidenceRequest(verdict_id=v.verdict_id)))
        images = list(self.server.stub.GetEvidence(
            pb.GetEvidenceRequest(registration_id=self.nobias.id)))
        kinds = sorted({i.kind for i in images})
        self.assertEqual(kinds, [pb.EVIDENCE_KIND_KEY, pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT,
                                 pb.EVIDENCE_KIND_GRID])
        registered = {i.key_index: i for i in images
                      if i.kind == pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT}
        self.assertEqual(sorted(registered), list(range(N_KEYS)))
        from verdict_checks import decode_png, native_pixels
        # The registration's s_i are the verdict's s_i, and (same model) its s'_i.
        for image in verdict_images:
            if image.kind in (pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT,
                              pb.EVIDENCE_KIND_SUSPECT_FINGERPRINT):
                a = native_pixels(decode_png(image.png), 32, 32)
                b = native_pixels(decode_png(registered[image.key_index].png), 32, 32)
                np.testing.assert_array_equal(a, b)
        for image in images:
            if image.kind == pb.EVIDENCE_KIND_KEY:
                self.check_key_image(decode_png(image.png), self.keys[image.key_index])

    # --- a fingerprint set extracted by the owner ---------------------------------------------

    def test_register_fingerprints(self):
        """The owner extracts S locally (`infip extract`) and registers only (K, S): the
        receipt's subject is the .infip file, the stored S is those bytes, and a copy of the
        model verifies against it as against the server's own extraction."""
        work = os.path.join(self.work, "fingerprints")
        path = harness.extract_locally("vgg_like_nobias.pt", self.keys, work)
        header, fingerprints = harness.read_infip(path)
        data = harness.read(path)
        stub = self.server.stub
        r = stub.RegisterFingerprints(harness.register_fingerprints_stream(
            "erin", "extracted-locally", harness.npy_bytes(self.keys), data,
            header["preprocessing"], threshold=0.8), timeout=harness.CALL_TIMEOUT)
        try:
            self.check_receipt(r, path, self.keys, "erin", "extracted-locally")
            self.assertEqual(r.fingerprints_sha256, harness.sha256sum(path))
            self.assertEqual(r.threshold, 0.8)
            self.assertEqual(r.composite, header["composite"])
            _, v = self.verify(r.id, "vgg_like_permuted.pt")
            self.check_verdict(v, r, harness.model_path("vgg_like_permuted.pt"))
            self.assertTrue(v.pirated)
            _, server_side = self.verify(self.nobias.id, "vgg_like_permuted.pt")
            self.assertAlmostEqual(v.assim, server_side.assim, delta=1e-12,
                                   msg="the owner's S and the server's S of one model agree")
            from verdict_checks import decode_png, native_pixels
            images = list(stub.GetEvidence(pb.GetEvidenceRequest(registration_id=r.id)))
            shown = {i.key_index: native_pixels(decode_png(i.png), 32, 32) for i in images
                     if i.kind == pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT}
            self.assertEqual(sorted(shown), list(range(N_KEYS)))
            for k, pixels in shown.items():
                np.testing.assert_array_equal(pixels, fingerprints[k],
                                              f"key {k}: the evidence shows the uploaded S")
        finally:
            stub.DeleteRegistration(pb.DeleteRegistrationRequest(id=r.id))

    # --- screening ---------------------------------------------------------------------------

    def test_screen(self):
        progress, result = self.screen("vgg_like_permuted.pt")
        suspect = harness.model_path("vgg_like_permuted.pt")
        ids = [v.registration_id for v in result.verdicts]
        self.assertEqual(sorted(ids), sorted([self.nobias.id, self.vgg.id]),
                         "every 1x32x32 registration is compared")
        self.assertEqual(ids[0], self.nobias.id, "the registration it copies ranks first")
        assims = [v.assim for v in result.verdicts]
        self.assertEqual(assims, sorted(assims, reverse=True), "highest ASSIM first")
        self.assertTrue(result.verdicts[0].pirated)
        self.assertFalse(result.verdicts[1].pirated)
        registrations = {r.id: r for r in self.all_registrations}
        for v in result.verdicts:
            self.check_verdict(v, registrations[v.registration_id], suspect)
        self.assertEqual([s.registration_id for s in result.skipped], [self.resnet.id])
        skip = result.skipped[0]
        self.assertEqual((skip.input_shape.channels, skip.input_shape.height,
                          skip.input_shape.width), (3, 32, 32))
        self.assertTrue(skip.reason)
        self.assertIn(result.candidates, (2, 3), "registrations considered")
        # The 1:1 verdict and the screening's agree.
        _, one = self.verify(self.nobias.id, "vgg_like_permuted.pt")
        self.assertAlmostEqual(one.assim, result.verdicts[0].assim, delta=1e-12)
        for p in progress:
            if p.stage == pb.STAGE_COMPARING and p.registration_id:
                self.assertIn(p.registration_id, registrations)

    def test_screen_by_owner(self):
        _, result = self.screen("vgg_like_permuted.pt", owner="bob")
        self.assertEqual([v.registration_id for v in result.verdicts], [self.vgg.id])
        self.assertEqual(list(result.skipped), [], "carol's registration is not bob's")
        _, none = self.screen("vgg_like_permuted.pt", owner="nobody")
        self.assertEqual(list(none.verdicts), [])
        self.assertEqual(none.candidates, 0)

    def test_screen_rgb_model(self):
        _, result = self.screen("resnet_like.pt")
        self.assertEqual([v.registration_id for v in result.verdicts], [self.resnet.id])
        self.assertTrue(result.verdicts[0].pirated)
        self.assertEqual(sorted(s.registration_id for s in result.skipped),
                         sorted([self.nobias.id, self.vgg.id]))

    # --- deletion ----------------------------------------------------------------------------

    def test_delete(self):
        stub = self.server.stub
        before = self.server.info().registrations
        path = os.path.join(self.server.models_dir, "to-delete.pt")
        shutil.copyfile(harness.model_path("vgg_like_other.pt"), path)
        events = stub.RegisterModel(harness.register_stream(
            "dave", "short-lived", harness.npy_bytes(self.keys), handle="file://" + path),
            timeout=harness.CALL_TIMEOUT)
        _, r = harness.drain(events, "registration")
        self.check_receipt(r, path, self.keys, "dave", "short-lived")
        self.assertEqual(self.server.info().registrations, before + 1)
        _, v = self.verify(r.id, "vgg_like_other.pt")
        self.assertTrue(v.pirated)

        stub.DeleteRegistration(pb.DeleteRegistrationRequest(id=r.id))
        self.assertEqual(self.server.info().registrations, before)
        NOT_FOUND = grpc.StatusCode.NOT_FOUND
        self.assertRpcError(NOT_FOUND, lambda: stub.GetRegistration(
            pb.GetRegistrationRequest(id=r.id)), r.id)
        self.assertRpcError(NOT_FOUND, lambda: self.verify(r.id, "vgg_like_other.pt"), r.id)
        self.assertRpcError(NOT_FOUND, lambda: stub.DeleteRegistration(
            pb.DeleteRegistrationRequest(id=r.id)), r.id)
        self.assertRpcError(NOT_FOUND, lambda: list(stub.GetEvidence(
            pb.GetEvidenceRequest(registration_id=r.id))), r.id)
        listed = stub.ListRegistrations(pb.ListRegistrationsRequest(page_size=1000))
        self.assertNotIn(r.id, [x.id for x in listed.registrations])
        _, result = self.screen("vgg_like_other.pt")
        self.assertNotIn(r.id, [x.registration_id for x in result.verdicts])


if __name__ == "__main__":
    harness.main()
