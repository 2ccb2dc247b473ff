#!/usr/bin/python3
"""Authentication and authorisation end to end (docs/security.md), through the independent
Python client and the infip CLI, over real TLS with certificates made by openssl at test time
(tests/server/make_test_pki.sh):

  - every RPC x {no credentials, a certificate of another CA, an expired certificate, a revoked
    token, owner A, owner B, a verifier, an admin}: the exact gRPC code, and that no byte of
    owner A's keys or fingerprints reaches anyone but owner A and the admin;
  - revocation by editing the access file and sending SIGHUP, and a broken file that leaves
    the grants in force;
  - tokens checked on every call of a connection; a plain-text loopback server with an access
    file; the refusal to listen in plain text off loopback, and --insecure;
  - the server certificate renewed on disk while the server runs;
  - the CLI's --tls-ca, --tls-cert, --tls-key, --token-file and INFIP_* variables, a bad server
    certificate (another CA, another name: exit 4) and a refused caller (exit 6).
"""
import hashlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest

import grpc
import numpy as np

import harness
from harness import pb
from verdict_checks import load_json_line

Code = grpc.StatusCode
PKI_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server",
                          "make_test_pki.sh")
EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT, EXIT_UNAVAILABLE, EXIT_NOT_ALLOWED = 0, 2, 3, 4, 6
N_KEYS = 4
MODEL = "vgg_like.pt"

TOKEN_OWNER_B = "tok-owner-b-1b7e0c2f"
TOKEN_REVOKED = "tok-owner-b-retired-9c1d"  # granted at the start, revoked by SIGHUP
TOKEN_SHOP = "tok-shop-44d0"


def sha256_hex(text):
    return hashlib.sha256(text.encode()).hexdigest()


_pki = None


def pki(name):
    """A file of this run's test PKI, made on first use."""
    global _pki
    if _pki is None:
        d = os.path.join(harness.run_dir(), "pki")
        subprocess.run(["bash", PKI_SCRIPT, d], check=True, capture_output=True, timeout=120)
        _pki = d
    return os.path.join(_pki, name)


def access_text(with_revoked):
    lines = ["# principals of the e2e tests: <kind> <credential> <principal> <roles>",
             "cert spiffe://infip.test/owner-a owner-a owner",
             f"token {sha256_hex(TOKEN_OWNER_B)} owner-b owner",
             "cert verifier shop verifier   # the CN: its certificate has no SAN",
             f"token {sha256_hex(TOKEN_SHOP)} shop verifier",
             "cert spiffe://infip.test/admin ops admin"]
    if with_revoked:
        lines.append(f"token {sha256_hex(TOKEN_REVOKED)} owner-b owner")
    return "\n".join(lines) + "\n"


def write(path, text):
    with open(path + ".part", "w") as f:
        f.write(text)
    os.replace(path + ".part", path)


class Caller:
    def __init__(self, label, cert=None, token=None):
        self.label, self.cert, self.token = label, cert, token

    def credentials(self):
        kwargs = {"root_certificates": harness.read(pki("ca.pem"))}
        if self.cert:
            kwargs["private_key"] = harness.read(pki(self.cert + ".key"))
            kwargs["certificate_chain"] = harness.read(pki(self.cert + ".pem"))
        return grpc.ssl_channel_credentials(**kwargs)

    def metadata(self):
        return (("authorization", "Bearer " + self.token),) if self.token else ()

    def __repr__(self):
        return self.label


NOBODY = Caller("no credentials")
WRONG_CA = Caller("a certificate of another CA", cert="stranger")
EXPIRED = Caller("an expired certificate", cert="expired")
REVOKED = Caller("a revoked token", token=TOKEN_REVOKED)
OWNER_A = Caller("owner A", cert="owner-a")
OWNER_B = Caller("owner B", token=TOKEN_OWNER_B)
VERIFIER = Caller("the verifier", cert="verifier")
ADMIN = Caller("the admin", cert="admin")
STRANGERS = [NOBODY, WRONG_CA, EXPIRED, REVOKED]
CALLERS = STRANGERS + [OWNER_A, OWNER_B, VERIFIER, ADMIN]

