"""A Knox Mobile Enrollment client in Python, and its own small integration test.

It lists device pages CALLS times, configured only by the KNOX_* environment
(or the file KNOX_CONFIG_FILE names), and is run as a plain command by the
observe tests:

    python3 knox_client.py [MODE] [CALLS]

MODE "correct" follows BEHAVIOURS.md with another strategy than the Node
client: decorrelated jitter, and a token renewed when the server rejects it.
MODE "fixed-delay-429" sleeps a fixed 100 ms after a 429 whatever Retry-After
says (a common shortcut, and a MUST violation).

Signing needs the 'cryptography' package (Debian: python3-cryptography).
"""
import base64
import json
import os
import random
import sys
import time
import urllib.error
import urllib.request
import uuid

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

MODE = sys.argv[1] if len(sys.argv) > 1 else "correct"
CALLS = int(sys.argv[2]) if len(sys.argv) > 2 else 16
MAX_ATTEMPTS = 4

with open(os.environ["KNOX_CONFIG_FILE"]) as f:
    CONFIG = json.load(f)
BASE = CONFIG["endpoints"]["knoxBaseURL"]
with open(CONFIG["credentials"]["keysFile"]) as f:
    KEYS = json.load(f)
PRIVATE = serialization.load_der_private_key(base64.b64decode(KEYS["Private"]), password=None)


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def sign(claims):
    now = int(time.time())
    body = {"publicKey": KEYS["Public"], "aud": "KnoxWSM", "jti": str(uuid.uuid4()), "iat": now, "exp": now + 1800}
    body.update(claims)
    head = b64url(json.dumps({"alg": "RS512", "typ": "JWT"}).encode()) + "." + b64url(json.dumps(body).encode())
    sig = PRIVATE.sign(head.encode(), padding.PKCS1v15(), hashes.SHA512())
    return head + "." + b64url(sig)


class Reply:
    def __init__(self, status, body, retry_after):
        self.status = status
        self.retry_after = retry_after
        try:
            self.json = json.loads(body)
        except ValueError:
            self.json = None
        code = self.json.get("code") if isinstance(self.json, dict) else None
        self.code = "" if code is None else str(code)


def send(method, path, headers=None, body=None):
    h = {"Accept": "application/json"}
    h.update(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            return Reply(res.status, res.read(), res.headers.get("Retry-After"))
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.read(), e.headers.get("Retry-After"))


def retry_after_seconds(value):
    if value is None:
        return None
    if value.isdigit():
        return int(value)
    return None


def with_retry(attempt):
    """Decorrelated jitter: each delay drawn between 50 ms and three times the last."""
    delay = 0.05
    for n in range(1, MAX_ATTEMPTS + 1):
        try:
            r = attempt()
        except (urllib.error.URLError, ConnectionError, OSError):
            if n == MAX_ATTEMPTS:
                raise
            delay = min(2.0, random.uniform(0.05, delay * 3))
            time.sleep(delay)
            continue
        if r.status < 400 or n == MAX_ATTEMPTS:
            return r
        if r.status == 429:
            wait = retry_after_seconds(r.retry_after)
            if MODE == "fixed-delay-429":
                wait = 0.1
            if wait is None:
                delay = min(2.0, random.uniform(0.05, delay * 3))
                wait = delay
            time.sleep(wait)
            continue
        if r.status >= 500:
            delay = min(2.0, random.uniform(0.05, delay * 3))
            time.sleep(delay)
            continue
        return r
    return r


class KnoxError(Exception):
    pass


TOKEN = None


def access_token(fresh=False):
    global TOKEN
    if TOKEN and not fresh:
        return TOKEN
    for _ in range(4):  # the first attempt and at most 3 re-signs
        r = with_retry(lambda: send("POST", "/ams/v1/users/accesstoken", body={
            "clientIdentifierJwt": sign({"clientIdentifier": CONFIG["credentials"]["clientIdentifier"]}),
            "base64EncodedStringPublicKey": KEYS["Public"],
            "validityForAccessTokenInMinutes": 30}))
        if r.status == 200:
            TOKEN = r.json["accessToken"]
            return TOKEN
        if r.code != "4002250":
            raise KnoxError("access token: HTTP %d code %s" % (r.status, r.code))
    raise KnoxError("4002250 persisted after 3 re-signs")


def list_devices(page):
    tok = access_token()
    refreshed = False
    while True:
        r = with_retry(lambda: send("GET", "/kcs/v1/kme/devices/list?pageNum=%d" % page,
                                    headers={"x-knox-apitoken": sign({"accessToken": tok})}))
        if r.status == 200:
            return r.json
        if r.code == "4032251" and not refreshed:
            refreshed = True
            tok = access_token(fresh=True)
            continue
        raise KnoxError("list: HTTP %d code %s" % (r.status, r.code))


def main():
    failures = 0
    for i in range(CALLS):
        page = i % 3
        try:
            got = list_devices(page)
            print("call %d: page %d: %d devices" % (i + 1, page, len(got["deviceList"])))
        except Exception as e:  # the test reports every failed call and goes on
            failures += 1
            print("call %d: page %d: failed: %s" % (i + 1, page, e))
    print("%d of %d calls succeeded" % (CALLS - failures, CALLS))
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
