#!/usr/bin/env python3
"""A scriptable OpenAI-compatible chat completions server that stands for the AI provider
in pg_comply's tests. Python 3 standard library only.

    python3 test/ai_server.py [--host 127.0.0.1] [--port 0] [--port-file F] [--log FILE]
                              [--verbose] [--tls-cert CERT.pem --tls-key KEY.pem]

It listens on 127.0.0.1 by default; --port 0 picks a free port, and the port number is
written to --port-file (atomically: the file appears complete) once the server accepts
connections. Each connection has its own thread (HTTP/1.1 keep-alive). SIGTERM or SIGINT
stops it cleanly (exit status 0).

Provider endpoint
-----------------
POST <any prefix>/hook stands for an alert webhook: it is recorded and answered like the
provider endpoint (any 200 acknowledges an alert; the modes make it fail).

POST <any prefix>/chat/completions (the tests use /v1/chat/completions) answers according
to a behaviour: the next one of the script if any is left, else the default behaviour.
Every such request is recorded, in memory and as one JSON line appended to --log:

    {"seq": 1, "time": 1700000000.1, "method": "POST", "path": "/v1/chat/completions",
     "headers": {...lower-case names, without authorization...},
     "authorization_present": true, "authorization_sha256": "<hex of the header value>",
     "authorization": "Bearer sk-...",   # in memory only, never in the log file
     "body": <the request body parsed as JSON, or its text if it is not JSON>,
     "body_is_json": true, "mode": "ok"}

The full Authorization value is kept in memory so that a test can check that the key
arrived; the log file on disk holds only its SHA-256.

Behaviours
----------
A behaviour is a JSON object {"mode": M, ...options}; a bare string "M" means {"mode": M}.
Any behaviour may carry "delay_ms" (wait that long before acting), and
"reject_containing": a text; a request whose body holds it gets 400 whatever the mode
(a receiver that refuses one payload for good).

    ok         200 with a chat completion whose message content is the JSON text
               {"label": L, "confidence": C, "rationale": "test"}. L is the label of the
               first key of "rules" ({"keyword": "label"}) found in the user messages
               (case-insensitive), else "label" if given, else the first label of the
               request's response_format enum (else "unknown"). C is "confidence"
               (default 0.95), the rationale "rationale" (default "test").
    delay      ok after "delay_ms" (default 100)
    error      "status" (default 500) with an OpenAI-style error body; "retry_after", if
               given, is sent as a Retry-After header
    ratelimit  429 with Retry-After: "retry_after" (default 1; a string is sent as is,
               for an HTTP-date)
    malformed  200, message content that is not JSON
    badlabel   200, a label outside the request's enum
    refusal    200, content null and a "refusal" text
    badjson    200, an HTTP body that is not JSON at all (text/html)
    large      200, an ok answer padded to "bytes" (default 9 MiB); "chunked": true sends
               it without Content-Length
    redirect   302 to "location" (default /v1/chat/completions)
    drop       reads the request, then closes the connection without any response
    hang       never answers; gives up when the client closes the connection, or after
               "max_seconds" (default 600), or when the server stops

Control endpoints (not recorded)
--------------------------------
    POST /_control/mode          body: a behaviour; it becomes the default -> {"ok": true}
    POST /_control/script        body: a JSON list of behaviours, used one per provider
                                 request before the default; replaces what is left
    GET|POST /_control/requests  -> JSON array of the recorded requests, oldest first
    GET|POST /_control/stats     -> {"requests": n, "in_flight": n, "max_in_flight": n,
                                     "script_left": n}
    POST /_control/reset         forgets records, script and stats, and sets the default
                                 back to {"mode": "ok"}
    GET|POST /_control/health    -> 200 {"ok": true}

A bad control body or an unknown mode gets 400; an unknown path 404.
"""

import argparse
import collections
import hashlib
import json
import os
import select
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODES = {"ok", "delay", "error", "ratelimit", "malformed", "badlabel", "refusal", "badjson",
         "large", "redirect", "drop", "hang"}
MAX_BODY = 16 << 20
STOP = threading.Event()


class State:
    """What the server remembers, shared by the handler threads under one lock."""

    def __init__(self, log_path):
        self.lock = threading.Lock()
        self.log_path = log_path
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path else None
        self.in_flight = 0
        self.reset()

    def reset(self):
        self.default = {"mode": "ok"}
        self.script = collections.deque()
        self.records = []
        self.seq = 0
        # in_flight counts the requests being answered now, not since the last reset: a
        # hanging request of the test before may still be noticing its client left, and
        # its leave() took the count to -1 (a test then waited 30 s for it to be 0).
        self.max_in_flight = self.in_flight

    def record(self, entry):
        with self.lock:
            self.seq += 1
            entry["seq"] = self.seq
            self.records.append(entry)
            if self.log_file:
                on_disk = {k: v for k, v in entry.items() if k != "authorization"}
                self.log_file.write(json.dumps(on_disk, sort_keys=True) + "\n")
                self.log_file.flush()

    def next_behaviour(self):
        with self.lock:
            return self.script.popleft() if self.script else dict(self.default)

    def enter(self):
        with self.lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self):
        with self.lock:
            self.in_flight -= 1


