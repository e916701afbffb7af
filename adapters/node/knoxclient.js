'use strict';
// A small Knox Cloud client that does what BEHAVIOURS.md says a correct client
// does, on Samsung's official token library (knox-token-library-js) for every JWT
// it signs. It covers legacy Knox Cloud Authentication (keys.json, RS512 JWTs,
// x-knox-apitoken), two Knox Mobile Enrollment calls and the Samsung Account
// partner calls, and handles every documented Knox error:
//
// - never retries a validation, permission, not-found or configuration error, and
//   surfaces the HTTP status and the Knox code separately (every body shape Knox uses);
// - 4002250: a newly signed JWT (the library gives each a new jti and fresh iat/exp)
//   and a retry, at most 3 times; 40122050/4012250: one new JWT, no loop;
// - 4032251 and 401: one new access token (shared by concurrent calls), one retry;
//   4032252: the token is dropped so no later call sends it again;
// - 429, 503, 500, LIC_5101 and lost connections: jittered exponential backoff,
//   every Retry-After honoured (delay-seconds or HTTP-date), attempts bounded, a
//   Retry-After beyond the budget reported at once as rate_limited;
// - a call that changes state (KME delete) is not resent once it may have reached
//   the server (500, timeout, reset); an authorization code is sent again only
//   after a 429, never after anything that may have consumed it;
// - Accept: application/json on every request; the CA file given is the only trust
//   anchor; the operation timeout bounds each call, retries included.
//
// Errors carry no credential: messages name what failed, never a token or key.

const crypto = require('crypto');
const fs = require('fs');
const http = require('http');
const https = require('https');
let knoxTokenLibrary;
try {
  knoxTokenLibrary = require('knox-token-library-js');
} catch (e) {
  process.stderr.write(`knox-token-library-js is not installed (${e.code || e.message}): run "npm ci" in ${__dirname}\n`);
  process.exit(2);
}

const PATH_ACCESS_TOKEN = '/ams/v1/users/accesstoken';
const PATH_LIST_DEVICES = '/kcs/v1/kme/devices/list';
const PATH_DELETE_DEVICES = '/kcs/v1/kme/devices/delete';
const MAX_RESIGNS = 3; // newly signed JWTs after 4002250 API_KEY_NON_UNIQUE_JWTID
const MAX_SUCCESS_BODY = 8 << 20;
const MAX_ERROR_BODY = 64 << 10;

// --- the catalogue: what a correct client does about each documented code ----------

const CLASSES = {
  400: 'validation', 401: 'reauth', 403: 'permission', 404: 'not_found', 406: 'client_bug',
  422: 'limit', 429: 'rate_limited', 500: 'server', 501: 'not_implemented',
  4000000: 'validation', 4002250: 'resign', 4002251: 'validation', 4010011: 'auth_config',
  40122050: 'validation', 4032251: 'refresh', 4032252: 'auth', 4040000: 'not_found',
  4042251: 'config', 4042252: 'config',
  LIC_4101: 'validation', LIC_4102: 'validation', LIC_4103: 'validation', LIC_5101: 'server',
};
for (const n of ['1001', '1002', '1006', '1008', '1010', '1011', '1015', '1017', '1022',
  '1024', '1045', '1702', '1785', '1802', '1806']) {
  CLASSES['AUT_' + n] = 'validation';
}
const ALIASES = { 4012250: '40122050' };
const NAMES = {
  RESOURCE_INVALID_PARAM: '4000000',
  API_KEY_NON_UNIQUE_JWTID: '4002250',
  ACCESS_TOKEN_TIMEOUT_VALIDITY_RESOURCE_INVALID_PARAM: '4002251',
  IDP_AUTHORIZATION_FAIL: '4010011',
  ACCESS_TOKEN_BAD_REQUEST: '40122050',
  ACCESS_TOKEN_EXPIRED: '4032251',
  ACCESS_TOKEN_INVALID: '4032252',
  RESOURCE_NOT_FOUND: '4040000',
  API_KEY_RESTRICTION_NOT_FOUND: '4042251',
  API_KEY_RESTRICTION_INVALID: '4042252',
};
for (const c of Object.keys(CLASSES)) {
  if (isSACode(c)) NAMES[c] = c;
}
const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);

