import { createHash, sign } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { LEEWAY_SECONDS, audiencesOf, looksLikeJwt, newSigningKeyPem, signJwt, signingKeyFromPem, timeError, verifyJwt, type SigningKey } from '../../src/auth/jwt';
import { boundClaims } from '../../src/auth/service-account-tokens';

const part = (token: string, i: number) => JSON.parse(Buffer.from(token.split('.')[i], 'base64url').toString('utf8'));
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('RS256 JWT', () => {
  let key: SigningKey;
  let other: SigningKey;
  beforeAll(() => {
    key = signingKeyFromPem(newSigningKeyPem());
    other = signingKeyFromPem(newSigningKeyPem());
  });

  it('signs with a go-jose header and sorted claims, and verifies', () => {
    const token = signJwt({ sub: 's', aud: ['a'], 'kubernetes.io': { serviceaccount: { uid: 'u', name: 'n' }, namespace: 'ns' } }, key);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(looksLikeJwt(token)).toBe(true);
    expect(part(token, 0)).toEqual({ alg: 'RS256', kid: key.kid });
    expect(Buffer.from(token.split('.')[0], 'base64url').toString()).toBe(`{"alg":"RS256","kid":"${key.kid}"}`);
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).toBe(
      '{"aud":["a"],"kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"n","uid":"u"}},"sub":"s"}',
    );
    expect(verifyJwt(token, key)).toMatchObject({ sub: 's' });
  });

  it('kid is base64url(SHA-256(DER public key))', () => {
    const der = key.publicKey.export({ format: 'der', type: 'spki' });
    expect(key.kid).toBe(createHash('sha256').update(der).digest('base64url'));
  });

  it('refuses a tampered payload or signature, and another key', () => {
    const token = signJwt({ sub: 'a' }, key);
    const [h, , s] = token.split('.');
    expect(verifyJwt(`${h}.${b64url({ sub: 'b' })}.${s}`, key)).toBeUndefined();
    const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
    expect(verifyJwt(`${h}.${token.split('.')[1]}.${flipped}`, key)).toBeUndefined();
    expect(verifyJwt(token, other)).toBeUndefined();
    expect(verifyJwt(signJwt({ sub: 'a' }, other), key)).toBeUndefined();
  });

  it('refuses other algorithms, none, a wrong kid and garbage', () => {
    const payload = b64url({ sub: 'a' });
    for (const header of [{ alg: 'none' }, { alg: 'HS256', kid: key.kid }, { alg: 'RS512', kid: key.kid }, { alg: 'RS256', kid: 'other' }]) {
      const h = b64url(header);
      const sig = sign('sha256', Buffer.from(`${h}.${payload}`), key.privateKey).toString('base64url');
      expect(verifyJwt(`${h}.${payload}.${sig}`, key), JSON.stringify(header)).toBeUndefined();
    }
    for (const bad of ['', 'abc', 'a.b.c', 'eyJ.eyJ.', `${b64url('x')}.${payload}.AAAA`, 'eyJhbGciOiJSUzI1NiJ9.!!!.AAAA']) {
      expect(verifyJwt(bad, key), bad).toBeUndefined();
    }
  });

  it('judges exp, nbf and iat with the 60 s leeway', () => {
    const now = 1_000_000;
    expect(timeError({ iat: now, nbf: now, exp: now + 600 }, now)).toBeUndefined();
    expect(timeError({ exp: now }, now + LEEWAY_SECONDS)).toBeUndefined();
    expect(timeError({ exp: now }, now + LEEWAY_SECONDS + 1)).toBe('service account token has expired');
    expect(timeError({ nbf: now + LEEWAY_SECONDS + 1 }, now)).toBe('service account token is not valid yet');
    expect(timeError({ iat: now + LEEWAY_SECONDS + 1 }, now)).toBe('service account token is issued in the future');
  });

  it('reads aud as a string or a list', () => {
    expect(audiencesOf({ aud: 'x' })).toEqual(['x']);
    expect(audiencesOf({ aud: ['x', 1, 'y'] })).toEqual(['x', 'y']);
    expect(audiencesOf({})).toEqual([]);
  });
});

describe('bound token claims', () => {
  it('are those of policy.md §7.3, keys sorted at every level once signed', () => {
    const key = signingKeyFromPem(newSigningKeyPem());
    const claims = boundClaims(
      {
        namespace: 'ch42',
        serviceAccount: { name: 'robot', uid: 'sa-uid' },
        audiences: ['https://kubernetes.default.svc.cluster.local'],
        iat: 100,
        exp: 3700,
        pod: { name: 'outil', uid: 'pod-uid' },
        node: { name: 'node-1', uid: 'node-uid' },
      },
      'jti-1',
    );
    const token = signJwt(claims, key);
    expect(Buffer.from(token.split('.')[1], 'base64url').toString()).toBe(
      '{"aud":["https://kubernetes.default.svc.cluster.local"],"exp":3700,"iat":100,"iss":"https://kubernetes.default.svc.cluster.local",' +
        '"jti":"jti-1","kubernetes.io":{"namespace":"ch42","node":{"name":"node-1","uid":"node-uid"},"pod":{"name":"outil","uid":"pod-uid"},' +
        '"serviceaccount":{"name":"robot","uid":"sa-uid"}},"nbf":100,"sub":"system:serviceaccount:ch42:robot"}',
    );
  });
});
