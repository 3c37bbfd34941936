// Pure helpers of the DaemonSet, StatefulSet, Job, CronJob and storage kinds and controllers.
import { describe, expect, it } from 'vitest';
import { aggregateMessage } from '../../src/apiserver/field-errors';
import { jobName, jobFromTemplate, mostRecentScheduleTime } from '../../src/controllers/cronjob';
import { parseSchedule } from '../../src/controllers/cron';
import { addDaemonTolerations, nodeShouldRun, pinToNode, surgeAndUnavailable, targetNode } from '../../src/controllers/daemonset';
import { failureBackoff, formatIndexes, jobPod, parseIndexes } from '../../src/controllers/job';
import { matchingVolume } from '../../src/controllers/pv-provisioner';
import { defaultStorageClassOf } from '../../src/resources/storageclasses';
import { claimName, fnv1_32, goJson, parentAndOrdinal, revisionHash, statefulPod } from '../../src/controllers/statefulset';
import { cronjobs } from '../../src/resources/cronjobs';
import { daemonsets } from '../../src/resources/daemonsets';
import { horizontalpodautoscalers } from '../../src/resources/horizontalpodautoscalers';
import { jobs } from '../../src/resources/jobs';
import { accessModesString, persistentvolumeclaims } from '../../src/resources/persistentvolumeclaims';
import { statefulsets } from '../../src/resources/statefulsets';
import { storageclasses } from '../../src/resources/storageclasses';
import type { KubeObject, ResourceDef } from '../../src/resources/types';

const NOW = Date.parse('2025-11-01T00:00:00Z');
const node = (name: string, extra: Record<string, any> = {}): KubeObject => ({
  metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(extra.labels ?? {}) } },
  spec: extra.spec ?? {},
});
const template = (labels: Record<string, string>, spec: Record<string, any> = {}) => ({
  metadata: { labels },
  spec: { containers: [{ name: 'c', image: 'nginx' }], ...spec },
});

/** defaults + validate as the pipeline runs them on create, as the message a client sees. */
function createErrors(def: ResourceDef, obj: any): string {
  const o = structuredClone(obj);
  o.metadata ??= { name: 'x' };
  def.defaults?.(o);
  o.metadata.uid ??= 'uid-1';
  def.prepareForCreate?.(o, { now: '2025-11-01T00:00:00Z' });
  const errs = def.validate?.(o) ?? [];
  return errs.length ? aggregateMessage(errs) : '';
}

describe('hashes', () => {
  it('FNV-1 and Go JSON as HashControllerRevision uses them', () => {
    expect(fnv1_32(new TextEncoder().encode('a'))).toBe(0x050c5d7e);
    expect(goJson({ b: 1, a: { d: '<&>', c: [2, 1] } })).toBe('{"a":{"c":[2,1],"d":"\\u003c\\u0026\\u003e"},"b":1}');
    const h = revisionHash({ spec: { template: { $patch: 'replace' } } }, 0);
    expect(h).toMatch(/^[4-9bcdf]{9,10}$/);
    expect(revisionHash({ spec: { template: { $patch: 'replace' } } }, 1)).not.toBe(h);
  });
});

