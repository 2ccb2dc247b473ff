#!/usr/bin/python3
"""What an operator relies on: the gRPC health service, server reflection, the Prometheus
metrics endpoint (checked by promtool, and its request counters against the calls made), a
full work queue refused with RESOURCE_EXHAUSTED, and a clean exit on SIGTERM (every
ServerTestCase checks exit status 0 when it stops its server).
"""
import re
import subprocess
import threading

import grpc
from google.protobuf import descriptor_pb2

import harness
from harness import pb

Code = grpc.StatusCode
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


def method_counts(samples, method):
    """Per counter family (name), the sum of its samples labelled with `method` (a label value
    equal to the method's name or ending in /<method>). Only *_total families: counters."""
    out = {}
    for (name, labels), value in samples.items():
        if not name.endswith("_total"):
            continue
        if any(v == method or v.endswith("/" + method) for _, v in labels):
            out[name] = out.get(name, 0.0) + value
    return out


def code_counts(samples, method, code):
    out = {}
    for (name, labels), value in samples.items():
        values = [v for _, v in labels]
        if name.endswith("_total") and code in values and \
                any(v == method or v.endswith("/" + method) for v in values):
            out[name] = out.get(name, 0.0) + value
    return out


class OpsTest(harness.ServerTestCase):

    def test_health(self):
        self.assertEqual(harness.health_status(self.server.channel), harness.HEALTH_SERVING)
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

    def test_metrics(self):
        text = self.server.metrics()
        proc = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                              capture_output=True)
        self.assertEqual(proc.returncode, 0, f"promtool check metrics:\n{proc.stdout}"
                                             f"{proc.stderr}")
        before = parse_metrics(text)

        # Exactly these calls between the two scrapes (scraping is HTTP, not gRPC).
        calls = 5
        for _ in range(calls):
            self.server.stub.GetServerInfo(pb.GetServerInfoRequest())
        with self.assertRaises(grpc.RpcError):
            self.server.stub.GetRegistration(pb.GetRegistrationRequest(id="reg_00000000000000ff"))
        after = parse_metrics(self.server.metrics())

        moved = method_counts(after, "GetServerInfo")
        self.assertTrue(moved, "a request counter labelled with the method GetServerInfo "
                               f"exists; counters: {sorted({n for n, _ in after})}")
        was = method_counts(before, "GetServerInfo")
        for name, value in moved.items():
            self.assertEqual(value - was.get(name, 0.0), calls,
                             f"{name} counted the {calls} GetServerInfo calls")
        not_found = code_counts(after, "GetRegistration", "NOT_FOUND")
        self.assertTrue(not_found, "failed calls are counted with their status code")
        not_found_before = code_counts(before, "GetRegistration", "NOT_FOUND")
        for name, value in not_found.items():
            self.assertEqual(value - not_found_before.get(name, 0.0), 1, name)


class QueueTest(harness.ServerTestCase):
    """One worker and no room to wait: while a long extraction holds the worker, another
    request is refused at once with RESOURCE_EXHAUSTED. The long one is a registration of 4096
    keys in batches of 4 (about a thousand steps), and the second request is sent only once
    the first reports that extraction is under way."""
    SERVER_ARGS = {"extra_flags": ["--workers", "1", "--queue-depth", "0", "--batch-size", "4"]}

    def test_full_queue(self):
        keys = harness.npy_bytes(harness.fashion_keys(4096))
        model = harness.read(harness.model_path("vgg_like.pt"))
        small = harness.npy_bytes(harness.fashion_keys(2))
        events = self.server.stub.RegisterModel(
            harness.register_stream("owner", "long", keys, model), timeout=harness.CALL_TIMEOUT)
        started = threading.Event()
        outcome = {}

        def consume():
            try:
                for event in events:
                    if event.WhichOneof("event") == "registration":
                        outcome["registration"] = event.registration
                    elif event.progress.stage == pb.STAGE_EXTRACTING and \
                            event.progress.done < event.progress.total:
                        started.set()
            except grpc.RpcError as e:
                outcome["error"] = e
            started.set()

        reader = threading.Thread(target=consume, daemon=True)
        reader.start()
        self.assertTrue(started.wait(harness.CALL_TIMEOUT))
        self.assertNotIn("registration", outcome, "the long registration was still running")
        self.assertNotIn("error", outcome)
        err = self.assertRpcError(Code.RESOURCE_EXHAUSTED, lambda: harness.drain(
            self.server.stub.RegisterModel(harness.register_stream("owner", "second", small,
                                                                   model)), "registration"))
        print("refused:", err.details())
        reader.join(harness.CALL_TIMEOUT)
        self.assertIn("registration", outcome, "the long registration completed")
        # With the worker free again, the same request goes through.
        _, second = harness.drain(self.server.stub.RegisterModel(
            harness.register_stream("owner", "second", small, model)), "registration")
        self.assertEqual(second.key_count, 2)


if __name__ == "__main__":
    harness.main()
