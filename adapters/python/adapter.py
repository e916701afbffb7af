#!/usr/bin/env python3
"""knoxconform adapter for a Python Knox client (adapter protocol v1, docs/protocol.md).

    knoxconform run --target "python3 adapters/python/adapter.py" --strict

The suite writes one JSON request per line on stdin; this adapter answers each on
stdout, by id, and logs to stderr. Invokes run concurrently, one thread each.

To judge YOUR client, copy this file and change the three places marked
"PLUG IN YOUR CLIENT": how a client is built from the suite's newClient
parameters (new_client), how each operation calls it (run_operation), and how
its errors map onto the protocol's outcome (error_outcome). The bundled
knoxclient.KnoxClient is a small client that does everything right; it is what
the suite judges until you replace it.
"""

import json
import os
import sys
import threading
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import knoxclient  # noqa: E402  (PLUG IN YOUR CLIENT: import your own package instead)
except ImportError as exc:
    print("python-adapter: %s: install PyJWT and cryptography (Debian: apt-get install python3-jwt "
          "python3-cryptography) for %s" % (exc, sys.executable), file=sys.stderr)
    sys.exit(2)

ADAPTER = {"name": "knoxconform-python-adapter", "version": "1.0.0", "lang": "python"}
CLIENT = {"name": "knoxconform-python-client", "version": "1.0.0", "lang": "python"}
OPERATIONS = ["knox.accessToken", "kme.listDevices", "kme.deleteDevices", "sa.exchangeCode", "sa.authorizeToken"]
MAX_LINE = 1 << 20


class Skip(Exception):
    """Raised to answer `skip`: the client cannot do this (the case is UNSUPPORTED)."""


def log(*parts):
    print("python-adapter:", *parts, file=sys.stderr, flush=True)


# --- PLUG IN YOUR CLIENT (1 of 3): build a client from newClient's parameters ------------

def new_client(params):
    """Return a fresh client bound to the simulated Knox Cloud of one case."""
    ep, cred, adv = params["endpoints"], params["credentials"], params.get("config") or {}
    ms = lambda key: (adv.get(key) or 0) / 1000.0  # noqa: E731  absent or 0: the client's default
    cfg = knoxclient.Config(
        knox_base_url=ep.get("knoxBaseURL", ""),
        sa_token_url=ep.get("saTokenURL", ""),
        sa_authorize_url=ep.get("saAuthorizeURL", ""),
        keys_file=cred.get("keysFile", ""),
        client_identifier=cred.get("clientIdentifier", ""),
        sa_client_id=cred.get("saClientId", ""),
        sa_client_secret=cred.get("saClientSecret", ""),
        sa_redirect_uri=cred.get("saRedirectUri", ""),
        sa_app_id=cred.get("saAppId", ""),
        ca_file=params.get("caFile", ""),
        max_attempts=adv.get("maxAttempts") or 0,
        base_delay=ms("baseDelayMs"),
        max_delay=ms("maxDelayMs"),
        timeout=ms("timeoutMs"),
        max_retry_after=ms("maxRetryAfterMs"),
    )
    return knoxclient.KnoxClient(cfg)


# --- PLUG IN YOUR CLIENT (2 of 3): run one operation, return its value --------------------

def run_operation(client, op, params):
    """Call the client exactly as its own caller would; return the value for an ok outcome.

    Raise whatever the client raises: error_outcome maps it. Raise Skip for an
    operation your client does not have.
    """
    if op == "knox.accessToken":
        client.access_token()
        return {"obtained": True}
    if op == "kme.listDevices":
        total, n = client.list_devices(int(params.get("pageNum") or 0))
        return {"totalCount": total, "devices": n}
    if op == "kme.deleteDevices":
        ok, failed, missing = client.delete_devices(params.get("devices") or [])
        return {"success": ok, "failed": failed, "notFound": missing}
    if op == "sa.exchangeCode":
        return client.exchange_code(params.get("code", ""))  # never the tokens themselves
    if op == "sa.authorizeToken":
        return client.authorize_token(params.get("authToken") or "")
    raise Skip("operation %r is not one this client has" % op)


# --- PLUG IN YOUR CLIENT (3 of 3): map the client's errors onto the outcome ---------------

def error_outcome(exc):
    """The protocol's error object for an exception the client raised to its caller."""
    out = {"kind": "unknown", "message": str(exc) or type(exc).__name__}
    knox = None
    if isinstance(exc, knoxclient.CallError):
        knox = exc.knox
    elif isinstance(exc, knoxclient.KnoxError):
        knox = exc
    elif isinstance(exc, knoxclient.TransportError):
        out["kind"] = exc.kind
    elif isinstance(exc, knoxclient.ResponseError):
        out["kind"], out["httpStatus"] = "unknown", exc.status
    elif isinstance(exc, knoxclient.UsageError):
        # Refused before sending anything: no HTTP status, the code when one explains it.
        out["kind"] = "validation"
        if exc.knox is not None:
            out["code"] = exc.knox.code
    if knox is not None:
        out["kind"] = knox.kind()
        out["httpStatus"] = knox.status
        # The Knox code, separately from the status; absent when the body carried none.
        if knox.raw_code or knox.code != str(knox.status):
            out["code"] = knox.code
    return out


# --- the protocol (no changes needed below) ---------------------------------------------

