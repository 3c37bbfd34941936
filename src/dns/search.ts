// A pod's resolver (kubelet's resolv.conf for dnsPolicy ClusterFirst, then glibc's res_search): which
// names a pod's lookup of a short name actually sends to the cluster DNS, in order.
import { ZONE } from './records';

export interface ResolvConf {
  search: string[];
  ndots: number;
}

/** kubelet's search list and options for a ClusterFirst pod in `namespace`; `dnsConfig` searches and ndots are merged in. */
export function resolvConf(namespace: string, dnsConfig?: { searches?: string[]; options?: { name?: string; value?: string }[] }): ResolvConf {
  const search = [...new Set([`${namespace}.svc.${ZONE}`, `svc.${ZONE}`, ZONE, ...(dnsConfig?.searches ?? [])])];
  let ndots = 5;
  for (const o of dnsConfig?.options ?? []) {
    if (o.name === 'ndots' && /^\d+$/.test(o.value ?? '')) ndots = Math.min(15, Number(o.value));
  }
  return { search, ndots };
}

/**
 * glibc res_search: a trailing dot means only the name itself; with at least `ndots` dots the name as is
 * comes first, then the search list; with fewer the search list comes first and the name as is last.
 */
export function candidates(name: string, conf: ResolvConf): string[] {
  if (name.endsWith('.')) return [name.slice(0, -1)];
  const dots = name.split('.').length - 1;
  const searched = conf.search.map((s) => `${name}.${s}`);
  return dots >= conf.ndots ? [name, ...searched] : [...searched, name];
}
