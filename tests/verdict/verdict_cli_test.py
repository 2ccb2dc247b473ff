#!/usr/bin/python3
"""End-to-end test of `infip verdict verify`: envelopes are made here independently of infip
(statement JSON by Python, signatures by `openssl pkeyutl -sign -rawin`), then checked by the
real binary: a good verdict and receipt (exit 0), tampered and malformed envelopes and the
wrong key (exit 3), usage errors (exit 2).

  verdict_cli_test.py --infip PATH --work DIR
"""
import argparse
import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys

EXIT_OK, EXIT_USAGE, EXIT_BAD_INPUT = 0, 2, 3
PAYLOAD_TYPE = "application/vnd.in-toto+json"

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}")


def openssl(*argv):
    subprocess.run(["openssl", *argv], check=True, capture_output=True)


def canonical(doc):
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def pae(payload_type, payload):
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


class Keys:
    """An Ed25519 key pair made by openssl, and its infip key id."""

    def __init__(self, work, name):
        self.work = work
        self.private = os.path.join(work, f"{name}.key")
        self.public = os.path.join(work, f"{name}.pub.pem")
        openssl("genpkey", "-algorithm", "ed25519", "-out", self.private)
        openssl("pkey", "-in", self.private, "-pubout", "-out", self.public)
        der = subprocess.run(["openssl", "pkey", "-pubin", "-in", self.public, "-outform", "DER"],
                             check=True, capture_output=True).stdout
        self.key_id = hashlib.sha256(der[-32:]).hexdigest()

    def sign(self, message):
        msg, sig = os.path.join(self.work, "msg.bin"), os.path.join(self.work, "sig.bin")
        with open(msg, "wb") as f:
            f.write(message)
        openssl("pkeyutl", "-sign", "-inkey", self.private, "-rawin", "-in", msg, "-out", sig)
        with open(sig, "rb") as f:
            return f.read()


def envelope(keys, payload, payload_type=PAYLOAD_TYPE, keyid=None):
    return {
        "payload": base64.b64encode(payload).decode(),
        "payloadType": payload_type,
        "signatures": [{"keyid": keys.key_id if keyid is None else keyid,
                        "sig": base64.b64encode(keys.sign(pae(payload_type, payload))).decode()}],
    }


VERDICT = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "suspect.pt", "digest": {"sha256": "c" * 64}}],
    "predicateType": "https://infip.dev/verdict/v1",
    "predicate": {
        "registration_id": "reg-0001", "assim": 0.9125, "ci_low": 0.9, "ci_high": 0.925,
        "confidence": 0.95, "threshold": 0.85, "n": 3, "composite": "dtd", "lambda": 5000.0,
        "lambda_scaling": "resolution", "engine_version": "infip-engine/0.1.0", "pirated": True,
        "per_key_ssim": [0.9, 0.925, 0.9125], "time": "2026-11-18T11:06:40Z",
    },
}

