// Encryption at rest for Secret objects: AES-256-GCM with a per-cluster key derived (HKDF) from the
// deployment's SECRETS_KEY and the cluster id. node:crypto is synchronous, so a write stays one
// transaction with no await in the middle of the pipeline.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface Cipher {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
}

const PREFIX = 'enc:v1:';

export function clusterCipher(masterKey: string, clusterId: string): Cipher {
  let derived: Buffer | undefined;
  // Derived on first use, so a cluster without Secrets works even where no key is configured.
  const key = () => {
    if (!masterKey) throw new Error('SECRETS_KEY is not configured');
    return (derived ??= Buffer.from(hkdfSync('sha256', Buffer.from(masterKey, 'base64'), clusterId, 'kube-sandbox secrets v1', 32)));
  };
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key(), iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return PREFIX + Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
    },
    decrypt(stored) {
      if (!stored.startsWith(PREFIX)) throw new Error('secret is not encrypted');
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64');
      const d = createDecipheriv('aes-256-gcm', key(), raw.subarray(0, 12));
      d.setAuthTag(raw.subarray(raw.length - 16));
      return Buffer.concat([d.update(raw.subarray(12, raw.length - 16)), d.final()]).toString('utf8');
    },
  };
}
