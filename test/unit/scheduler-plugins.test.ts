import { describe, expect, it } from 'vitest';
import {
  addPod,
  admissionFailure,
  affinityNodeNames,
  filterNode,
  fitErrorMessage,
  nodeInfo,
  nodeInfos,
  podRequests,
  scoreNodes,
  tolerates,
  totalScore,
  type FilterStatus,
} from '../../src/controllers/scheduler-plugins';
import { decide } from '../../src/controllers/scheduler';
import { evictionTime } from '../../src/controllers/taint-eviction';
import type { KubeObject } from '../../src/resources/types';

const node = (name: string, extra: any = {}): KubeObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
  spec: extra.spec ?? {},
  status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110', ...extra.allocatable } },
});
const pod = (name: string, spec: any = {}, meta: any = {}): KubeObject => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}`, ...meta },
  spec: { containers: [{ name: 'c', image: 'nginx', ...spec.container }], ...spec, container: undefined },
});
const requesting = (cpu?: string, memory?: string) => ({ container: { resources: { requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) } } } });

describe('pod requests', () => {
  it('sums containers, maxes init containers, adds sidecars and overhead', () => {
    const p = pod('p', {
      containers: [
        { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
        { name: 'b', resources: { requests: { cpu: '200m' } } },
      ],
      initContainers: [
        { name: 'init', resources: { requests: { cpu: '1', memory: '1Mi' } } },
        { name: 'side', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
      ],
      overhead: { cpu: '10m' },
    });
    expect(podRequests(p)).toEqual({ cpu: 1010, memory: 64 * 1024 * 1024 });
    // scoring counts 100m / 200Mi for containers that request nothing
    expect(podRequests(pod('q'), true)).toEqual({ cpu: 100, memory: 200 * 1024 * 1024 });
  });
});

describe('filters', () => {
  it('reports the first failing plugin with the 1.35 reasons', () => {
    const p = pod('p', requesting('3'));
    const req = podRequests(p);
    const status = (n: KubeObject, q = p) => filterNode(q, podRequests(q), nodeInfo(n))?.reasons;
    expect(status(node('a', { spec: { unschedulable: true } }))).toEqual(['node(s) were unschedulable']);
    expect(status(node('a', { spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }))).toEqual(['node(s) had untolerated taint(s)']);
    expect(status(node('a', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } }))).toBeUndefined();
    expect(status(node('a'), pod('p', { nodeSelector: { disk: 'ssd' } }))).toEqual(["node(s) didn't match Pod's node affinity/selector"]);
    expect(status(node('a', { labels: { disk: 'ssd' } }), pod('p', { nodeSelector: { disk: 'ssd' } }))).toBeUndefined();
    const full = nodeInfo(node('a'));
    addPod(full, pod('other', requesting('2')));
    expect(filterNode(p, req, full)).toEqual({ plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu'], unresolvable: false });
    const huge = pod('h', requesting('5', '20Gi'));
    expect(filterNode(huge, podRequests(huge), nodeInfo(node('a')))).toEqual({
      plugin: 'NodeResourcesFit',
      reasons: ['Insufficient cpu', 'Insufficient memory'],
      unresolvable: true,
    });
    const tiny = nodeInfo(node('a', { allocatable: { pods: '1' } }));
    addPod(tiny, pod('x'));
    expect(filterNode(pod('y'), {}, tiny)?.reasons).toEqual(['Too many pods']);
  });

  it('matches tolerations, node affinity operators and host ports', () => {
    expect(tolerates({ operator: 'Exists' }, { key: 'any', effect: 'NoExecute' })).toBe(true);
    expect(tolerates({ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, { key: 'k', value: 'v', effect: 'NoSchedule' })).toBe(true);
    expect(tolerates({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoSchedule' })).toBe(false);
    expect(tolerates({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, { key: 'k', effect: 'NoSchedule' })).toBe(false);
    const affinity = (expr: any) => pod('p', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr] }] } } } });
    const on = (p: KubeObject, labels: any) => filterNode(p, {}, nodeInfo(node('a', { labels }))) === undefined;
    expect(on(affinity({ key: 'gpu', operator: 'Gt', values: ['1'] }), { gpu: '2' })).toBe(true);
    expect(on(affinity({ key: 'gpu', operator: 'Gt', values: ['1'] }), { gpu: '1' })).toBe(false);
    expect(on(affinity({ key: 'zone', operator: 'NotIn', values: ['a'] }), {})).toBe(true);
    expect(on(affinity({ key: 'zone', operator: 'DoesNotExist' }), { zone: 'a' })).toBe(false);
    const ds = pod('d', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }] } } } });
    expect(affinityNodeNames(ds)).toEqual(new Set(['n2']));
    const ports = (hostPort: number) => pod('w', { container: { ports: [{ containerPort: 80, hostPort }] } });
    const busy = nodeInfo(node('a'));
    addPod(busy, ports(8080));
    expect(filterNode(ports(8080), {}, busy)?.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(filterNode(ports(8081), {}, busy)).toBeUndefined();
  });
});

describe('the FailedScheduling message', () => {
  const res = (unresolvable = false): FilterStatus => ({ plugin: 'NodeResourcesFit', reasons: ['Insufficient cpu'], unresolvable });
  const taint: FilterStatus = { plugin: 'TaintToleration', reasons: ['node(s) had untolerated taint(s)'], unresolvable: true };

  it('builds the histogram, sorted as strings, and the preemption part', () => {
    expect(fitErrorMessage(pod('p'), 3, [res(), res(), res()])).toBe(
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.',
    );
    expect(fitErrorMessage(pod('p'), 3, [taint, res(), res()])).toBe(
      '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
    expect(fitErrorMessage(pod('p'), 2, [res(true), res(true)])).toBe(
      '0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    expect(fitErrorMessage(pod('p', { preemptionPolicy: 'Never' }), 1, [res()])).toBe(
      '0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.',
    );
    expect(fitErrorMessage(pod('p'), 0, [])).toBe('no nodes available to schedule pods');
  });

  it('decides: nodes outside the NodeAffinity pre-filter set count as such', () => {
    const onlyN1 = { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] } };
    const ds = pod('d', { ...requesting('8'), affinity: { nodeAffinity: onlyN1 } });
    const d = decide(ds, nodeInfos([node('n1'), node('n2'), node('n3')], []));
    expect(d.message).toBe(
      "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
  });
});

describe('scores', () => {
  it('prefers the least allocated node and spreads replicas of one owner', () => {
    const owner = { ownerReferences: [{ uid: 'rs', controller: true, kind: 'ReplicaSet', name: 'rs' }] };
    const infos = nodeInfos([node('a'), node('b')], [{ ...pod('r1', requesting('1'), owner), spec: { ...pod('r1', requesting('1')).spec, nodeName: 'a' } }]);
    const scores = scoreNodes(pod('r2', requesting('1'), owner), [...infos.values()], infos.values());
    expect(scores.get('b')!.NodeResourcesFit).toBeGreaterThan(scores.get('a')!.NodeResourcesFit);
    expect(scores.get('b')!.PodTopologySpread).toBeGreaterThan(scores.get('a')!.PodTopologySpread);
    expect(totalScore(scores.get('b')!)).toBeGreaterThan(totalScore(scores.get('a')!));
    expect(decide(pod('r2', requesting('1'), owner), infos).node).toBe('b');
  });

  it('counts preferred node affinity and PreferNoSchedule taints', () => {
    const infos = nodeInfos([node('a', { labels: { disk: 'ssd' } }), node('b', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } })], []);
    const p = pod('p', { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] } }] } } });
    const s = scoreNodes(p, [...infos.values()], infos.values());
    expect(s.get('a')).toMatchObject({ NodeAffinity: 100, TaintToleration: 100 });
    expect(s.get('b')).toMatchObject({ NodeAffinity: 0, TaintToleration: 0 });
  });
});

describe('kubelet admission and taint eviction', () => {
  it('rejects pods that do not fit with the kubelet message', () => {
    const info = nodeInfo(node('a'));
    addPod(info, pod('x', requesting('3500m')));
    expect(admissionFailure(pod('p', requesting('1')), info)).toEqual({
      reason: 'OutOfcpu',
      message: "Node didn't have enough resource: cpu, requested: 1000, used: 3500, capacity: 4000",
    });
    expect(admissionFailure(pod('p', { nodeSelector: { a: 'b' } }), info)?.reason).toBe('NodeAffinity');
    expect(admissionFailure(pod('p'), info)).toBeUndefined();
  });

  it('evicts untolerating pods now and tolerating ones after tolerationSeconds from the taint', () => {
    const taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' };
    const now = Date.parse('2025-01-01T00:01:00Z');
    expect(evictionTime(pod('p'), [taint], now)).toBe(now);
    const tolerating = pod('p', { tolerations: [{ key: taint.key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] });
    expect(evictionTime(tolerating, [taint], now)).toBe(Date.parse('2025-01-01T00:05:00Z'));
    expect(evictionTime(pod('p', { tolerations: [{ operator: 'Exists' }] }), [taint], now)).toBeUndefined();
  });
});