function canonical(code) {
  const c = String(code).trim().toUpperCase();
  return has(ALIASES, c) ? ALIASES[c] : c;
}

function isSACode(c) {
  return /^(AUT|LIC)_/i.test(String(c));
}

// --- errors ----------------------------------------------------------------------------

/** A Knox error response (status >= 400), decoded from any body shape Knox uses. */
class KnoxError extends Error {
  constructor(status, { code = '', rawCode = '', name = '', detail = '', shape = 'opaque', retryAfter = '' } = {}) {
    super('');
    this.status = status;
    this.code = code || String(status); // canonical; the HTTP status when the body had none
    this.rawCode = rawCode;
    this.knoxName = name;
    this.detail = detail;
    this.shape = shape;
    this.retryAfter = retryAfter;
    this.message = this.describe();
  }

  describe() {
    let s = `knox: HTTP ${this.status}`;
    if (this.code !== String(this.status)) s += ` code ${this.code}`;
    if (this.knoxName) s += ` ${this.knoxName}`;
    if (this.detail && this.detail !== this.knoxName) s += `: ${this.detail}`;
    return s;
  }

  /** How a correct client treats this error (the catalogue class). */
  klass() {
    if (has(CLASSES, this.code)) return CLASSES[this.code];
    const byName = NAMES[String(this.knoxName).toUpperCase()];
    if (byName && has(CLASSES, byName)) return CLASSES[byName];
    if (has(CLASSES, String(this.status))) return CLASSES[String(this.status)];
    if (this.status === 503) return 'rate_limited';
    return this.status >= 500 ? 'server' : 'validation';
  }

  /** The adapter protocol's error kind. */
  kind() {
    const k = this.klass();
    if (k === 'rate_limited') {
      // A 503 counts as rate limiting only when it says when to come back.
      return this.status === 429 || this.retryAfter ? 'rate_limited' : 'server';
    }
    if (k === 'server' || k === 'not_implemented') return k;
    if (k === 'not_found' || k === 'config') return 'not_found';
    if (['reauth', 'refresh', 'auth', 'auth_config', 'resign'].includes(k)) return 'auth';
    if (k === 'permission') return 'forbidden';
    return this.status === 401 ? 'auth' : 'validation';
  }
}

function scalar(v) {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return '';
}

function first(v) {
  return Array.isArray(v) ? (v.length ? scalar(v[0]) : '') : scalar(v);
}

/** Decode an error response of any shape Knox uses; never throws. */
function parseError(status, headers, body) {
  const f = { shape: 'opaque', retryAfter: String(headers['retry-after'] || '').trim() };
  const text = body.toString('utf8').trim();
  const setCode = (raw) => {
    raw = raw.trim();
    if (raw) { f.rawCode = raw; f.code = canonical(raw); }
  };
  if (!text) {
    f.shape = 'empty';
  } else if (text[0] === '{') {
    let doc = null;
    try { doc = JSON.parse(text); } catch { /* opaque: only the status is known */ }
    if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
      const err = doc.error;
      if (err && typeof err === 'object' && !Array.isArray(err)) { // {result:"FAIL", error:{…}}
        f.shape = 'result';
        setCode(scalar(err.code));
        f.name = scalar(err.message); f.detail = scalar(err.reason);
      } else if (typeof err === 'string') { // OAuth {error, error_description}
        f.shape = 'oauth';
        f.name = err; f.detail = scalar(doc.error_description);
        if (isSACode(err)) setCode(err);
      } else if (Array.isArray(doc.code)) { // {code:[…], message:[…], data:[…]} (KBA-1242)
        f.shape = 'array';
        setCode(first(doc.code));
        f.name = first(doc.message); f.detail = first(doc.data);
      } else if (has(doc, 'code')) { // {errorId?, code, message, data}
        f.shape = 'classic';
        setCode(scalar(doc.code));
        f.name = scalar(doc.message); f.detail = scalar(doc.data);
      } else if (has(doc, 'errorCode')) { // MSP portal
        f.shape = 'classic';
        setCode(scalar(doc.errorCode));
        f.detail = scalar(doc.errorMessage);
      }
      if (f.shape === 'classic' && !f.detail && f.name && isSACode(f.code || '')) {
        f.detail = f.name; f.name = ''; // AUT_/LIC_ bodies put the explanation in message
      }
    }
  }
  if (!f.rawCode && f.name && NAMES[f.name.toUpperCase()]) f.code = NAMES[f.name.toUpperCase()];
  return new KnoxError(status, f);
}

