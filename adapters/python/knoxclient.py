"""A small Knox Cloud client that does what BEHAVIOURS.md says a correct client does.

It covers legacy Knox Cloud Authentication (keys.json, RS512 JWTs signed with
PyJWT, x-knox-apitoken), two Knox Mobile Enrollment calls and the Samsung
Account partner calls, and handles every documented Knox error:

* never retries a validation, permission, not-found or configuration error, and
  surfaces the HTTP status and the Knox code separately (every body shape Knox uses);
* 4002250: signs a new JWT (new jti, fresh iat/exp) and retries, at most 3 times;
  40122050/4012250: one new JWT, never the same bytes, no loop;
* 4032251 and 401: one new access token (single-flight across threads), one retry;
  4032252: drops the token so no later call sends it again;
* 429, 503, 500, LIC_5101 and lost connections: jittered exponential backoff,
  every Retry-After honoured (delay-seconds or HTTP-date), attempts bounded, a
  Retry-After beyond the budget reported at once as rate_limited;
* a call that changes state (KME delete) is not resent once it may have reached
  the server (500, timeout, reset); an authorization code is sent again only
  after a 429, never after anything that may have consumed it;
* Accept: application/json on every request; the CA file given is the only
  trust anchor; the operation timeout bounds each call, retries included.

Only the Python standard library, PyJWT and cryptography are used (Debian:
python3-jwt, python3-cryptography). Errors carry no credential: messages name
what failed, never a token, secret or key.
"""

import base64
import email.utils
import hashlib
import http.client
import json
import random
import secrets
import socket
import ssl
import threading
import time
import urllib.parse
from datetime import datetime, timezone

import jwt  # PyJWT
from cryptography.hazmat.primitives import serialization

PATH_ACCESS_TOKEN = "/ams/v1/users/accesstoken"
PATH_LIST_DEVICES = "/kcs/v1/kme/devices/list"
PATH_DELETE_DEVICES = "/kcs/v1/kme/devices/delete"

AUDIENCE = "KnoxWSM"
JWT_TTL_SECONDS = 30 * 60  # what Samsung's token library gives a signed JWT
MAX_RESIGNS = 3  # fresh JWTs after 4002250 API_KEY_NON_UNIQUE_JWTID
MAX_SUCCESS_BODY = 8 << 20
MAX_ERROR_BODY = 64 << 10


# --- the catalogue: what a correct client does about each documented code -----------

# Class of every documented code (BEHAVIOURS.md §1).
CLASSES = {
    "400": "validation", "401": "reauth", "403": "permission", "404": "not_found",
    "406": "client_bug", "422": "limit", "429": "rate_limited", "500": "server",
    "501": "not_implemented",
    "4000000": "validation", "4002250": "resign", "4002251": "validation",
    "4010011": "auth_config", "40122050": "validation", "4032251": "refresh",
    "4032252": "auth", "4040000": "not_found", "4042251": "config", "4042252": "config",
    "LIC_4101": "validation", "LIC_4102": "validation", "LIC_4103": "validation",
    "LIC_5101": "server",
}
for _aut in ("1001", "1002", "1006", "1008", "1010", "1011", "1015", "1017", "1022",
             "1024", "1045", "1702", "1785", "1802", "1806"):
    CLASSES["AUT_" + _aut] = "validation"

# Other spellings Knox uses for the same condition.
ALIASES = {"4012250": "40122050"}

# Knox Cloud codes by their documented name, for bodies that carry only the name.
NAMES = {
    "RESOURCE_INVALID_PARAM": "4000000",
    "API_KEY_NON_UNIQUE_JWTID": "4002250",
    "ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE_INVALID_PARAM": "4002251",
    "IDP_AUTHORIZATION_FAIL": "4010011",
    "ACCESS_TOKEN_BAD_REQUEST": "40122050",
    "ACCESS_TOKEN_EXPIRED": "4032251",
    "ACCESS_TOKEN_INVALID": "4032252",
    "RESOURCE_NOT_FOUND": "4040000",
    "API_KEY_RESTRICTION_NOT_FOUND": "4042251",
    "API_KEY_RESTRICTION_INVALID": "4042252",
}
for _c in list(CLASSES):
    if _c.startswith(("AUT_", "LIC_")):
        NAMES[_c] = _c


def canonical(code):
    code = code.strip().upper()
    return ALIASES.get(code, code)


