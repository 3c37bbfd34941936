import type { Cluster } from './durable/cluster';

export interface Env {
  CLUSTER: DurableObjectNamespace<Cluster>;
  DB: D1Database;
  /** "true" where the API is served with a self-signed certificate (local dev) */
  INSECURE_KUBECONFIG?: string;
  CLUSTER_TTL_HOURS?: string;
  MAX_OBJECTS?: string;
  /** base64 master key for encrypting Secrets at rest (a wrangler secret in production) */
  SECRETS_KEY?: string;
}
