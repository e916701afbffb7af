'use strict';
// Signs the two JWTs of Knox Cloud Authentication (RS512, aud KnoxWSM) with the
// key pair in keys.json, the way a Node integration would without Samsung's
// library. Shared by the observed test clients; also a command line tool:
//   node knoxjwt.js clientIdentifier VALUE   prints a client-identifier JWT
//   node knoxjwt.js accessToken VALUE        prints an x-knox-apitoken JWT
//   node knoxjwt.js publicKey                prints the public key to send
const crypto = require('crypto');
const fs = require('fs');

function loadKeys(path) {
  const k = JSON.parse(fs.readFileSync(path, 'utf8'));
  const der = Buffer.from(k.Private, 'base64');
  let key;
  try {
    key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (e) {
    key = crypto.createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  }
  return { publicKey: k.Public, privateKey: key };
}

const b64url = (obj) => Buffer.from(JSON.stringify(obj)).toString('base64url');

// sign returns a compact JWS over claims plus publicKey, aud, jti, iat, exp.
// jti, when given, replaces the fresh random one (the broken clients use it).
function sign(keys, claims, jti) {
  const now = Math.floor(Date.now() / 1000);
  const body = Object.assign({
    publicKey: keys.publicKey, aud: 'KnoxWSM', jti: jti || crypto.randomUUID(), iat: now, exp: now + 1800,
  }, claims);
  const input = b64url({ alg: 'RS512', typ: 'JWT' }) + '.' + b64url(body);
  return input + '.' + crypto.sign('sha512', Buffer.from(input), keys.privateKey).toString('base64url');
}

module.exports = { loadKeys, sign };

if (require.main === module) {
  const keys = loadKeys(process.env.KNOX_KEYS_FILE);
  const [what, value] = process.argv.slice(2);
  if (what === 'publicKey') {
    process.stdout.write(keys.publicKey);
  } else if (what === 'clientIdentifier' || what === 'accessToken') {
    process.stdout.write(sign(keys, { [what]: value }));
  } else {
    process.stderr.write('usage: node knoxjwt.js clientIdentifier|accessToken VALUE | publicKey\n');
    process.exit(2);
  }
}