def is_sa_code(code):
    return code.upper().startswith(("AUT_", "LIC_"))


# --- errors ----------------------------------------------------------------------------


class KnoxError(Exception):
    """A Knox error response (status >= 400), decoded from any body shape Knox uses."""

    def __init__(self, status, code="", raw_code="", name="", detail="", shape="opaque", retry_after=""):
        self.status = status
        # code is canonical (4012250 becomes 40122050); the HTTP status when the body had none.
        self.code = code or str(status)
        self.raw_code = raw_code
        self.name = name
        self.detail = detail
        self.shape = shape
        self.retry_after = retry_after
        super().__init__(self.describe())

    def describe(self):
        s = "knox: HTTP %d" % self.status
        if self.code != str(self.status):
            s += " code " + self.code
        if self.name:
            s += " " + self.name
        if self.detail and self.detail != self.name:
            s += ": " + self.detail
        return s

    def klass(self):
        """How a correct client treats this error (the catalogue class)."""
        if self.code in CLASSES:
            return CLASSES[self.code]
        if self.name and NAMES.get(self.name.upper()) in CLASSES:
            return CLASSES[NAMES[self.name.upper()]]
        if str(self.status) in CLASSES:
            return CLASSES[str(self.status)]
        if self.status == 503:
            return "rate_limited"
        return "server" if self.status >= 500 else "validation"

    def kind(self):
        """The adapter protocol's error kind."""
        k = self.klass()
        if k == "rate_limited":
            # A 503 counts as rate limiting only when it says when to come back.
            return "rate_limited" if self.status == 429 or self.retry_after else "server"
        if k in ("server", "not_implemented"):
            return k
        if k in ("not_found", "config"):
            return "not_found"
        if k in ("reauth", "refresh", "auth", "auth_config", "resign"):
            return "auth"
        if k == "permission":
            return "forbidden"
        return "auth" if self.status == 401 else "validation"


def parse_error(status, headers, body):
    """Decode an error response of any shape Knox uses; never fails."""
    e = KnoxError(status, shape="opaque", retry_after=(headers.get("Retry-After") or "").strip())
    text = body.strip()
    if not text:
        e.shape = "empty"
    elif text[:1] == b"{":
        try:
            doc = json.loads(text.decode("utf-8", "replace"))
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            _parse_json_error(e, doc)
    if e.code == str(status) and not e.raw_code and e.name and NAMES.get(e.name.upper()):
        e.code = NAMES[e.name.upper()]
    e.args = (e.describe(),)
    return e


def _scalar(v):
    if isinstance(v, bool) or v is None:
        return ""
    if isinstance(v, (str, int, float)):
        return str(v)
    return ""


def _first(v):
    if isinstance(v, list):
        return _scalar(v[0]) if v else ""
    return _scalar(v)


def _set_code(e, raw):
    raw = raw.strip()
    if raw:
        e.raw_code = raw
        e.code = canonical(raw)


def _parse_json_error(e, doc):
    err = doc.get("error")
    if isinstance(err, dict):  # {result:"FAIL", error:{code, message, reason}} (Knox Guard, KAI)
        e.shape = "result"
        _set_code(e, _scalar(err.get("code")))
        e.name, e.detail = _scalar(err.get("message")), _scalar(err.get("reason"))
    elif isinstance(err, str):  # OAuth {error, error_description}
        e.shape = "oauth"
        e.name, e.detail = err, _scalar(doc.get("error_description"))
        if is_sa_code(err):
            _set_code(e, err)
    elif isinstance(doc.get("code"), list):  # {code:[…], message:[…], data:[…]} (KBA-1242)
        e.shape = "array"
        _set_code(e, _first(doc.get("code")))
        e.name, e.detail = _first(doc.get("message")), _first(doc.get("data"))
    elif "code" in doc:  # {errorId?, code, message, data}
        e.shape = "classic"
        _set_code(e, _scalar(doc.get("code")))
        e.name, e.detail = _scalar(doc.get("message")), _scalar(doc.get("data"))
    elif "errorCode" in doc:  # MSP portal
        e.shape = "classic"
        _set_code(e, _scalar(doc.get("errorCode")))
        e.detail = _scalar(doc.get("errorMessage"))
    if e.shape == "classic" and not e.detail and e.name and is_sa_code(e.code):
        e.detail, e.name = e.name, ""  # AUT_/LIC_ bodies put the explanation in message


