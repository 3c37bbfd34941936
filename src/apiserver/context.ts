// What the request pipeline needs from the cluster that runs it. The Durable Object provides it;
// tests can provide their own.
import type { Store } from '../durable/store';
import type { WatchHub } from '../durable/watch-hub';
import type { Caps } from '../durable/limits';
import type { ResourceDef } from '../resources/types';

/** Who sent a request, as authentication found it (user.Info upstream). */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface ApiContext {
  store: Store;
  hub: WatchHub;
  /** cluster clock, milliseconds since the epoch */
  now(): number;
  /** per-cluster object cap */
  maxObjects: number;
  /** the sandbox caps, checked against what the store holds (unset in unit tests: no caps) */
  caps?: Caps;
  /** the URL clients use for this cluster (origin + /clusters/<id>) */
  serverAddress: string;
  /** who is writing: the token's user, or a system identity of the control plane */
  user: string;
  /** the authenticated sender of an API request; undefined for the control plane's own (in-process) writes */
  requester?: UserInfo;
  /** called after every commit: marks control-plane work due */
  changed?: () => void;
}

/** Store key of a resource: `<group>/<plural>` (core group is ''). */
export const resKey = (def: Pick<ResourceDef, 'group' | 'plural'>) => `${def.group}/${def.plural}`;

export const grOf = (def: Pick<ResourceDef, 'group' | 'plural'>) => ({ group: def.group, resource: def.plural });

let lastSecond = NaN;
let lastText = '';
/** RFC3339 with seconds, as metav1.Time marshals (the last second's text kept: writes stamp many times a second). */
export function rfc3339(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) [lastSecond, lastText] = [second, new Date(second * 1000).toISOString().replace('.000Z', 'Z')];
  return lastText;
}
