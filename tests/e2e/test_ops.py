#!/usr/bin/python3
"""What an operator relies on: the gRPC health service, server reflection, the Prometheus
metrics endpoint (checked by promtool, and its request counters against the calls made), a
full work queue refused with RESOURCE_EXHAUSTED, and a clean exit on SIGTERM (every
ServerTestCase checks exit status 0 when it stops its server).
"""
import re
import signal
import subprocess
import threading

import grpc
from google.protobuf import descriptor_pb2

import harness
from harness import pb

Code = grpc.StatusCode
# A registration long enough to hold the only worker while the test acts (about a second on
# two busy CPU cores in batches of 4; the test's own requests take milliseconds).
LONG_KEYS = 2048
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """Prometheus text format -> {(name, ((label, value), ...)): float}."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            raise AssertionError(f"not a sample line: {line!r}")
        labels = tuple(sorted(LABEL.findall(m.group(3) or "")))
        samples[(m.group(1), labels)] = float(m.group(4))
    return samples


def total(samples, name, **labels):
    """The sum of `name`'s samples whose labels include `labels` (0 when there are none)."""
    want = set(labels.items())
    return sum(v for (n, l), v in samples.items() if n == name and want <= set(l))


class OpsTest(harness.ServerTestCase):

    def test_health(self):
        self.assertEqual(harness.health_status(self.server.channel), harness.HEALTH_SERVING)
        # The service by name too (docs/server.md, "Health").
        self.assertEqual(harness.health_status(self.server.channel, harness.SERVICE),
                         harness.HEALTH_SERVING)
        with self.assertRaises(grpc.RpcError) as caught:
            harness.health_status(self.server.channel, "no.such.Service")
        self.assertEqual(caught.exception.code(), Code.NOT_FOUND)

    def test_reflection_lists_the_service(self):
        list_services = harness.encode_string_field(7, "*")
        fields = harness.reflection_call(self.server.channel, list_services)
        replies = [v for n, v in fields if n == 6]  # list_services_response
        self.assertEqual(len(replies), 1, f"no list_services_response in {fields}")
        names = [dict(harness.decode_fields(s))[1].decode()
                 for n, s in harness.decode_fields(replies[0]) if n == 1]
        self.assertIn(harness.SERVICE, names)
        self.assertIn("grpc.health.v1.Health", names)

    def test_reflection_describes_the_service(self):
        by_symbol = harness.encode_string_field(4, harness.SERVICE)  # file_containing_symbol
        fields = harness.reflection_call(self.server.channel, by_symbol)
        replies = [v for n, v in fields if n == 4]  # file_descriptor_response
        self.assertEqual(len(replies), 1, f"no file_descriptor_response in {fields}")
        files = [descriptor_pb2.FileDescriptorProto.FromString(v)
                 for n, v in harness.decode_fields(replies[0]) if n == 1]
        services = {f"{f.package}.{s.name}": s for f in files for s in f.service}
        self.assertIn(harness.SERVICE, services)
        expected = pb.DESCRIPTOR.services_by_name["Fingerprinting"]
        self.assertEqual(sorted(m.name for m in services[harness.SERVICE].method),
                         sorted(m.name for m in expected.methods),
                         "the server describes the service of proto/infip/v1/infip.proto")

    def promtool_checked(self):
        text = self.server.metrics()
        proc = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                              capture_output=True)
        self.assertEqual(proc.returncode, 0, f"promtool check metrics:\n{proc.stdout}"
                                             f"{proc.stderr}")
        return parse_metrics(text)

    def test_metrics(self):
        """The documented metrics (docs/server.md) against exactly the calls made between two
        scrapes (a scrape is HTTP, so it does not count itself)."""
        stub = self.server.stub
        info = self.server.info()
        keys = harness.npy_bytes(harness.fashion_keys(3))
        model = harness.read(harness.model_path("vgg_like.pt"))
        suspect = harness.read(harness.model_path("vgg_like_other.pt"))
        before = self.promtool_checked()

        for _ in range(5):
            stub.GetServerInfo(pb.GetServerInfoRequest())
        with self.assertRaises(grpc.RpcError):
            stub.GetRegistration(pb.GetRegistrationRequest(id="reg_00000000000000ff"))
        _, r = harness.drain(stub.RegisterModel(harness.register_stream("o", "m", keys, model)),
                             "registration")
        harness.drain(stub.Verify(harness.verify_stream(r.id, suspect)), "verdict")
        with self.assertRaises(grpc.RpcError) as denied:
            harness.drain(stub.Verify(harness.verify_stream(
                r.id, handle="file://" + harness.model_path("vgg_like.pt"))), "verdict")
        self.assertEqual(denied.exception.code(), Code.PERMISSION_DENIED)

        after = self.promtool_checked()
        delta = lambda name, **labels: total(after, name, **labels) - \
            total(before, name, **labels)  # noqa: E731
        requests = "infip_requests_total"
        self.assertEqual(delta(requests, method="GetServerInfo", code="OK"), 5)
        self.assertEqual(delta(requests, method="GetRegistration", code="NOT_FOUND"), 1)
        self.assertEqual(delta(requests, method="RegisterModel", code="OK"), 1)
        self.assertEqual(delta(requests, method="Verify", code="OK"), 1)
        self.assertEqual(delta(requests, method="Verify", code="PERMISSION_DENIED"), 1)
        self.assertEqual(delta(requests), 9, "no call counted twice, none left out")
        self.assertEqual(delta("infip_request_duration_seconds_count", method="Verify"), 2)
        self.assertEqual(delta("infip_received_bytes_total", source="upload"),
                         len(keys) + len(model) + len(suspect))
        self.assertEqual(delta("infip_received_bytes_total", source="fetch"), 0)
        self.assertEqual(delta("infip_extraction_images_total"), 3 + 3)
        self.assertEqual(delta("infip_extraction_duration_seconds_count"), 2)
        self.assertEqual(total(after, "infip_registrations"), 1)
        self.assertEqual(total(after, "infip_workers"), 1 if info.device == "cpu" else 2,
                         "auto: one worker on the CPU, two on a GPU")
        self.assertEqual(total(after, "infip_queue_depth"), 0)
        self.assertEqual(total(after, "infip_workers_busy"), 0)
        self.assertEqual(total(after, "infip_build_info", version=info.version,
                               engine_version=info.engine_version, device=info.device), 1)