RECEIPT = {
    "_type": "https://in-toto.io/Statement/v1",
    "subject": [{"name": "model.pt", "digest": {"sha256": "d" * 64}}],
    "predicateType": "https://infip.dev/registration-receipt/v1",
    "predicate": {
        "registration_id": "reg-0001", "owner": "alice", "model_name": "fashion-cnn",
        "key_set_sha256": "a" * 64, "fingerprint_set_sha256": "b" * 64, "n": 100,
        "composite": "dtd", "lambda": 5000.0, "lambda_scaling": "resolution",
        "threshold": 0.85, "engine_version": "infip-engine/0.1.0",
        "time": "2026-11-18T11:06:40Z",
    },
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--infip", required=True)
    parser.add_argument("--work", required=True)
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    work = args.work

    def write(name, content):
        path = os.path.join(work, name)
        with open(path, "wb" if isinstance(content, bytes) else "w") as f:
            f.write(content)
        return path

    def infip(*argv, expect):
        proc = subprocess.run([args.infip, *argv], capture_output=True, text=True, timeout=60)
        print(f"$ infip {' '.join(argv)}\n[exit {proc.returncode}]\n"
              f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}")
        check(proc.returncode == expect,
              f"infip {' '.join(argv)}: expected exit {expect}, got {proc.returncode}")
        return proc

    server, stranger = Keys(work, "server"), Keys(work, "stranger")
    verdict_payload = canonical(VERDICT)
    good = write("good.json", json.dumps(envelope(server, verdict_payload)))

    # A good verdict: its summary and "signature OK".
    out = infip("verdict", "verify", good, "--public-key", server.public, expect=EXIT_OK).stdout
    for text in ["signature OK", "sha256:" + "c" * 64, "reg-0001", "0.9125", "PIRATED",
                 "2026-11-18T11:06:40Z", server.key_id]:
        check(text in out, f"verify output lacks {text!r}")

    # --json: one line, the statement as signed.
    out = infip("verdict", "verify", good, "--public-key", server.public, "--json",
                expect=EXIT_OK).stdout
    lines = [l for l in out.splitlines() if l.strip()]
    check(len(lines) == 1, "verify --json prints one line")
    doc = json.loads(lines[0])
    check(doc["signature_ok"] is True and doc["key_id"] == server.key_id, "--json signature/key")
    check(doc["statement"] == VERDICT, "--json statement equals the signed one")

    # A receipt.
    receipt = write("receipt.json", json.dumps(envelope(server, canonical(RECEIPT)), indent=2))
    out = infip("verdict", "verify", receipt, "--public-key", server.public, expect=EXIT_OK).stdout
    for text in ["signature OK", "alice", "fashion-cnn", "sha256:" + "a" * 64, "sha256:" + "b" * 64]:
        check(text in out, f"receipt output lacks {text!r}")

    # Tampered: a lower ASSIM and no longer pirated, the signature kept.
    forged = json.loads(json.dumps(VERDICT))
    forged["predicate"].update(assim=0.5, pirated=False)
    tampered_env = envelope(server, verdict_payload)
    tampered_env["payload"] = base64.b64encode(canonical(forged)).decode()
    tampered = write("tampered.json", json.dumps(tampered_env))
    proc = infip("verdict", "verify", tampered, "--public-key", server.public, expect=EXIT_BAD_INPUT)
    check("bad signature" in proc.stderr, "tampered payload reported as a bad signature")
    check("signature OK" not in proc.stdout, "no 'signature OK' for a tampered envelope")

    # Tampered payload type.
    retyped_env = envelope(server, verdict_payload)
    retyped_env["payloadType"] = "application/json"
    retyped = write("retyped.json", json.dumps(retyped_env))
    infip("verdict", "verify", retyped, "--public-key", server.public, expect=EXIT_BAD_INPUT)

    # Signed by another key; and the right envelope checked with the wrong key.
    foreign = write("foreign.json", json.dumps(envelope(stranger, verdict_payload)))
    proc = infip("verdict", "verify", foreign, "--public-key", server.public, expect=EXIT_BAD_INPUT)
    check("unknown keyid" in proc.stderr, "foreign signature reported as an unknown keyid")
    infip("verdict", "verify", good, "--public-key", stranger.public, expect=EXIT_BAD_INPUT)

    # Malformed envelopes and keys.
    for name, content in [("empty.json", ""), ("truncated.json", open(good).read()[:-5]),
                          ("nosig.json", json.dumps({"payload": "", "payloadType": PAYLOAD_TYPE,
                                                     "signatures": []}))]:
        proc = infip("verdict", "verify", write(name, content), "--public-key", server.public,
                     expect=EXIT_BAD_INPUT)
        check(proc.stderr.startswith("infip: error: "), f"{name}: one-line error")
    infip("verdict", "verify", good, "--public-key", server.private, expect=EXIT_BAD_INPUT)
    infip("verdict", "verify", os.path.join(work, "missing.json"), "--public-key", server.public,
          expect=EXIT_BAD_INPUT)

    # Usage errors.
    infip("verdict", "verify", good, expect=EXIT_USAGE)
    infip("verdict", "verify", "--public-key", server.public, expect=EXIT_USAGE)
    infip("verdict", expect=EXIT_USAGE)
    infip("verdict", "verify", good, "--public-key", server.public, "--bogus", expect=EXIT_USAGE)

    if failures:
        print(f"{len(failures)} check(s) failed:\n  " + "\n  ".join(failures))
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
