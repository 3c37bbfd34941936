// The pure parts of the workload controllers: hashes, rolling-update arithmetic, which pods go first.
import { describe, expect, it } from 'vitest';
import type { ApiContext } from '../../src/apiserver/context';
import { fnv1a32, isPodAvailable, retryForget, retryLater, retryPending, safeEncodeString, slowStartBatch } from '../../src/controllers/controller-utils';
import {
  activeOrLatest,
  equalIgnoreHash,
  newRSNewReplicas,
  podTemplateHash,
  proportion,
  resolveFenceposts,
  scaledValue,
  setNewReplicaSetAnnotations,
} from '../../src/controllers/deployment-util';
import { podFromTemplate, podsToDelete } from '../../src/controllers/replicaset';
import type { KubeObject } from '../../src/resources/types';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('hashes', () => {
  it('is FNV-1a 32 and maps decimal digits into the name alphabet', () => {
    expect(fnv1a32(bytes(''))).toBe(0x811c9dc5);
    expect(fnv1a32(bytes('a'))).toBe(0xe40c292c);
    expect(fnv1a32(bytes('foobar'))).toBe(0xbf9cf968);
    expect(safeEncodeString('0123456789')).toBe('456789bcdf');
    expect(safeEncodeString(String(0x811c9dc5))).toBe('65bb57b6b5');
  });

  it('hashes a pod template the same whatever its key order, and differently per collision count', () => {
    const a = { metadata: { labels: { app: 'web', tier: 'front' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } };
    const b = { spec: { containers: [{ image: 'nginx:1.25', name: 'nginx' }] }, metadata: { labels: { tier: 'front', app: 'web' } } };
    const h = podTemplateHash(a);
    expect(h).toMatch(/^[4-9bcdf]{1,10}$/);
    expect(podTemplateHash(b)).toBe(h);
    expect(podTemplateHash(a, 1)).not.toBe(h);
    expect(podTemplateHash(a, 1)).toBe(podTemplateHash(b, 1));
    expect(podTemplateHash({ ...a, spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } })).not.toBe(h);
  });

  it('compares templates ignoring the hash label and empty values', () => {
    const t = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    const rsTemplate = { metadata: { labels: { app: 'web', 'pod-template-hash': '5d59d67564' }, creationTimestamp: null }, spec: { containers: [{ name: 'c', image: 'i', env: [] }] } };
    expect(equalIgnoreHash(t, rsTemplate)).toBe(true);
    expect(equalIgnoreHash(t, { ...rsTemplate, spec: { containers: [{ name: 'c', image: 'j' }] } })).toBe(false);
  });
});

describe('rolling-update arithmetic', () => {
  it('rounds surge up and unavailable down, never both zero', () => {
    expect(scaledValue('25%', 3, true)).toBe(1);
    expect(scaledValue('25%', 3, false)).toBe(0);
    expect(scaledValue(2, 3, true)).toBe(2);
    expect(resolveFenceposts('25%', '25%', 3)).toEqual([1, 0]);
    expect(resolveFenceposts('25%', '25%', 10)).toEqual([3, 2]);
    expect(resolveFenceposts('25%', '25%', 1)).toEqual([1, 0]);
    expect(resolveFenceposts(0, '1%', 2)).toEqual([0, 1]);
    expect(resolveFenceposts('0%', '50%', 5)).toEqual([0, 2]);
  });

  const d = (replicas: number, maxSurge: unknown = '25%', type = 'RollingUpdate'): KubeObject => ({
    metadata: { name: 'web' },
    spec: { replicas, strategy: type === 'RollingUpdate' ? { type, rollingUpdate: { maxSurge, maxUnavailable: '25%' } } : { type } },
  });
  const rs = (replicas: number): KubeObject => ({ metadata: {}, spec: { replicas } });

  it('grows the new ReplicaSet up to replicas + maxSurge pods in all', () => {
    const fresh = rs(0);
    expect(newRSNewReplicas(d(3), [rs(3), fresh], fresh)).toBe(1);
    const half = rs(2);
    expect(newRSNewReplicas(d(3), [rs(1), half], half)).toBe(3);
    expect(newRSNewReplicas(d(3), [rs(2), half], half)).toBe(2);
    expect(newRSNewReplicas(d(10), [rs(10), fresh], fresh)).toBe(3);
    expect(newRSNewReplicas(d(3, 0), [rs(3), fresh], fresh)).toBe(0);
    expect(newRSNewReplicas(d(3, undefined, 'Recreate'), [rs(3), fresh], fresh)).toBe(3);
  });
});