describe('daemon pods', () => {
  it('add the node-condition tolerations once and pin pods to their node', () => {
    const spec: any = { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] };
    addDaemonTolerations(spec);
    addDaemonTolerations(spec);
    expect(spec.tolerations.map((t: any) => `${t.key}:${t.effect}`)).toEqual([
      'node.kubernetes.io/unschedulable:NoSchedule',
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/disk-pressure:NoSchedule',
      'node.kubernetes.io/memory-pressure:NoSchedule',
      'node.kubernetes.io/pid-pressure:NoSchedule',
    ]);
    const pod: any = { metadata: {}, spec: { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } } } };
    pinToNode(pod.spec, 'node-2');
    expect(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] },
    ]);
    expect(targetNode(pod)).toBe('node-2');
    expect(targetNode({ metadata: {}, spec: { nodeName: 'node-3' } })).toBe('node-3');
  });

  it('decide which nodes run a daemon pod from selectors, affinity and taints', () => {
    const ds = (spec: Record<string, any> = {}) => ({ metadata: { namespace: 'default' }, spec: { template: template({ app: 'x' }, spec) } }) as KubeObject;
    expect(nodeShouldRun(node('n1'), ds())).toEqual([true, true]);
    expect(nodeShouldRun(node('n1'), ds({ nodeSelector: { disk: 'ssd' } }))).toEqual([false, false]);
    expect(nodeShouldRun(node('n1', { labels: { disk: 'ssd' } }), ds({ nodeSelector: { disk: 'ssd' } }))).toEqual([true, true]);
    const tainted = (effect: string) => node('cp', { spec: { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect }] } });
    expect(nodeShouldRun(tainted('NoSchedule'), ds())).toEqual([false, true]);
    expect(nodeShouldRun(tainted('NoExecute'), ds())).toEqual([false, false]);
    expect(nodeShouldRun(tainted('NoSchedule'), ds({ tolerations: [{ operator: 'Exists' }] }))).toEqual([true, true]);
    // Unschedulable nodes still run daemon pods: the toleration is added automatically.
    expect(nodeShouldRun(node('n1', { spec: { taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }] } }), ds())).toEqual([true, true]);
  });

  it('scale maxSurge and maxUnavailable against the desired count, rounding up', () => {
    const ds = (ru: any) => ({ metadata: {}, spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: ru } } }) as KubeObject;
    expect(surgeAndUnavailable(ds({ maxUnavailable: 1, maxSurge: 0 }), 3)).toEqual([0, 1]);
    expect(surgeAndUnavailable(ds({ maxUnavailable: '50%', maxSurge: 0 }), 3)).toEqual([0, 2]);
    expect(surgeAndUnavailable(ds({ maxUnavailable: 0, maxSurge: '10%' }), 3)).toEqual([1, 0]);
  });
});

describe('stateful pods', () => {
  it('carry identity and claims', () => {
    const set = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'web', namespace: 'default', uid: 'u1' },
      spec: {
        serviceName: 'nginx',
        selector: { matchLabels: { app: 'nginx' } },
        template: template({ app: 'nginx' }, { volumes: [{ name: 'www', emptyDir: {} }, { name: 'cfg', emptyDir: {} }] }),
        volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }],
      },
    } as KubeObject;
    const pod = statefulPod(set, 1, 'web-6b7f9c4d5');
    expect(pod.metadata).toMatchObject({
      name: 'web-1',
      generateName: 'web-',
      labels: { app: 'nginx', 'statefulset.kubernetes.io/pod-name': 'web-1', 'apps.kubernetes.io/pod-index': '1', 'controller-revision-hash': 'web-6b7f9c4d5' },
    });
    expect(pod.spec).toMatchObject({ hostname: 'web-1', subdomain: 'nginx' });
    expect(pod.spec.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-1' } }, { name: 'cfg', emptyDir: {} }]);
    expect(claimName('www', 'web', 0)).toBe('www-web-0');
    expect(parentAndOrdinal('my-web-12')).toEqual(['my-web', 12]);
    expect(parentAndOrdinal('web')).toBeUndefined();
  });
});

describe('jobs', () => {
  it('format completed indexes and back off exponentially up to ten minutes', () => {
    expect(formatIndexes([4, 0, 2, 1, 7, 8])).toBe('0-2,4,7-8');
    expect(parseIndexes('0-2,4,7-8')).toEqual([0, 1, 2, 4, 7, 8]);
    expect([0, 1, 2, 3, 7, 8].map(failureBackoff)).toEqual([0, 10_000, 20_000, 40_000, 600_000, 600_000]);
  });

  it('make tracked pods, with the index for Indexed jobs', () => {
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'pi', uid: 'u' }, spec: { template: template({ 'job-name': 'pi' }) } } as KubeObject;
    expect(jobPod(job).metadata).toMatchObject({ generateName: 'pi-', finalizers: ['batch.kubernetes.io/job-tracking'] });
    const indexed = jobPod(job, 3);
    expect(indexed.metadata.generateName).toBe('pi-3-');
    expect(indexed.metadata.annotations).toEqual({ 'batch.kubernetes.io/job-completion-index': '3' });
    expect(indexed.spec.hostname).toBe('pi-3');
    expect(indexed.spec.containers[0].env).toEqual([
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
  });
});