OK, DENIED, UNAUTH = Code.OK, Code.PERMISSION_DENIED, Code.UNAUTHENTICATED
# What each principal may do (docs/security.md); strangers are UNAUTHENTICATED everywhere.
EXPECTED = {
    #                                 owner A  owner B  verifier  admin
    "RegisterModel":                  (OK,     OK,      DENIED,   OK),
    "RegisterFingerprints":           (OK,     OK,      DENIED,   OK),
    "Verify":                         (OK,     DENIED,  OK,       OK),
    "Screen":                         (OK,     OK,      OK,       OK),
    "GetRegistration":                (OK,     DENIED,  DENIED,   OK),
    "ListRegistrations":              (OK,     OK,      DENIED,   OK),
    "ListRegistrations(owner-a)":     (OK,     DENIED,  DENIED,   OK),
    "DeleteRegistration":             (OK,     DENIED,  DENIED,   OK),
    "GetEvidence(registration)":      (OK,     DENIED,  DENIED,   OK),
    "GetEvidence(verdict)":           (OK,     DENIED,  OK,       OK),
    "GetServerInfo":                  (OK,     OK,      OK,       OK),
}


def expected_code(rpc, caller):
    if caller in STRANGERS:
        return UNAUTH
    return EXPECTED[rpc][[OWNER_A, OWNER_B, VERIFIER, ADMIN].index(caller)]


def tls_server_flags(access_path, *more):
    return ["--tls-cert", pki("server.pem"), "--tls-key", pki("server.key"),
            "--tls-client-ca", pki("ca.pem"), "--access-file", access_path, *more]


def reloads_logged(server, word):
    with open(server.log_path, "rb") as f:
        return f.read().decode(errors="replace").count(word)


def sighup_and_wait(server, word, before):
    server.proc.send_signal(signal.SIGHUP)
    give_up = time.monotonic() + 30
    while reloads_logged(server, word) <= before:
        if time.monotonic() > give_up:
            raise AssertionError(f"no '{word}' in the log after SIGHUP\n{server.log_tail()}")
        time.sleep(0.1)


