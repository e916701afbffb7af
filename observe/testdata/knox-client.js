'use strict';
// A small Knox Mobile Enrollment client and its own "integration test": it
// lists device pages CALLS times and prints what it got. Run as a plain
// command by the observe tests, configured only by the KNOX_* environment.
//
//   node knox-client.js [MODE] [CALLS]
//
// MODE "correct" does everything BEHAVIOURS.md asks. Every other mode breaks
// one rule, as a real client might:
//   retries-400          retries every error reply, 400s included
//   ignores-retry-after  backs off on 429 but ignores Retry-After
//   no-refresh           retries 4032251 with the same, expired, token
//   reuses-jti           signs every JWT with one jti
//   token-per-call       mints an access token for every call
const { loadKeys, sign } = require('./knoxjwt.js');

const mode = process.argv[2] || 'correct';
const calls = parseInt(process.argv[3] || '16', 10);
const env = process.env;
const keys = loadKeys(env.KNOX_KEYS_FILE);
const fixedJti = 'jti-' + process.pid;
const maxAttempts = 4;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const jwt = (claims) => sign(keys, claims, mode === 'reuses-jti' ? fixedJti : undefined);

// backoff is exponential with full jitter (at least half the step, so a
// lucky draw is never a hot loop).
function backoff(attempt) {
  const step = 40 * 2 ** (attempt - 1);
  return step / 2 + Math.random() * step / 2;
}

function retryAfterMs(r) {
  const v = r.retryAfter;
  if (!v || mode === 'ignores-retry-after') return null;
  if (/^\d+$/.test(v)) return parseInt(v, 10) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

// send makes one HTTP request; a network failure is thrown.
async function send(method, path, headers, body) {
  const h = Object.assign({ Accept: 'application/json' }, headers);
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(env.KNOX_BASE_URL + path, {
    method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch (e) { /* not JSON: keep the status */ }
  const code = json && json.code !== undefined ? String(json.code) : '';
  return { status: res.status, code, json, retryAfter: res.headers.get('retry-after') };
}

// withRetry runs attempt until it succeeds or fails for good: 429 waits for
// Retry-After (else backs off), 5xx and resets back off, everything else is
// returned to the caller at once. Attempts are bounded.
async function withRetry(attempt) {
  for (let n = 1; ; n++) {
    let r;
    try {
      r = await attempt();
    } catch (e) {
      if (n >= maxAttempts) throw e;
      await sleep(backoff(n));
      continue;
    }
    if (r.status < 400 || n >= maxAttempts) return r;
    if (r.status === 429) {
      const ra = retryAfterMs(r);
      await sleep(ra === null ? backoff(n) : ra);
      continue;
    }
    if (r.status >= 500 || (mode === 'retries-400' && n < 3)) {
      await sleep(backoff(n));
      continue;
    }
    return r;
  }
}

class KnoxError extends Error {
  constructor(r) {
    super(`Knox answered HTTP ${r.status}${r.code ? ' code ' + r.code : ''}`);
    this.status = r.status;
    this.code = r.code;
  }
}

let token = null;

// accessToken returns the cached token, or obtains one: a new JWT for every
// attempt, a re-sign (at most 3) after 4002250.
async function accessToken(fresh) {
  if (token && !fresh && mode !== 'token-per-call') return token;
  for (let resign = 0; resign <= 3; resign++) {
    const r = await withRetry(() => send('POST', '/ams/v1/users/accesstoken', {}, {
      clientIdentifierJwt: jwt({ clientIdentifier: env.KNOX_CLIENT_IDENTIFIER }),
      base64EncodedStringPublicKey: keys.publicKey,
      validityForAccessTokenInMinutes: 30,
    }));
    if (r.status === 200) {
      token = r.json.accessToken;
      return token;
    }
    if (r.code !== '4002250') throw new KnoxError(r);
  }
  throw new Error('4002250 persisted after 3 re-signs');
}

// listDevices is one call of the client: on 4032251 it refreshes the token
// once and retries with the new one.
async function listDevices(page) {
  let tok = await accessToken(false);
  let refreshed = false;
  for (;;) {
    const r = await withRetry(() => send('GET', '/kcs/v1/kme/devices/list?pageNum=' + page,
      { 'x-knox-apitoken': jwt({ accessToken: tok }) }));
    if (r.status === 200) return r.json;
    if (r.code === '4032251' && !refreshed) {
      refreshed = true;
      if (mode !== 'no-refresh') tok = await accessToken(true);
      continue;
    }
    throw new KnoxError(r);
  }
}

(async () => {
  let failures = 0;
  for (let i = 0; i < calls; i++) {
    const page = i % 3; // the test pages through the device list, three pages round
    try {
      const got = await listDevices(page);
      console.log(`call ${i + 1}: page ${page}: ${got.deviceList.length} devices`);
    } catch (e) {
      failures++;
      console.log(`call ${i + 1}: page ${page}: failed: ${e.message}`);
    }
  }
  console.log(`${calls - failures} of ${calls} calls succeeded`);
  process.exit(failures === 0 ? 0 : 1);
})();
