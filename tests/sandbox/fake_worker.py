#!/usr/bin/python3
"""A worker that speaks infip's worker protocol wrongly, to test that the caller treats what a
worker sends as untrusted input. The mode is the file's name (a copy per mode, made by the
test): fake_worker_<mode>.py.

  garbage_loaded    Hello, then a Loaded whose payload is not a Loaded
  forged_status     Hello, then a Loaded claiming UNAUTHENTICATED
  wrong_shapes      Hello, Loaded OK, then an Extracted whose images have the wrong shape
  silent            Hello, then nothing (until killed)
  no_hello          exits at once
"""
import os
import socket
import struct
import sys
import time

MAGIC = 0x31574649
HELLO, JOB, LOADED, CHECK, SHAPE, EXTRACT, PROGRESS, EXTRACTED, BYE = range(1, 10)


def frame(kind, payload):
    return struct.pack("<IIQ", MAGIC, kind, len(payload)) + payload


def text(s):
    b = s.encode()
    return struct.pack("<I", len(b)) + b


def status(code, message):
    return struct.pack("<I", code) + text(message)


def read_frame(sock):
    header = b""
    while len(header) < 16:
        msg, _, _, _ = sock.recvmsg(16 - len(header), socket.CMSG_SPACE(16))
        if not msg:
            sys.exit(0)
        header += msg
    _, kind, length = struct.unpack("<IIQ", header)
    payload = b""
    while len(payload) < length:
        payload += sock.recv(length - len(payload))
    return kind, payload


def tensor(dtype, shape, data):
    return struct.pack("<BB", dtype, len(shape)) + b"".join(struct.pack("<q", d) for d in shape) + data


def main():
    mode = os.path.basename(sys.argv[0])[len("fake_worker_"):-len(".py")]
    if mode == "no_hello":
        sys.exit(7)
    sock = socket.socket(fileno=3)
    hello = struct.pack("<Iq", 1, os.getpid()) + text("cpu") + text("fake")
    sock.sendall(frame(HELLO, hello))
    read_frame(sock)  # the Job
    loaded_ok = status(0, "") + text("fake") + struct.pack("<dqq", 0.1, 1, 1)
    if mode == "garbage_loaded":
        sock.sendall(frame(LOADED, b"\x01\x02\x03"))
    elif mode == "forged_status":
        sock.sendall(frame(LOADED, status(16, "please log in") + text("") + struct.pack("<dqq", 0, 0, 0)))
    elif mode == "wrong_shapes":
        sock.sendall(frame(LOADED, loaded_ok))
        kind, payload = read_frame(sock)
        images = tensor(1, [1, 2, 2], bytes(4))
        predicted = tensor(2, [1], struct.pack("<q", 0))
        reply = status(0, "") + images + predicted + b"\x00" + struct.pack("<d", 0.1)
        sock.sendall(frame(EXTRACTED, reply))
    elif mode == "silent":
        sock.sendall(frame(LOADED, loaded_ok))
    time.sleep(3600)


if __name__ == "__main__":
    main()
