// ResourceQuota as pure functions: evaluator usage, scopes, constraints and the admission decision (policy.md §2).
import { describe, expect, it } from 'vitest';
import { quantityString } from '../../src/admission/quantity';
import type { ResourceList } from '../../src/admission/pod-resources';
import {
  checkQuotas,
  evaluatorFor,
  evaluatorsFor,
  matchesScopes,
  podEvaluator,
  pvcEvaluator,
  serviceEvaluator,
} from '../../src/admission/resource-quota';
import type { KubeObject } from '../../src/resources/types';

const strings = (rl: ResourceList) => Object.fromEntries(Object.entries(rl).map(([k, q]) => [k, quantityString(q)]));
const c = (name: string, resources: any = {}) => ({ name, image: 'nginx', resources });
const pod = (name: string, containers: any[], extra: any = {}): KubeObject => ({ metadata: { name, namespace: 'ns' }, spec: { containers, ...extra } });
const quota = (name: string, hard: Record<string, string>, spec: any = {}): KubeObject => ({
  metadata: { name, namespace: 'ns' },
  spec: { hard, ...spec },
  status: { hard, used: {} },
});
const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('usage', () => {
  it('pods: effective requests and limits, sidecars added, init containers maxed, overhead on top', () => {
    const p = pod('p', [c('a', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m' } }), c('b', { requests: { cpu: '300m' } })], {
      initContainers: [c('init', { requests: { cpu: '1' } }), { ...c('side', { requests: { memory: '64Mi' } }), restartPolicy: 'Always' }],
      overhead: { cpu: '10m' },
    });
    expect(strings(podEvaluator.usage(p, NOW))).toEqual({
      'count/pods': '1',
      pods: '1',
      cpu: '1010m',
      'requests.cpu': '1010m',
      'limits.cpu': '210m',
      memory: '128Mi',
      'requests.memory': '128Mi',
    });
  });

  it('terminal pods and pods past their deletion grace period only count as objects', () => {
    const done = { ...pod('p', [c('a', { requests: { cpu: '1' } })]), status: { phase: 'Succeeded' } };
    expect(strings(podEvaluator.usage(done, NOW))).toEqual({ 'count/pods': '1' });
    const deleting = pod('p', [c('a')]);
    deleting.metadata.deletionTimestamp = '2025-12-31T23:59:00Z';
    deleting.metadata.deletionGracePeriodSeconds = 30;
    expect(strings(podEvaluator.usage(deleting, NOW))).toEqual({ 'count/pods': '1' });
    deleting.metadata.deletionGracePeriodSeconds = 120;
    expect(strings(podEvaluator.usage(deleting, NOW))).toEqual({ 'count/pods': '1', pods: '1' });
  });

  it('services count node ports and load balancers; PVCs their storage, also per class', () => {
    const svc = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } };
    expect(strings(serviceEvaluator.usage(svc, NOW))).toEqual({
      'count/services': '1',
      services: '1',
      'services.loadbalancers': '0',
      'services.nodeports': '2',
    });
    const pvc = { metadata: { name: 'c' }, spec: { storageClassName: 'gold', resources: { requests: { storage: '1.5Gi' } } } };
    expect(strings(pvcEvaluator.usage(pvc, NOW))).toEqual({
      persistentvolumeclaims: '1',
      'count/persistentvolumeclaims': '1',
      'gold.storageclass.storage.k8s.io/persistentvolumeclaims': '1',
      'requests.storage': '1536Mi',
      'gold.storageclass.storage.k8s.io/requests.storage': '1536Mi',
    });
    expect(strings(evaluatorFor('', 'configmaps').usage({ metadata: {} }, NOW))).toEqual({ 'count/configmaps': '1', configmaps: '1' });
    expect(strings(evaluatorFor('apps', 'deployments').usage({ metadata: {} }, NOW))).toEqual({ 'count/deployments.apps': '1' });
  });

  it('evaluatorsFor finds the evaluators of a quota, object counts only for served resources', () => {
    const served = (g: string, p: string) => `${g}/${p}` !== 'example.com/widgets';
    const res = (names: string[]) => evaluatorsFor(names, served).map((e) => e.res);
    expect(res(['pods', 'requests.cpu'])).toEqual(['/pods']);
    expect(res(['secrets', 'count/deployments.apps', 'count/widgets.example.com', 'services.nodeports'])).toEqual(['/services', '/secrets', 'apps/deployments']);
  });
});