class QueueTest(harness.ServerTestCase):
    """One worker and no room to wait: while a long extraction holds the worker, another
    request is refused at once with RESOURCE_EXHAUSTED. The long one is a registration of
    LONG_KEYS keys in batches of 4 (hundreds of steps), and the second request is sent only
    once the first reports that extraction is under way."""
    SERVER_ARGS = {"extra_flags": ["--workers", "1", "--queue-depth", "0", "--batch-size", "4"]}

    def test_full_queue(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        small = harness.npy_bytes(harness.fashion_keys(2))
        running = Follow(self.server.stub.RegisterModel(harness.register_stream(
            "owner", "long", harness.npy_bytes(harness.fashion_keys(LONG_KEYS)), model),
            timeout=harness.CALL_TIMEOUT), "registration")
        self.assertTrue(running.extracting.wait(harness.CALL_TIMEOUT))
        self.assertFalse(running.done.is_set(), f"the long registration is still running: "
                                                f"{running.outcome}")
        err = self.assertRpcError(Code.RESOURCE_EXHAUSTED, lambda: harness.drain(
            self.server.stub.RegisterModel(harness.register_stream("owner", "second", small,
                                                                   model)), "registration"))
        print("refused:", err.details())
        self.assertTrue(running.done.wait(harness.CALL_TIMEOUT))
        self.assertIn("registration", running.outcome, "the long registration completed")
        # With the worker free again, the same request goes through.
        _, second = harness.drain(self.server.stub.RegisterModel(
            harness.register_stream("owner", "second", small, model)), "registration")
        self.assertEqual(second.key_count, 2)


class DrainTest(harness.ServerTestCase):
    """SIGTERM while one request runs and one waits for the worker: the waiting one is told
    UNAVAILABLE at once (so that it retries elsewhere), the running one finishes within the
    grace period, and the server exits 0 (checked by tearDownClass)."""
    SERVER_ARGS = {"extra_flags": ["--workers", "1", "--queue-depth", "1", "--batch-size", "4",
                                   "--grace-period", "120s"]}

    def test_sigterm_drains(self):
        model = harness.read(harness.model_path("vgg_like.pt"))
        running = Follow(self.server.stub.RegisterModel(harness.register_stream(
            "owner", "long", harness.npy_bytes(harness.fashion_keys(LONG_KEYS)), model),
            timeout=harness.CALL_TIMEOUT), "registration")
        self.assertTrue(running.extracting.wait(harness.CALL_TIMEOUT), running.outcome)
        waiting = Follow(self.server.stub.RegisterModel(harness.register_stream(
            "owner", "waiting", harness.npy_bytes(harness.fashion_keys(2)), model),
            timeout=harness.CALL_TIMEOUT), "registration")
        self.assertTrue(waiting.queued.wait(harness.CALL_TIMEOUT), waiting.outcome)
        self.assertFalse(running.done.is_set(), "the long registration is still running")

        self.server.proc.send_signal(signal.SIGTERM)
        self.assertTrue(waiting.done.wait(harness.CALL_TIMEOUT))
        self.assertIn("error", waiting.outcome, waiting.outcome)
        self.assertEqual(waiting.outcome["error"].code(), Code.UNAVAILABLE)
        self.assertTrue(running.done.wait(harness.CALL_TIMEOUT))
        self.assertIn("registration", running.outcome,
                      "the running registration finished during the grace period")
        self.assertEqual(self.server.proc.wait(harness.STOP_TIMEOUT), 0)


class Follow:
    """Reads a call's events on a thread: sets `extracting` at the first EXTRACTING progress
    (with keys still to do), `queued` at a QUEUED place in line, `done` at the end."""

    def __init__(self, events, final_field):
        self.extracting, self.queued, self.done = (threading.Event(), threading.Event(),
                                                   threading.Event())
        self.outcome = {}
        self._thread = threading.Thread(target=self._run, args=(events, final_field),
                                        daemon=True)
        self._thread.start()

    def _run(self, events, final_field):
        try:
            for event in events:
                if event.WhichOneof("event") == final_field:
                    self.outcome[final_field] = getattr(event, final_field)
                    continue
                p = event.progress
                if p.stage == pb.STAGE_EXTRACTING and p.done < p.total:
                    self.extracting.set()
                if p.stage == pb.STAGE_QUEUED and p.done >= 1:
                    self.queued.set()
        except grpc.RpcError as e:
            self.outcome["error"] = e
        finally:
            self.done.set()
            self.extracting.set()
            self.queued.set()


if __name__ == "__main__":
    harness.main()