describe('proportional scaling and revisions', () => {
  const d = (replicas: number): KubeObject => ({
    metadata: { name: 'web', annotations: { 'kubernetes.io/change-cause': 'v2', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } } },
    status: { replicas: 4 },
  });
  const rs = (name: string, replicas: number, created: string, annotations: Record<string, string> = {}): KubeObject => ({
    metadata: { name, creationTimestamp: created, annotations: { 'deployment.kubernetes.io/max-replicas': '4', ...annotations } },
    spec: { replicas },
  });

  it('shares a scale-up by the sizes the ReplicaSets had', () => {
    // 3 → 6 replicas: 8 pods allowed instead of 4, so 3:1 becomes 6:2.
    expect(proportion(d(6), rs('old', 3, '2025-01-01T00:00:00Z'), 4, 0)).toBe(3);
    expect(proportion(d(6), rs('new', 1, '2025-01-02T00:00:00Z'), 4, 3)).toBe(1);
    expect(proportion(d(0), rs('old', 3, '2025-01-01T00:00:00Z'), -4, 0)).toBe(-3);
  });

  it('finds the one active ReplicaSet, or the newest', () => {
    const a = rs('a', 0, '2025-01-01T00:00:00Z');
    const b = rs('b', 0, '2025-01-02T00:00:00Z');
    expect(activeOrLatest(undefined, [a, b])?.metadata.name).toBe('b');
    expect(activeOrLatest(undefined, [a, rs('c', 2, '2025-01-03T00:00:00Z')])?.metadata.name).toBe('c');
    expect(activeOrLatest(rs('n', 1, '2025-01-04T00:00:00Z'), [rs('c', 2, '2025-01-03T00:00:00Z')])).toBeUndefined();
  });

  it('gives the new ReplicaSet the next revision and copies annotations but the skipped ones', () => {
    const fresh = rs('new', 0, '2025-01-02T00:00:00Z');
    fresh.metadata.annotations = {};
    expect(setNewReplicaSetAnnotations(d(3), fresh, 2, false)).toBe(true);
    expect(fresh.metadata.annotations).toEqual({
      'kubernetes.io/change-cause': 'v2',
      'deployment.kubernetes.io/revision': '2',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    // A rollback: revision 1 becomes current again as revision 3, and remembers it was 1.
    const back = rs('old', 0, '2025-01-01T00:00:00Z', { 'deployment.kubernetes.io/revision': '1' });
    setNewReplicaSetAnnotations(d(3), back, 3, true);
    expect(back.metadata.annotations!['deployment.kubernetes.io/revision']).toBe('3');
    expect(back.metadata.annotations!['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(setNewReplicaSetAnnotations(d(3), back, 3, true)).toBe(false);
  });
});

describe('slow start', () => {
  it('creates in waves 1, 2, 4, … and stops after a failing wave', () => {
    let calls = 0;
    expect(slowStartBatch(10, () => void calls++)).toEqual({ successes: 10 });
    expect(calls).toBe(10);

    calls = 0;
    const boom = new Error('quota');
    const r = slowStartBatch(10, () => {
      calls++;
      if (calls === 2) throw boom;
    });
    expect(r).toEqual({ successes: 2, error: boom });
    expect(calls).toBe(3);
  });
});

describe('retry back-off', () => {
  it('doubles from 5 ms, per cluster, and lets a changed input through at once', () => {
    let t = 1000;
    const ctx = { store: {}, now: () => t } as unknown as ApiContext;
    const other = { store: {}, now: () => t } as unknown as ApiContext;
    expect(retryPending(ctx, 'rs', 'v1')).toBeUndefined();
    expect(retryLater(ctx, 'rs', 'v1')).toBe(1005);
    expect(retryLater(ctx, 'rs', 'v1')).toBe(1010);
    expect(retryLater(ctx, 'rs', 'v1')).toBe(1020);
    expect(retryPending(ctx, 'rs', 'v1')).toBe(1020);
    expect(retryPending(ctx, 'rs', 'v2')).toBeUndefined();
    expect(retryPending(other, 'rs', 'v1')).toBeUndefined();
    t = 1020;
    expect(retryPending(ctx, 'rs', 'v1')).toBeUndefined();
    retryForget(ctx, 'rs');
    expect(retryLater(ctx, 'rs', 'v1')).toBe(1025);
  });
});

const NOW = Date.parse('2025-06-01T12:00:00Z');
const at = (msAgo: number) => new Date(NOW - msAgo).toISOString().replace('.000Z', 'Z');

function pod(name: string, o: { node?: string; phase?: string; readyAgo?: number; cost?: string; restarts?: number; createdAgo?: number; uid?: string } = {}): KubeObject {
  const conditions = o.readyAgo !== undefined ? [{ type: 'Ready', status: 'True', lastTransitionTime: at(o.readyAgo) }] : [];
  return {
    metadata: {
      name,
      uid: o.uid ?? name,
      creationTimestamp: at(o.createdAgo ?? 3600_000),
      annotations: o.cost !== undefined ? { 'controller.kubernetes.io/pod-deletion-cost': o.cost } : undefined,
    },
    spec: { nodeName: o.node ?? 'node-1' },
    status: { phase: o.phase ?? 'Running', conditions, containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 }] },
  };
}

const names = (pods: KubeObject[]) => pods.map((p) => p.metadata.name);

describe('which pods a ReplicaSet deletes first', () => {
  it('prefers unscheduled, then pending, then not ready pods', () => {
    const pods = [pod('ready', { readyAgo: 60_000 }), pod('running'), pod('pending', { phase: 'Pending' }), pod('unscheduled', { node: '', phase: 'Pending' })];
    expect(names(podsToDelete(pods, [], 3, NOW))).toEqual(['unscheduled', 'pending', 'running']);
  });

  it('then the lower deletion cost, then pods doubled up on a node', () => {
    const pods = [pod('a', { readyAgo: 60_000, cost: '10' }), pod('b', { readyAgo: 60_000, cost: '-5' })];
    expect(names(podsToDelete(pods, [], 1, NOW))).toEqual(['b']);
    const spread = [pod('alone', { node: 'node-1', readyAgo: 60_000 }), pod('crowded', { node: 'node-2', readyAgo: 60_000 })];
    const related = [spread[0], spread[1], pod('x', { node: 'node-2' }), pod('y', { node: 'node-2' })];
    expect(names(podsToDelete(spread, related, 1, NOW))).toEqual(['crowded']);
  });

  it('then the more recently ready on a log scale, then restarts, then the younger', () => {
    const pods = [pod('old', { readyAgo: 3600_000 }), pod('new', { readyAgo: 10_000 })];
    expect(names(podsToDelete(pods, [], 1, NOW))).toEqual(['new']);
    // 40 s and 50 s ago fall into one log2 bucket: the lower UID goes.
    const close = [pod('p1', { readyAgo: 40_000, uid: 'b' }), pod('p2', { readyAgo: 50_000, uid: 'a' })];
    expect(names(podsToDelete(close, [], 1, NOW))).toEqual(['p2']);
    const restarting = [pod('calm', { restarts: 0 }), pod('flaky', { restarts: 4 })];
    expect(names(podsToDelete(restarting, [], 1, NOW))).toEqual(['flaky']);
    const ages = [pod('elder', { createdAgo: 86400_000 }), pod('young', { createdAgo: 5_000 })];
    expect(names(podsToDelete(ages, [], 1, NOW))).toEqual(['young']);
  });

  it('takes all without sorting when all go', () => {
    const pods = [pod('ready', { readyAgo: 1 }), pod('pending', { phase: 'Pending' })];
    expect(names(podsToDelete(pods, [], 2, NOW))).toEqual(['ready', 'pending']);
  });
});

describe('pods from a template', () => {
  it('carries the template and a controller reference, named after the owner', () => {
    const owner: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-5d59d67564', uid: 'u1' },
      spec: { template: { metadata: { labels: { app: 'web' }, annotations: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
    };
    expect(podFromTemplate(owner)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: 'web-5d59d67564-',
        labels: { app: 'web' },
        annotations: { a: 'b' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d59d67564', uid: 'u1', controller: true, blockOwnerDeletion: true }],
      },
      spec: { containers: [{ name: 'c', image: 'i' }] },
    });
  });

  it('counts a pod available once Ready longer than minReadySeconds', () => {
    const p = pod('p', { readyAgo: 10_000 });
    expect(isPodAvailable(p, 0, NOW)).toBe(true);
    expect(isPodAvailable(p, 10, NOW)).toBe(false);
    expect(isPodAvailable(p, 9, NOW)).toBe(true);
    expect(isPodAvailable(pod('q'), 0, NOW)).toBe(false);
  });
});
