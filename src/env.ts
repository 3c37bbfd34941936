import type { Cluster } from './durable/cluster';

export interface Env {
  CLUSTER: DurableObjectNamespace<Cluster>;
  DB: D1Database;
  /** "true" where the API is served with a self-signed certificate (local dev) */
  INSECURE_KUBECONFIG?: string;
  CLUSTER_TTL_HOURS?: string;
  MAX_OBJECTS?: string;
}