/** A Knox error the client surfaces to its caller, with what it did first. */
class CallError extends Error {
  constructor(call, attempts, reason, knox) {
    super(`${call}: ${knox.message} (${reason}; ${attempts} attempt(s))`);
    Object.assign(this, { call, attempts, reason, knox });
  }
}

/** No HTTP response: kind is network (refused, reset, TLS) or timeout. */
class TransportError extends Error {
  constructor(kind, call, attempts, cause) {
    const what = kind === 'timeout' ? 'no answer within the operation timeout' : 'network failure';
    super(`${call}: ${what} after ${attempts} attempt(s): ${cause && cause.message ? cause.message : cause}`);
    Object.assign(this, { kind, call, attempts });
  }
}

/** A call the client refused before sending anything (knox: the code that explains it). */
class UsageError extends Error {
  constructor(msg, knox = null) {
    super(knox ? `${msg} (code ${knox.code})` : msg);
    this.knox = knox;
  }
}

/** A 2xx/3xx response whose body is not the documented JSON. */
class ResponseError extends Error {
  constructor(call, status, msg) {
    super(`${call}: HTTP ${status} with a body that is not the documented JSON: ${msg}`);
    Object.assign(this, { call, status });
  }
}

/** Seconds to wait for a Retry-After value (RFC 9110 §10.2.3), or null when unparseable. */
function parseRetryAfter(value, now = Date.now()) {
  const v = String(value || '').trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v);
  // HTTP-date: IMF-fixdate, RFC 850 or asctime, always GMT. A bare number with
  // other characters ("5s", "soon") is not a date either.
  if (!/^[A-Za-z]{3}/.test(v)) return null;
  const t = Date.parse(/GMT$/i.test(v) ? v : `${v} GMT`);
  if (Number.isNaN(t)) return null;
  return Math.max(0, (t - now) / 1000);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- one operation -------------------------------------------------------------------

/** One call of the client: its deadline, attempts and backoff retries. */
class Op {
  constructor(client, name, deadline) {
    this.client = client;
    this.name = name;
    this.deadline = deadline !== undefined ? deadline : Date.now() + client.cfg.timeoutMs;
    this.attempts = 0;
    this.backoffs = 0;
  }

  sub(name) { return new Op(this.client, name, this.deadline); }

  remaining() { return this.deadline - Date.now(); }

  fail(knox, reason) { return new CallError(this.name, this.attempts, reason, knox); }

  timeoutError(cause) { return new TransportError('timeout', this.name, this.attempts, cause); }

  /** Wait before the next attempt after a retryable failure; returns the error to surface, or null. */
  async backoff(last, cause = null) {
    const cfg = this.client.cfg;
    const surface = (reason) => (last
      ? this.fail(last, reason)
      : new TransportError('network', this.name, this.attempts, `${cause && cause.message} (${reason})`));
    if (this.backoffs + 1 >= cfg.maxAttempts) {
      return surface(`gave up after ${cfg.maxAttempts} attempts, the configured maximum`);
    }
    let wait = this.client.backoffDelay(this.backoffs);
    if (last && last.retryAfter) {
      const advised = parseRetryAfter(last.retryAfter);
      if (advised !== null && advised * 1000 > cfg.maxRetryAfterMs) {
        return surface(`the server asks to wait ${advised} s (Retry-After), more than the ${cfg.maxRetryAfterMs / 1000} s this client waits`);
      }
      if (advised !== null && advised > 0) {
        // Never before Retry-After has elapsed; the margin covers the one-second
        // resolution of an HTTP-date and timer granularity.
        wait = advised * 1000 + 10;
      }
      // Unparseable or 0: the jittered backoff still applies (no hot loop).
    }
    if (Date.now() + wait > this.deadline) {
      return surface(`the next attempt would be due after the operation timeout of ${cfg.timeoutMs} ms`);
    }
    this.backoffs++;
    await sleep(wait);
    return null;
  }

