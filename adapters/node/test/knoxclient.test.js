'use strict';
// Unit tests of the parts of the Node client that the conformance suite reaches
// only through some cases: every error-body shape and every Retry-After form.
// Run: node --test adapters/node/test/
const test = require('node:test');
const assert = require('node:assert');
const { parseError, parseRetryAfter } = require('../knoxclient');

const parse = (status, body, headers = {}) => parseError(status, headers, Buffer.from(body));

test('error bodies: the code from every shape Knox uses, the status separately', () => {
  const cases = [
    [400, '{"errorId":"e1","code":4000000,"message":"RESOURCE_INVALID_PARAM","data":"bad"}', '4000000', 'classic', 'validation'],
    [403, '{"code":[4032251],"message":["ACCESS_TOKEN_EXPIRED"],"data":["expired"]}', '4032251', 'array', 'auth'],
    [400, '{"result":"FAIL","error":{"code":"4000000","message":"RESOURCE_INVALID_PARAM","reason":"x"}}', '4000000', 'result', 'validation'],
    [400, '{"error":"AUT_1702","error_description":"wrong secret"}', 'AUT_1702', 'oauth', 'validation'],
    [401, '{"code":4012250,"message":"ACCESS_TOKEN_BAD_REQUEST","data":"x"}', '40122050', 'classic', 'auth'],
    [400, '{"code":"LIC_4103","message":"app id mismatch"}', 'LIC_4103', 'classic', 'validation'],
    [403, '{"errorCode":"4032252","errorMessage":"invalid"}', '4032252', 'classic', 'auth'],
    [400, '', '400', 'empty', 'validation'],
    [502, '<html>bad gateway</html>', '502', 'opaque', 'server'],
    [403, '{"code":"","message":"ACCESS_TOKEN_EXPIRED"}', '4032251', 'classic', 'auth'], // the name alone
    [404, '{"message":"RESOURCE_NOT_FOUND"}', '404', 'opaque', 'not_found'], // no known shape: the status
  ];
  for (const [status, body, code, shape, kind] of cases) {
    const e = parse(status, body);
    assert.strictEqual(e.status, status, body);
    assert.strictEqual(e.code, code, body);
    assert.strictEqual(e.shape, shape, body);
    assert.strictEqual(e.kind(), kind, body);
  }
});

test('429 and 503: rate_limited when they say when to come back', () => {
  assert.strictEqual(parse(429, '').kind(), 'rate_limited');
  assert.strictEqual(parse(503, '', { 'retry-after': '3' }).kind(), 'rate_limited');
  assert.strictEqual(parse(503, '').kind(), 'server');
  assert.strictEqual(parse(503, '').klass(), 'rate_limited'); // still retried with backoff
  assert.strictEqual(parse(501, '').kind(), 'not_implemented');
});

test('Retry-After: delay-seconds, every HTTP-date form, garbage', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  assert.strictEqual(parseRetryAfter('7', now), 7);
  assert.strictEqual(parseRetryAfter('Mon, 30 Nov 2026 12:00:05 GMT', now), 5);
  assert.strictEqual(parseRetryAfter('Monday, 30-Nov-26 12:00:05 GMT', now), 5);
  assert.strictEqual(parseRetryAfter('Mon Nov 30 12:00:05 2026', now), 5);
  assert.strictEqual(parseRetryAfter('Mon, 30 Nov 2026 11:00:00 GMT', now), 0);
  for (const bad of ['', 'soon', '5s', '-1', '1.5']) assert.strictEqual(parseRetryAfter(bad, now), null, bad);
});
