// Cluster ids and bearer tokens: random, URL-safe, and tokens kept only as hashes.
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** 16 base32 characters: 80 random bits, lowercase so the id also works as a DNS label. */
export function newClusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => ID_ALPHABET[b & 31]).join('');
}

export const CLUSTER_ID = /^[a-z2-7]{16}$/;

/** 256 random bits, base64url. */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
