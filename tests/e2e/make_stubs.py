#!/usr/bin/python3
"""Generates the Python messages and gRPC stubs of proto/infip/v1 for the end-to-end tests
(the ctest fixture infip_e2e_stubs), then imports them once to prove they load with the
grpcio and protobuf this machine has. Nothing generated is ever committed.

  make_stubs.py --protoc PROTOC --grpc-python-plugin PLUGIN --proto-dir DIR --out DIR

The system protoc is used rather than grpc_tools' bundled one: Debian's grpc_tools (1.14)
predates proto3 `optional`, which infip.proto uses.
"""
import argparse
import importlib
import os
import shutil
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--protoc", required=True)
    ap.add_argument("--grpc-python-plugin", required=True)
    ap.add_argument("--proto-dir", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    for tool in (args.protoc, args.grpc_python_plugin):
        if not (os.path.isfile(tool) and os.access(tool, os.X_OK)):
            sys.exit(f"make_stubs: {tool} is not an executable file (install protobuf-compiler "
                     "and protobuf-compiler-grpc)")
    # A fresh directory each time, so stubs of a removed message never linger.
    shutil.rmtree(args.out, ignore_errors=True)
    os.makedirs(args.out)
    proto_dir, out = os.path.abspath(args.proto_dir), os.path.abspath(args.out)
    cmd = [args.protoc, f"--proto_path={proto_dir}", f"--python_out={out}",
           f"--grpc_python_out={out}",
           f"--plugin=protoc-gen-grpc_python={args.grpc_python_plugin}",
           os.path.join(proto_dir, "infip", "v1", "infip.proto")]
    print("$", " ".join(cmd))
    subprocess.run(cmd, check=True)

    sys.path.insert(0, out)
    pb = importlib.import_module("infip.v1.infip_pb2")
    rpc = importlib.import_module("infip.v1.infip_pb2_grpc")
    service = pb.DESCRIPTOR.services_by_name["Fingerprinting"]
    if not hasattr(rpc, "FingerprintingStub"):
        sys.exit("make_stubs: the generated module has no FingerprintingStub")
    print(f"stubs for {service.full_name} ({len(service.methods)} methods) in {args.out}")


if __name__ == "__main__":
    main()
