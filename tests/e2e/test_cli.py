#!/usr/bin/python3
"""The infip CLI's remote commands against the real server, as an auditor and an owner would
run them: info, register (a model, and a locally extracted fingerprint set), verify, screen,
list, show, evidence, delete, and `infip verdict verify` on what they saved. What the CLI
prints is checked against the server as the independent Python client sees it, the saved
envelopes with openssl, the evidence PNGs with scikit-image; failures against exit codes
(docs/cli.md: 2 usage, 3 bad input, 4 server unreachable, 5 --fail-on-pirated and PIRATED)
and the one-line `infip: error: ...` message.
"""
import os
import shutil
import subprocess

import numpy as np

import harness
from harness import pb
from verdict_checks import VerdictChecks, decode_png, load_json_line, native_pixels, oracle_ssim

N_KEYS = 6
EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_UNAVAILABLE, EXIT_PIRATED = 0, 2, 3, 4, 5


class CliTest(VerdictChecks, harness.ServerTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = harness.fashion_keys(N_KEYS, offset=20)
        cls.keys_path = os.path.join(cls.work, "keys.npy")
        np.save(cls.keys_path, cls.keys)
        cls.key_flags = ["--keys", cls.keys_path, "--low", "0", "--high", "1"]
        cls.public_key = os.path.join(cls.work, "server-key.pem")
        cls.receipt_path = os.path.join(cls.work, "receipt.json")
        proc = cls.run_infip(cls, "register", "--owner", "alice", "--name", "vgg-nobias",
                             "--model", harness.model_path("vgg_like_nobias.pt"),
                             *cls.key_flags, "--receipt-out", cls.receipt_path, "--json")
        cls.registered = load_json_line(proc.stdout)
        cls.reg_id = cls.registered["id"]

    def run_infip(self, *argv, expect=EXIT_OK, server=True, env=None):
        cmd = [harness.CLI_BIN, *argv]
        if server:
            cmd += ["--server", self.server.address]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=harness.CALL_TIMEOUT,
                              env=env)
        shown = (f"$ {' '.join(cmd)}\n[exit {proc.returncode}]\nstdout:\n{proc.stdout}\n"
                 f"stderr:\n{proc.stderr}")
        if proc.returncode != expect:
            raise AssertionError(f"expected exit {expect}\n{shown}")
        return proc

    def assertErrorLine(self, proc, *words):
        lines = [l for l in proc.stderr.splitlines() if l.startswith("infip: error: ")]
        self.assertEqual(len(lines), 1, f"one 'infip: error: ' line on stderr:\n{proc.stderr}")
        for w in words:
            self.assertIn(w.lower(), lines[0].lower())
        self.assertEqual(proc.stdout, "", "nothing on stdout after an error")

    def registration(self, reg_id):
        return self.server.stub.GetRegistration(pb.GetRegistrationRequest(id=reg_id))

    # --- info ----------------------------------------------------------------------------------

    def test_info(self):
        proc = self.run_infip("info", "--json", "--public-key-out", self.public_key)
        info = load_json_line(proc.stdout)
        want = self.server.info()
        self.assertEqual(info["public_key_pem"], want.public_key_pem)
        self.assertEqual(info["key_id"], want.key_id)
        self.assertEqual(info["engine_version"], want.engine_version)
        self.assertEqual(info["max_upload_bytes"], want.max_upload_bytes)
        self.assertEqual(info["registrations"], want.registrations)
        self.assertEqual(harness.read(self.public_key).decode(), want.public_key_pem)
        text = self.run_infip("info").stdout
        self.assertIn(want.version, text)
        # INFIP_SERVER instead of --server.
        env = dict(os.environ, INFIP_SERVER=self.server.address)
        again = self.run_infip("info", "--json", server=False, env=env)
        self.assertEqual(load_json_line(again.stdout)["key_id"], want.key_id)

    # --- register ------------------------------------------------------------------------------

    def test_register(self):
        r = self.registration(self.reg_id)
        self.check_receipt(r, harness.model_path("vgg_like_nobias.pt"), self.keys, "alice",
                           "vgg-nobias")
        printed = self.registered
        self.assertEqual(printed["key_set_sha256"], harness.key_set_sha256(self.keys))
        self.assertEqual(printed["fingerprints_sha256"], r.fingerprints_sha256)
        self.assertEqual(printed["key_count"], N_KEYS)
        self.assertEqual(printed["receipt"], r.receipt)
        self.assertEqual(harness.read(self.receipt_path).decode(), r.receipt,
                         "--receipt-out saves the envelope as the server signed it")
        harness.openssl_verify(r.receipt, self.server.info().public_key_pem,
                               os.path.join(self.work, "receipt-openssl"))

    def test_register_fingerprints(self):
        path = harness.extract_locally("vgg_like_nobias.pt", self.keys,
                                       os.path.join(self.work, "local"))
        proc = self.run_infip("register", "--owner", "erin", "--name", "local-set",
                              "--fingerprints", path, *self.key_flags, "--json")
        printed = load_json_line(proc.stdout)
        try:
            r = self.registration(printed["id"])
            self.check_receipt(r, path, self.keys, "erin", "local-set")
            self.assertEqual(r.fingerprints_sha256, harness.sha256sum(path))
            verdict = load_json_line(self.run_infip(
                "verify", "--registration", r.id, "--model",
                harness.model_path("vgg_like_rescaled.pt"), "--json").stdout)
            self.assertTrue(verdict["pirated"])
        finally:
            self.run_infip("delete", printed["id"])
        # A set extracted on other keys is refused before anything is sent.
        other = harness.fashion_keys(N_KEYS, offset=300)
        other_path = harness.extract_locally("vgg_like_nobias.pt", other,
                                             os.path.join(self.work, "other"), name="other")
        proc = self.run_infip("register", "--owner", "erin", "--name", "x", "--fingerprints",
                              other_path, *self.key_flags, expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, other_path)

    # --- verify ----------------------------------------------------------------------------------

    def test_verify_copy(self):
        suspect = harness.model_path("vgg_like_permuted.pt")
        out = os.path.join(self.work, "verdict-permuted.json")
        proc = self.run_infip("verify", "--registration", self.reg_id, "--model", suspect,
                              "--out", out, "--json")
        printed = load_json_line(proc.stdout)
        self.assertTrue(printed["pirated"])
        self.assertGreaterEqual(printed["assim"], 0.99)
        self.assertEqual(printed["suspect_sha256"], harness.sha256sum(suspect))
        self.assertEqual(harness.read(out).decode(), printed["envelope"])
        statement = self.signed_statement(printed["envelope"], "cli-permuted")
        self.assertEqual(statement["subject"][0]["digest"]["sha256"], harness.sha256sum(suspect))
        self.assertEqual(statement["predicate"]["assim"], printed["assim"])
        self.assertEqual(statement["predicate"]["per_key_ssim"], printed["per_key_ssim"])
        # The saved file, checked offline by the CLI with the key `infip info` saved.
        key = os.path.join(self.work, "verify-key.pem")
        self.run_infip("info", "--public-key-out", key)
        checked = self.run_infip("verdict", "verify", out, "--public-key", key, server=False)
        self.assertIn("signature OK", checked.stdout)
        # The text form states the decision; --fail-on-pirated turns it into exit code 5.
        text = self.run_infip("verify", "--registration", self.reg_id, "--model", suspect,
                              "--fail-on-pirated", expect=EXIT_PIRATED)
        self.assertIn("decision      PIRATED", text.stdout)

    def test_verify_independent(self):
        proc = self.run_infip("verify", "--registration", self.reg_id, "--model",
                              harness.model_path("vgg_like_other.pt"), "--json",
                              "--fail-on-pirated")
        printed = load_json_line(proc.stdout)
        self.assertFalse(printed["pirated"])
        self.assertLess(printed["assim"], 0.9)
        self.assertIn("decision      NOT PIRATED", self.run_infip(
            "verify", "--registration", self.reg_id, "--model",
            harness.model_path("vgg_like_other.pt")).stdout)

    def test_verify_by_handle(self):
        inside = os.path.join(self.server.models_dir, "cli-suspect.pt")
        shutil.copyfile(harness.model_path("vgg_like_rescaled.pt"), inside)
        printed = load_json_line(self.run_infip(
            "verify", "--registration", self.reg_id, "--handle", "file://" + inside,
            "--sha256", harness.sha256sum(inside), "--json").stdout)
        self.assertTrue(printed["pirated"])
        self.assertEqual(printed["suspect_name"], "cli-suspect.pt")
        outside = harness.model_path("vgg_like_rescaled.pt")
        proc = self.run_infip("verify", "--registration", self.reg_id, "--handle",
                              "file://" + outside, expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, self.server.address)

    # --- screen, list, show -------------------------------------------------------------------

    def test_screen(self):
        _, other = harness.drain(self.server.stub.RegisterModel(harness.register_stream(
            "bob", "vgg", harness.npy_bytes(self.keys),
            harness.read(harness.model_path("vgg_like.pt")))), "registration")
        try:
            result = load_json_line(self.run_infip(
                "screen", "--model", harness.model_path("vgg_like_permuted.pt"),
                "--json").stdout)
            ids = [v["registration_id"] for v in result["verdicts"]]
            self.assertEqual(ids, [self.reg_id, other.id], "ranked: the copied model first")
            self.assertTrue(result["verdicts"][0]["pirated"])
            self.assertFalse(result["verdicts"][1]["pirated"])
            for v in result["verdicts"]:
                self.signed_statement(v["envelope"], "screen-" + v["verdict_id"])
            only_bob = load_json_line(self.run_infip(
                "screen", "--model", harness.model_path("vgg_like_permuted.pt"), "--owner",
                "bob", "--json").stdout)
            self.assertEqual([v["registration_id"] for v in only_bob["verdicts"]], [other.id])
            text = self.run_infip("screen", "--model",
                                  harness.model_path("vgg_like_permuted.pt")).stdout
            self.assertIn(self.reg_id, text)
        finally:
            self.server.stub.DeleteRegistration(pb.DeleteRegistrationRequest(id=other.id))

    def test_list_and_show(self):
        listed = load_json_line(self.run_infip("list", "--json").stdout)["registrations"]
        want = self.server.stub.ListRegistrations(
            pb.ListRegistrationsRequest(page_size=1000)).registrations
        self.assertEqual([r["id"] for r in listed], [r.id for r in want])
        paged = load_json_line(self.run_infip("list", "--page-size", "1", "--json").stdout)
        self.assertEqual([r["id"] for r in paged["registrations"]], [r.id for r in want])
        none = load_json_line(self.run_infip("list", "--owner", "nobody", "--json").stdout)
        self.assertEqual(none["registrations"], [])
        self.assertIn(self.reg_id, self.run_infip("list").stdout)

        receipt = os.path.join(self.work, "show-receipt.json")
        shown = load_json_line(self.run_infip("show", self.reg_id, "--json", "--receipt-out",
                                              receipt).stdout)
        r = self.registration(self.reg_id)
        self.assertEqual(shown["id"], r.id)
        self.assertEqual(shown["owner"], r.owner)
        self.assertEqual(shown["key_set_sha256"], r.key_set_sha256)
        self.assertEqual(shown["input_shape"], [1, 32, 32])
        self.assertEqual(harness.read(receipt).decode(), r.receipt)
        self.assertIn(self.reg_id, self.run_infip("show", self.reg_id).stdout)

    # --- evidence ---------------------------------------------------------------------------------

    def test_evidence(self):
        suspect = harness.model_path("vgg_like_other.pt")
        verdict = load_json_line(self.run_infip("verify", "--registration", self.reg_id,
                                                "--model", suspect, "--json").stdout)
        out = os.path.join(self.work, "evidence-verdict")
        listing = load_json_line(self.run_infip("evidence", "--verdict", verdict["verdict_id"],
                                                "--out", out, "--json").stdout)
        images = listing["images"]
        self.assertEqual(len(images), 4 * N_KEYS + 1)
        self.assertEqual(sorted(os.listdir(out)), sorted(i["name"] for i in images))
        files = {(i["kind"], i["key_index"]): os.path.join(out, i["name"]) for i in images}
        for k in range(N_KEYS):
            s = native_pixels(decode_png(harness.read(files[("registered_fingerprint", k)])),
                              32, 32)
            t = native_pixels(decode_png(harness.read(files[("suspect_fingerprint", k)])), 32, 32)
            self.assertAlmostEqual(oracle_ssim(s, t), verdict["per_key_ssim"][k], delta=1e-6)
        decode_png(harness.read(files[("grid", -1)]))

        first = os.path.join(self.work, "evidence-registration")
        self.run_infip("evidence", "--registration", self.reg_id, "--out", first,
                       "--max-keys", "2")
        pngs = sorted(os.listdir(first))
        self.assertEqual(len(pngs), 2 * 2 + 1, pngs)

    # --- delete and failures ---------------------------------------------------------------------

    def test_delete(self):
        printed = load_json_line(self.run_infip(
            "register", "--owner", "dave", "--name", "short-lived", "--model",
            harness.model_path("vgg_like.pt"), *self.key_flags, "--json").stdout)
        reg_id = printed["id"]
        self.assertEqual(load_json_line(self.run_infip("delete", reg_id, "--json").stdout),
                         {"deleted": reg_id})
        proc = self.run_infip("show", reg_id, expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, reg_id)
        proc = self.run_infip("delete", reg_id, expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, reg_id)
        proc = self.run_infip("verify", "--registration", reg_id, "--model",
                              harness.model_path("vgg_like.pt"), expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, reg_id)

    def test_bad_models(self):
        proc = self.run_infip("register", "--owner", "o", "--name", "n", "--model",
                              harness.model_path("unsupported_op.pt"), *self.key_flags,
                              expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, "sigmoid")
        proc = self.run_infip("verify", "--registration", self.reg_id, "--model",
                              harness.model_path("resnet_like.pt"), expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc)
        noise = os.path.join(self.work, "noise.pt")
        with open(noise, "wb") as f:
            f.write(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
        proc = self.run_infip("verify", "--registration", self.reg_id, "--model", noise,
                              expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc)
        self.assertServing("the CLI's bad models")

    def test_usage_and_unreachable(self):
        proc = self.run_infip("verify", "--model", harness.model_path("vgg_like.pt"),
                              expect=EXIT_USAGE)
        self.assertErrorLine(proc, "--registration")
        proc = self.run_infip("verify", "--registration", self.reg_id, "--model",
                              harness.model_path("vgg_like.pt"), "--handle", "file:///x.pt",
                              expect=EXIT_USAGE)
        self.assertErrorLine(proc)
        closed = f"127.0.0.1:{harness.free_port()}"
        proc = self.run_infip("info", "--server", closed, server=False, expect=EXIT_UNAVAILABLE)
        self.assertErrorLine(proc, closed)


if __name__ == "__main__":
    harness.main()
