// Compact JWS with RS256, as kube-apiserver signs service account tokens (pkg/serviceaccount/jwt.go).
// node:crypto rather than WebCrypto: it is synchronous, so issuing a token stays inside one pipeline step
// (action subresources and controllers are synchronous), as the Secret cipher does.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export type Claims = Record<string, unknown>;

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url(SHA-256(DER PKIX public key)), as upstream's keyIDFromPublicKey */
  kid: string;
}

const b64url = (buf: Uint8Array) => Buffer.from(buf).toString('base64url');
const fromB64url = (s: string) => Buffer.from(s, 'base64url');

/** A new RSA-2048 key as PKCS#8 PEM (the form it is stored in, encrypted). */
export function newSigningKeyPem(): string {
  return generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
}

export function signingKeyFromPem(pem: string): SigningKey {
  const privateKey = createPrivateKey(pem);
  const publicKey = createPublicKey(privateKey);
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicKey, kid: b64url(createHash('sha256').update(der).digest()) };
}

/** go-jose marshals claims as a Go map: keys in lexical order at every level. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}

/** `b64url(header).b64url(payload).b64url(signature)`; the header is `{"alg":"RS256","kid":…}` (no typ). */
export function signJwt(claims: Claims, key: SigningKey): string {
  const header = b64url(Buffer.from(JSON.stringify({ alg: 'RS256', kid: key.kid })));
  const payload = b64url(Buffer.from(JSON.stringify(sortKeys(claims))));
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), key.privateKey);
  return `${header}.${payload}.${b64url(signature)}`;
}

/** Cheap shape test before any crypto: three base64url parts, a JSON object header. */
export const looksLikeJwt = (token: string) => /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);

/** The claims of a token signed by `key` with RS256, else undefined (malformed, other alg or key, bad signature). */
export function verifyJwt(token: string, key: SigningKey): Claims | undefined {
  if (!looksLikeJwt(token)) return undefined;
  const [h, p, s] = token.split('.');
  try {
    const header = JSON.parse(fromB64url(h).toString('utf8'));
    if (header?.alg !== 'RS256' || (header.kid !== undefined && header.kid !== key.kid)) return undefined;
    if (!verify('sha256', Buffer.from(`${h}.${p}`), key.publicKey, fromB64url(s))) return undefined;
    const claims = JSON.parse(fromB64url(p).toString('utf8'));
    return claims && typeof claims === 'object' && !Array.isArray(claims) ? claims : undefined;
  } catch {
    return undefined;
  }
}

/** go-jose's DefaultLeeway, which the service account validator applies to exp, nbf and iat. */
export const LEEWAY_SECONDS = 60;

/** Why the time claims refuse the token at `nowSeconds` (upstream's texts), or undefined when valid. */
export function timeError(claims: Claims, nowSeconds: number): string | undefined {
  const num = (k: string) => (typeof claims[k] === 'number' ? (claims[k] as number) : undefined);
  const exp = num('exp');
  const nbf = num('nbf');
  const iat = num('iat');
  if (exp !== undefined && nowSeconds > exp + LEEWAY_SECONDS) return 'service account token has expired';
  if (nbf !== undefined && nowSeconds + LEEWAY_SECONDS < nbf) return 'service account token is not valid yet';
  if (iat !== undefined && nowSeconds + LEEWAY_SECONDS < iat) return 'service account token is issued in the future';
  return undefined;
}

/** The token's audiences (a string or an array of strings), normalised to an array. */
export function audiencesOf(claims: Claims): string[] {
  const aud = claims.aud;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}
