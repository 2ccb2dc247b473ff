"""Checks of what infip-server signs and renders, each against an expectation computed here
independently: envelopes with openssl, digests with sha256sum, the key-set digest from its
definition, and per-key SSIMs from the evidence PNGs with scikit-image (the oracle InFIP.md
names). Mixed into the test classes of test_api.py, test_cli.py and test_ops.py.
"""
import io
import json
import os
import re
import subprocess

import numpy as np
from PIL import Image
from skimage.metrics import structural_similarity

import harness
from harness import pb

VERDICT_TYPE = "https://infip.dev/verdict/v1"
RECEIPT_TYPE = "https://infip.dev/registration-receipt/v1"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
SCALING_NAMES = {pb.LAMBDA_SCALING_RESOLUTION: "resolution", pb.LAMBDA_SCALING_LITERAL: "literal"}
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def oracle_ssim(a, b):
    """SSIM as InFIP.md fixes it: scikit-image, Gaussian 11 x 11, sigma 1.5, population
    covariance, images in 0..1."""
    return structural_similarity(a.astype(np.float64) / 255.0, b.astype(np.float64) / 255.0,
                                 gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                 data_range=1.0)


def decode_png(data):
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise AssertionError("not a PNG (signature)")
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def native_pixels(image, height, width):
    """The image's pixels at height x width. A server may enlarge evidence by an integer factor
    (nearest neighbour) for legibility; anything else is a finding."""
    a = np.asarray(image)
    h, w = a.shape[:2]
    if h % height or w % width or h // height != w // width:
        raise AssertionError(f"an evidence image of {w}x{h} is not the {width}x{height} "
                             "fingerprint, nor an integer enlargement of it")
    k = h // height
    small = a[::k, ::k]
    if k > 1:
        # Nearest-neighbour enlargement repeats each pixel k x k times.
        again = np.repeat(np.repeat(small, k, axis=0), k, axis=1)
        if not np.array_equal(again, a):
            raise AssertionError(f"an evidence image enlarged {k}x is not nearest-neighbour")
    return small


