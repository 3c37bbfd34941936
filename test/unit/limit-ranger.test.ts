// LimitRanger as pure functions: defaults and their annotation, then min / max / ratio messages (policy.md §4).
import { describe, expect, it } from 'vitest';
import { LIMIT_RANGER_ANNOTATION, applyLimitRangeDefaults, podLimitErrors, pvcLimitErrors } from '../../src/admission/limit-ranger';
import type { KubeObject } from '../../src/resources/types';

const lr = (...limits: any[]): KubeObject => ({ metadata: { name: 'lr', namespace: 'default' }, spec: { limits } });
const pod = (containers: any[], initContainers?: any[]): KubeObject => ({
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers, ...(initContainers ? { initContainers } : {}) },
});
const c = (name: string, resources: any = {}) => ({ name, image: 'nginx', resources });

describe('defaults', () => {
  it('fills missing requests and limits and says so in the annotation', () => {
    const p = pod([c('nginx'), c('side', { requests: { cpu: '50m' } })], [c('init', { limits: { memory: '64Mi' } })]);
    applyLimitRangeDefaults(p, [
      lr({ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '0.25', memory: '128Mi' } }),
    ]);
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '250m', memory: '128Mi' } });
    expect(p.spec.containers[1].resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(p.spec.initContainers[0].resources.limits).toEqual({ memory: '64Mi', cpu: '500m' });
    expect(p.metadata.annotations![LIMIT_RANGER_ANNOTATION]).toBe(
      'LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx; ' +
        'memory request for container side; cpu, memory limit for container side; ' +
        'cpu, memory request for init container init; cpu limit for init container init',
    );
  });

  it('leaves a pod that states everything untouched, without annotation', () => {
    const p = pod([c('a', { requests: { cpu: '1' }, limits: { cpu: '1' } })]);
    applyLimitRangeDefaults(p, [lr({ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } })]);
    expect(p.spec.containers[0].resources).toEqual({ requests: { cpu: '1' }, limits: { cpu: '1' } });
    expect(p.metadata.annotations).toBeUndefined();
  });

  it('ignores Pod and PVC items', () => {
    const p = pod([c('a')]);
    applyLimitRangeDefaults(p, [lr({ type: 'Pod', max: { cpu: '2' } }, { type: 'PersistentVolumeClaim', max: { storage: '1Gi' } })]);
    expect(p.spec.containers[0].resources).toEqual({});
  });
});

describe('constraints', () => {
  it('min: request missing, below, limit below', () => {
    const range = lr({ type: 'Container', min: { cpu: '100m' } });
    expect(podLimitErrors(pod([c('a')]), range)).toEqual(['minimum cpu usage per Container is 100m.  No request is specified']);
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '50m' } })]), range)).toEqual(['minimum cpu usage per Container is 100m, but request is 50m']);
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '0.2' }, limits: { cpu: '0.05' } })]), range)).toEqual([
      'minimum cpu usage per Container is 100m, but limit is 50m',
    ]);
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '100m' } })]), range)).toEqual([]);
  });

  it('max: limit missing or above, request above; init containers too', () => {
    const range = lr({ type: 'Container', max: { memory: '1Gi' } });
    expect(podLimitErrors(pod([c('a')]), range)).toEqual(['maximum memory usage per Container is 1Gi.  No limit is specified']);
    expect(podLimitErrors(pod([c('a', { limits: { memory: '1536Mi' } })]), range)).toEqual(['maximum memory usage per Container is 1Gi, but limit is 1536Mi']);
    expect(podLimitErrors(pod([c('a', { limits: { memory: '1Gi' } })], [c('i', { limits: { memory: '2Gi' } })]), range)).toEqual([
      'maximum memory usage per Container is 1Gi, but limit is 2Gi',
    ]);
  });

  it('maxLimitRequestRatio', () => {
    const range = lr({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } });
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '250m' }, limits: { cpu: '1' } })]), range)).toEqual([
      'cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000',
    ]);
    expect(podLimitErrors(pod([c('a', { limits: { cpu: '1' } })]), range)).toEqual([
      'cpu max limit to request ratio per Container is 2, but no request is specified or request is 0',
    ]);
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '1' } })]), range)).toEqual([
      'cpu max limit to request ratio per Container is 2, but no limit is specified or limit is 0',
    ]);
    expect(podLimitErrors(pod([c('a', { requests: { cpu: '500m' }, limits: { cpu: '1' } })]), range)).toEqual([]);
  });

  it('Pod items check the pod totals, min before max', () => {
    const range = lr({ type: 'Pod', max: { cpu: '1' }, min: { cpu: '200m' } });
    const big = pod([c('a', { requests: { cpu: '600m' }, limits: { cpu: '600m' } }), c('b', { requests: { cpu: '600m' }, limits: { cpu: '600m' } })]);
    expect(podLimitErrors(big, range)).toEqual(['maximum cpu usage per Pod is 1, but limit is 1200m']);
    const small = pod([c('a', { requests: { cpu: '100m' }, limits: { cpu: '100m' } })]);
    expect(podLimitErrors(small, range)).toEqual(['minimum cpu usage per Pod is 200m, but request is 100m']);
    const both = lr({ type: 'Pod', max: { cpu: '1' } }, { type: 'Container', min: { cpu: '700m' } });
    expect(podLimitErrors(big, both)).toEqual(['maximum cpu usage per Pod is 1, but limit is 1200m', ...Array(2).fill('minimum cpu usage per Container is 700m, but request is 600m')]);
  });

  it('PVC items bound the storage request', () => {
    const range = lr({ type: 'PersistentVolumeClaim', min: { storage: '1Gi' }, max: { storage: '2Gi' } });
    const pvc = (storage?: string): KubeObject => ({ metadata: { name: 'c' }, spec: { resources: storage ? { requests: { storage } } : {} } });
    expect(pvcLimitErrors(pvc('500Mi'), range)).toEqual(['minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi']);
    expect(pvcLimitErrors(pvc('5Gi'), range)).toEqual(['maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi']);
    expect(pvcLimitErrors(pvc(), range)).toEqual([
      'minimum storage usage per PersistentVolumeClaim is 1Gi.  No request is specified',
      'maximum storage usage per PersistentVolumeClaim is 2Gi.  No request is specified',
    ]);
    expect(pvcLimitErrors(pvc('1536Mi'), range)).toEqual([]);
  });
});
