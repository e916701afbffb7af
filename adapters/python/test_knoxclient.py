"""Unit tests of the parts of the Python client that the conformance suite reaches
only through some cases: every error-body shape and every Retry-After form.

Run: python3 -m unittest discover -s adapters/python
"""

import calendar
import time
import unittest

import knoxclient as k


def parse(status, body, headers=None):
    return k.parse_error(status, headers or {}, body.encode())


class ErrorBodies(unittest.TestCase):
    def test_every_shape(self):
        cases = [
            (400, '{"errorId":"e1","code":4000000,"message":"RESOURCE_INVALID_PARAM","data":"bad"}', "4000000", "classic", "validation"),
            (403, '{"code":[4032251],"message":["ACCESS_TOKEN_EXPIRED"],"data":["expired"]}', "4032251", "array", "auth"),
            (400, '{"result":"FAIL","error":{"code":"4000000","message":"RESOURCE_INVALID_PARAM","reason":"x"}}', "4000000", "result", "validation"),
            (400, '{"error":"AUT_1702","error_description":"wrong secret"}', "AUT_1702", "oauth", "validation"),
            (401, '{"code":4012250,"message":"ACCESS_TOKEN_BAD_REQUEST","data":"x"}', "40122050", "classic", "auth"),
            (400, '{"code":"LIC_4103","message":"app id mismatch"}', "LIC_4103", "classic", "validation"),
            (403, '{"errorCode":"4032252","errorMessage":"invalid"}', "4032252", "classic", "auth"),
            (400, "", "400", "empty", "validation"),
            (502, "<html>bad gateway</html>", "502", "opaque", "server"),
            (403, '{"code":"","message":"ACCESS_TOKEN_EXPIRED"}', "4032251", "classic", "auth"),  # the name alone
            (404, '{"message":"RESOURCE_NOT_FOUND"}', "404", "opaque", "not_found"),  # no known shape
        ]
        for status, body, code, shape, kind in cases:
            with self.subTest(body=body):
                e = parse(status, body)
                self.assertEqual((e.status, e.code, e.shape, e.kind()), (status, code, shape, kind))

    def test_rate_limited(self):
        self.assertEqual(parse(429, "").kind(), "rate_limited")
        self.assertEqual(parse(503, "", {"Retry-After": "3"}).kind(), "rate_limited")
        self.assertEqual(parse(503, "").kind(), "server")
        self.assertEqual(parse(503, "").klass(), "rate_limited")  # still retried with backoff
        self.assertEqual(parse(501, "").kind(), "not_implemented")


class RetryAfter(unittest.TestCase):
    def test_forms(self):
        now = calendar.timegm(time.strptime("2026-11-30 12:00:00", "%Y-%m-%d %H:%M:%S"))
        self.assertEqual(k.parse_retry_after("7", now), 7)
        self.assertEqual(k.parse_retry_after("Mon, 30 Nov 2026 12:00:05 GMT", now), 5)
        self.assertEqual(k.parse_retry_after("Monday, 30-Nov-26 12:00:05 GMT", now), 5)
        self.assertEqual(k.parse_retry_after("Mon Nov 30 12:00:05 2026", now), 5)
        self.assertEqual(k.parse_retry_after("Mon, 30 Nov 2026 11:00:00 GMT", now), 0)
        for bad in ("", "soon", "5s", "-1", "1.5"):
            self.assertIsNone(k.parse_retry_after(bad, now), bad)


class Backoff(unittest.TestCase):
    def test_always_positive_and_capped(self):
        c = k.KnoxClient(k.Config(base_delay=0.01, max_delay=0.05))
        for n in range(40):
            d = c.backoff_delay(n)
            self.assertGreater(d, 0)
            self.assertLessEqual(d, 0.05)


if __name__ == "__main__":
    unittest.main()