class VerdictChecks:
    """Assertions shared by the test classes (a mixin for harness.ServerTestCase)."""

    def signed_statement(self, envelope_json, name):
        """openssl verifies the envelope with the server's published key; returns the
        statement. Also checks the envelope's form and key id."""
        info = self.server_info()
        work = os.path.join(self.work, "openssl", name)
        statement, envelope = harness.openssl_verify(envelope_json, info.public_key_pem, work)
        self.assertEqual(envelope["payloadType"], PAYLOAD_TYPE)
        self.assertEqual(len(envelope["signatures"]), 1)
        self.assertEqual(envelope["signatures"][0].get("keyid"), info.key_id)
        self.assertEqual(info.key_id, harness.openssl_key_id(info.public_key_pem, work))
        self.assertNotIn("\n", envelope_json.strip(), "an envelope is one line of JSON")
        self.assertEqual(statement["_type"], STATEMENT_TYPE)
        return statement

    def server_info(self):
        if getattr(self, "_info", None) is None:
            type(self)._info = self.server.info()
        return self._info

    def cli_verdict_verify(self, envelope_json, name, expect=0):
        """`infip verdict verify` on the envelope with the published key; returns the process."""
        work = os.path.join(self.work, "cli-verify", name)
        os.makedirs(work, exist_ok=True)
        env_path, key_path = os.path.join(work, "envelope.json"), os.path.join(work, "key.pem")
        with open(env_path, "w") as f:
            f.write(envelope_json)
        with open(key_path, "w") as f:
            f.write(self.server_info().public_key_pem)
        proc = subprocess.run([harness.CLI_BIN, "verdict", "verify", env_path, "--public-key",
                               key_path, "--json"], capture_output=True, text=True,
                              timeout=harness.CALL_TIMEOUT)
        self.assertEqual(proc.returncode, expect,
                         f"infip verdict verify exit {proc.returncode}: {proc.stdout}{proc.stderr}")
        return proc

    def check_verdict(self, verdict, registration, suspect_path, suspect_name=None):
        """A verdict as the contract promises it, and its signed statement saying the same."""
        info = self.server_info()
        v = verdict
        self.assertRegex(v.verdict_id, r"^vrd_[0-9a-f]{16}$")
        self.assertEqual(v.registration_id, registration.id)
        self.assertEqual(v.suspect_name, suspect_name or os.path.basename(suspect_path))
        self.assertEqual(v.suspect_sha256, harness.sha256sum(suspect_path))
        self.assertEqual(v.key_count, registration.key_count)
        self.assertEqual(len(v.per_key_ssim), registration.key_count)
        self.assertEqual(v.threshold, registration.threshold)
        self.assertEqual(v.composite, registration.composite)
        self.assertEqual(getattr(v, "lambda"), getattr(registration, "lambda"))
        self.assertEqual(v.lambda_scaling, registration.lambda_scaling)
        self.assertEqual(v.engine_version, info.engine_version)
        self.assertAlmostEqual(v.assim, float(np.mean(v.per_key_ssim)), delta=1e-9,
                               msg="ASSIM is the mean of the per-key SSIMs")
        for s in v.per_key_ssim:
            self.assertTrue(-1.0 <= s <= 1.0 + 1e-12, f"per-key SSIM {s} outside [-1, 1]")
        self.assertLessEqual(v.ci_low, v.assim + 1e-12)
        self.assertLessEqual(v.assim, v.ci_high + 1e-12)
        self.assertTrue(0.0 < v.confidence < 1.0)
        self.assertEqual(v.pirated, v.assim >= v.threshold)
        self.assertGreater(v.time.seconds, 0)

        statement = self.signed_statement(v.envelope, v.verdict_id)
        self.assertEqual(statement["predicateType"], VERDICT_TYPE)
        self.assertEqual(len(statement["subject"]), 1)
        subject = statement["subject"][0]
        self.assertEqual(subject["digest"]["sha256"], harness.sha256sum(suspect_path),
                         "the statement's subject is the suspect file, by its SHA-256")
        self.assertEqual(subject["name"], v.suspect_name)
        p = statement["predicate"]
        # The signed numbers are the response's numbers, exactly (shortest round-trip JSON).
        self.assertEqual(p["assim"], v.assim)
        self.assertEqual(p["ci_low"], v.ci_low)
        self.assertEqual(p["ci_high"], v.ci_high)
        self.assertEqual(p["confidence"], v.confidence)
        self.assertEqual(p["threshold"], v.threshold)
        self.assertEqual(p["pirated"], v.pirated)
        self.assertEqual(p["n"], v.key_count)
        self.assertEqual(p["registration_id"], registration.id)
        self.assertEqual(p["composite"], v.composite)
        self.assertEqual(p["lambda"], getattr(v, "lambda"))
        self.assertEqual(p["lambda_scaling"], SCALING_NAMES[v.lambda_scaling])
        self.assertEqual(p["engine_version"], v.engine_version)
        if "per_key_ssim" in p:
            self.assertEqual(p["per_key_ssim"], list(v.per_key_ssim))
        self.assertRegex(p["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
        self.assertEqual(p["time"][:19], v.time.ToDatetime().strftime("%Y-%m-%dT%H:%M:%S"))
        return statement

    def check_receipt(self, registration, subject_path, keys, owner, model_name):
        """A registration's fields and its signed receipt, against the key set sent."""
        info = self.server_info()
        r = registration
        self.assertRegex(r.id, r"^reg_[0-9a-f]{16}$")
        self.assertEqual(r.owner, owner)
        self.assertEqual(r.model_name, model_name)
        self.assertEqual(r.key_count, keys.shape[0])
        self.assertEqual((r.input_shape.channels, r.input_shape.height, r.input_shape.width),
                         tuple(keys.shape[1:]))
        self.assertEqual(r.key_set_sha256, harness.key_set_sha256(keys))
        self.assertRegex(r.fingerprints_sha256, HEX64)
        self.assertIn(r.lambda_scaling, SCALING_NAMES, "the scaling used, never UNSPECIFIED")
        self.assertTrue(r.receipt, "a registration carries its receipt")

        statement = self.signed_statement(r.receipt, r.id)
        self.assertEqual(statement["predicateType"], RECEIPT_TYPE)
        self.assertEqual(len(statement["subject"]), 1)
        self.assertEqual(statement["subject"][0]["digest"]["sha256"],
                         harness.sha256sum(subject_path))
        p = statement["predicate"]
        self.assertEqual(p["registration_id"], r.id)
        self.assertEqual(p["owner"], owner)
        self.assertEqual(p["model_name"], model_name)
        self.assertEqual(p["key_set_sha256"], harness.key_set_sha256(keys))
        self.assertEqual(p["fingerprint_set_sha256"], r.fingerprints_sha256)
        self.assertEqual(p["n"], keys.shape[0])
        self.assertEqual(p["composite"], r.composite)
        self.assertEqual(p["lambda"], getattr(r, "lambda"))
        self.assertEqual(p["lambda_scaling"], SCALING_NAMES[r.lambda_scaling])
        self.assertEqual(p["threshold"], r.threshold)
        self.assertEqual(p["engine_version"], info.engine_version)
        return statement

    def check_verdict_evidence(self, verdict, keys, images, max_keys=0):
        """GetEvidence for a verdict: per key the key image, s_i, s'_i and the SSIM map, then
        one grid; s_i and s'_i give back the verdict's per-key SSIMs under the oracle."""
        n = keys.shape[0] if max_keys == 0 else min(max_keys, keys.shape[0])
        _, _, height, width = keys.shape
        by_kind = {}
        for image in images:
            by_kind.setdefault(image.kind, []).append(image)
        per_key_kinds = (pb.EVIDENCE_KIND_KEY, pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT,
                         pb.EVIDENCE_KIND_SUSPECT_FINGERPRINT, pb.EVIDENCE_KIND_SSIM_MAP)
        self.assertEqual(set(by_kind), set(per_key_kinds) | {pb.EVIDENCE_KIND_GRID},
                         "every kind of verdict evidence, nothing else")
        for kind in per_key_kinds:
            self.assertEqual(sorted(i.key_index for i in by_kind[kind]), list(range(n)),
                             f"one {pb.EvidenceKind.Name(kind)} per key shown")
        self.assertEqual([i.key_index for i in by_kind[pb.EVIDENCE_KIND_GRID]], [-1])
        names = [i.name for i in images]
        self.assertEqual(len(set(names)), len(names), "evidence names are unique")
        for name in names:
            self.assertRegex(name, r"^[A-Za-z0-9._-]+\.png$", "a plain file name")
        self._save(images, verdict.verdict_id)

        decoded = {(i.kind, i.key_index): decode_png(i.png) for i in images}
        for k in range(n):
            s = native_pixels(decoded[(pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT, k)], height, width)
            t = native_pixels(decoded[(pb.EVIDENCE_KIND_SUSPECT_FINGERPRINT, k)], height, width)
            self.assertEqual(s.ndim, 2, "fingerprints are single-channel images")
            self.assertEqual(s.dtype, np.uint8)
            self.assertAlmostEqual(oracle_ssim(s, t), verdict.per_key_ssim[k], delta=1e-6,
                                   msg=f"key {k}: SSIM of the evidence fingerprints (scikit-image)"
                                       " against the verdict's per-key SSIM")
            ssim_map = [i for i in by_kind[pb.EVIDENCE_KIND_SSIM_MAP] if i.key_index == k][0]
            self.assertAlmostEqual(ssim_map.ssim, verdict.per_key_ssim[k], delta=1e-12)
            self.check_key_image(decoded[(pb.EVIDENCE_KIND_KEY, k)], keys[k])
        grid = decoded[(pb.EVIDENCE_KIND_GRID, -1)]
        self.assertGreater(grid.size[0] * grid.size[1], n * height * width,
                           "the grid holds every image of every key shown")
        return decoded

    def check_key_image(self, image, key):
        """The key image is the key as 8-bit pixels: its box [0, 1] mapped to 0..255."""
        channels, height, width = key.shape
        pixels = native_pixels(image, height, width).astype(np.int64)
        expected = np.rint(np.clip(key, 0, 1) * 255).astype(np.int64)
        if channels == 1:
            expected = expected[0]
            if pixels.ndim == 3:  # a gray key rendered as RGB(A): every colour channel equal
                pixels = pixels[..., 0]
        else:
            expected = np.moveaxis(expected, 0, -1)
            pixels = pixels[..., :channels]
        self.assertEqual(pixels.shape, expected.shape)
        self.assertLessEqual(int(np.abs(pixels - expected).max()), 1,
                             "the key image shows the key that was uploaded")

    def _save(self, images, prefix):
        out = os.path.join(self.work, "evidence", prefix)
        os.makedirs(out, exist_ok=True)
        for image in images:
            with open(os.path.join(out, image.name), "wb") as f:
                f.write(image.png)


def load_json_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    if len(lines) != 1:
        raise AssertionError(f"expected one line of JSON, got {len(lines)}:\n{text}")
    return json.loads(lines[0])
