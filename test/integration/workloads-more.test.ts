// DaemonSets, StatefulSets, Jobs, CronJobs, HPAs and storage on the real Worker and Durable Object, with the
// cluster clock paused. Pods run on the simulated scheduler and kubelets: `tick` steps the clock past an image
// pull and a container start, and Job containers exit after their default run time.
import { describe, expect, it } from 'vitest';
import { clock, jsonCalls, type Kube, settle, type Signup, TABLE_ACCEPT, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const NS = '/api/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';
const BATCH = '/apis/batch/v1/namespaces/default';

const { get, post, patch } = jsonCalls(() => k);

/** The first row's cells of a server-side Table. */
async function cells(path: string): Promise<unknown[]> {
  const r = await k(path, { headers: { accept: TABLE_ACCEPT } });
  expect(r.status, path).toBe(200);
  const table: any = await r.json();
  return table.rows[0].cells;
}

/** Events about an object, oldest first, as `type reason message`. */
async function events(name: string, ns = 'default'): Promise<string[]> {
  const list = await get(`/api/v1/namespaces/${ns}/events?fieldSelector=involvedObject.name=${name}`);
  return list.items
    .sort((a: any, b: any) => a.metadata.resourceVersion - b.metadata.resourceVersion)
    .map((e: any) => `${e.type} ${e.reason} ${e.message}`);
}

async function tick(seconds = 3) {
  await clock(s, { action: 'advance', seconds });
  await settle(s.id);
}

const live = (pods: any[]) => pods.filter((p) => !p.metadata.deletionTimestamp);
const podsWith = async (selector: string) => live((await get(`${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).items);
const names = (objs: any[]) => objs.map((o) => o.metadata.name).sort();

const container = (image: string, extra: Record<string, unknown> = {}) => ({ name: 'main', image, ...extra });

describe('DaemonSet', () => {
  const ds = (image: string) => ({
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'agent' },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [container(image)] } },
    },
  });

  it('runs one pod per node, pinned by affinity, and reports status and columns', async () => {
    const created = await post(`${APPS}/daemonsets`, ds('fluentd:v1'));
    expect(created.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });
    expect(created.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    await settle(s.id);
    const pods = await podsWith('app=agent');
    const nodes = names((await get('/api/v1/nodes')).items);
    expect(pods).toHaveLength(nodes.length);
    const revisions = (await get(`${APPS}/controllerrevisions`)).items;
    expect(revisions).toHaveLength(1);
    const hash = revisions[0].metadata.labels['controller-revision-hash'];
    expect(revisions[0]).toMatchObject({ metadata: { name: `agent-${hash}` }, revision: 1 });
    expect(revisions[0].data.spec.template.$patch).toBe('replace');
    const pinned = pods.map((p) => p.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0]);
    expect(pinned.sort()).toEqual(nodes);
    for (const p of pods) {
      expect(p.metadata.generateName).toBe('agent-');
      expect(p.metadata.labels).toEqual({ app: 'agent', 'controller-revision-hash': hash, 'pod-template-generation': '1' });
      expect(p.metadata.ownerReferences[0]).toMatchObject({ kind: 'DaemonSet', name: 'agent', uid: created.metadata.uid, controller: true });
      expect(p.spec.tolerations).toEqual(
        expect.arrayContaining([{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }]),
      );
    }
    expect((await events('agent')).sort()).toEqual(pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort());
    const ev = (await get(`${NS}/events?fieldSelector=involvedObject.name=agent`)).items[0];
    expect(ev.source).toEqual({ component: 'daemonset-controller' });

    await tick();
    const n = nodes.length;
    expect((await get(`${APPS}/daemonsets/agent`)).status).toEqual({
      currentNumberScheduled: n, numberMisscheduled: 0, desiredNumberScheduled: n, numberReady: n, observedGeneration: 1, updatedNumberScheduled: n, numberAvailable: n,
    });
    expect(await cells(`${APPS}/daemonsets/agent`)).toEqual(['agent', n, n, n, n, n, '<none>', '3s', 'main', 'fluentd:v1', 'app=agent']);
    expect(await cells(`${APPS}/controllerrevisions`)).toEqual([`agent-${hash}`, 'daemonset.apps/agent', 1, '3s']);
  });

  it('rolls a new template out node by node', async () => {
    await post(`${APPS}/daemonsets`, ds('fluentd:v1'));
    await settle(s.id);
    await tick();
    const before = names(await podsWith('app=agent'));
    const updated = await patch(`${APPS}/daemonsets/agent`, { spec: { template: { spec: { containers: [container('fluentd:v2')] } } } });
    expect(updated.metadata).toMatchObject({ generation: 2, annotations: { 'deprecated.daemonset.template.generation': '2' } });
    for (let i = 0; i < 10; i++) await tick();
    const after = await podsWith('app=agent');
    expect(after.every((p) => p.spec.containers[0].image === 'fluentd:v2' && p.metadata.labels['pod-template-generation'] === '2')).toBe(true);
    expect(names(after).some((n) => before.includes(n))).toBe(false);
    const revisions = (await get(`${APPS}/controllerrevisions`)).items.map((r: any) => r.revision).sort();
    expect(revisions).toEqual([1, 2]);
    const deletes = (await events('agent')).filter((e) => e.startsWith('Normal SuccessfulDelete'));
    expect(deletes.sort()).toEqual(before.map((n) => `Normal SuccessfulDelete Deleted pod: ${n}`).sort());
    const n = before.length;
    expect((await get(`${APPS}/daemonsets/agent`)).status).toMatchObject({ desiredNumberScheduled: n, updatedNumberScheduled: n, numberAvailable: n, observedGeneration: 2 });
  });

  it('rejects a selector that does not match the template', async () => {
    const bad = ds('fluentd');
    bad.spec.template.metadata.labels = { app: 'other' };
    const r = await k(`${APPS}/daemonsets`, { method: 'POST', json: bad });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe(
      'DaemonSet.apps "agent" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    );
  });
});

describe('StatefulSet and storage', () => {
  const sts = (replicas: number) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web' },
    spec: {
      serviceName: 'nginx',
      replicas,
      selector: { matchLabels: { app: 'nginx' } },
      template: {
        metadata: { labels: { app: 'nginx' } },
        spec: { containers: [container('nginx', { volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginx/html' }] })] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  });

  /** The default class a new cluster has (bootstrap makes it; created here when it does not yet). */
  async function standardClass() {
    const r = await k('/apis/storage.k8s.io/v1/storageclasses/standard');
    if (r.status === 200) return;
    await post('/apis/storage.k8s.io/v1/storageclasses', {
      metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'k8s.io/minikube-hostpath',
    });
  }

  it('creates pods in order with their claims, waiting for each to be ready', async () => {
    await standardClass();
    const created = await post(`${APPS}/statefulsets`, sts(2));
    expect(created.spec.volumeClaimTemplates[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } });
    await settle(s.id);
    expect(names(await podsWith('app=nginx'))).toEqual(['web-0']);
    expect(await events('web')).toEqual([
      'Normal SuccessfulCreate Create Claim www-web-0 Pod web-0 in StatefulSet web success',
      'Normal SuccessfulCreate Create Pod web-0 in StatefulSet web successful',
    ]);
    const web0 = await get(`${NS}/pods/web-0`);
    expect(web0.spec).toMatchObject({ hostname: 'web-0', subdomain: 'nginx' });
    expect(web0.spec.volumes[0]).toEqual({ name: 'www', persistentVolumeClaim: { claimName: 'www-web-0' } });
    expect(web0.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
    const revision = web0.metadata.labels['controller-revision-hash'];
    expect(revision).toMatch(/^web-[4-9bcdf]{9,10}$/);

    await tick();
    expect(names(await podsWith('app=nginx'))).toEqual(['web-0', 'web-1']);
    await tick();
    expect((await get(`${APPS}/statefulsets/web`)).status).toEqual({
      observedGeneration: 1, replicas: 2, readyReplicas: 2, currentReplicas: 2, updatedReplicas: 2,
      currentRevision: revision, updateRevision: revision, collisionCount: 0, availableReplicas: 2,
    });
    expect(await cells(`${APPS}/statefulsets/web`)).toEqual(['web', '2/2', '6s', 'main', 'nginx']);

    // The claims were provisioned and bound.
    const claim = await get(`${NS}/persistentvolumeclaims/www-web-0`);
    expect(claim.metadata.labels).toEqual({ app: 'nginx' });
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    expect(claim.spec).toMatchObject({ storageClassName: 'standard', volumeName: `pvc-${claim.metadata.uid}` });
    expect(claim.status).toEqual({ accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' }, phase: 'Bound' });
    expect(await cells(`${NS}/persistentvolumeclaims/www-web-0`)).toEqual(['www-web-0', 'Bound', `pvc-${claim.metadata.uid}`, '1Gi', 'RWO', 'standard', '<unset>', '6s', 'Filesystem']);
    expect(await cells(`/api/v1/persistentvolumes/pvc-${claim.metadata.uid}`)).toEqual([
      `pvc-${claim.metadata.uid}`, '1Gi', 'RWO', 'Delete', 'Bound', 'default/www-web-0', 'standard', '<unset>', '', '6s', 'Filesystem',
    ]);
    expect(await events('www-web-0')).toEqual(
      expect.arrayContaining([
        'Normal ProvisioningSucceeded Successfully provisioned volume ' + `pvc-${claim.metadata.uid}`,
      ]),
    );
  });

  it('scales down from the highest ordinal and keeps the claims', async () => {
    await standardClass();
    await post(`${APPS}/statefulsets`, sts(3));
    await settle(s.id);
    for (let i = 0; i < 4; i++) await tick();
    expect(names(await podsWith('app=nginx'))).toEqual(['web-0', 'web-1', 'web-2']);
    await patch(`${APPS}/statefulsets/web/scale`, { spec: { replicas: 1 } });
    for (let i = 0; i < 4; i++) await tick();
    expect(names(await podsWith('app=nginx'))).toEqual(['web-0']);
    const deletes = (await events('web')).filter((e) => e.includes('Delete Pod'));
    expect(deletes).toEqual(['Normal SuccessfulDelete Delete Pod web-2 in StatefulSet web successful', 'Normal SuccessfulDelete Delete Pod web-1 in StatefulSet web successful']);
    expect(names((await get(`${NS}/persistentvolumeclaims`)).items)).toEqual(['www-web-0', 'www-web-1', 'www-web-2']);
  });

  it('rolls a new template out from the highest ordinal down', async () => {
    const set = sts(3);
    set.spec.volumeClaimTemplates = [];
    (set.spec.template.spec.containers[0] as any).volumeMounts = [];
    await post(`${APPS}/statefulsets`, set);
    await settle(s.id);
    for (let i = 0; i < 4; i++) await tick();
    const oldRevision = (await get(`${APPS}/statefulsets/web`)).status.currentRevision;
    await patch(`${APPS}/statefulsets/web`, { spec: { template: { spec: { containers: [container('nginx:1.27')] } } } });
    for (let i = 0; i < 8; i++) await tick();
    const status = (await get(`${APPS}/statefulsets/web`)).status;
    expect(status.updateRevision).not.toBe(oldRevision);
    expect(status).toMatchObject({ currentRevision: status.updateRevision, updatedReplicas: 3, readyReplicas: 3, currentReplicas: 3, observedGeneration: 2 });
    const deletes = (await events('web')).filter((e) => e.includes('Delete Pod')).map((e) => e.split(' ')[4]);
    expect(deletes).toEqual(['web-2', 'web-1', 'web-0']);
    expect((await get(`${APPS}/controllerrevisions`)).items.map((r: any) => r.revision).sort()).toEqual([1, 2]);
  });

  it('binds a claim to a matching static volume and releases it on delete', async () => {
    await post('/api/v1/persistentvolumes', {
      metadata: { name: 'manual-1' },
      spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/data/1' } },
    });
    await settle(s.id);
    expect(await cells('/api/v1/persistentvolumes/manual-1')).toEqual(['manual-1', '5Gi', 'RWO', 'Retain', 'Available', '', 'manual', '<unset>', '', '0s', 'Filesystem']);
    await post(`${NS}/persistentvolumeclaims`, {
      metadata: { name: 'data' },
      spec: { storageClassName: 'manual', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    });
    await settle(s.id);
    expect(await cells(`${NS}/persistentvolumeclaims/data`)).toEqual(['data', 'Bound', 'manual-1', '5Gi', 'RWO', 'manual', '<unset>', '0s', 'Filesystem']);
    expect((await get('/api/v1/persistentvolumes/manual-1')).metadata.annotations).toEqual({ 'pv.kubernetes.io/bound-by-controller': 'yes' });
    expect((await k(`${NS}/persistentvolumeclaims/data`, { method: 'DELETE' })).status).toBe(200);
    await settle(s.id);
    expect((await k(`${NS}/persistentvolumeclaims/data`)).status).toBe(404);
    expect((await get('/api/v1/persistentvolumes/manual-1')).status.phase).toBe('Released');
  });
});

describe('Job', () => {
  const job = (name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      ...spec,
      template: { metadata: annotations ? { annotations } : {}, spec: { restartPolicy: 'Never', containers: [container('busybox', { command: ['echo', 'done'] })] } },
    },
  });

  it('runs pods to the wanted completions and completes in two steps', async () => {
    const created = await post(`${BATCH}/jobs`, job('pi', { completions: 2 }));
    const uid = created.metadata.uid;
    expect(created.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': uid } });
    expect(created.metadata.labels).toEqual({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': uid, 'job-name': 'pi' });
    expect(created.spec).toMatchObject({ parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed' });
    await settle(s.id);
    const [first] = await podsWith('job-name=pi');
    expect(first.metadata.finalizers).toEqual(['batch.kubernetes.io/job-tracking']);
    expect(first.metadata.generateName).toBe('pi-');
    expect((await get(`${BATCH}/jobs/pi`)).status).toMatchObject({ active: 1, ready: 0, terminating: 0, uncountedTerminatedPods: {} });
    expect(await cells(`${BATCH}/jobs/pi`)).toEqual(['pi', 'Running', '0/2', '0s', '0s', 'main', 'busybox', `batch.kubernetes.io/controller-uid=${uid}`]);

    for (let i = 0; i < 6; i++) await tick();
    const done = await get(`${BATCH}/jobs/pi`);
    expect(done.status).toMatchObject({ succeeded: 2, terminating: 0, ready: 0, uncountedTerminatedPods: {} });
    expect(done.status.active).toBeUndefined();
    expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
      ['Complete', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods'],
    ]);
    const pods = (await get(`${NS}/pods?labelSelector=job-name%3Dpi`)).items;
    expect(pods).toHaveLength(2);
    expect(pods.every((p: any) => p.status.phase === 'Succeeded' && !p.metadata.finalizers)).toBe(true);
    const ev = await events('pi');
    expect(ev.filter((e) => e.includes('SuccessfulCreate'))).toEqual(names(pods).map((n) => `Normal SuccessfulCreate Created pod: ${n}`).sort((a, b) => ev.indexOf(a) - ev.indexOf(b)));
    expect(ev[ev.length - 1]).toBe('Normal Completed Job completed');
    const row = await cells(`${BATCH}/jobs/pi`);
    expect(row.slice(0, 3)).toEqual(['pi', 'Complete', '2/2']);
    expect(row[3]).toMatch(/^\d+s$/);
  });

  it('fails past the backoff limit', async () => {
    await post(`${BATCH}/jobs`, job('fail', { backoffLimit: 0 }, { 'sim.kube-sandbox.dev/exit-code': '1' }));
    await settle(s.id);
    for (let i = 0; i < 4; i++) await tick();
    const failed = await get(`${BATCH}/jobs/fail`);
    expect(failed.status).toMatchObject({ failed: 1, terminating: 0 });
    expect(failed.status.conditions.map((c: any) => [c.type, c.reason])).toEqual([
      ['FailureTarget', 'BackoffLimitExceeded'],
      ['Failed', 'BackoffLimitExceeded'],
    ]);
    expect(await events('fail')).toContain('Warning BackoffLimitExceeded Job has reached the specified backoff limit');
    expect((await cells(`${BATCH}/jobs/fail`)).slice(0, 3)).toEqual(['fail', 'Failed', '0/1']);
    expect(await podsWith('job-name=fail')).toHaveLength(1);
  });

  it('gives Indexed pods their index and reports completed indexes', async () => {
    await post(`${BATCH}/jobs`, job('idx', { completions: 3, parallelism: 3, completionMode: 'Indexed' }));
    await settle(s.id);
    const pods = await podsWith('job-name=idx');
    expect(pods.map((p) => p.metadata.annotations['batch.kubernetes.io/job-completion-index']).sort()).toEqual(['0', '1', '2']);
    for (const p of pods) {
      const i = p.metadata.annotations['batch.kubernetes.io/job-completion-index'];
      expect(p.metadata.name).toMatch(new RegExp(`^idx-${i}-\\w{5}$`));
      expect(p.spec.hostname).toBe(`idx-${i}`);
    }
    for (let i = 0; i < 4; i++) await tick();
    expect((await get(`${BATCH}/jobs/idx`)).status).toMatchObject({ succeeded: 3, completedIndexes: '0-2' });
  });

  it('refuses a template that restarts Always', async () => {
    const bad = job('bad', {});
    delete (bad.spec.template.spec as any).restartPolicy;
    const r = await k(`${BATCH}/jobs`, { method: 'POST', json: bad });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe('Job.batch "bad" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"');
  });

  it('is deleted ttlSecondsAfterFinished after it finished', async () => {
    await post(`${BATCH}/jobs`, job('short', { ttlSecondsAfterFinished: 30 }));
    await settle(s.id);
    for (let i = 0; i < 4; i++) await tick();
    expect((await get(`${BATCH}/jobs/short`)).status.conditions.some((c: any) => c.type === 'Complete')).toBe(true);
    await tick(30);
    expect((await k(`${BATCH}/jobs/short`)).status).toBe(404);
  });
});

describe('CronJob', () => {
  const cronjob = (extra: Record<string, unknown> = {}) => ({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'hello' },
    spec: {
      schedule: '*/1 * * * *',
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'OnFailure', containers: [container('busybox', { command: ['date'] })] } } } },
      ...extra,
    },
  });

  it('starts a job per schedule time on the cluster clock and records history', async () => {
    // Start one second into a minute, so the ticks below stay inside the minute after the first schedule.
    const now = Date.parse((await clock(s, { action: 'advance', seconds: 0 })).now);
    await clock(s, { action: 'advance', seconds: 60 - ((now / 1000) % 60) + 1 });
    const created = await post(`${BATCH}/cronjobs`, cronjob());
    expect(created.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    await settle(s.id);
    expect((await get(`${BATCH}/jobs`)).items).toHaveLength(0);
    expect(await cells(`${BATCH}/cronjobs/hello`)).toEqual(['hello', '*/1 * * * *', '<none>', 'False', 0, '<none>', '0s', 'main', 'busybox', '<none>']);

    await tick(60);
    const cj = await get(`${BATCH}/cronjobs/hello`);
    const scheduled = Date.parse(cj.status.lastScheduleTime);
    const name = `hello-${scheduled / 60_000}`;
    const job = await get(`${BATCH}/jobs/${name}`);
    expect(job.metadata.annotations).toEqual({ 'batch.kubernetes.io/cronjob-scheduled-timestamp': cj.status.lastScheduleTime });
    expect(job.metadata.ownerReferences[0]).toMatchObject({ kind: 'CronJob', name: 'hello', controller: true });
    expect(cj.status.active).toEqual([{ kind: 'Job', namespace: 'default', name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: expect.any(String) }]);
    expect((await cells(`${BATCH}/cronjobs/hello`))[4]).toBe(1);

    for (let i = 0; i < 4; i++) await tick();
    const after = await get(`${BATCH}/cronjobs/hello`);
    expect(after.status.active).toBeUndefined();
    expect(after.status.lastSuccessfulTime).toBeDefined();
    expect(await events('hello')).toEqual([`Normal SuccessfulCreate Created job ${name}`, `Normal SawCompletedJob Saw completed job: ${name}, condition: Complete`]);

    // Five more minutes: one job per minute, three finished ones kept.
    for (let i = 0; i < 5; i++) {
      await tick(48);
      for (let j = 0; j < 4; j++) await tick();
    }
    const jobs = (await get(`${BATCH}/jobs`)).items;
    expect(jobs).toHaveLength(3);
    expect((await events('hello')).filter((e) => e.startsWith('Normal SuccessfulDelete Deleted job hello-'))).toHaveLength(3);
  });

  it('does not start a job while one runs with concurrencyPolicy Forbid', async () => {
    const slow = cronjob({ concurrencyPolicy: 'Forbid' });
    (slow.spec.jobTemplate.spec.template.spec.containers[0] as any).command = ['sleep', '600'];
    await post(`${BATCH}/cronjobs`, slow);
    await settle(s.id);
    await tick(60);
    await tick(60);
    expect((await get(`${BATCH}/jobs`)).items).toHaveLength(1);
    expect(await events('hello')).toContain('Normal JobAlreadyActive Not starting job because prior execution is running and concurrency policy is Forbid');
  });

  it('refuses an unparseable schedule', async () => {
    const r = await k(`${BATCH}/cronjobs`, { method: 'POST', json: cronjob({ schedule: '* * * *' }) });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe('CronJob.batch "hello" is invalid: spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]');
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('is stored with a default CPU target and shown', async () => {
    const hpa = await post('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers', {
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 5 },
    });
    expect(hpa.spec).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }],
    });
    expect(hpa.status).toEqual({ currentMetrics: null, desiredReplicas: 0 });
    expect(await cells('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/web')).toEqual(['web', 'Deployment/web', 'cpu: <unknown>/80%', '1', 5, 0, '0s']);
  });
});

describe('discovery', () => {
  it('puts the new workloads in the `all` category with their short names', async () => {
    const apps = await get('/apis/apps/v1');
    const byName = (list: any, n: string) => list.resources.find((r: any) => r.name === n);
    expect(byName(apps, 'daemonsets')).toMatchObject({ shortNames: ['ds'], categories: ['all'], namespaced: true, kind: 'DaemonSet' });
    expect(byName(apps, 'statefulsets')).toMatchObject({ shortNames: ['sts'], categories: ['all'] });
    const batch = await get('/apis/batch/v1');
    expect(byName(batch, 'cronjobs')).toMatchObject({ shortNames: ['cj'], categories: ['all'] });
    expect(byName(batch, 'jobs')).toMatchObject({ categories: ['all'] });
    const core = await get('/api/v1');
    expect(byName(core, 'persistentvolumeclaims')).toMatchObject({ shortNames: ['pvc'] });
    expect(byName(core, 'persistentvolumes')).toMatchObject({ shortNames: ['pv'], namespaced: false });
    expect(byName(await get('/apis/storage.k8s.io/v1'), 'storageclasses')).toMatchObject({ shortNames: ['sc'], namespaced: false });
    expect(byName(await get('/apis/autoscaling/v2'), 'horizontalpodautoscalers')).toMatchObject({ shortNames: ['hpa'], categories: ['all'] });
  });
});