  /** Decide about a request that got no response; null means send again. */
  async onTransportError(cause, idempotent) {
    if (this.remaining() <= 0 || cause.code === 'KNOX_TIMEOUT') return this.timeoutError(cause);
    if (!idempotent) {
      return new TransportError('network', this.name, this.attempts,
        `${cause.message} (not retried: the request may have been processed)`);
    }
    return this.backoff(null, cause);
  }
}

/** The iat claim of a signed JWT (whole seconds), or null. */
function jwtIat(token) {
  try {
    const claims = JSON.parse(Buffer.from(String(token).split('.')[1], 'base64url').toString('utf8'));
    return Number.isInteger(claims.iat) ? claims.iat : null;
  } catch {
    return null;
  }
}

/**
 * Hands out the JWT of each attempt and keeps the re-sign budget (4002250, 40122050).
 * The library stamps iat (and exp = iat + 30 min) in whole seconds; after a rejection
 * the next JWT is signed in a later second than the rejected one, so that its iat and
 * exp visibly moved forward (at most a second's wait, and only after a rejection).
 */
class Signer {
  constructor(sign) {
    this.sign = sign;
    this.resigns = 0;
    this.badResigned = false;
    this.last = '';
    this.notBeforeSecond = null;
  }

  async next(op) {
    if (this.notBeforeSecond !== null) {
      const wait = this.notBeforeSecond * 1000 - Date.now();
      this.notBeforeSecond = null;
      if (wait > 0) {
        if (Date.now() + wait > op.deadline) throw op.timeoutError('no time left to sign a new JWT');
        await sleep(wait);
      }
    }
    try {
      this.last = this.sign(); // always newly signed: a new jti, fresh iat and exp
    } catch (e) {
      throw new UsageError(`signing a JWT with knox-token-library-js failed: ${e && e.name}`);
    }
    return this.last;
  }

  afterRejection() {
    const iat = jwtIat(this.last);
    if (iat !== null) this.notBeforeSecond = iat + 1;
  }

  resign(op, knox) {
    if (this.resigns >= MAX_RESIGNS) {
      return op.fail(knox, `the server still reports a reused JWT after ${MAX_RESIGNS} newly signed ones`);
    }
    this.resigns++;
    this.afterRejection();
    return null;
  }

  resignOnce(op, knox) {
    if (this.badResigned) return op.fail(knox, 'a newly signed JWT was rejected too');
    this.badResigned = true;
    this.afterRejection();
    return null;
  }
}

// --- configuration -------------------------------------------------------------------

/** Fills in defaults (0 or absent means the default) and checks the URLs. */
function makeConfig(c) {
  const cfg = {
    knoxBaseURL: c.knoxBaseURL || '',
    saTokenURL: c.saTokenURL || '',
    saAuthorizeURL: c.saAuthorizeURL || '',
    keysFile: c.keysFile || '',
    clientIdentifier: c.clientIdentifier || '',
    saClientId: c.saClientId || '',
    saClientSecret: c.saClientSecret || '',
    saRedirectUri: c.saRedirectUri || '',
    saAppId: c.saAppId || '',
    caFile: c.caFile || '',
    maxAttempts: c.maxAttempts || 4, // the first attempt included
    baseDelayMs: c.baseDelayMs || 200,
    maxDelayMs: c.maxDelayMs || 5000,
    timeoutMs: c.timeoutMs || 30000,
    maxRetryAfterMs: c.maxRetryAfterMs || 60000,
    validityMinutes: c.validityMinutes || 30,
  };
  cfg.maxDelayMs = Math.max(cfg.maxDelayMs, cfg.baseDelayMs);
  if (!Number.isInteger(cfg.validityMinutes) || cfg.validityMinutes < 1 || cfg.validityMinutes > 30) {
    throw new Error(`validityMinutes is ${cfg.validityMinutes}; Knox accepts 1..30`);
  }
  for (const k of ['knoxBaseURL', 'saTokenURL', 'saAuthorizeURL']) {
    if (!cfg[k]) continue;
    let u;
    try { u = new URL(cfg[k]); } catch { u = null; }
    if (!u || !['http:', 'https:'].includes(u.protocol) || !u.hostname) {
      throw new Error(`${k} ${JSON.stringify(cfg[k])} is not an absolute http(s) URL`);
    }
  }
  return cfg;
}

