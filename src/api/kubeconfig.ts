// A kubeconfig for one sandbox cluster.
import { stringify } from 'yaml';

export function kubeconfig(opts: { id: string; server: string; token: string; insecure: boolean }): string {
  const name = `sandbox-${opts.id}`;
  const cluster: Record<string, unknown> = { server: opts.server };
  if (opts.insecure) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
    users: [{ name, user: { token: opts.token } }],
  });
}
