#!/usr/bin/env node
'use strict';
// knoxconform adapter for a Node.js Knox client (adapter protocol v1, docs/protocol.md).
//
//   (cd adapters/node && npm ci)
//   knoxconform run --target "node adapters/node/adapter.js" --strict
//
// The suite writes one JSON request per line on stdin; this adapter answers each on
// stdout, by id, and logs to stderr. Invokes run concurrently.
//
// To judge YOUR client, copy this directory and change the three places marked
// "PLUG IN YOUR CLIENT": how a client is built from the suite's newClient parameters
// (newClient), how each operation calls it (runOperation), and how its errors map
// onto the protocol's outcome (errorOutcome). The bundled ./knoxclient is a small
// client on Samsung's knox-token-library-js that does everything right; it is what
// the suite judges until you replace it.

const net = require('net');
const readline = require('readline');
// PLUG IN YOUR CLIENT: require your own package instead.
const knox = require('./knoxclient');

const ADAPTER = { name: 'knoxconform-node-adapter', version: '1.0.0', lang: 'node' };
const CLIENT = { name: 'knoxconform-node-client', version: '1.0.0', lang: 'node' };
const OPERATIONS = ['knox.accessToken', 'kme.listDevices', 'kme.deleteDevices', 'sa.exchangeCode', 'sa.authorizeToken'];
const MAX_LINE = 1 << 20;

/** Thrown to answer `skip`: the client cannot do this (the case is UNSUPPORTED). */
class Skip extends Error {}

function log(...parts) {
  process.stderr.write(`node-adapter: ${parts.join(' ')}\n`);
}

// --- PLUG IN YOUR CLIENT (1 of 3): build a client from newClient's parameters --------

/** A fresh client bound to the simulated Knox Cloud of one case. */
function newClient(params) {
  const ep = params.endpoints || {};
  const cred = params.credentials || {};
  const adv = params.config || {}; // absent or 0: the client's default
  return new knox.KnoxClient({
    knoxBaseURL: ep.knoxBaseURL,
    saTokenURL: ep.saTokenURL,
    saAuthorizeURL: ep.saAuthorizeURL,
    keysFile: cred.keysFile,
    clientIdentifier: cred.clientIdentifier,
    saClientId: cred.saClientId,
    saClientSecret: cred.saClientSecret,
    saRedirectUri: cred.saRedirectUri,
    saAppId: cred.saAppId,
    caFile: params.caFile,
    maxAttempts: adv.maxAttempts,
    baseDelayMs: adv.baseDelayMs,
    maxDelayMs: adv.maxDelayMs,
    timeoutMs: adv.timeoutMs,
    maxRetryAfterMs: adv.maxRetryAfterMs,
  });
}

// --- PLUG IN YOUR CLIENT (2 of 3): run one operation, return its value ----------------

/**
 * Call the client exactly as its own caller would and return the value of an ok
 * outcome. Let the client's errors propagate: errorOutcome maps them. Throw Skip for
 * an operation your client does not have.
 */
async function runOperation(client, op, params) {
  switch (op) {
    case 'knox.accessToken':
      await client.accessToken();
      return { obtained: true };
    case 'kme.listDevices':
      return client.listDevices(params.pageNum || 0);
    case 'kme.deleteDevices':
      return client.deleteDevices(params.devices || []);
    case 'sa.exchangeCode':
      return client.exchangeCode(params.code || ''); // never the tokens themselves
    case 'sa.authorizeToken':
      return client.authorizeToken(params.authToken || '');
    default:
      throw new Skip(`operation ${JSON.stringify(op)} is not one this client has`);
  }
}

// --- PLUG IN YOUR CLIENT (3 of 3): map the client's errors onto the outcome -----------

/** The protocol's error object for an error the client gave its caller. */
function errorOutcome(err) {
  const out = { kind: 'unknown', message: (err && err.message) || String(err) };
  let k = null;
  if (err instanceof knox.CallError) {
    k = err.knox;
  } else if (err instanceof knox.KnoxError) {
    k = err;
  } else if (err instanceof knox.TransportError) {
    out.kind = err.kind;
  } else if (err instanceof knox.ResponseError) {
    out.httpStatus = err.status;
  } else if (err instanceof knox.UsageError) {
    // Refused before sending anything: no HTTP status, the code when one explains it.
    out.kind = 'validation';
    if (err.knox) out.code = err.knox.code;
  }
  if (k) {
    out.kind = k.kind();
    out.httpStatus = k.status;
    // The Knox code, separately from the status; absent when the body carried none.
    if (k.rawCode || k.code !== String(k.status)) out.code = k.code;
  }
  return out;
}

// --- the protocol (no changes needed below) -------------------------------------------

class Session {
  constructor(output) {
    this.output = output;
    this.clients = new Map();
    this.inflight = new Set();
  }

  answer(msg) {
    this.output.write(`${JSON.stringify(msg)}\n`);
  }