class CallError(Exception):
    """A Knox error the client surfaces to its caller, with what it did first."""

    def __init__(self, call, attempts, reason, knox):
        self.call, self.attempts, self.reason, self.knox = call, attempts, reason, knox
        super().__init__("%s: %s (%s; %d attempt(s))" % (call, knox, reason, attempts))


class TransportError(Exception):
    """No HTTP response: kind is network (refused, reset, TLS) or timeout."""

    def __init__(self, kind, call, attempts, cause):
        self.kind, self.call, self.attempts = kind, call, attempts
        what = "no answer within the operation timeout" if kind == "timeout" else "network failure"
        super().__init__("%s: %s after %d attempt(s): %s" % (call, what, attempts, cause))


class UsageError(Exception):
    """A call the client refused before sending anything (knox: the code that explains it)."""

    def __init__(self, msg, knox=None):
        self.knox = knox
        super().__init__(msg + (" (code %s)" % knox.code if knox else ""))


class ResponseError(Exception):
    """A 2xx/3xx response whose body is not the documented JSON."""

    def __init__(self, call, status, msg):
        self.call, self.status = call, status
        super().__init__("%s: HTTP %d with a body that is not the documented JSON: %s" % (call, status, msg))


# --- keys and JWTs ---------------------------------------------------------------------


def _b64_der(value, field):
    lines = [ln.strip() for ln in str(value).splitlines() if not ln.strip().startswith("-----")]
    s = "".join("".join(lines).split())
    s = s.replace("-", "+").replace("_", "/")
    try:
        return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)
    except ValueError as exc:
        raise ValueError("keys.json: field %r is not base64 DER: %s" % (field, exc)) from None


_parsed_keys = {}
_parsed_keys_lock = threading.Lock()