// --- the client ------------------------------------------------------------------------

/** Talks to one Knox Cloud with one set of credentials; concurrent calls share one token. */
class KnoxClient {
  constructor(config) {
    this.cfg = makeConfig(config);
    this.publicKey = '';
    if (this.cfg.keysFile) {
      // Checked now, so a bad keys.json is reported here rather than on the first call.
      try {
        this.publicKey = knoxTokenLibrary.generateBase64EncodedStringPublicKey(this.cfg.keysFile);
        knoxTokenLibrary.generateSignedClientIdentifierJWT(this.cfg.keysFile, 'keys-check');
      } catch (e) {
        throw new Error(`keys.json ${this.cfg.keysFile} cannot be used by knox-token-library-js (Public and Private, base64 DER): ${e && e.message}`);
      }
    }
    this.ca = null;
    if (this.cfg.caFile) {
      // Exactly this CA: the system roots are not consulted.
      this.ca = fs.readFileSync(this.cfg.caFile);
      if (!/-----BEGIN CERTIFICATE-----/.test(this.ca.toString('latin1'))) {
        throw new Error(`CA file ${this.cfg.caFile} holds no PEM certificate; give the PEM of the CA that signed the server's certificate`);
      }
    }
    this.token = '';
    this.expires = 0;
    this.flight = null;
    this.saToken = '';
    this.usedCodes = new Set();
  }

  close() { /* nothing stays open between calls: one connection per request */ }

  // -- HTTP --