describe('cron jobs', () => {
  const cj = (status: any = {}, spec: any = {}) =>
    ({ metadata: { name: 'hello', uid: 'u', creationTimestamp: '2025-10-31T23:58:30Z' }, spec: { schedule: '*/5 * * * *', ...spec }, status }) as KubeObject;

  it('name jobs by scheduled minute and stamp the scheduled time', () => {
    expect(jobName(cj(), NOW)).toBe('hello-29365920');
    const job = jobFromTemplate(cj({}, { timeZone: 'Asia/Tokyo', jobTemplate: { metadata: { labels: { a: 'b' } }, spec: { template: {} } } }), NOW);
    expect(job.metadata.annotations).toEqual({ 'batch.kubernetes.io/cronjob-scheduled-timestamp': '2025-11-01T09:00:00+09:00' });
    expect(job.metadata.labels).toEqual({ a: 'b' });
  });

  it('find the most recent missed schedule time', () => {
    const s = parseSchedule('*/5 * * * *');
    expect(mostRecentScheduleTime(cj(), NOW - 1000, s, true)).toEqual({ earliest: Date.parse('2025-10-31T23:58:30Z'), missed: 0 });
    expect(mostRecentScheduleTime(cj(), NOW + 1000, s, true)).toMatchObject({ recent: NOW, missed: 1 });
    const late = mostRecentScheduleTime(cj({ lastScheduleTime: '2025-11-01T00:00:00Z' }), NOW + 3600_000 + 1000, s, true);
    expect(late).toMatchObject({ recent: NOW + 3600_000, missed: 12 });
    // startingDeadlineSeconds moves the earliest time considered.
    expect(mostRecentScheduleTime(cj({}, { startingDeadlineSeconds: 10 }), NOW + 3600_000 + 1000, s, true)?.missed).toBe(1);
  });
});

