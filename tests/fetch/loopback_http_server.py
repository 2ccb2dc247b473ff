#!/usr/bin/env python3
"""A loopback-only HTTP(S) server for the fetch tests.

Binds 127.0.0.1 on a free port, writes the port to --port-file once it listens, appends
every request path to --log, and exits on SIGTERM, when its parent dies, or after
--max-seconds. Routes:
  /files/NAME        NAME from --root, with Content-Length
  /stream/N          N bytes of b"x" without Content-Length (ends when the connection closes)
  /slow              declares 1000 bytes, then sends one every 0.5 s (at most 20 s)
  /status/CODE       answers CODE
  /redirect?to=URL   302 to URL
  /loop              302 to itself
"""
import argparse
import http.server
import os
import signal
import ssl
import sys
import threading
import time
import urllib.parse


def make_handler(root, log_path):
    log_lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        # HTTP/1.0: one request per connection, so a body without a length ends at close.
        protocol_version = "HTTP/1.0"

        def log_message(self, fmt, *args):
            pass

        def send_body(self, code, body, headers=()):
            self.send_response(code)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            with log_lock, open(log_path, "a") as log:
                log.write(self.path + "\n")
            url = urllib.parse.urlsplit(self.path)
            parts = url.path.split("/")
            try:
                if url.path.startswith("/files/") and len(parts) == 3 and parts[2]:
                    path = os.path.join(root, parts[2])
                    if not os.path.isfile(path):
                        return self.send_body(404, b"not found\n")
                    with open(path, "rb") as f:
                        return self.send_body(200, f.read())
                if url.path.startswith("/stream/") and len(parts) == 3:
                    remaining = int(parts[2])
                    self.send_response(200)
                    self.end_headers()
                    while remaining > 0:
                        n = min(remaining, 65536)
                        self.wfile.write(b"x" * n)
                        remaining -= n
                    return
                if url.path == "/slow":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(40):
                        self.wfile.write(b"s")
                        self.wfile.flush()
                        time.sleep(0.5)
                    return
                if url.path.startswith("/status/") and len(parts) == 3:
                    return self.send_body(int(parts[2]), b"status page\n")
                if url.path == "/redirect":
                    target = urllib.parse.parse_qs(url.query).get("to", [""])[0]
                    return self.send_body(302, b"moved\n", [("Location", target)])
                if url.path == "/loop":
                    return self.send_body(302, b"again\n", [("Location", "/loop")])
                return self.send_body(404, b"no such route\n")
            except (BrokenPipeError, ConnectionResetError):
                pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args.root, args.log))
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    open(args.log, "a").close()
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    parent = os.getppid()
    deadline = time.monotonic() + args.max_seconds
    while not stop.is_set() and os.getppid() == parent and time.monotonic() < deadline:
        stop.wait(0.2)
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