class AuthMatrixTest(harness.ServerTestCase):
    """Every RPC x every kind of caller on one TLS server."""

    @classmethod
    def setUpClass(cls):
        cls.access_path = os.path.join(harness.run_dir(), "matrix-access")
        write(cls.access_path, access_text(with_revoked=True))
        cls.SERVER_ARGS = {"extra_flags": tls_server_flags(cls.access_path),
                           "credentials": ADMIN.credentials()}
        super().setUpClass()
        cls.channels = {}
        cls.model = harness.read(harness.model_path(MODEL))
        cls.keys_a = harness.fashion_keys(N_KEYS, offset=0)
        cls.keys_b = harness.fashion_keys(N_KEYS, offset=40)
        infip_path = harness.extract_locally(MODEL, harness.fashion_keys(N_KEYS, offset=80),
                                             cls.work, name="c")
        cls.infip_c = harness.read(infip_path)
        cls.preprocessing_c = harness.read_infip(infip_path)[0]["preprocessing"]
        cls.npy_c = harness.npy_bytes(harness.fashion_keys(N_KEYS, offset=80))

        cls.reg_a = cls.register(OWNER_A, cls.keys_a).id
        cls.reg_b = cls.register(OWNER_B, cls.keys_b).id
        cls.verdict_shop = cls.verify(VERIFIER, cls.reg_a).verdict_id
        # Owner A's secrets as the admin sees them: every key and fingerprint image, and the
        # raw float32 bytes of the keys.
        cls.secrets = set()
        for target in ({"registration_id": cls.reg_a}, {"verdict_id": cls.verdict_shop}):
            for image in cls.stub(ADMIN).GetEvidence(pb.GetEvidenceRequest(**target),
                                                          timeout=harness.CALL_TIMEOUT):
                if image.kind != pb.EVIDENCE_KIND_SSIM_MAP:
                    cls.secrets.add(image.png)
        raw = np.ascontiguousarray(cls.keys_a, dtype="<f4").tobytes()
        cls.secret_slices = [raw[i:i + 64] for i in range(0, len(raw), len(raw) // 16)]
        # Revoke a token: the access file without it, and SIGHUP.
        write(cls.access_path, access_text(with_revoked=False))
        sighup_and_wait(cls.server, "access file reloaded", 0)

    @classmethod
    def stub(cls, caller):
        """A stub on the caller's own channel (one per caller, kept for the class)."""
        if caller.label not in cls.channels:
            cls.channels[caller.label] = grpc.secure_channel(
                cls.server.address, caller.credentials(), options=harness.CHANNEL_OPTIONS)
        return harness.pb_grpc.FingerprintingStub(cls.channels[caller.label])

    @classmethod
    def register(cls, caller, keys, owner=""):
        events = cls.stub(caller).RegisterModel(
            harness.register_stream(owner, "vgg", harness.npy_bytes(keys), cls.model),
            timeout=harness.CALL_TIMEOUT, metadata=caller.metadata())
        return harness.drain(events, "registration")[1]

    @classmethod
    def verify(cls, caller, registration_id):
        events = cls.stub(caller).Verify(
            harness.verify_stream(registration_id, cls.model, name=MODEL),
            timeout=harness.CALL_TIMEOUT, metadata=caller.metadata())
        return harness.drain(events, "verdict")[1]

    @classmethod
    def fresh_registration_of_owner_a(cls):
        """A registration of owner A's, made by the admin for A (RegisterFingerprints)."""
        return cls.stub(ADMIN).RegisterFingerprints(
            harness.register_fingerprints_stream("owner-a", "to-delete", cls.npy_c,
                                                 cls.infip_c, cls.preprocessing_c),
            timeout=harness.CALL_TIMEOUT)

    def invoke(self, rpc, caller):
        """Calls `rpc` as `caller`: (code, every reply received, even before a failure, and
        the error's details)."""
        stub, md, t = self.stub(caller), caller.metadata(), harness.CALL_TIMEOUT
        replies = []
        try:
            if rpc == "RegisterModel":
                keys = harness.npy_bytes(harness.fashion_keys(N_KEYS, offset=120))
                for r in stub.RegisterModel(harness.register_stream("", "vgg", keys, self.model),
                                            timeout=t, metadata=md):
                    replies.append(r)
            elif rpc == "RegisterFingerprints":
                replies.append(stub.RegisterFingerprints(harness.register_fingerprints_stream(
                    "", "from-infip", self.npy_c, self.infip_c, self.preprocessing_c), timeout=t,
                    metadata=md))
            elif rpc == "Verify":
                for r in stub.Verify(harness.verify_stream(self.reg_a, self.model, name=MODEL),
                                     timeout=t, metadata=md):
                    replies.append(r)
            elif rpc == "Screen":
                for r in stub.Screen(harness.screen_stream(self.model, name=MODEL), timeout=t,
                                     metadata=md):
                    replies.append(r)
            elif rpc == "GetRegistration":
                replies.append(stub.GetRegistration(pb.GetRegistrationRequest(id=self.reg_a),
                                                    timeout=t, metadata=md))
            elif rpc == "ListRegistrations":
                replies.append(stub.ListRegistrations(pb.ListRegistrationsRequest(), timeout=t,
                                                      metadata=md))
            elif rpc == "ListRegistrations(owner-a)":
                replies.append(stub.ListRegistrations(
                    pb.ListRegistrationsRequest(owner="owner-a"), timeout=t, metadata=md))
            elif rpc == "DeleteRegistration":
                target = self.fresh_registration_of_owner_a().id
                try:
                    replies.append(stub.DeleteRegistration(
                        pb.DeleteRegistrationRequest(id=target), timeout=t, metadata=md))
                finally:
                    try:  # whatever the caller could not delete, the admin does
                        self.stub(ADMIN).DeleteRegistration(
                            pb.DeleteRegistrationRequest(id=target), timeout=t)
                    except grpc.RpcError as e:
                        self.assertEqual(e.code(), Code.NOT_FOUND)
            elif rpc == "GetEvidence(registration)":
                for r in stub.GetEvidence(pb.GetEvidenceRequest(registration_id=self.reg_a),
                                          timeout=t, metadata=md):
                    replies.append(r)
            elif rpc == "GetEvidence(verdict)":
                for r in stub.GetEvidence(pb.GetEvidenceRequest(verdict_id=self.verdict_shop),
                                          timeout=t, metadata=md):
                    replies.append(r)
            elif rpc == "GetServerInfo":
                replies.append(stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=t,
                                                  metadata=md))
            else:
                raise AssertionError(rpc)
        except grpc.RpcError as e:
            return e.code(), replies, e.details()
        return Code.OK, replies, ""

    def assertNoSecretOfOwnerA(self, caller, rpc, replies):
        blob = b"".join(r.SerializeToString() for r in replies)
        for secret in self.secrets:
            self.assertNotIn(secret, blob, f"{caller} got one of owner A's images from {rpc}")
        for piece in self.secret_slices:
            self.assertNotIn(piece, blob, f"{caller} got owner A's key bytes from {rpc}")

    def check_rpc(self, rpc, content_check=None):
        for caller in CALLERS:
            with self.subTest(rpc=rpc, caller=caller.label):
                want = expected_code(rpc, caller)
                code, replies, details = self.invoke(rpc, caller)
                self.assertEqual(code, want, f"{rpc} as {caller}: {code.name}: {details}")
                if want != OK:
                    # Nothing but (at most) progress events precedes a refusal.
                    for r in replies:
                        self.assertIsInstance(r, (pb.RegisterModelEvent, pb.VerifyEvent,
                                                  pb.ScreenEvent), rpc)
                        self.assertEqual(r.WhichOneof("event"), "progress", rpc)
                if caller not in (OWNER_A, ADMIN):
                    self.assertNoSecretOfOwnerA(caller, rpc, replies)
                if code == OK and content_check:
                    content_check(caller, replies)
        self.assertServing(f"the {rpc} row")

    # --- one test per RPC -----------------------------------------------------------------------

    def test_register_model(self):
        def owner_is_the_caller(caller, replies):
            registration = replies[-1].registration
            self.assertEqual(registration.owner, {OWNER_A: "owner-a", OWNER_B: "owner-b",
                                                  ADMIN: "ops"}[caller])
        self.check_rpc("RegisterModel", owner_is_the_caller)

    def test_register_fingerprints(self):
        def owner_is_the_caller(caller, replies):
            self.assertEqual(replies[0].owner, {OWNER_A: "owner-a", OWNER_B: "owner-b",
                                                ADMIN: "ops"}[caller])
        self.check_rpc("RegisterFingerprints", owner_is_the_caller)

    def test_verify(self):
        def a_verdict_on_a(caller, replies):
            self.assertEqual(replies[-1].verdict.registration_id, self.reg_a)
            self.assertTrue(replies[-1].verdict.pirated)
        self.check_rpc("Verify", a_verdict_on_a)

    def test_screen(self):
        def scoped(caller, replies):
            compared = {v.registration_id for v in replies[-1].result.verdicts}
            if caller == OWNER_B:  # an owner screens against its own registrations only
                self.assertNotIn(self.reg_a, compared)
                self.assertIn(self.reg_b, compared)
            else:
                self.assertIn(self.reg_a, compared)
            if caller == OWNER_A:
                self.assertNotIn(self.reg_b, compared)
        self.check_rpc("Screen", scoped)

    def test_get_registration(self):
        def the_registration(caller, replies):
            self.assertEqual(replies[0].id, self.reg_a)
            self.assertEqual(replies[0].owner, "owner-a")
        self.check_rpc("GetRegistration", the_registration)

    def test_list_registrations(self):
        def own_only(caller, replies):
            owners = {r.owner for r in replies[0].registrations}
            if caller == ADMIN:
                self.assertTrue({"owner-a", "owner-b"} <= owners, owners)
            else:
                self.assertEqual(owners, {"owner-a" if caller == OWNER_A else "owner-b"})
        self.check_rpc("ListRegistrations", own_only)
        self.check_rpc("ListRegistrations(owner-a)")

    def test_delete_registration(self):
        self.check_rpc("DeleteRegistration")

    def test_get_evidence_of_a_registration(self):
        def keys_for_the_owner(caller, replies):
            self.assertIn(pb.EVIDENCE_KIND_KEY, {r.kind for r in replies})
        self.check_rpc("GetEvidence(registration)", keys_for_the_owner)

    def test_get_evidence_of_a_verdict(self):
        def by_role(caller, replies):
            kinds = {r.kind for r in replies}
            if caller == VERIFIER:  # who asked for it: the comparison, no key, no fingerprint
                self.assertEqual(kinds, {pb.EVIDENCE_KIND_SSIM_MAP, pb.EVIDENCE_KIND_GRID})
                self.assertEqual(len(replies), N_KEYS + 1)
                self.assertTrue(all(-1 <= r.ssim <= 1 for r in replies))
            else:
                self.assertTrue({pb.EVIDENCE_KIND_KEY, pb.EVIDENCE_KIND_REGISTERED_FINGERPRINT,
                                 pb.EVIDENCE_KIND_SUSPECT_FINGERPRINT} <= kinds)
        self.check_rpc("GetEvidence(verdict)", by_role)

    def test_get_server_info(self):
        self.check_rpc("GetServerInfo")

    # --- beyond the matrix ----------------------------------------------------------------------

    def test_refusals_name_why(self):
        for caller, word in ((NOBODY, "no credentials"), (WRONG_CA, "issuer"),
                             (EXPIRED, "expired"), (REVOKED, "not granted")):
            with self.subTest(caller=caller.label):
                _, _, details = self.invoke("GetServerInfo", caller)
                self.assertIn(word, details)
        _, _, details = self.invoke("DeleteRegistration", VERIFIER)
        self.assertIn("principal 'shop' (verifier)", details)
        _, _, details = self.invoke("GetRegistration", OWNER_B)
        self.assertIn("not theirs", details)

    def test_token_is_checked_on_every_call_of_a_connection(self):
        stub = self.stub(Caller("one connection, token on some calls"))
        for _ in range(2):
            stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=30,
                               metadata=OWNER_B.metadata())
            with self.assertRaises(grpc.RpcError) as without:
                stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=30)
            self.assertEqual(without.exception.code(), UNAUTH)

    def test_broken_access_file_keeps_the_grants_in_force(self):
        before = reloads_logged(self.server, "access file not reloaded")
        write(self.access_path, access_text(with_revoked=False) + "token abc owner-c owner\n")
        try:
            sighup_and_wait(self.server, "access file not reloaded", before)
            self.assertIn("line 7", self.server.log_tail())
            self.assertEqual(self.invoke("GetServerInfo", OWNER_B)[0], OK)
            self.assertEqual(self.invoke("GetServerInfo", REVOKED)[0], UNAUTH)
        finally:
            done = reloads_logged(self.server, "access file reloaded")
            write(self.access_path, access_text(with_revoked=False))
            sighup_and_wait(self.server, "access file reloaded", done)

    def test_audit_lines(self):
        self.invoke("DeleteRegistration", OWNER_A)
        self.invoke("GetEvidence(registration)", OWNER_B)
        self.invoke("GetEvidence(verdict)", NOBODY)
        with open(self.server.log_path, "rb") as f:
            log = f.read().decode(errors="replace")
        audit = [line for line in log.splitlines() if "] audit " in line]
        def has(pattern):
            self.assertTrue(any(re.search(pattern, line) for line in audit),
                            f"no audit line matches {pattern!r}:\n" + "\n".join(audit[-20:]))
        has(r"principal=owner-a method=DeleteRegistration subject=reg_[0-9a-f]{16} .*result=OK")
        has(r"principal=owner-b method=GetEvidence subject=" + self.reg_a +
            r" result=PERMISSION_DENIED")
        has(r"principal=- method=GetEvidence subject=" + self.verdict_shop +
            r" result=UNAUTHENTICATED")
        has(r"principal=owner-a method=RegisterModel subject=reg_[0-9a-f]{16} owner=owner-a "
            r"result=OK")
        # Reads that are not of keys or evidence are not audited.
        self.assertFalse(any("method=GetServerInfo" in line for line in audit))


