// Sign up a cluster through the Worker and talk to its API like a client would.
import { SELF, env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { beforeEach, expect } from 'vitest';

export const ORIGIN = 'https://sandbox.test';

export interface Signup {
  id: string;
  server: string;
  token: string;
  expiresAt: string;
  kubeconfig: string;
}

export async function signup(): Promise<Signup> {
  const res = await SELF.fetch(`${ORIGIN}/v1/clusters`, { method: 'POST' });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  return res.json();
}

export type Kube = (path: string, init?: RequestInit & { json?: unknown }) => Promise<Response>;

/** A fetch bound to one cluster and its token; `json` sets a JSON body. */
export function client(s: Signup): Kube {
  return (path, init = {}) => {
    const headers = new Headers(init.headers);
    headers.set('authorization', `Bearer ${s.token}`);
    let body = init.body;
    if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      if (!headers.has('content-type')) headers.set('content-type', 'application/json');
    }
    return SELF.fetch(`${s.server}${path}`, { ...init, headers, body });
  };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** Runs `fn` inside a cluster's Durable Object (for state a client cannot reach). */
export function inCluster<T>(id: string, fn: (instance: any, state: DurableObjectState) => T | Promise<T>): Promise<T> {
  const ns = env.CLUSTER as unknown as DurableObjectNamespace;
  const run = runInDurableObject as unknown as (stub: DurableObjectStub, fn: (instance: any, state: DurableObjectState) => T | Promise<T>) => Promise<T>;
  return run(ns.get(ns.idFromName(id)), fn);
}

/**
 * Runs the cluster's control plane (its alarm) until nothing more is due; bounded. With the clock paused
 * (`clock(s, {action: 'pause'})`), timed work waits for `clock(s, {action: 'advance', seconds})`.
 */
export async function settle(id: string, maxRuns = 100): Promise<number> {
  const ns = env.CLUSTER as unknown as DurableObjectNamespace;
  const stub = ns.get(ns.idFromName(id));
  const run = runDurableObjectAlarm as unknown as (stub: DurableObjectStub) => Promise<boolean>;
  let runs = 0;
  // The alarm always comes back by the cluster's expiry (a day away): an alarm that far out is not work.
  const due = async () => {
    const at = await inCluster(id, (_i, state) => state.storage.getAlarm());
    return at !== null && at < Date.now() + 3600_000;
  };
  while (runs < maxRuns && (await due()) && (await run(stub))) runs++;
  return runs;
}

/** POSTs to the cluster clock (`{action: 'pause' | 'resume' | 'advance', seconds}`) and returns its view. */
export async function clock(s: Signup, body: { action: string; seconds?: number }): Promise<{ now: string; paused: boolean }> {
  const res = await SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}/clock`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`clock: ${res.status} ${await res.text()}`);
  return res.json();
}

/** A new cluster for every test, its clock paused; `ready` gets its sign-up and client. */
export function usePausedCluster(ready: (s: Signup, k: Kube) => void) {
  beforeEach(async () => {
    const s = await signup();
    const k = client(s);
    await clock(s, { action: 'pause' });
    ready(s, k);
  });
}

/** GET/POST/merge-PATCH helpers that assert the expected status (the response text explains a failure). */
export function jsonCalls(k: () => Kube) {
  const call = async (path: string, init: RequestInit & { json?: unknown }, status: number): Promise<any> => {
    const r = await k()(path, init);
    expect(r.status, `${init.method ?? 'GET'} ${path}: ${await r.clone().text()}`).toBe(status);
    return r.json();
  };
  return {
    get: (path: string) => call(path, {}, 200),
    post: (path: string, json: unknown) => call(path, { method: 'POST', json }, 201),
    patch: (path: string, json: unknown) => call(path, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json }, 200),
  };
}
