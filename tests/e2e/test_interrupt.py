#!/usr/bin/python3
"""Calls that end early leave no trace: a RegisterModel cancelled midway through its upload,
one cancelled while its fingerprints are being extracted, one whose deadline passes while
the client holds back its chunks, and a client process killed mid-upload. After each: the
server serves, ListRegistrations is unchanged, every table of the SQLite store is unchanged
(read through a read-only connection), and no staged file is left in the data dir or TMPDIR.
"""
import os
import signal
import subprocess
import sys
import threading
import time

import grpc

import harness
from harness import pb

Code = grpc.StatusCode
HERE = os.path.dirname(os.path.abspath(__file__))


class InterruptTest(harness.ServerTestCase):
    # Small extraction batches, so that a large key set takes many steps to explain.
    SERVER_ARGS = {"extra_flags": ["--batch-size", "4"]}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.keys = harness.fashion_keys(4)
        cls.npy = harness.npy_bytes(cls.keys)
        cls.model = harness.read(harness.model_path("vgg_like.pt"))
        events = cls.server.stub.RegisterModel(
            harness.register_stream("owner", "kept", cls.npy, cls.model),
            timeout=harness.CALL_TIMEOUT)
        _, cls.kept = harness.drain(events, "registration")
        stores = cls.server.store_files()
        if len(stores) != 1:
            raise AssertionError(f"expected one SQLite store in the data dir, found {stores}")
        cls.db = stores[0]

    def setUp(self):
        self.listing_before = self.listing()
        self.tables_before = harness.sqlite_snapshot(self.db)
        self.files_before = self.staging_files()

    def listing(self):
        return self.server.stub.ListRegistrations(pb.ListRegistrationsRequest(page_size=1000))

    def staging_files(self):
        files = harness.file_listing(self.server.data_dir, self.server.tmp_dir)
        return {f for f in files if not f.startswith(self.db)}

    def assertNoTrace(self, what):
        self.assertServing(what)
        self.assertEqual(self.listing(), self.listing_before,
                         f"{what}: ListRegistrations unchanged")
        self.assertEqual(harness.sqlite_snapshot(self.db), self.tables_before,
                         f"{what}: every table of the store unchanged")
        # The server learns of a cancellation or a vanished client asynchronously; a cleanup
        # that never happens fails after a bounded wait.
        give_up = time.monotonic() + 30
        while self.staging_files() != self.files_before and time.monotonic() < give_up:
            time.sleep(0.1)
        self.assertEqual(self.staging_files(), self.files_before,
                         f"{what}: no staged file left behind")
        # And the server still works end to end.
        _, verdict = harness.drain(self.server.stub.Verify(
            harness.verify_stream(self.kept.id, self.model), timeout=harness.CALL_TIMEOUT),
            "verdict")
        self.assertTrue(verdict.pirated)

    def upload_gate(self, model_chunks_first):
        """A RegisterModel stream that sends its header, the keys and `model_chunks_first`
        chunks of a 3 MiB model (declared in full), then waits."""
        model = self.model + bytes(3 * harness.MiB - len(self.model))
        messages = list(harness.register_stream("owner", "interrupted", self.npy, model,
                                                chunk=256 * 1024))
        head = 2 + model_chunks_first  # header, one key chunk, model chunks
        return harness.Gate(messages[:head], messages[head:])

    def staged_during(self, gate):
        """Whether the server staged anything visible while the gate held (reported, not
        required: it may stage elsewhere or not at all before the upload completes)."""
        return sorted(self.staging_files() - self.files_before)

    # --- cases --------------------------------------------------------------------------------

    def test_register_cancelled_mid_upload(self):
        gate = self.upload_gate(model_chunks_first=4)
        call = self.server.stub.RegisterModel(iter(gate), timeout=harness.CALL_TIMEOUT)
        events = []
        reader = threading.Thread(target=lambda: self._read(call, events), daemon=True)
        reader.start()
        self.assertTrue(gate.sent.wait(harness.CALL_TIMEOUT), "the client sent its chunks")
        self._wait_received(events, 4 * 256 * 1024)
        print("staged while the upload was held:", self.staged_during(gate))
        call.cancel()
        gate.release.set()
        reader.join(harness.CALL_TIMEOUT)
        self.assertEqual(call.code(), Code.CANCELLED)
        self.assertFalse([e for e in events if e.WhichOneof("event") == "registration"])
        self.assertNoTrace("a RegisterModel cancelled mid-upload")

    def test_register_deadline_mid_upload(self):
        gate = self.upload_gate(model_chunks_first=2)
        call = self.server.stub.RegisterModel(iter(gate), timeout=3)
        with self.assertRaises(grpc.RpcError) as caught:
            list(call)
        gate.release.set()
        self.assertEqual(caught.exception.code(), Code.DEADLINE_EXCEEDED)
        self.assertNoTrace("a RegisterModel past its deadline mid-upload")

    def test_register_cancelled_during_extraction(self):
        """Cancelled once the server reports extraction under way: nothing is stored."""
        many = harness.fashion_keys(2000)
        call = self.server.stub.RegisterModel(
            harness.register_stream("owner", "cancelled-late", harness.npy_bytes(many),
                                    self.model), timeout=harness.CALL_TIMEOUT)
        seen = []
        for event in call:
            seen.append(event)
            if event.WhichOneof("event") == "registration":
                self.fail("the registration finished before the test could cancel it; "
                          "extraction reported no progress in between")
            if event.progress.stage == pb.STAGE_EXTRACTING and \
                    0 < event.progress.done < event.progress.total:
                call.cancel()
                break
        else:
            self.fail(f"the stream ended without extraction progress: {seen}")
        with self.assertRaises(grpc.RpcError) as caught:
            list(call)
        self.assertEqual(caught.exception.code(), Code.CANCELLED)
        self.assertNoTrace("a RegisterModel cancelled during extraction")

    def test_client_killed_mid_upload(self):
        """A client process that dies mid-upload (SIGKILL: no goodbye, the connection drops)."""
        proc = subprocess.Popen([sys.executable, os.path.join(HERE, "test_interrupt.py"),
                                 "--hanging-client", self.server.address],
                                stdout=subprocess.PIPE, text=True)
        try:
            line = proc.stdout.readline().strip()
            self.assertEqual(line, "sent", "the hanging client reports its chunks sent")
            # Its chunks are on the way; the server must see them before the client dies.
            deadline = time.monotonic() + 10
            while not self.staging_files() - self.files_before and time.monotonic() < deadline:
                time.sleep(0.05)
            print("staged while the client hung:", sorted(self.staging_files() -
                                                          self.files_before))
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            proc.stdout.close()
        self.assertNoTrace("a client killed mid-upload")

    def _read(self, call, events):
        try:
            for event in call:
                events.append(event)
        except grpc.RpcError:
            pass

    def _wait_received(self, events, size):
        """Waits (bounded) until the server reports having received `size` bytes of the model,
        when it reports receiving at all; the cancellation then lands mid-upload for sure."""
        give_up = time.monotonic() + 10
        while time.monotonic() < give_up:
            received = [e.progress.done for e in events
                        if e.WhichOneof("event") == "progress"
                        and e.progress.stage == pb.STAGE_RECEIVING]
            if received and max(received) >= size:
                return
            time.sleep(0.05)
        print("no RECEIVING progress reached", size, "bytes; cancelling anyway")


def hanging_client(address):
    """The body of the client process test_client_killed_mid_upload kills."""
    channel = grpc.insecure_channel(address, options=harness.CHANNEL_OPTIONS)
    stub = harness.pb_grpc.FingerprintingStub(channel)
    keys = harness.npy_bytes(harness.fashion_keys(4))
    # Straight from the shared directory: this process is killed, so it keeps no copies.
    model = harness.read(os.path.join(harness.TESTDATA, "vgg_like.pt"))
    model += bytes(3 * harness.MiB - len(model))
    messages = list(harness.register_stream("owner", "killed", keys, model, chunk=256 * 1024))
    gate = harness.Gate(messages[:6], messages[6:])
    call = stub.RegisterModel(iter(gate), timeout=harness.CALL_TIMEOUT)
    gate.sent.wait()
    print("sent", flush=True)
    for _ in call:  # blocks until killed
        pass


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--hanging-client":
        hanging_client(sys.argv[2])
    else:
        harness.main()