class PlainLoopbackAccessFileTest(harness.ServerTestCase):
    """A plain-text loopback server with an access file: tokens are checked (no TLS)."""

    @classmethod
    def setUpClass(cls):
        access = os.path.join(harness.run_dir(), "plain-access")
        write(access, access_text(with_revoked=False))
        cls.SERVER_ARGS = {"extra_flags": ["--access-file", access],
                           "metadata": OWNER_B.metadata()}
        super().setUpClass()

    def test_tokens_decide(self):
        stub = self.server.stub
        with self.assertRaises(grpc.RpcError) as none:
            stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=30)
        self.assertEqual(none.exception.code(), UNAUTH)
        with self.assertRaises(grpc.RpcError) as revoked:
            stub.GetServerInfo(pb.GetServerInfoRequest(), timeout=30, metadata=REVOKED.metadata())
        self.assertEqual(revoked.exception.code(), UNAUTH)
        listing = stub.ListRegistrations(pb.ListRegistrationsRequest(), timeout=30,
                                         metadata=OWNER_B.metadata())
        self.assertEqual(list(listing.registrations), [])
        with self.assertRaises(grpc.RpcError) as denied:
            stub.ListRegistrations(pb.ListRegistrationsRequest(), timeout=30,
                                   metadata=(("authorization", "Bearer " + TOKEN_SHOP),))
        self.assertEqual(denied.exception.code(), DENIED)
        self.assertEqual(dict(denied.exception.trailing_metadata()).get("infip-refusal"),
                         "permission-denied")