describe('scopes', () => {
  const bestEffort = pod('be', [c('a')]);
  const burstable = pod('bu', [c('a', { requests: { memory: '1Mi' } })]);
  const terminating = pod('t', [c('a')], { activeDeadlineSeconds: 30, priorityClassName: 'high' });
  const scoped = (spec: any) => quota('q', { pods: '1' }, spec);

  it('BestEffort / NotBestEffort follow the QoS class', () => {
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['BestEffort'] }), bestEffort)).toBe(true);
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['BestEffort'] }), burstable)).toBe(false);
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['NotBestEffort'] }), burstable)).toBe(true);
  });

  it('Terminating, PriorityClass selectors, and all requirements together', () => {
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['Terminating'] }), terminating)).toBe(true);
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['NotTerminating'] }), terminating)).toBe(false);
    const selector = (operator: string, values?: string[]) => scoped({ scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator, values }] } });
    expect(matchesScopes(podEvaluator, selector('In', ['high']), terminating)).toBe(true);
    expect(matchesScopes(podEvaluator, selector('NotIn', ['high']), terminating)).toBe(false);
    expect(matchesScopes(podEvaluator, selector('NotIn', ['high']), bestEffort)).toBe(true);
    expect(matchesScopes(podEvaluator, selector('DoesNotExist'), bestEffort)).toBe(true);
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['Terminating', 'BestEffort'] }), terminating)).toBe(true);
    expect(matchesScopes(podEvaluator, scoped({ scopes: ['Terminating', 'NotBestEffort'] }), terminating)).toBe(false);
  });

  it('scoped quotas never match objects other than pods', () => {
    expect(matchesScopes(serviceEvaluator, scoped({ scopes: ['NotTerminating'] }), { metadata: {} })).toBe(false);
  });
});

describe('the admission decision', () => {
  const nothingUsed = (): ResourceList => ({});
  const create = (object: KubeObject) => ({ operation: 'CREATE' as const, object });

  it('refuses what would exceed, naming only the exceeded resources', () => {
    const q = quota('q1', { pods: '2', 'requests.cpu': '1' });
    const p = pod('p', [c('a', { requests: { cpu: '500m' } })]);
    const usedOf = () => ({ pods: podEvaluator.usage(pod('x', [c('c')]), NOW).pods, 'requests.cpu': podEvaluator.usage(pod('x', [c('c', { requests: { cpu: '700m' } })]), NOW)['requests.cpu'] });
    expect(checkQuotas(podEvaluator, create(p), [q], usedOf, NOW).error).toBe(
      'exceeded quota: q1, requested: requests.cpu=500m, used: requests.cpu=700m, limited: requests.cpu=1',
    );
  });

  it('charges every matching quota the new usage', () => {
    const q = quota('q1', { pods: '3', 'count/pods': '5' });
    const decision = checkQuotas(podEvaluator, create(pod('p', [c('a')])), [q], nothingUsed, NOW);
    expect(decision.error).toBeUndefined();
    expect(decision.charges.map((ch) => [ch.quota.metadata.name, strings(ch.used)])).toEqual([['q1', { 'count/pods': '1', pods: '1' }]]);
  });

  it('pods must state what a compute quota tracks (1.35 grouped message, init containers too)', () => {
    const q = quota('q1', { 'limits.cpu': '2', 'requests.memory': '1Gi' });
    const p = pod('p', [c('nginx', { requests: { memory: '1Mi' } }), c('b')], { initContainers: [c('a', { limits: { cpu: '1' } })] });
    expect(checkQuotas(podEvaluator, create(p), [q], nothingUsed, NOW).error).toBe(
      'failed quota: q1: must specify limits.cpu for: b,nginx; requests.memory for: a,b',
    );
  });

  it('ignores quotas the controller has not filled in, and quotas whose scopes do not match', () => {
    const fresh = { ...quota('q1', { pods: '0' }), status: {} };
    const scoped = quota('q2', { pods: '0' }, { scopes: ['BestEffort'] });
    const p = pod('p', [c('a', { requests: { cpu: '1' } })]);
    expect(checkQuotas(podEvaluator, create(p), [fresh, scoped], nothingUsed, NOW)).toEqual({ charges: [] });
  });

  it('an update is charged only what it adds', () => {
    const q = quota('q1', { 'services.nodeports': '2' });
    const old = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }] } };
    const next = { metadata: { name: 's' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 81 }, { port: 82 }] } };
    const usedOf = () => ({ 'services.nodeports': serviceEvaluator.usage(old, NOW)['services.nodeports'] });
    expect(checkQuotas(serviceEvaluator, { operation: 'UPDATE', object: next, oldObject: old }, [q], usedOf, NOW).error).toBe(
      'exceeded quota: q1, requested: services.nodeports=2, used: services.nodeports=1, limited: services.nodeports=2',
    );
    const clusterIP = { metadata: { name: 's' }, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } };
    expect(checkQuotas(serviceEvaluator, { operation: 'UPDATE', object: clusterIP, oldObject: old }, [q], usedOf, NOW)).toEqual({ charges: [] });
  });
});