  /** One attempt: {reply}, {knox} or {terr} (a transport failure). */
  attempt(op, method, url, body, headers) {
    const remaining = op.remaining();
    if (remaining <= 0) {
      const e = new Error('operation timeout reached'); e.code = 'KNOX_TIMEOUT';
      return Promise.resolve({ terr: e });
    }
    op.attempts++;
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const hdrs = { Accept: 'application/json', 'User-Agent': 'knoxconform-node-client/1.0', Connection: 'close', ...headers };
    if (body) hdrs['Content-Length'] = Buffer.byteLength(body);
    const opts = { method, headers: hdrs, agent: false };
    if (u.protocol === 'https:' && this.ca) opts.ca = this.ca;
    return new Promise((resolve) => {
      let settled = false;
      const done = (v) => { if (!settled) { settled = true; clearTimeout(timer); resolve(v); } };
      const req = mod.request(u, opts, (res) => {
        const limit = res.statusCode >= 400 ? MAX_ERROR_BODY : MAX_SUCCESS_BODY;
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          if (size < limit) { chunks.push(c); size += c.length; }
        });
        res.on('end', () => {
          const buf = Buffer.concat(chunks).subarray(0, limit);
          if (res.statusCode >= 400) done({ knox: parseError(res.statusCode, res.headers, buf) });
          else done({ reply: { status: res.statusCode, body: buf } });
        });
        res.on('error', (e) => done({ terr: e }));
        res.on('close', () => {
          if (!res.complete) done({ terr: Object.assign(new Error('connection closed before the whole response arrived'), { code: 'ECONNRESET' }) });
        });
      });
      const timer = setTimeout(() => {
        const e = new Error('no answer within the operation timeout'); e.code = 'KNOX_TIMEOUT';
        done({ terr: e });
        req.destroy(e);
      }, remaining);
      req.on('error', (e) => done({ terr: e }));
      req.end(body);
    });
  }

  decode(op, reply) {
    if (reply.status >= 300) {
      throw new ResponseError(op.name, reply.status, 'a redirect is never followed (it could carry a JWT elsewhere)');
    }
    let doc;
    try { doc = JSON.parse(reply.body.toString('utf8')); } catch { throw new ResponseError(op.name, reply.status, 'not JSON'); }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new ResponseError(op.name, reply.status, 'not a JSON object');
    return doc;
  }

  knoxURL(path) {
    if (!this.cfg.knoxBaseURL) throw new UsageError('knoxBaseURL is not configured');
    return this.cfg.knoxBaseURL.replace(/\/+$/, '') + path;
  }

  needKeys() {
    if (!this.cfg.keysFile) throw new UsageError('no keys.json configured: Knox Cloud calls need the key pair to sign JWTs');
  }

  /** Base·2ⁿ capped at the maximum, with equal jitter (half fixed, half random): always > 0. */
  backoffDelay(n) {
    const d = Math.min(this.cfg.baseDelayMs * 2 ** Math.min(n, 30), this.cfg.maxDelayMs);
    const half = d / 2;
    return Math.max(half + Math.random() * half, 1);
  }

  decide(knox, idempotent) {
    const name = String(knox.knoxName || '').toUpperCase();
    if (knox.code === '40122050' || name === 'ACCESS_TOKEN_BAD_REQUEST') return 'resignOnce';
    if (knox.code === '4032252' || name === 'ACCESS_TOKEN_INVALID') return 'dropToken';
    const k = knox.klass();
    if (k === 'resign') return 'resign';
    if (k === 'refresh' || k === 'reauth') return 'refresh';
    if (k === 'rate_limited' || k === 'server') {
      // A 500 on a call that changes state is not resent: the server may have acted.
      return k === 'server' && !idempotent ? 'surface' : 'backoff';
    }
    return 'surface';
  }

  // -- access tokens --

  async fetchToken(parent) {
    const op = parent.sub(`POST ${PATH_ACCESS_TOKEN}`);
    this.needKeys();
    const url = this.knoxURL(PATH_ACCESS_TOKEN);
    const jwts = new Signer(() => knoxTokenLibrary.generateSignedClientIdentifierJWT(this.cfg.keysFile, this.cfg.clientIdentifier));
    let refreshed = false;
    for (;;) {
      const body = JSON.stringify({
        clientIdentifierJwt: await jwts.next(op),
        base64EncodedStringPublicKey: this.publicKey,
        validityForAccessTokenInMinutes: this.cfg.validityMinutes, // a JSON integer
      });
      const { reply, knox, terr } = await this.attempt(op, 'POST', url, body, { 'Content-Type': 'application/json' });
      let err = null;
      if (terr) {
        // Safe to resend: the next attempt carries a new JWT, and a token minted for a
        // lost response is never used.
        err = await op.onTransportError(terr, true);
      } else if (!knox) {
        const tok = this.decode(op, reply).accessToken;
        if (typeof tok !== 'string' || !tok) throw new ResponseError(op.name, reply.status, 'the response has no "accessToken"');
        return tok;
      } else {
        switch (this.decide(knox, true)) {
          case 'resign': err = jwts.resign(op, knox); break;
          case 'resignOnce': err = jwts.resignOnce(op, knox); break;
          case 'refresh': // on the token route "a new token" is a newly signed JWT; once
            err = refreshed ? op.fail(knox, 'rejected again after one newly signed JWT') : null;
            refreshed = true;
            break;
          case 'backoff': err = await op.backoff(knox); break;
          default: err = op.fail(knox, 'not retryable');
        }
      }
      if (err) throw err;
    }
  }

  /** Replace the token `stale`; concurrent callers share one request (single-flight). */
  async refreshToken(op, stale) {
    for (;;) {
      if (this.token && this.token !== stale && Date.now() < this.expires) return this.token;
      if (!this.flight) {
        const flight = this.fetchToken(op).then((tok) => {
          const validity = this.cfg.validityMinutes * 60000;
          this.token = tok;
          this.expires = Date.now() + validity - Math.min(validity / 10, 60000);
          return tok;
        }).finally(() => { if (this.flight === flight) this.flight = null; });
        this.flight = flight;
        return flight;
      }
      const flight = this.flight;
      let timer;
      const outOfTime = new Promise((resolve) => { timer = setTimeout(resolve, Math.max(op.remaining(), 0), 'timeout'); });
      let result;
      try {
        result = await Promise.race([flight.then((tok) => ({ tok }), (err) => ({ err })), outOfTime]);
      } finally {
        clearTimeout(timer);
      }
      if (result === 'timeout') throw op.timeoutError('waiting for the access token another call is obtaining');
      if (!result.err) return result.tok;
      if (!(result.err instanceof TransportError && result.err.kind === 'timeout')) throw result.err;
      // The leader ran out of its own time; that says nothing about this call: try again.
    }
  }

  async currentToken(op) {
    if (this.token && Date.now() < this.expires) return this.token;
    return this.refreshToken(op, this.token);
  }

  dropToken(tok) {
    if (this.token === tok) { this.token = ''; this.expires = 0; }
  }

  async resourceCall(op, method, path, payload, idempotent) {
    this.needKeys();
    const url = this.knoxURL(path);
    let tok = await this.currentToken(op);
    // The closure reads tok, so after a refresh the next JWT carries the new token.
    const jwts = new Signer(() => knoxTokenLibrary.generateSignedAccessTokenJWT(this.cfg.keysFile, tok));
    let refreshed = false;
    for (;;) {
      const headers = { 'x-knox-apitoken': await jwts.next(op) };
      let body;
      if (payload !== null) { body = JSON.stringify(payload); headers['Content-Type'] = 'application/json'; }
      const { reply, knox, terr } = await this.attempt(op, method, url, body, headers);
      let err = null;
      if (terr) {
        err = await op.onTransportError(terr, idempotent);
      } else if (!knox) {
        return this.decode(op, reply);
      } else {
        switch (this.decide(knox, idempotent)) {
          case 'refresh':
            if (refreshed) {
              err = op.fail(knox, 'rejected again with a newly obtained token; one refresh per call');
            } else {
              refreshed = true;
              // Rejected: no later call sends it again, even if the refresh fails.
              this.dropToken(tok);
              tok = await this.refreshToken(op, tok);
            }
            break;
          case 'dropToken':
            this.dropToken(tok);
            err = op.fail(knox, 'the access token is invalid; it is dropped and the next call obtains a new one');
            break;
          case 'resign': err = jwts.resign(op, knox); break;
          case 'resignOnce': err = jwts.resignOnce(op, knox); break;
          case 'backoff': err = await op.backoff(knox); break;
          default: err = op.fail(knox, 'not retryable');
        }
      }
      if (err) throw err;
    }
  }

  // -- the operations a caller uses --

  /** Obtain a new Knox access token and keep it for later resource calls. */
  async accessToken() {
    await this.refreshToken(new Op(this, 'knox.accessToken'), this.token);
  }

  /** One page of KME devices: {totalCount, devices: number on the page}. Idempotent. */
  async listDevices(pageNum = 0) {
    const op = new Op(this, `GET ${PATH_LIST_DEVICES}`);
    const doc = await this.resourceCall(op, 'GET', `${PATH_LIST_DEVICES}?pageNum=${Number(pageNum) || 0}`, null, true);
    // The documented answer, or an error: never success with made-up empty data.
    const total = doc.totalCount;
    const list = doc.deviceList === undefined || doc.deviceList === null ? [] : doc.deviceList;
    if (!Number.isInteger(total) || !Array.isArray(list)) {
      throw new ResponseError(op.name, 200, 'no integer totalCount, or a deviceList that is not a list');
    }
    return { totalCount: total, devices: list.length };
  }

  /** Delete KME devices; not resent after a 500 or a lost response (the devices may be gone). */
  async deleteDevices(devices) {
    const op = new Op(this, `POST ${PATH_DELETE_DEVICES}`);
    const doc = await this.resourceCall(op, 'POST', PATH_DELETE_DEVICES, { devices: { imeiOrSerials: devices || [] } }, false);
    const fields = ['successDeviceList', 'failedDeviceList', 'notFoundDeviceList'];
    if (!fields.some((f) => has(doc, f))) {
      // The documented answer, or an error: never success with made-up empty lists.
      throw new ResponseError(op.name, 200, `none of ${fields.join(', ')}`);
    }
    const count = (field) => {
      const v = doc[field] === undefined || doc[field] === null ? [] : doc[field];
      if (!Array.isArray(v)) throw new ResponseError(op.name, 200, `${field} is not a list`);
      return v.length;
    };
    return { success: count('successDeviceList'), failed: count('failedDeviceList'), notFound: count('notFoundDeviceList') };
  }

  /**
   * Trade a Samsung Account authorization code for an SA token. A code is single-use:
   * it is sent again only after a 429 (the server certainly did not process it), never
   * after a 5xx, a timeout, a reset or AUT_1802; a code already sent is refused locally.
   */
  async exchangeCode(code) {
    const op = new Op(this, 'POST Samsung Account token');
    if (!this.cfg.saTokenURL) throw new UsageError('saTokenURL is not configured');
    const fp = crypto.createHash('sha256').update(String(code)).digest('hex');
    const used = this.usedCodes.has(fp);
    if (code) this.usedCodes.add(fp);
    if (used) {
      throw new UsageError('not resending an authorization code (codes are single-use); obtain a new code',
        new KnoxError(400, { code: 'AUT_1802', rawCode: 'AUT_1802', detail: 'authorization code already sent once' }));
    }
    const form = new URLSearchParams({
      client_id: this.cfg.saClientId,
      client_secret: this.cfg.saClientSecret,
      code: String(code),
      grant_type: 'authorization_code',
      redirect_uri: this.cfg.saRedirectUri,
    }).toString();
    for (;;) {
      const { reply, knox, terr } = await this.attempt(op, 'POST', this.cfg.saTokenURL, form,
        { 'Content-Type': 'application/x-www-form-urlencoded' });
      if (terr) throw await op.onTransportError(terr, false);
      if (!knox) {
        const doc = this.decode(op, reply);
        if (typeof doc.access_token !== 'string' || !doc.access_token) {
          throw new ResponseError(op.name, reply.status, 'the response has no "access_token"');
        }
        this.saToken = doc.access_token;
        // Never the tokens themselves: outcomes end up in reports.
        return { tokenType: scalar(doc.token_type), expiresIn: Number(doc.expires_in) || 0, refreshToken: Boolean(doc.refresh_token) };
      }
      if (knox.status === 429) {
        const err = await op.backoff(knox);
        if (!err) continue;
        throw err;
      }
      throw op.fail(knox, 'not retried: an authorization code is single-use');
    }
  }

  /** Call authorizeToken with authToken, or the token of the last exchange. Idempotent. */
  async authorizeToken(authToken = '') {
    const op = new Op(this, 'POST Samsung Account authorizeToken');
    if (!this.cfg.saAuthorizeURL) throw new UsageError('saAuthorizeURL is not configured');
    const token = authToken || this.saToken;
    if (!token) throw new UsageError('no Samsung Account token: exchange an authorization code first or pass authToken');
    for (;;) {
      const headers = { 'Content-Type': 'application/json' };
      if (this.cfg.saAppId) headers['x-osp-appId'] = this.cfg.saAppId;
      const { reply, knox, terr } = await this.attempt(op, 'POST', this.cfg.saAuthorizeURL, JSON.stringify({ authToken: token }), headers);
      let err = null;
      if (terr) {
        err = await op.onTransportError(terr, true);
      } else if (!knox) {
        if (reply.status >= 300) throw new ResponseError(op.name, reply.status, 'a redirect is never followed');
        const text = reply.body.toString('utf8').trim();
        if (text) {
          try { JSON.parse(text); } catch { throw new ResponseError(op.name, reply.status, 'not JSON'); }
        }
        return { authorized: true };
      } else if (this.decide(knox, true) !== 'backoff') {
        err = op.fail(knox, 'not retryable');
      } else {
        err = await op.backoff(knox);
      }
      if (err) throw err;
    }
  }
}

module.exports = {
  KnoxClient, KnoxError, CallError, TransportError, UsageError, ResponseError, parseError, parseRetryAfter,
};