class TransportRulesTest(unittest.TestCase):
    """Plain text stays on loopback unless --insecure; the TLS files are checked at start."""

    def start(self, name, *flags):
        d = os.path.join(harness.run_dir(), name)
        os.makedirs(d)
        log_path = os.path.join(d, "server.log")
        log = open(log_path, "wb")
        self.addCleanup(log.close)
        proc = subprocess.Popen([harness.SERVER_BIN, "--data-dir", os.path.join(d, "data"),
                                 "--metrics-listen", "off", *flags],
                                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        return proc, log_path

    def wait_log(self, proc, log_path, pattern):
        give_up = time.monotonic() + harness.START_TIMEOUT
        while time.monotonic() < give_up:
            text = harness.read(log_path).decode(errors="replace")
            if re.search(pattern, text):
                return text
            if proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} not logged (exit {proc.poll()}):\n"
                             + harness.read(log_path).decode(errors="replace"))

    def test_plain_text_off_loopback_is_refused(self):
        proc, log_path = self.start("refused", "--listen", "0.0.0.0:0")
        self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 1)
        text = harness.read(log_path).decode()
        self.assertIn("refusing to listen on 0.0.0.0:0 in plain text", text)
        self.assertIn("--insecure", text)
        self.assertNotIn("serving infip.v1.Fingerprinting", text)
        # Nothing was opened: not even the data directory.
        self.assertFalse(os.path.exists(os.path.join(harness.run_dir(), "refused", "data")))

    def test_insecure_starts_with_a_warning(self):
        proc, log_path = self.start("insecure", "--listen", "0.0.0.0:0", "--insecure")
        text = self.wait_log(proc, log_path, r"--insecure: 0\.0\.0\.0:0 is served in plain text")
        self.assertIn("[warning]", [l for l in text.splitlines() if "--insecure:" in l][0])
        port = int(re.search(r"serving infip\.v1\.Fingerprinting on \S+ \(port (\d+)\)",
                             text).group(1))
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        # No access file: the caller is the local principal, with every role.
        harness.pb_grpc.FingerprintingStub(channel).GetServerInfo(pb.GetServerInfoRequest(),
                                                                   timeout=30)
        channel.close()
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 0)

    def test_tls_files_are_checked_at_start(self):
        access = os.path.join(harness.run_dir(), "rules-access")
        write(access, access_text(with_revoked=False))
        proc, log_path = self.start("mismatch", "--listen", "127.0.0.1:0",
                                    "--tls-cert", pki("server.pem"), "--tls-key", pki("admin.key"),
                                    "--access-file", access)
        self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 1)
        self.assertIn("is not the key of the certificate", harness.read(log_path).decode())
        proc, log_path = self.start("no-access", "--listen", "127.0.0.1:0",
                                    "--tls-cert", pki("server.pem"), "--tls-key", pki("server.key"))
        self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 1)
        self.assertIn("--access-file", harness.read(log_path).decode())
        write(access, "cert x y root\n")
        proc, log_path = self.start("bad-access", "--listen", "127.0.0.1:0", "--access-file", access)
        self.assertEqual(proc.wait(harness.STOP_TIMEOUT), 1)
        self.assertIn(access + ", line 1: unknown role 'root'", harness.read(log_path).decode())


