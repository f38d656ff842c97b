"""One threaded HTTP server for all the stand-ins, plus the control API that tests and demos drive.

::

    /cdp/v1/{identify,track,batch,...}   Segment HTTP Tracking API          (segment.py)
    /loyalty/api/...                     Open Loyalty-style REST API         (loyalty.py)
    /webhook/<any>                       Standard Webhooks receiver          (webhook.py)

    POST   /_sandbox/faults    {"target", "mode", "status", "count", "retry_after", "delay", "path"}
    GET    /_sandbox/faults    the faults still waiting;  DELETE /_sandbox/faults clears them
    GET    /_sandbox/received?target=cdp[&limit=1000][&keys=0]
    POST   /_sandbox/reset     forget everything received, every member, every fault
    POST   /_sandbox/loyalty/expire-tokens
    GET    /_sandbox/health    targets and the sandbox credentials

Fault modes: "error" (answer ``status``, default 500), "throttle" (429 with ``Retry-After: retry_after``),
"timeout" (hold the request ``delay`` seconds, default 30, then 504), "slow" (wait ``delay``, default 1, then answer
normally), "reject" (a permanent ``status``, default 400). A fault fires on the next ``count`` requests to its target
(-1: until cleared) whose path contains ``path``. Faults fire before the protocol checks, as an outage would.
"""

from __future__ import annotations

import base64
import json
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .base import Reply, Request, StandIn
from .loyalty import LoyaltyStandIn
from .segment import SegmentStandIn
from .state import Fault, FaultBook
from .webhook import WebhookStandIn

#: The sandbox's own credentials: what a connector must be configured with to talk to it.
WRITE_KEY = "sandbox-write-key"
LOYALTY_USERNAME = "steward"
LOYALTY_PASSWORD = "sandbox-password"
LOYALTY_STORE = "DEFAULT"
WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"steward-sandbox-webhook-secret!!").decode()
MAX_BODY = 8 * 1024 * 1024


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the connectors' pooled sessions reuse connections
    disable_nagle_algorithm = True  # answers are small: send them at once
    server: SandboxServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # hundreds of requests a second: no per-request logging

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._send(Reply(413, b"request body too large"))
            return
        url = urlsplit(self.path)
        prefix, _, rest = url.path.lstrip("/").partition("/")
        request = Request(self.command, "/" + rest, dict(parse_qsl(url.query)), self.headers, body)
        try:
            if prefix == "_sandbox":
                reply = self.server.control(request)
            elif prefix in self.server.stand_ins:
                reply = self.server.serve(self.server.stand_ins[prefix], request)
            else:
                reply = Reply.json(404, {"message": f"no stand-in at /{prefix}"})
        except Exception:  # a bug in the sandbox: say so loudly, answer 500
            traceback.print_exc(file=sys.stderr)
            reply = Reply.json(500, {"message": "sandbox error"})
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        # One write per answer: each send is a system call, and the sandbox must stay cheap per request.
        phrase = self.responses.get(reply.status, ("",))[0]
        lines = [f"HTTP/1.1 {reply.status} {phrase}", "Server: steward-sandbox", f"Content-Length: {len(reply.body)}"]
        lines.extend(f"{name}: {value}" for name, value in reply.headers.items())
        if self.close_connection:
            lines.append("Connection: close")
        try:
            self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + reply.body)
        except OSError:  # the client gave up (a "timeout" fault outlived its timeout)
            self.close_connection = True


class SandboxServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # a held "timeout" request must not delay shutdown
    request_queue_size = 512
    allow_reuse_address = True
    server_address: tuple[str, int]  # an IPv4 socket's (host, port): the host is text, never bytes

    def __init__(
        self,
        address: tuple[str, int],
        *,
        write_key: str = WRITE_KEY,
        loyalty_username: str = LOYALTY_USERNAME,
        loyalty_password: str = LOYALTY_PASSWORD,
        loyalty_store: str = LOYALTY_STORE,
        loyalty_token_ttl: float = 3600.0,
        webhook_secret: str = WEBHOOK_SECRET,
    ) -> None:
        super().__init__(address, Handler)
        self.stopping = threading.Event()
        self.faults = FaultBook()
        self.credentials = {
            "cdp": {"write_key": write_key},
            "loyalty": {"username": loyalty_username, "password": loyalty_password, "store_code": loyalty_store},
            "webhook": {"secret": webhook_secret},
        }
        self.loyalty = LoyaltyStandIn(loyalty_username, loyalty_password, loyalty_store, loyalty_token_ttl)
        stand_ins: list[StandIn] = [SegmentStandIn((write_key,)), self.loyalty, WebhookStandIn(webhook_secret)]
        self.stand_ins = {stand_in.name: stand_in for stand_in in stand_ins}

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def serve(self, stand_in: StandIn, request: Request) -> Reply:
        fault = self.faults.take(stand_in.name, request.path)
        if fault is None:
            return stand_in.handle(request)
        with stand_in.recorder.lock:
            stand_in.recorder.faulted += 1
        if fault.mode == "slow":
            self.stopping.wait(fault.delay)
            return stand_in.handle(request)
        if fault.mode == "timeout":
            self.stopping.wait(fault.delay)
            return stand_in.fault_reply(fault.status, fault.mode)
        if fault.mode == "throttle":
            reply = stand_in.fault_reply(429, fault.mode)
            return Reply(429, reply.body, {**reply.headers, "Retry-After": fault.retry_after_header})
        return stand_in.fault_reply(fault.status, fault.mode)  # "error" and "reject"

    def reset(self) -> None:
        self.faults.clear()
        for stand_in in self.stand_ins.values():
            stand_in.reset()

    def control(self, request: Request) -> Reply:
        route = (request.method, request.path.rstrip("/") or "/")
        if route == ("POST", "/faults"):
            try:
                data = json.loads(request.body or b"{}")
                fault = Fault.from_json(data if isinstance(data, dict) else {}, tuple(self.stand_ins))
            except ValueError as exc:
                return Reply.json(400, {"message": str(exc)})
            self.faults.add(fault)
            return Reply.json(201, fault.to_json())
        if route == ("GET", "/faults"):
            return Reply.json(200, {"faults": self.faults.list()})
        if route == ("DELETE", "/faults"):
            self.faults.clear()
            return Reply.json(200, {"faults": []})
        if route == ("GET", "/received"):
            target = request.query.get("target", "")
            if target not in self.stand_ins:
                return Reply.json(400, {"message": f"target must be one of {', '.join(self.stand_ins)}"})
            try:
                limit = int(request.query.get("limit", 1000))
            except ValueError:
                return Reply.json(400, {"message": "limit must be an integer"})
            keys = request.query.get("keys", "1") not in ("0", "false", "no")
            data = self.stand_ins[target].snapshot(limit=limit, keys=keys)
            return Reply.json(200, {"target": target, **data})
        if route == ("POST", "/reset"):
            self.reset()
            return Reply.json(200, {"reset": True})
        if route == ("POST", "/loyalty/expire-tokens"):
            return Reply.json(200, {"expired": self.loyalty.expire_tokens()})
        if route in (("GET", "/"), ("GET", "/health")):
            return Reply.json(200, {"ok": True, "targets": list(self.stand_ins), "credentials": self.credentials})
        return Reply.json(404, {"message": "unknown control route"})

    def stop(self) -> None:
        self.stopping.set()  # release held "timeout"/"slow" requests
        self.shutdown()
        self.server_close()


def start_sandbox(host: str = "127.0.0.1", port: int = 0, **options: Any) -> tuple[str, SandboxServer]:
    """Serve the sandbox from a background thread (for tests); ``server.stop()`` ends it."""
    server = SandboxServer((host, port), **options)
    thread = threading.Thread(target=server.serve_forever, name="steward-sandbox", daemon=True)
    thread.start()
    return server.base_url, server
