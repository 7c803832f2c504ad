// Client authentication with JWTs (HS256, RS256, ES256), checked the way a forger would try, and Auth:Required.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { API_KEY, JWT_SECRET, api, deliveredTo, jwt } from './push.mjs';

const dir = mkdtempSync(join(tmpdir(), 'outcry-keys-'));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const rsaPem = join(dir, 'rsa.pem');
const ecPem = join(dir, 'ec.pem');
writeFileSync(rsaPem, rsa.publicKey.export({ type: 'spki', format: 'pem' }));
writeFileSync(ecPem, ec.publicKey.export({ type: 'spki', format: 'pem' }));

const hs = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`] });
const rs = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtPublicKey=${rsaPem}`, '--Outcry:Auth:Required=true'] });
const es = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtPublicKey=${ecPem}`] });
const make = clientFactory();
const now = () => Math.floor(Date.now() / 1000);

async function refused(url, opts) {
  const socket = make(url, { transports: ['websocket'], ...opts });
  const error = once(socket, 'connect_error', 5000, { rejectOn: ['connect'] });
  socket.connect();
  const [e] = await error;
  return { message: e.message, code: e.data?.code };
}

/** Connects with `opts` and proves the connection is user `user` by a publication to that user. */
async function assertUser(server, opts, user) {
  const socket = await connect(make(server.url, { transports: ['websocket'], ...opts }));
  const got = await deliveredTo({
    all: [socket], expected: [socket], event: 'whoami',
    publish: () => api(server.url, '/api/publish', { user, event: 'whoami', data: user }),
    marker: () => api(server.url, '/api/publish', { broadcast: true, event: 'marker' }),
  });
  assert.deepStrictEqual(got, [[user]]);
  return socket;
}

describe('HS256', () => {
  it('a valid token in auth.token makes the connection user "sub" (it joins user:{sub})', () => assertUser(hs, { auth: { token: jwt({ sub: '42' }) } }, '42'));

  it('a token in ?token= works as well', async () => {
    const socket = make(`${hs.url}?token=${jwt({ sub: 'q1' })}`, { transports: ['websocket'] });
    await connect(socket);
    const got = await deliveredTo({
      all: [socket], expected: [socket], event: 'whoami',
      publish: () => api(hs.url, '/api/publish', { user: 'q1', event: 'whoami' }),
      marker: () => api(hs.url, '/api/publish', { broadcast: true, event: 'marker' }),
    });
    assert.equal(got.length, 1);
  });

  it('a numeric sub is the user id as written', () => assertUser(hs, { auth: { token: jwt({ sub: 7 }) } }, '7'));

  const forgeries = [
    ['signed with another secret', () => jwt({ sub: '42' }, { secret: 'another-secret-of-at-least-32-bytes!!' }), 'token_bad_signature', 'invalid token: bad signature'],
    ['a payload changed after signing', () => {
      const [h, , s] = jwt({ sub: '1' }).split('.');
      return `${h}.${Buffer.from(JSON.stringify({ sub: '42', exp: now() + 3600 })).toString('base64url')}.${s}`;
    }, 'token_bad_signature', 'invalid token: bad signature'],
    ['alg "none"', () => jwt({ sub: '42' }, { alg: 'none' }), null, /^invalid token/],
    ['expired', () => jwt({ sub: '42', exp: now() - 3600 }), 'token_expired', 'invalid token: expired'],
    ['not yet valid (nbf)', () => jwt({ sub: '42', nbf: now() + 3600 }), 'token_not_yet_valid', 'invalid token: not valid yet (nbf)'],
    ['without sub', () => jwt({ sub: undefined, name: 'x' }), 'token_no_subject', 'invalid token: no sub claim'],
    ['not a JWT at all', () => 'garbage', 'token_invalid', 'invalid token: malformed'],
  ];
  for (const [label, token, code, message] of forgeries) {
    it(`refuses a token ${label}`, async () => {
      const e = await refused(hs.url, { auth: { token: token() } });
      if (message instanceof RegExp) assert.match(e.message, message);
      else assert.equal(e.message, message);
      if (code) assert.equal(e.code, code);
    });
  }

  it('without a token the connection is anonymous (allowed unless Auth:Required)', async () => {
    await connect(make(hs.url, { transports: ['websocket'] }));
  });
});

describe('RS256, with Auth:Required', () => {
  it('a token signed with the private key is accepted', () => assertUser(rs, { auth: { token: jwt({ sub: 'r1' }, { alg: 'RS256', key: rsa.privateKey }) } }, 'r1'));

  it('an HS256 token whose secret is the public key text is refused (no algorithm confusion)', async () => {
    const publicPem = rsa.publicKey.export({ type: 'spki', format: 'pem' });
    const e = await refused(rs.url, { auth: { token: jwt({ sub: 'r1' }, { secret: publicPem }) } });
    assert.match(e.message, /^invalid token/);
  });

  it('a token signed by another key is refused', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const e = await refused(rs.url, { auth: { token: jwt({ sub: 'r1' }, { alg: 'RS256', key: other.privateKey }) } });
    assert.equal(e.code, 'token_bad_signature');
  });

  it('a connection without a token is refused: "authentication required"', async () => {
    assert.deepStrictEqual(await refused(rs.url, {}), { message: 'authentication required', code: 'auth_required' });
  });
});

describe('ES256', () => {
  it('a token signed with the EC private key is accepted', () => assertUser(es, { auth: { token: jwt({ sub: 'e1' }, { alg: 'ES256', key: ec.privateKey }) } }, 'e1'));

  it('an expired ES256 token is refused', async () => {
    const e = await refused(es.url, { auth: { token: jwt({ sub: 'e1', exp: now() - 60 }, { alg: 'ES256', key: ec.privateKey }) } });
    assert.equal(e.code, 'token_expired');
  });
});