def normalise(behaviour):
    """Returns behaviour as a dict with a known mode, or raises ValueError."""
    if isinstance(behaviour, str):
        behaviour = {"mode": behaviour}
    if not isinstance(behaviour, dict):
        raise ValueError("a behaviour is an object or a mode name")
    mode = behaviour.get("mode", "ok")
    if mode not in MODES:
        raise ValueError("unknown mode %r" % (mode,))
    out = dict(behaviour)
    out["mode"] = mode
    return out


def labels_of(request):
    """The label enum of the request's response_format, or []."""
    try:
        enum = (request["response_format"]["json_schema"]["schema"]["properties"]["label"]
                ["enum"])
        return [x for x in enum if isinstance(x, str)]
    except (KeyError, TypeError):
        return []


def user_text(request):
    """The text of the request's user messages."""
    parts = []
    messages = request.get("messages") if isinstance(request, dict) else None
    for m in messages if isinstance(messages, list) else []:
        if not isinstance(m, dict) or m.get("role") != "user":
            continue
        content = m.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p.get("text", "") for p in content
                         if isinstance(p, dict) and isinstance(p.get("text"), str))
    return "\n".join(parts)


def completion(request, content, refusal=None):
    """A chat completion object around content, shaped like OpenAI's."""
    model = request.get("model") if isinstance(request, dict) else None
    prompt = sum(len(str(m.get("content", "")).split())
                 for m in (request.get("messages") or []) if isinstance(m, dict)) \
        if isinstance(request, dict) else 0
    answer_tokens = len(content.split()) if isinstance(content, str) else 0
    return {
        "id": "chatcmpl-test-%d" % int(time.time() * 1e6),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model if isinstance(model, str) else "test-model",
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": content, "refusal": refusal},
            "logprobs": None,
            "finish_reason": "stop",
        }],
        "usage": {"prompt_tokens": prompt, "completion_tokens": answer_tokens,
                  "total_tokens": prompt + answer_tokens},
    }


def ok_content(request, behaviour):
    """The JSON text of an ok answer to request under behaviour."""
    labels = labels_of(request)
    label = None
    text = user_text(request).lower()
    rules = behaviour.get("rules")
    if isinstance(rules, dict):
        for keyword, rule_label in rules.items():
            if keyword.lower() in text:
                label = rule_label
                break
    if label is None:
        label = behaviour.get("label") or (labels[0] if labels else "unknown")
    return json.dumps({"label": label, "confidence": behaviour.get("confidence", 0.95),
                       "rationale": behaviour.get("rationale", "test")})


def sleep_unless_stopped(seconds):
    deadline = time.monotonic() + seconds
    while not STOP.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, 0.05))