  handle(req) {
    const { id, type } = req;
    const params = req.params || {};
    log('got', type, id);
    switch (type) {
      case 'hello':
        if (params.protocol !== undefined && params.protocol !== 1) {
          this.answer({ v: 1, id, type: 'error', message: `this adapter speaks protocol 1, the suite asked for ${params.protocol}` });
          return;
        }
        this.answer({ v: 1, id, type: 'hello', result: { protocol: 1, adapter: ADAPTER, client: CLIENT, operations: OPERATIONS, features: ['concurrency', 'ping'] } });
        return;
      case 'newClient': {
        let client;
        try {
          client = newClient(params);
        } catch (e) {
          if (e instanceof Skip) this.answer({ v: 1, id, type: 'skip', reason: e.message || 'cannot be configured' });
          else this.answer({ v: 1, id, type: 'error', message: `newClient ${params.client}: ${e.message}` });
          return;
        }
        const old = this.clients.get(params.client);
        this.clients.set(params.client, client);
        if (old) old.close();
        this.answer({ v: 1, id, type: 'ok' });
        return;
      }
      case 'closeClient': {
        const client = this.clients.get(params.client);
        if (!client) {
          this.answer({ v: 1, id, type: 'error', message: `closeClient: no client ${JSON.stringify(params.client)} (never created, or already closed)` });
          return;
        }
        this.clients.delete(params.client);
        client.close();
        this.answer({ v: 1, id, type: 'ok' });
        return;
      }
      case 'invoke': {
        const p = this.invoke(id, params).catch((e) => {
          this.answer({ v: 1, id, type: 'error', message: `adapter bug: ${(e && e.stack) || e}` });
        });
        this.inflight.add(p);
        p.finally(() => this.inflight.delete(p));
        return;
      }
      case 'ping':
        // Liveness, answered at once from the read loop while invokes run.
        this.answer({ v: 1, id, type: 'ok' });
        return;
      default:
        this.answer({ v: 1, id, type: 'error', message: `unknown request type ${JSON.stringify(type)}` });
    }
  }

  async invoke(id, params) {
    const client = this.clients.get(params.client);
    if (!client) {
      this.answer({ v: 1, id, type: 'error', message: `invoke ${params.op}: no client ${JSON.stringify(params.client)}: send newClient first` });
      return;
    }
    let value;
    try {
      value = await runOperation(client, params.op, params.params || {});
    } catch (e) {
      if (e instanceof Skip) {
        this.answer({ v: 1, id, type: 'skip', reason: e.message || 'unsupported' });
        return;
      }
      log('invoke', id, params.op, '->', (e && e.name) || 'error', (e && e.message) || e);
      this.answer({ v: 1, id, type: 'result', result: { ok: false, error: errorOutcome(e) } });
      return;
    }
    this.answer({ v: 1, id, type: 'result', result: { ok: true, value: value === undefined ? null : value } });
  }

  async finish() {
    await Promise.allSettled([...this.inflight]);
  }

  /** Serves the lines of input until bye or its end; resolves when done. */
  serve(input) {
    return new Promise((resolve) => {
      const rl = readline.createInterface({ input, crlfDelay: Infinity });
      let ended = false;
      const end = async (byeId) => {
        if (ended) return;
        ended = true;
        rl.close();
        await this.finish();
        if (byeId !== undefined) this.answer({ v: 1, id: byeId, type: 'ok' });
        resolve();
      };
      rl.on('line', (line) => {
        if (ended || !line.trim()) return;
        if (Buffer.byteLength(line) > MAX_LINE) { log('request line longer than 1 MiB ignored'); return; }
        let req;
        try {
          req = JSON.parse(line);
        } catch (e) {
          log('unreadable request ignored:', e.message);
          return;
        }
        if (!req || typeof req.id !== 'string' || typeof req.type !== 'string') {
          log('request without id or type ignored');
          return;
        }
        if (req.type === 'bye') {
          log('got bye', req.id);
          end(req.id);
          return;
        }
        try {
          this.handle(req);
        } catch (e) {
          this.answer({ v: 1, id: req.id, type: 'error', message: `adapter bug: ${(e && e.stack) || e}` });
        }
      });
      rl.on('close', () => end()); // end of input means the same as bye
    });
  }
}

async function main(argv) {
  if (argv.length === 2 && (argv[0] === '-listen' || argv[0] === '--listen')) {
    // TCP mode for debugging (docs/protocol.md): one session per connection.
    const i = argv[1].lastIndexOf(':');
    const host = argv[1].slice(0, i) || '127.0.0.1';
    const port = Number(argv[1].slice(i + 1));
    const srv = net.createServer((conn) => {
      new Session(conn).serve(conn).then(() => conn.end());
    });
    srv.listen(port, host, () => log(`listening on ${srv.address().address}:${srv.address().port}`));
    return;
  }
  if (argv.length > 0) {
    process.stderr.write('usage: adapter.js [-listen HOST:PORT]\n');
    process.exitCode = 2;
    return;
  }
  await new Session(process.stdout).serve(process.stdin);
  // Exit once stdout is flushed, even if a timer of an abandoned call is pending.
  process.stdout.write('', () => process.exit(0));
}

main(process.argv.slice(2));