class Session:
    def __init__(self, out):
        self.out = out
        self.out_lock = threading.Lock()
        self.clients = {}
        self.clients_lock = threading.Lock()
        self.inflight = []

    def answer(self, msg):
        line = json.dumps(msg, separators=(",", ":")) + "\n"
        with self.out_lock:
            self.out.write(line)
            self.out.flush()

    def hello(self, rid, params):
        if params.get("protocol") not in (None, 1):
            self.answer({"v": 1, "id": rid, "type": "error",
                         "message": "this adapter speaks protocol 1, the suite asked for %r" % params.get("protocol")})
            return
        self.answer({"v": 1, "id": rid, "type": "hello", "result": {
            "protocol": 1, "adapter": ADAPTER, "client": CLIENT,
            "operations": OPERATIONS, "features": ["concurrency", "ping"]}})

    def new_client(self, rid, params):
        name = params.get("client")
        try:
            client = new_client(params)
        except Skip as exc:
            self.answer({"v": 1, "id": rid, "type": "skip", "reason": str(exc) or "cannot be configured"})
            return
        except Exception as exc:  # noqa: BLE001 - a client that cannot be built is an adapter error
            self.answer({"v": 1, "id": rid, "type": "error", "message": "newClient %s: %s" % (name, exc)})
            return
        with self.clients_lock:
            old = self.clients.get(name)
            self.clients[name] = client
        if old is not None:
            old.close()
        self.answer({"v": 1, "id": rid, "type": "ok"})

    def close_client(self, rid, params):
        name = params.get("client")
        with self.clients_lock:
            client = self.clients.pop(name, None)
        if client is None:
            self.answer({"v": 1, "id": rid, "type": "error",
                         "message": "closeClient: no client %r (never created, or already closed)" % name})
            return
        client.close()
        self.answer({"v": 1, "id": rid, "type": "ok"})

    def invoke(self, rid, params):
        op, name = params.get("op"), params.get("client")
        with self.clients_lock:
            client = self.clients.get(name)
        if client is None:
            self.answer({"v": 1, "id": rid, "type": "error", "message": "invoke %s: no client %r: send newClient first" % (op, name)})
            return
        try:
            value = run_operation(client, op, params.get("params") or {})
        except Skip as exc:
            self.answer({"v": 1, "id": rid, "type": "skip", "reason": str(exc) or "unsupported"})
            return
        except Exception as exc:  # noqa: BLE001 - every client failure is an outcome
            log("invoke", rid, op, "->", type(exc).__name__, exc)
            self.answer({"v": 1, "id": rid, "type": "result", "result": {"ok": False, "error": error_outcome(exc)}})
            return
        self.answer({"v": 1, "id": rid, "type": "result", "result": {"ok": True, "value": value}})

    def start_invoke(self, rid, params):
        def run():
            try:
                self.invoke(rid, params)
            except Exception:  # noqa: BLE001 - an adapter bug: report it, keep serving
                self.answer({"v": 1, "id": rid, "type": "error", "message": "adapter bug: " + traceback.format_exc(limit=5)})
        t = threading.Thread(target=run, name="invoke-" + rid, daemon=True)
        self.inflight = [x for x in self.inflight if x.is_alive()] + [t]
        t.start()

    def finish(self):
        for t in self.inflight:
            t.join()

    def serve(self, lines):
        for raw in lines:
            if len(raw) > MAX_LINE:
                log("request line longer than 1 MiB ignored")
                continue
            if not raw.strip():
                continue
            try:
                req = json.loads(raw)
                rid, typ = req["id"], req["type"]
            except (ValueError, KeyError, TypeError) as exc:
                log("unreadable request ignored:", exc)
                continue
            params = req.get("params") or {}
            log("got", typ, rid)
            try:
                if typ == "hello":
                    self.hello(rid, params)
                elif typ == "newClient":
                    self.new_client(rid, params)
                elif typ == "invoke":
                    self.start_invoke(rid, params)
                elif typ == "closeClient":
                    self.close_client(rid, params)
                elif typ == "ping":
                    # Liveness, answered at once from this loop while invokes run.
                    self.answer({"v": 1, "id": rid, "type": "ok"})
                elif typ == "bye":
                    self.finish()
                    self.answer({"v": 1, "id": rid, "type": "ok"})
                    return
                else:
                    self.answer({"v": 1, "id": rid, "type": "error", "message": "unknown request type %r" % typ})
            except Exception:  # noqa: BLE001 - an adapter bug: report it, keep serving
                self.answer({"v": 1, "id": rid, "type": "error", "message": "adapter bug: " + traceback.format_exc(limit=5)})
        self.finish()  # end of input means the same as bye


def main(argv):
    if len(argv) == 3 and argv[1] in ("-listen", "--listen"):
        # TCP mode for debugging (docs/protocol.md): one session per connection.
        import socket
        host, _, port = argv[2].rpartition(":")
        srv = socket.create_server((host or "127.0.0.1", int(port)))
        log("listening on %s:%d" % srv.getsockname()[:2])
        def session(conn):
            with conn, conn.makefile("r", encoding="utf-8", newline="\n") as rf, \
                    conn.makefile("w", encoding="utf-8", newline="\n") as wf:
                Session(wf).serve(rf)

        while True:
            conn, _ = srv.accept()
            threading.Thread(target=session, args=(conn,), daemon=True).start()
    if len(argv) > 1:
        print("usage: adapter.py [-listen HOST:PORT]", file=sys.stderr)
        return 2
    Session(sys.stdout).serve(sys.stdin)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
