import type { Cluster } from './durable/cluster';
import type { SignupLimiter } from './durable/rate-limiter';

export interface Env {
  CLUSTER: DurableObjectNamespace<Cluster>;
  /** one sign-up token bucket per client address */
  SIGNUP_LIMITER: DurableObjectNamespace<SignupLimiter>;
  DB: D1Database;
  /** "true" where the API is served with a self-signed certificate (local dev) */
  INSECURE_KUBECONFIG?: string;
  CLUSTER_TTL_HOURS?: string;
  /** the longest ttl a sign-up or an extension may ask for */
  CLUSTER_TTL_MAX_HOURS?: string;
  /** the shortest ttl (tests lower it to expire a cluster within seconds) */
  CLUSTER_TTL_MIN_SECONDS?: string;
  SIGNUP_RATE_PER_MINUTE?: string;
  SIGNUP_BURST?: string;
  MAX_OBJECTS?: string;
  MAX_STORED_BYTES?: string;
  MAX_NODES?: string;
  MAX_PODS?: string;
  MAX_WATCHES?: string;
  WATCH_MAX_SECONDS?: string;
  CLUSTER_RPS?: string;
  CLUSTER_BURST?: string;
  /** base64 master key for encrypting Secrets at rest (a wrangler secret in production) */
  SECRETS_KEY?: string;
}