describe('resource defaults and validation', () => {
  it('default a DaemonSet and keep its template generation', () => {
    const ds: any = { metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }) } };
    daemonsets.defaults!(ds);
    daemonsets.prepareForCreate!(ds, { now: '' });
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(ds.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    expect(ds.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
    const changed = structuredClone(ds);
    changed.spec.template.spec.containers[0].image = 'nginx:2';
    daemonsets.prepareForUpdate!(changed, ds);
    expect(changed.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
    expect(createErrors(daemonsets, { spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'c' }) } })).toBe(
      'spec.template.metadata.labels: Invalid value: {"a":"c"}: `selector` does not match template `labels`',
    );
  });

  it('default a StatefulSet and its claim templates', () => {
    const sts: any = { metadata: { name: 'web' }, spec: { selector: { matchLabels: { a: 'b' } }, template: template({ a: 'b' }), volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: {} }] } };
    statefulsets.defaults!(sts);
    expect(sts.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      replicas: 1,
      revisionHistoryLimit: 10,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0, maxUnavailable: 1 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
    });
    expect(sts.spec.volumeClaimTemplates[0]).toEqual({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'www' }, spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    const old = structuredClone(sts);
    sts.spec.serviceName = 'other';
    expect(aggregateMessage(statefulsets.validateUpdate!(sts, old))).toBe(
      "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    );
  });

  it('generate a Job selector and default the spec', () => {
    const job: any = { metadata: { name: 'pi', uid: 'u1' }, spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }], restartPolicy: 'Never' } } } };
    jobs.defaults!(job);
    jobs.prepareForCreate!(job, { now: '' });
    expect(job.spec).toMatchObject({
      completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } },
    });
    const labels = { 'batch.kubernetes.io/controller-uid': 'u1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u1', 'job-name': 'pi' };
    expect(job.spec.template.metadata.labels).toEqual(labels);
    expect(job.metadata.labels).toEqual(labels);
    expect(jobs.validate!(job)).toEqual([]);
    expect(createErrors(jobs, { spec: { template: { spec: { containers: [{ name: 'pi', image: 'perl' }] } } } })).toBe(
      'spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"',
    );
  });

  it('validate CronJob schedules and time zones', () => {
    const base = { spec: { jobTemplate: { spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }], restartPolicy: 'OnFailure' } } } } } };
    const with_ = (spec: any) => ({ ...base, spec: { ...base.spec, ...spec } });
    expect(createErrors(cronjobs, with_({ schedule: '*/1 * * * *' }))).toBe('');
    expect(createErrors(cronjobs, with_({ schedule: '* * * *' }))).toBe('spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]');
    expect(createErrors(cronjobs, with_({ schedule: 'TZ=UTC * * * * *' }))).toBe(
      'spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
    );
    expect(createErrors(cronjobs, with_({ schedule: '@daily', timeZone: 'Nowhere/Land' }))).toBe('spec.timeZone: Invalid value: "Nowhere/Land": unknown time zone Nowhere/Land');
    const cj: any = with_({ schedule: '@daily' });
    cj.metadata = { name: 'c' };
    cronjobs.defaults!(cj);
    expect(cj.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
  });

  it('default an HPA to 80% CPU and print its targets', () => {
    const hpa: any = { metadata: { name: 'web' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 } };
    horizontalpodautoscalers.defaults!(hpa);
    expect(hpa.spec.minReplicas).toBe(1);
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    const cells = horizontalpodautoscalers.columns!.map((c) => c.cell(hpa, NOW));
    expect(cells.slice(0, 6)).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 5, 0]);
    expect(createErrors(horizontalpodautoscalers, { spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, minReplicas: 3, maxReplicas: 2 } })).toBe(
      'spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`',
    );
  });

  it('validate claims and show access modes in their fixed order', () => {
    expect(createErrors(persistentvolumeclaims, { spec: {} })).toBe('[spec.accessModes: Required value: at least 1 access mode is required, spec.resources[storage]: Required value]');
    expect(accessModesString(['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'])).toBe('RWO,RWX');
    expect(createErrors(storageclasses, { provisioner: '' })).toBe('provisioner: Required value');
  });
});

describe('volume binding', () => {
  const pv = (name: string, size: string, extra: any = {}) =>
    ({ metadata: { name }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', ...extra }, status: { phase: 'Available' } }) as KubeObject;
  const pvc = { metadata: { name: 'c', namespace: 'default', uid: 'u' }, spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } } as KubeObject;

  it('binds the smallest volume that fits', () => {
    expect(matchingVolume(pvc, [pv('big', '10Gi'), pv('small', '1Gi'), pv('fits', '5Gi'), pv('other', '3Gi', { storageClassName: 'x' })])?.metadata.name).toBe('fits');
    expect(matchingVolume(pvc, [pv('rwx', '5Gi', { accessModes: ['ReadWriteMany'] })])).toBeUndefined();
  });

  it('picks the newest default class', () => {
    const sc = (name: string, created: string, def: boolean) =>
      ({ metadata: { name, creationTimestamp: created, annotations: def ? { 'storageclass.kubernetes.io/is-default-class': 'true' } : {} } }) as KubeObject;
    expect(defaultStorageClassOf([sc('a', '2025-01-01T00:00:00Z', true), sc('b', '2025-02-01T00:00:00Z', true), sc('c', '2025-03-01T00:00:00Z', false)])?.metadata.name).toBe('b');
  });
});
