// A kubeconfig for one sandbox cluster.
import { stringify } from 'yaml';

/** `user` names the user entry (a named user's kubeconfig); the owner's entry is named like the cluster. */
export function kubeconfig(opts: { id: string; server: string; token: string; insecure: boolean; user?: string }): string {
  const name = `sandbox-${opts.id}`;
  const user = opts.user ?? name;
  const context = opts.user ? `${opts.user}@${name}` : name;
  const cluster: Record<string, unknown> = { server: opts.server };
  if (opts.insecure) cluster['insecure-skip-tls-verify'] = true;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster }],
    contexts: [{ name: context, context: { cluster: name, user, namespace: 'default' } }],
    'current-context': context,
    preferences: {},
    users: [{ name: user, user: { token: opts.token } }],
  });
}