def load_keys(path):
    """The Keys of keys.json at path. A file already parsed (same bytes) is not parsed
    again: checking an RSA key costs a noticeable fraction of a second."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 20)
    except OSError as exc:
        raise ValueError("keys.json %s: %s" % (path, exc)) from None
    fp = hashlib.sha256(data).digest()
    with _parsed_keys_lock:
        keys = _parsed_keys.get(fp)
    if keys is None:
        keys = Keys(data, path)
        with _parsed_keys_lock:
            _parsed_keys[fp] = keys
    return keys


class Keys:
    """The key pair of a Knox keys.json (Private: PKCS#1 or PKCS#8, Public: SPKI or PKCS#1)."""

    def __init__(self, data, path="keys.json"):
        try:
            doc = json.loads(data)
        except ValueError as exc:
            raise ValueError("keys.json %s: not JSON: %s" % (path, exc)) from None
        if not isinstance(doc, dict) or not str(doc.get("Private") or "").strip():
            raise ValueError('keys.json %s: field "Private" is missing or empty' % path)
        try:
            self.private = serialization.load_der_private_key(_b64_der(doc["Private"], "Private"), password=None)
        except (TypeError, ValueError) as exc:
            raise ValueError('keys.json %s: field "Private" is not an RSA private key in PKCS#1 or PKCS#8 DER (%s)'
                             % (path, type(exc).__name__)) from None
        spki = self.private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        if str(doc.get("Public") or "").strip():
            der = _b64_der(doc["Public"], "Public")
            try:
                pub = serialization.load_der_public_key(der)
            except ValueError:
                raise ValueError('keys.json %s: field "Public" is not an RSA public key in SPKI or PKCS#1 DER' % path) from None
            if pub.public_numbers() != self.private.public_key().public_numbers():
                raise ValueError('keys.json %s: field "Public" is not the public half of "Private"' % path)
        # Sent as base64EncodedStringPublicKey and in the publicKey claim: base64 SPKI DER.
        self.public_b64 = base64.b64encode(spki).decode("ascii")

    def sign(self, claims, min_exp=0):
        """An RS512 JWT with a jti no other JWT carries (256 random bits), iat the time of
        signing and exp 30 minutes later, or min_exp when that is later."""
        now = int(time.time())
        payload = dict(claims, publicKey=self.public_b64, aud=AUDIENCE, jti=secrets.token_hex(32),
                       iat=now, exp=max(now + JWT_TTL_SECONDS, min_exp))
        token = jwt.encode(payload, self.private, algorithm="RS512")
        return token.decode("ascii") if isinstance(token, bytes) else token


# --- configuration ---------------------------------------------------------------------


class Config:
    """Where the client talks to, with which credentials, and how long it waits."""

    def __init__(self, knox_base_url="", sa_token_url="", sa_authorize_url="", keys_file="",
                 client_identifier="", sa_client_id="", sa_client_secret="", sa_redirect_uri="",
                 sa_app_id="", ca_file="", max_attempts=0, base_delay=0.0, max_delay=0.0,
                 timeout=0.0, max_retry_after=0.0, validity_minutes=0):
        self.knox_base_url = knox_base_url
        self.sa_token_url = sa_token_url
        self.sa_authorize_url = sa_authorize_url
        self.keys_file = keys_file
        self.client_identifier = client_identifier
        self.sa_client_id = sa_client_id
        self.sa_client_secret = sa_client_secret
        self.sa_redirect_uri = sa_redirect_uri
        self.sa_app_id = sa_app_id
        self.ca_file = ca_file
        # Zero means the default. Attempts include the first one.
        self.max_attempts = max_attempts or 4
        self.base_delay = base_delay or 0.2
        self.max_delay = max(max_delay or 5.0, self.base_delay)
        self.timeout = timeout or 30.0
        self.max_retry_after = max_retry_after or 60.0
        self.validity_minutes = validity_minutes or 30
        if not 1 <= self.validity_minutes <= 30:
            raise ValueError("validity_minutes is %d; Knox accepts 1..30" % self.validity_minutes)


def parse_retry_after(value, now=None):
    """Seconds to wait for a Retry-After value (RFC 9110 §10.2.3), or None when unparseable."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(int(value))
    when = None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        for fmt in ("%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"):  # RFC 850, asctime
            try:
                when = datetime.strptime(value, fmt).replace(tzinfo=timezone.utc)
                break
            except ValueError:
                pass
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


# --- one operation -----------------------------------------------------------------------


class _Op:
    """One call of the client: its deadline, attempts and backoff retries."""

    def __init__(self, client, name, deadline=None):
        self.client, self.name = client, name
        self.deadline = deadline if deadline is not None else time.monotonic() + client.cfg.timeout
        self.attempts = 0
        self.backoffs = 0

    def sub(self, name):
        return _Op(self.client, name, self.deadline)

    def remaining(self):
        return self.deadline - time.monotonic()

    def fail(self, knox, reason):
        return CallError(self.name, self.attempts, reason, knox)

    def timeout_error(self, cause):
        return TransportError("timeout", self.name, self.attempts, cause)

    def backoff(self, last, cause=None):
        """Wait before the next attempt after a retryable failure, or return the error to surface."""
        cfg = self.client.cfg

        def surface(reason):
            if last is not None:
                return self.fail(last, reason)
            return TransportError("network", self.name, self.attempts, "%s (%s)" % (cause, reason))

        if self.backoffs + 1 >= cfg.max_attempts:
            return surface("gave up after %d attempts, the configured maximum" % cfg.max_attempts)
        wait = self.client.backoff_delay(self.backoffs)
        if last is not None and last.retry_after:
            advised = parse_retry_after(last.retry_after)
            if advised is not None and advised > cfg.max_retry_after:
                return surface("the server asks to wait %.0f s (Retry-After), more than the %.0f s this client waits"
                               % (advised, cfg.max_retry_after))
            if advised is not None and advised > 0:
                # Never before Retry-After has elapsed; the margin covers the one-second
                # resolution of an HTTP-date and timer granularity.
                wait = advised + 0.01
            # Unparseable or 0: the jittered backoff still applies (no hot loop).
        if time.monotonic() + wait > self.deadline:
            return surface("the next attempt would be due after the operation timeout of %.1f s" % cfg.timeout)
        self.backoffs += 1
        time.sleep(wait)
        return None

    def on_transport_error(self, cause, idempotent):
        """Decide about a request that got no response; None means send again."""
        if self.remaining() <= 0 or isinstance(cause, (socket.timeout, TimeoutError)):
            return self.timeout_error(cause)
        if not idempotent:
            return TransportError("network", self.name, self.attempts,
                                  "%s (not retried: the request may have been processed)" % cause)
        return self.backoff(None, cause)


def _abort(conn):
    """Cut a connection whose operation ran out of time: blocked reads return at once."""
    sock = conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Reply:
    def __init__(self, status, body):
        self.status, self.body = status, body


class _Signer:
    """Hands out the JWT of each attempt and keeps the re-sign budget (4002250, 40122050).

    sign(min_exp) signs a new JWT. After a rejection the next JWT's exp is later than
    the rejected one's even when both are signed within the same second (iat and
    exp are whole seconds): a re-signed JWT is visibly fresh.
    """

    def __init__(self, sign):
        self.sign = sign
        self.resigns = 0
        self.bad_resigned = False
        self.last = ""
        self.min_exp = 0

    def next(self):
        try:
            self.last = self.sign(self.min_exp)  # always newly signed: fresh jti, iat and exp
        except Exception as exc:  # noqa: BLE001 - a signing failure of any kind is the caller's problem
            raise UsageError("signing a JWT failed: %s" % type(exc).__name__) from None
        self.min_exp = 0
        return self.last

    def _after_rejection(self):
        try:
            exp = jwt.decode(self.last, options={"verify_signature": False}).get("exp")
        except jwt.PyJWTError:
            exp = None
        if isinstance(exp, int):
            self.min_exp = exp + 1

    def resign(self, op, knox):
        if self.resigns >= MAX_RESIGNS:
            return op.fail(knox, "the server still reports a reused JWT after %d newly signed ones" % MAX_RESIGNS)
        self.resigns += 1
        self._after_rejection()
        return None

    def resign_once(self, op, knox):
        if self.bad_resigned:
            return op.fail(knox, "a newly signed JWT was rejected too")
        self.bad_resigned = True
        self._after_rejection()
        return None


class _Flight:
    """One access-token request that concurrent callers share."""

    def __init__(self):
        self.done = threading.Event()
        self.token = None
        self.error = None


# --- the client --------------------------------------------------------------------------


class KnoxClient:
    """Talks to one Knox Cloud with one set of credentials; safe for concurrent use."""

    def __init__(self, cfg):
        self.cfg = cfg
        for label, u in (("knox_base_url", cfg.knox_base_url), ("sa_token_url", cfg.sa_token_url),
                         ("sa_authorize_url", cfg.sa_authorize_url)):
            if u:
                p = urllib.parse.urlsplit(u)
                if p.scheme not in ("http", "https") or not p.hostname:
                    raise ValueError("%s %r is not an absolute http(s) URL" % (label, u))
        self.keys = load_keys(cfg.keys_file) if cfg.keys_file else None
        self._tls = None
        if cfg.ca_file:
            # Exactly this CA: the system roots are not consulted.
            self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies the chain and the host name
            self._tls.minimum_version = ssl.TLSVersion.TLSv1_2
            try:
                self._tls.load_verify_locations(cafile=cfg.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise ValueError("CA file %s holds no usable PEM certificate: %s" % (cfg.ca_file, exc)) from None
        self._lock = threading.Lock()
        self._token = ""
        self._expires = 0.0
        self._flight = None
        self._sa_token = ""
        self._used_codes = set()

    def close(self):
        """Nothing stays open between calls (one connection per request)."""

    def _tls_context(self):
        with self._lock:
            if self._tls is None:
                # No CA file: the system roots (built on first https use: loading them is slow).
                self._tls = ssl.create_default_context()
            return self._tls

    # -- HTTP --

    def _send(self, op, method, url, body=None, headers=None):
        """One attempt: a _Reply for status < 400, a KnoxError for >= 400; raises OSError-like on transport failure."""
        remaining = op.remaining()
        if remaining <= 0:
            raise socket.timeout("operation timeout reached")
        op.attempts += 1
        u = urllib.parse.urlsplit(url)
        if u.scheme == "https":
            conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=remaining, context=self._tls_context())
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=remaining)
        hdrs = {"Accept": "application/json", "User-Agent": "knoxconform-python-client/1.0", "Connection": "close"}
        hdrs.update(headers or {})
        # The socket timeout bounds each read; this bounds the whole exchange (a server
        # that trickles its answer cannot hold the call past the operation deadline).
        watchdog = threading.Timer(remaining, _abort, args=(conn,))
        watchdog.daemon = True
        watchdog.start()
        try:
            path = u.path or "/"
            if u.query:
                path += "?" + u.query
            conn.request(method, path, body=body, headers=hdrs)
            resp = conn.getresponse()
            if resp.status >= 400:
                return parse_error(resp.status, resp.headers, resp.read(MAX_ERROR_BODY))
            body = resp.read(MAX_SUCCESS_BODY + 1)
            if len(body) > MAX_SUCCESS_BODY:
                return _Reply(resp.status, None)  # too large to be the documented answer
            if resp.length:
                # read(n) returns what arrived when the connection ends early; the
                # rest of Content-Length never came: a lost response, not a short one.
                raise http.client.IncompleteRead(body, resp.length)
            return _Reply(resp.status, body)
        finally:
            watchdog.cancel()
            conn.close()

    def _attempt(self, op, method, url, body=None, headers=None):
        """(reply, knox_error, transport_error): exactly one is not None."""
        try:
            r = self._send(op, method, url, body, headers)
        except (OSError, http.client.HTTPException, ssl.SSLError) as exc:
            return None, None, exc
        if isinstance(r, KnoxError):
            return None, r, None
        return r, None, None

    @staticmethod
    def _json_body(obj):
        return json.dumps(obj).encode("utf-8"), {"Content-Type": "application/json"}

    def _decode(self, op, reply):
        if reply.body is None:
            raise ResponseError(op.name, reply.status, "larger than %d bytes" % MAX_SUCCESS_BODY)
        if reply.status >= 300:
            raise ResponseError(op.name, reply.status, "a redirect is never followed (it could carry a JWT elsewhere)")
        try:
            doc = json.loads(reply.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise ResponseError(op.name, reply.status, "not JSON") from None
        if not isinstance(doc, dict):
            raise ResponseError(op.name, reply.status, "not a JSON object")
        return doc

    def _knox_url(self, path):
        if not self.cfg.knox_base_url:
            raise UsageError("knox_base_url is not configured")
        return self.cfg.knox_base_url.rstrip("/") + path

    def _need_keys(self):
        if self.keys is None:
            raise UsageError("no keys.json configured: Knox Cloud calls need the key pair to sign JWTs")

    def backoff_delay(self, n):
        """Base·2ⁿ capped at the maximum, with equal jitter (half fixed, half random): always > 0."""
        d = min(self.cfg.base_delay * (2 ** min(n, 30)), self.cfg.max_delay)
        half = d / 2
        return max(half + random.uniform(0, half), 0.001)

    # -- decisions --

    def _decide(self, knox, idempotent):
        if knox.code == "40122050" or (knox.name or "").upper() == "ACCESS_TOKEN_BAD_REQUEST":
            return "resign_once"
        if knox.code == "4032252" or (knox.name or "").upper() == "ACCESS_TOKEN_INVALID":
            return "drop_token"
        k = knox.klass()
        if k == "resign":
            return "resign"
        if k in ("refresh", "reauth"):
            return "refresh"
        if k in ("rate_limited", "server"):
            # A 500 on a call that changes state is not resent: the server may have acted.
            return "surface" if k == "server" and not idempotent else "backoff"
        return "surface"

    # -- access tokens --

    def _sign_client_identifier(self, min_exp=0):
        return self.keys.sign({"clientIdentifier": self.cfg.client_identifier}, min_exp)

    def _sign_access_token(self, token, min_exp=0):
        return self.keys.sign({"accessToken": token}, min_exp)

    def _fetch_token(self, parent):
        op = parent.sub("POST " + PATH_ACCESS_TOKEN)
        self._need_keys()
        url = self._knox_url(PATH_ACCESS_TOKEN)
        jwts = _Signer(self._sign_client_identifier)
        refreshed = False
        while True:
            body, hdrs = self._json_body({
                "clientIdentifierJwt": jwts.next(),
                "base64EncodedStringPublicKey": self.keys.public_b64,
                "validityForAccessTokenInMinutes": int(self.cfg.validity_minutes),  # a JSON integer
            })
            reply, knox, terr = self._attempt(op, "POST", url, body, hdrs)
            if terr is not None:
                # Safe to resend: the next attempt carries a new JWT, and a token minted
                # for a lost response is never used.
                err = op.on_transport_error(terr, True)
                if err is not None:
                    raise err
                continue
            if knox is None:
                tok = self._decode(op, reply).get("accessToken")
                if not isinstance(tok, str) or not tok:
                    raise ResponseError(op.name, reply.status, 'the response has no "accessToken"')
                return tok
            act = self._decide(knox, True)
            err = None
            if act == "resign":
                err = jwts.resign(op, knox)
            elif act == "resign_once":
                err = jwts.resign_once(op, knox)
            elif act == "refresh":
                # On the token route "a new token" is a newly signed JWT; once.
                err = op.fail(knox, "rejected again after one newly signed JWT") if refreshed else None
                refreshed = True
            elif act == "backoff":
                err = op.backoff(knox)
            else:
                err = op.fail(knox, "not retryable")
            if err is not None:
                raise err

    def _refresh_token(self, op, stale):
        """Replace the token `stale`; concurrent callers share one request (single-flight)."""
        while True:
            with self._lock:
                if self._token and self._token != stale and time.monotonic() < self._expires:
                    return self._token
                flight = self._flight
                if flight is None:
                    flight = self._flight = _Flight()
                    leader = True
                else:
                    leader = False
            if leader:
                try:
                    flight.token = self._fetch_token(op)
                except Exception as exc:  # noqa: BLE001 - handed to every waiter, then re-raised
                    flight.error = exc
                with self._lock:
                    if flight.error is None:
                        validity = self.cfg.validity_minutes * 60
                        self._token = flight.token
                        self._expires = time.monotonic() + validity - min(validity / 10, 60)
                    self._flight = None
                flight.done.set()
                if flight.error is not None:
                    raise flight.error
                return flight.token
            if not flight.done.wait(max(op.remaining(), 0)):
                raise op.timeout_error("waiting for the access token another call is obtaining")
            err = flight.error
            if err is None:
                return flight.token
            if not (isinstance(err, TransportError) and err.kind == "timeout"):
                raise err
            # The leader ran out of its own time; that says nothing about this call: try again.

    def _current_token(self, op):
        with self._lock:
            if self._token and time.monotonic() < self._expires:
                return self._token
            stale = self._token
        return self._refresh_token(op, stale)

    def _drop_token(self, token):
        with self._lock:
            if self._token == token:
                self._token, self._expires = "", 0.0

    def _resource_call(self, op, method, path, payload, idempotent):
        self._need_keys()
        url = self._knox_url(path)
        state = {"token": self._current_token(op)}
        jwts = _Signer(lambda min_exp: self._sign_access_token(state["token"], min_exp))
        refreshed = False
        while True:
            body, hdrs = (None, {}) if payload is None else self._json_body(payload)
            hdrs["x-knox-apitoken"] = jwts.next()
            reply, knox, terr = self._attempt(op, method, url, body, hdrs)
            if terr is not None:
                err = op.on_transport_error(terr, idempotent)
                if err is not None:
                    raise err
                continue
            if knox is None:
                return self._decode(op, reply)
            act = self._decide(knox, idempotent)
            err = None
            if act == "refresh":
                if refreshed:
                    err = op.fail(knox, "rejected again with a newly obtained token; one refresh per call")
                else:
                    refreshed = True
                    # Rejected: no later call sends it again, even if the refresh fails.
                    self._drop_token(state["token"])
                    state["token"] = self._refresh_token(op, state["token"])
            elif act == "drop_token":
                self._drop_token(state["token"])
                err = op.fail(knox, "the access token is invalid; it is dropped and the next call obtains a new one")
            elif act == "resign":
                err = jwts.resign(op, knox)
            elif act == "resign_once":
                err = jwts.resign_once(op, knox)
            elif act == "backoff":
                err = op.backoff(knox)
            else:
                err = op.fail(knox, "not retryable")
            if err is not None:
                raise err

    # -- the operations a caller uses --

    def access_token(self):
        """Obtain a new Knox access token and keep it for later resource calls."""
        op = _Op(self, "knox.accessToken")
        with self._lock:
            stale = self._token
        self._refresh_token(op, stale)

    def list_devices(self, page_num=0):
        """One page of KME devices: (totalCount, number of devices on the page). Idempotent."""
        op = _Op(self, "GET " + PATH_LIST_DEVICES)
        doc = self._resource_call(op, "GET", "%s?pageNum=%d" % (PATH_LIST_DEVICES, page_num), None, True)
        # The documented answer, or an error: never success with made-up empty data.
        total, devices = doc.get("totalCount"), doc.get("deviceList", [])
        if devices is None:
            devices = []
        if isinstance(total, bool) or not isinstance(total, int) or not isinstance(devices, list):
            raise ResponseError(op.name, 200, "no integer totalCount, or a deviceList that is not a list")
        return total, len(devices)

    def delete_devices(self, devices):
        """Delete KME devices; not resent after a 500 or a lost response (the devices may be gone)."""
        op = _Op(self, "POST " + PATH_DELETE_DEVICES)
        doc = self._resource_call(op, "POST", PATH_DELETE_DEVICES,
                                  {"devices": {"imeiOrSerials": list(devices or [])}}, False)
        fields = ("successDeviceList", "failedDeviceList", "notFoundDeviceList")
        if not any(f in doc for f in fields):
            # The documented answer, or an error: never success with made-up empty lists.
            raise ResponseError(op.name, 200, "none of %s" % ", ".join(fields))
        counts = []
        for field in fields:
            v = doc.get(field) or []
            if not isinstance(v, list):
                raise ResponseError(op.name, 200, "%s is not a list" % field)
            counts.append(len(v))
        return tuple(counts)

    def exchange_code(self, code):
        """Trade a Samsung Account authorization code for an SA token.

        A code is single-use: it is sent again only after a 429 (the server certainly
        did not process it), never after a 5xx, a timeout, a reset or AUT_1802; a code
        this client already sent is refused locally.
        """
        op = _Op(self, "POST Samsung Account token")
        if not self.cfg.sa_token_url:
            raise UsageError("sa_token_url is not configured")
        fp = hashlib.sha256(code.encode("utf-8")).hexdigest()
        with self._lock:
            used = fp in self._used_codes
            if code:
                self._used_codes.add(fp)
        if used:
            raise UsageError("not resending an authorization code (codes are single-use); obtain a new code",
                             KnoxError(400, code="AUT_1802", raw_code="AUT_1802", detail="authorization code already sent once"))
        form = urllib.parse.urlencode({
            "client_id": self.cfg.sa_client_id, "client_secret": self.cfg.sa_client_secret,
            "code": code, "grant_type": "authorization_code", "redirect_uri": self.cfg.sa_redirect_uri,
        }).encode("ascii")
        while True:
            reply, knox, terr = self._attempt(op, "POST", self.cfg.sa_token_url, form,
                                              {"Content-Type": "application/x-www-form-urlencoded"})
            if terr is not None:
                raise op.on_transport_error(terr, False)
            if knox is None:
                doc = self._decode(op, reply)
                if not isinstance(doc.get("access_token"), str) or not doc["access_token"]:
                    raise ResponseError(op.name, reply.status, 'the response has no "access_token"')
                with self._lock:
                    self._sa_token = doc["access_token"]
                return {"tokenType": _scalar(doc.get("token_type")), "expiresIn": doc.get("expires_in", 0),
                        "refreshToken": bool(doc.get("refresh_token"))}
            if knox.status == 429:
                err = op.backoff(knox)
                if err is None:
                    continue
                raise err
            raise op.fail(knox, "not retried: an authorization code is single-use")

    def authorize_token(self, auth_token=""):
        """Call authorizeToken with auth_token, or the token of the last exchange. Idempotent."""
        op = _Op(self, "POST Samsung Account authorizeToken")
        if not self.cfg.sa_authorize_url:
            raise UsageError("sa_authorize_url is not configured")
        if not auth_token:
            with self._lock:
                auth_token = self._sa_token
            if not auth_token:
                raise UsageError("no Samsung Account token: exchange an authorization code first or pass authToken")
        while True:
            body, hdrs = self._json_body({"authToken": auth_token})
            if self.cfg.sa_app_id:
                hdrs["x-osp-appId"] = self.cfg.sa_app_id
            reply, knox, terr = self._attempt(op, "POST", self.cfg.sa_authorize_url, body, hdrs)
            if terr is not None:
                err = op.on_transport_error(terr, True)
                if err is not None:
                    raise err
                continue
            if knox is None:
                if reply.body is None:
                    raise ResponseError(op.name, reply.status, "larger than %d bytes" % MAX_SUCCESS_BODY)
                if reply.status >= 300:
                    raise ResponseError(op.name, reply.status, "a redirect is never followed")
                if reply.body.strip():
                    try:
                        json.loads(reply.body.decode("utf-8"))
                    except (UnicodeDecodeError, ValueError):
                        raise ResponseError(op.name, reply.status, "not JSON") from None
                return {"authorized": True}
            if self._decide(knox, True) != "backoff":
                raise op.fail(knox, "not retryable")
            err = op.backoff(knox)
            if err is not None:
                raise err