def served_certificate(port):
    """The DER certificate the server presents now, read with Python's own TLS client."""
    context = ssl.create_default_context(cafile=pki("ca.pem"))
    context.set_alpn_protocols(["h2"])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return tls.getpeercert(binary_form=True)


class CertificateRotationTest(unittest.TestCase):
    """A renewed certificate written over the old files is served without a restart."""

    def test_renewed_certificate_is_picked_up(self):
        d = os.path.join(harness.run_dir(), "rotation-files")
        os.makedirs(d)
        cert, key = os.path.join(d, "tls.pem"), os.path.join(d, "tls.key")
        shutil.copyfile(pki("server.pem"), cert)
        shutil.copyfile(pki("server.key"), key)
        access = os.path.join(d, "access")
        write(access, access_text(with_revoked=False))
        server = harness.Server("rotation", extra_flags=[
            "--tls-cert", cert, "--tls-key", key, "--access-file", access,
            "--tls-reload-interval", "1s"],
            credentials=OWNER_B.credentials(), metadata=OWNER_B.metadata())
        try:
            first = served_certificate(server.port)
            self.assertEqual(first, ssl.PEM_cert_to_DER_cert(harness.read(pki("server.pem"))
                                                             .decode()))
            # As a Kubernetes Secret volume changes: new files in place, all at once.
            for name, source in ((key + ".new", "renewed.key"), (cert + ".new", "renewed.pem")):
                shutil.copyfile(pki(source), name)
            os.replace(key + ".new", key)
            os.replace(cert + ".new", cert)
            renewed = ssl.PEM_cert_to_DER_cert(harness.read(pki("renewed.pem")).decode())
            give_up = time.monotonic() + 30
            while True:
                try:
                    if served_certificate(server.port) == renewed:
                        break
                except (OSError, ssl.SSLError):
                    pass  # between the two files: gRPC may refuse a moment
                self.assertLess(time.monotonic(), give_up, "the renewed certificate not served")
                time.sleep(0.5)
            # And gRPC clients trusting the CA carry on.
            fresh = grpc.secure_channel(server.address, OWNER_B.credentials())
            harness.pb_grpc.FingerprintingStub(fresh).GetServerInfo(
                pb.GetServerInfoRequest(), timeout=30, metadata=OWNER_B.metadata())
            fresh.close()
        finally:
            self.assertEqual(server.stop(), 0)