class Handler(BaseHTTPRequestHandler):
    # Headers and body go out in separate writes; without this, a reused keep-alive
    # connection waits for the client's delayed ACK (about 40 ms) before the body.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server_version = "pg_comply_ai_server/1"

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("ai_server: " + (fmt % args) + "\n")

    # -- plumbing --------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def send(self, status, body, content_type="application/json", headers=()):
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_json(self, status, obj, headers=()):
        self.send(status, json.dumps(obj).encode(), "application/json", headers)

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def do_PUT(self):
        self.route("PUT")

    def do_DELETE(self):
        self.route("DELETE")

    def route(self, method):
        state = self.server.state
        try:
            raw = self.read_body()
        except (ValueError, OSError):
            self.send_json(400, {"error": "bad request body"})
            self.close_connection = True
            return
        path = self.path.split("?", 1)[0]
        if path.startswith("/_control/"):
            self.control(method, path[len("/_control/"):], raw, state)
        elif path.endswith("/chat/completions") or path.endswith("/hook"):
            if method != "POST":
                self.send_json(405, {"error": {"message": "use POST", "type": "invalid_request_error"}})
                return
            state.enter()
            try:
                self.chat(method, path, raw, state)
            finally:
                state.leave()
        else:
            self.send_json(404, {"error": {"message": "not found", "type": "invalid_request_error"}})

    # -- control -----------------------------------------------------------------------

    def control(self, method, name, raw, state):
        try:
            body = json.loads(raw) if raw.strip() else None
        except ValueError:
            self.send_json(400, {"error": "control body is not JSON"})
            return
        if name == "health":
            self.send_json(200, {"ok": True})
        elif name == "requests":
            with state.lock:
                records = list(state.records)
            self.send_json(200, records)
        elif name == "stats":
            with state.lock:
                stats = {"requests": state.seq, "in_flight": state.in_flight,
                         "max_in_flight": state.max_in_flight, "script_left": len(state.script)}
            self.send_json(200, stats)
        elif name == "reset" and method == "POST":
            with state.lock:
                state.reset()
            self.send_json(200, {"ok": True})
        elif name == "mode" and method == "POST":
            try:
                behaviour = normalise(body)
            except ValueError as e:
                self.send_json(400, {"error": str(e)})
                return
            with state.lock:
                state.default = behaviour
            self.send_json(200, {"ok": True})
        elif name == "script" and method == "POST":
            try:
                if not isinstance(body, list):
                    raise ValueError("a script is a JSON list of behaviours")
                script = [normalise(b) for b in body]
            except ValueError as e:
                self.send_json(400, {"error": str(e)})
                return
            with state.lock:
                state.script = collections.deque(script)
            self.send_json(200, {"ok": True})
        else:
            self.send_json(404, {"error": "unknown control endpoint"})

    # -- provider ----------------------------------------------------------------------

    def chat(self, method, path, raw, state):
        behaviour = state.next_behaviour()
        mode = behaviour["mode"]
        auth = self.headers.get("Authorization")
        try:
            request = json.loads(raw)
            is_json = True
        except ValueError:
            request = raw.decode("utf-8", "replace")
            is_json = False
        state.record({
            "time": time.time(),
            "method": method,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()
                        if k.lower() != "authorization"},
            "authorization_present": auth is not None,
            "authorization_sha256": hashlib.sha256(auth.encode()).hexdigest() if auth else None,
            "authorization": auth,
            "body": request,
            "body_is_json": is_json,
            "mode": mode,
        })
        if not isinstance(request, dict):
            request = {}

        reject = behaviour.get("reject_containing")
        if isinstance(reject, str) and reject and reject.encode("utf-8") in raw:
            self.send_json(400, {"error": {"message": "rejected", "type": "invalid_request_error"}})
            return

        delay_ms = behaviour.get("delay_ms", 100 if mode == "delay" else 0)
        if delay_ms:
            sleep_unless_stopped(float(delay_ms) / 1000.0)

        if mode in ("ok", "delay"):
            self.send_json(200, completion(request, ok_content(request, behaviour)))
        elif mode == "error":
            status = int(behaviour.get("status", 500))
            headers = []
            if "retry_after" in behaviour:
                headers.append(("Retry-After", str(behaviour["retry_after"])))
            self.send_json(status, {"error": {"message": "test error", "type": "server_error",
                                              "code": "test_error_%d" % status}}, headers)
        elif mode == "ratelimit":
            self.send_json(429, {"error": {"message": "rate limited", "type": "requests",
                                           "code": "rate_limit_exceeded"}},
                           [("Retry-After", str(behaviour.get("retry_after", 1)))])
        elif mode == "malformed":
            self.send_json(200, completion(request, "I think this is a contract, probably."))
        elif mode == "badlabel":
            content = json.dumps({"label": "NOT-A-LABEL-%d" % state.seq, "confidence": 0.9,
                                  "rationale": "test"})
            self.send_json(200, completion(request, content))
        elif mode == "refusal":
            self.send_json(200, completion(request, None, "I can't help with that."))
        elif mode == "badjson":
            self.send(200, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        elif mode == "large":
            self.send_large(request, behaviour)
        elif mode == "redirect":
            self.send_json(302, {}, [("Location", behaviour.get("location", "/v1/chat/completions"))])
        elif mode == "drop":
            self.close_connection = True
        elif mode == "hang":
            self.hang(float(behaviour.get("max_seconds", 600)))

    def send_large(self, request, behaviour):
        size = int(behaviour.get("bytes", 9 << 20))
        obj = completion(request, ok_content(request, behaviour))
        base = json.dumps(obj)
        obj["padding"] = "x" * max(0, size - len(base) - 16)
        body = json.dumps(obj).encode()
        if not behaviour.get("chunked"):
            self.send_json(200, obj)
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    def hang(self, max_seconds):
        """Waits without answering until the client closes the connection."""
        sock = self.connection
        deadline = time.monotonic() + max_seconds
        while not STOP.is_set() and time.monotonic() < deadline:
            readable, _, _ = select.select([sock], [], [], 0.05)
            if not readable:
                continue
            try:
                if not sock.recv(1, socket.MSG_PEEK):
                    break  # the client closed the connection
            except OSError:
                break
            time.sleep(0.05)
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, state, verbose):
        self.state = state
        self.verbose = verbose
        super().__init__(address, Handler)

    def handle_error(self, request, client_address):
        if self.verbose:
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file")
    parser.add_argument("--log")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--tls-cert", help="serve HTTPS with this PEM certificate")
    parser.add_argument("--tls-key", help="the certificate's PEM private key")
    args = parser.parse_args()

    def on_signal(signum, frame):
        STOP.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server = Server((args.host, args.port), State(args.log), args.verbose)
    if args.tls_cert:
        # HTTPS, so tests can show that the client verifies the certificate.
        import ssl
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                              daemon=True)
    thread.start()
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.replace(tmp, args.port_file)
    if args.verbose:
        sys.stderr.write("ai_server: listening on %s:%d\n" % (args.host, port))

    while not STOP.is_set():
        time.sleep(0.1)
    server.shutdown()
    server.server_close()
    if server.state.log_file:
        server.state.log_file.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