class CliAuthTest(harness.ServerTestCase):
    """The infip CLI against a TLS server: flags, variables, and the exit codes of refusals."""

    @classmethod
    def setUpClass(cls):
        cls.access_path = os.path.join(harness.run_dir(), "cli-access")
        write(cls.access_path, access_text(with_revoked=False))
        cls.SERVER_ARGS = {"extra_flags": tls_server_flags(cls.access_path),
                           "credentials": ADMIN.credentials()}
        super().setUpClass()
        cls.tokens = {}
        for name, token in (("owner-b", TOKEN_OWNER_B), ("revoked", TOKEN_REVOKED),
                            ("shop", TOKEN_SHOP)):
            path = os.path.join(cls.work, name + ".token")
            write(path, token + "\n")
            cls.tokens[name] = path
        keys = harness.fashion_keys(N_KEYS, offset=200)
        cls.keys_path = os.path.join(cls.work, "keys.npy")
        np.save(cls.keys_path, keys)
        cls.key_flags = ["--keys", cls.keys_path, "--low", "0", "--high", "1"]
        cls.reg_a = cls.infip(cls, "register", "--name", "a-model", "--model",
                              harness.model_path(MODEL), *cls.key_flags, "--json",
                              *cls.as_owner_a(cls)).stdout
        cls.reg_a = load_json_line(cls.reg_a)["id"]

    def as_owner_a(self):
        return ["--tls-cert", pki("owner-a.pem"), "--tls-key", pki("owner-a.key"),
                "--tls-ca", pki("ca.pem")]

    def infip(self, *argv, expect=EXIT_OK, env=None):
        cmd = [harness.CLI_BIN, *argv, "--server", self.server.address, "--timeout", "120"]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=harness.CALL_TIMEOUT,
                              env=env)
        if proc.returncode != expect:
            raise AssertionError(f"expected exit {expect}\n$ {' '.join(cmd)}\n"
                                 f"[exit {proc.returncode}]\n{proc.stdout}\n{proc.stderr}")
        return proc

    def assertErrorLine(self, proc, *words):
        lines = [l for l in proc.stderr.splitlines() if l.startswith("infip: error: ")]
        self.assertEqual(len(lines), 1, proc.stderr)
        for w in words:
            self.assertIn(w, lines[0])
        self.assertEqual(proc.stdout, "")

    def test_owner_defaults_to_the_principal(self):
        got = self.server.stub.GetRegistration(pb.GetRegistrationRequest(id=self.reg_a),
                                               timeout=30)
        self.assertEqual(got.owner, "owner-a")
        proc = self.infip("register", "--owner", "owner-b", "--name", "x", "--model",
                          harness.model_path(MODEL), *self.key_flags, *self.as_owner_a(),
                          expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "not allowed", "owner-b")

    def test_token_file_and_tls_ca(self):
        proc = self.infip("list", "--json", "--tls-ca", pki("ca.pem"),
                          "--token-file", self.tokens["owner-b"])
        self.assertEqual(load_json_line(proc.stdout)["registrations"], [])
        listing = self.infip("list", "--json", *self.as_owner_a()).stdout
        self.assertEqual([r["id"] for r in load_json_line(listing)["registrations"]],
                         [self.reg_a])

    def test_environment_variables(self):
        env = dict(os.environ, INFIP_TLS_CA=pki("ca.pem"), INFIP_TLS_CERT=pki("owner-a.pem"),
                   INFIP_TLS_KEY=pki("owner-a.key"))
        proc = self.infip("show", self.reg_a, "--json", env=env)
        self.assertEqual(load_json_line(proc.stdout)["id"], self.reg_a)
        env = dict(os.environ, INFIP_TLS_CA=pki("ca.pem"), INFIP_TOKEN_FILE=self.tokens["shop"])
        self.infip("info", env=env)
        self.infip("list", env=env, expect=EXIT_NOT_ALLOWED)

    def test_server_certificate_of_another_ca(self):
        proc = self.infip("info", "--tls-ca", pki("other-ca.pem"),
                          "--token-file", self.tokens["owner-b"], expect=EXIT_UNAVAILABLE)
        self.assertErrorLine(proc, "TLS handshake", "--tls-ca")

    def test_server_certificate_for_another_name(self):
        proc = self.infip("info", "--tls-ca", pki("ca.pem"), "--tls-server-name", "elsewhere.test",
                          "--token-file", self.tokens["owner-b"], expect=EXIT_UNAVAILABLE)
        self.assertErrorLine(proc, "TLS handshake")

    def test_plain_text_client_of_a_tls_server(self):
        proc = self.infip("info", "--token-file", self.tokens["owner-b"],
                          expect=EXIT_UNAVAILABLE)
        self.assertErrorLine(proc, "--tls-ca")

    def test_refused_token_and_no_credentials(self):
        proc = self.infip("info", "--tls-ca", pki("ca.pem"), "--token-file",
                          self.tokens["revoked"], expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "refused the credentials", "not granted")
        proc = self.infip("info", "--tls", "--tls-ca", pki("ca.pem"), expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "no credentials")
        proc = self.infip("info", "--tls-ca", pki("ca.pem"), "--tls-cert", pki("expired.pem"),
                          "--tls-key", pki("expired.key"), expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "expired")

    def test_not_allowed(self):
        shop = ["--tls-ca", pki("ca.pem"), "--tls-cert", pki("verifier.pem"),
                "--tls-key", pki("verifier.key")]
        proc = self.infip("delete", self.reg_a, *shop, expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "not allowed", "DeleteRegistration")
        owner_b = ["--tls-ca", pki("ca.pem"), "--token-file", self.tokens["owner-b"]]
        proc = self.infip("evidence", "--registration", self.reg_a, "--out",
                          os.path.join(self.work, "ev"), *owner_b, expect=EXIT_NOT_ALLOWED)
        self.assertErrorLine(proc, "not allowed")
        self.assertFalse(os.path.exists(os.path.join(self.work, "ev")) and
                         os.listdir(os.path.join(self.work, "ev")))
        # Another code's PERMISSION_DENIED stays bad input: a handle outside the roots.
        proc = self.infip("verify", "--registration", self.reg_a, "--handle", "file:///etc/passwd",
                          *shop, expect=EXIT_BAD_INPUT)

    def test_flag_errors(self):
        proc = self.infip("info", "--tls-cert", pki("owner-a.pem"), expect=EXIT_USAGE)
        self.assertIn("--tls-key", proc.stderr)
        proc = self.infip("info", "--tls-ca", os.path.join(self.work, "absent.pem"),
                          expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, "--tls-ca", "absent.pem")
        empty = os.path.join(self.work, "empty.token")
        write(empty, "\n")
        proc = self.infip("info", "--tls-ca", pki("ca.pem"), "--token-file", empty,
                          expect=EXIT_BAD_INPUT)
        self.assertErrorLine(proc, "--token-file", "holds no token")


if __name__ == "__main__":
    harness.main()
