// The workload controllers (ReplicationController, ReplicaSet, Deployment) on the real Worker and Durable
// Object, with the cluster clock paused. Pods run on the simulated scheduler and kubelets: `tick` steps the
// clock past an image pull and a container start (1.5 s by default), so pending pods become Ready.
import { describe, expect, it } from 'vitest';
import { clock, inCluster, jsonCalls, type Kube, settle, type Signup, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const NS = '/api/v1/namespaces/default';
const APPS = '/apis/apps/v1/namespaces/default';

const { get, post, patch } = jsonCalls(() => k);

/** The pods a selector picks, terminating ones left out. */
const podsWith = async (selector: string) => live((await get(`${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).items);

async function events(name: string): Promise<string[]> {
  const list = await get(`${NS}/events?fieldSelector=involvedObject.name=${name}`);
  return list.items
    .sort((a: any, b: any) => (a.metadata.resourceVersion - b.metadata.resourceVersion))
    .map((e: any) => `${e.type} ${e.reason} ${e.message}`);
}

/** Steps the cluster clock and runs the control plane: pods created before become Ready. */
async function tick(seconds = 3) {
  await clock(s, { action: 'advance', seconds });
  await settle(s.id);
}

const isReady = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
const live = (pods: any[]) => pods.filter((p) => !p.metadata.deletionTimestamp);

const rc = (replicas: number) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { app: 'web' },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } },
  },
});

describe('ReplicationController', () => {
  it('creates its pods with owner references and events, and reports status', async () => {
    const created = await post(`${NS}/replicationcontrollers`, rc(3));
    await settle(s.id);
    const pods = await podsWith('app=web');
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.generateName).toBe('web-');
      expect(p.metadata.ownerReferences).toEqual([
        { apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: created.metadata.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(p.spec.containers[0].image).toBe('nginx');
    }
    expect((await events('web')).sort()).toEqual(pods.map((p) => `Normal SuccessfulCreate Created pod: ${p.metadata.name}`).sort());
    const ev = (await get(`${NS}/events?fieldSelector=involvedObject.name=web`)).items[0];
    expect(ev.source).toEqual({ component: 'replication-controller' });
    expect(ev.involvedObject).toMatchObject({ kind: 'ReplicationController', name: 'web', uid: created.metadata.uid });
    const live = await get(`${NS}/replicationcontrollers/web`);
    expect(live.status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, observedGeneration: 1 });

    await tick();
    expect((await get(`${NS}/replicationcontrollers/web`)).status).toEqual({
      replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1,
    });
  });

  it('deletes surplus pods when scaled down, not-ready ones first', async () => {
    await post(`${NS}/replicationcontrollers`, rc(1));
    await settle(s.id);
    await tick();
    const [first] = await podsWith('app=web');
    expect(isReady(first)).toBe(true);
    await patch(`${NS}/replicationcontrollers/web/scale`, { spec: { replicas: 3 } });
    await settle(s.id);
    expect(await podsWith('app=web')).toHaveLength(3);
    await patch(`${NS}/replicationcontrollers/web/scale`, { spec: { replicas: 1 } });
    await settle(s.id);
    const left = await podsWith('app=web');
    expect(left.map((p) => p.metadata.name)).toEqual([first.metadata.name]);
    const deleted = (await events('web')).filter((e) => e.includes('SuccessfulDelete'));
    expect(deleted).toHaveLength(2);
    expect(deleted.every((e) => /^Normal SuccessfulDelete Deleted pod: web-\w{5}$/.test(e))).toBe(true);
    expect((await get(`${NS}/replicationcontrollers/web`)).status).toMatchObject({ replicas: 1, readyReplicas: 1, observedGeneration: 3 });
  });

  it('replaces a deleted pod', async () => {
    await post(`${NS}/replicationcontrollers`, rc(2));
    await settle(s.id);
    const [victim] = await podsWith('app=web');
    expect((await k(`${NS}/pods/${victim.metadata.name}`, { method: 'DELETE' })).status).toBe(200);
    await settle(s.id);
    const pods = await podsWith('app=web');
    expect(pods).toHaveLength(2);
    expect(pods.map((p) => p.metadata.name)).not.toContain(victim.metadata.name);
  });

  it('adopts a matching orphan and releases a pod that stops matching', async () => {
    const orphan = await post(`${NS}/pods`, { metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    const owner = await post(`${NS}/replicationcontrollers`, rc(2));
    await settle(s.id);
    const adopted = await get(`${NS}/pods/stray`);
    expect(adopted.metadata.uid).toBe(orphan.metadata.uid);
    expect(adopted.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: owner.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(await podsWith('app=web')).toHaveLength(2);
    expect((await events('web')).filter((e) => e.includes('SuccessfulCreate'))).toHaveLength(1);

    await patch(`${NS}/pods/stray`, { metadata: { labels: { app: 'other' } } });
    await settle(s.id);
    expect((await get(`${NS}/pods/stray`)).metadata.ownerReferences).toBeUndefined();
    expect(await podsWith('app=web')).toHaveLength(2);
  });
});

describe('ReplicaSet', () => {
  it('reports status with terminatingReplicas, as replicaset-controller', async () => {
    const rs = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'front' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'front' } },
        template: { metadata: { labels: { app: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    };
    await post(`${APPS}/replicasets`, rs);
    await settle(s.id);
    const live = await get(`${APPS}/replicasets/front`);
    expect(live.status).toEqual({ replicas: 2, fullyLabeledReplicas: 2, terminatingReplicas: 0, observedGeneration: 1 });
    const ev = (await get(`${NS}/events?fieldSelector=involvedObject.name=front`)).items[0];
    expect(ev.source).toEqual({ component: 'replicaset-controller' });
  });

  it('reports failed creates as ReplicaFailure and retries them with back-off', async () => {
    // Room for one pod and its event: the second pod hits the sandbox's object limit.
    await inCluster(s.id, (instance) => void (instance.config.maxObjects = instance.store.objectCount + 3));
    await post(`${APPS}/replicasets`, {
      metadata: { name: 'front' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'front' } },
        template: { metadata: { labels: { app: 'front' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    await settle(s.id);
    expect(await podsWith('app=front')).toHaveLength(1);
    const failed = (await get(`${APPS}/replicasets/front`)).status;
    expect(failed.replicas).toBe(1);
    expect(failed.conditions).toHaveLength(1);
    expect(failed.conditions[0]).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    expect(failed.conditions[0].message).toMatch(/^pods "front-\w{5}" is forbidden: exceeded the sandbox object limit/);

    await inCluster(s.id, (instance) => void (instance.config.maxObjects = 10000));
    await clock(s, { action: 'advance', seconds: 1 });
    await settle(s.id);
    expect(await podsWith('app=front')).toHaveLength(3);
    expect((await get(`${APPS}/replicasets/front`)).status.conditions).toBeUndefined();
  });

  it('counts pods available minReadySeconds after they became Ready', async () => {
    await post(`${APPS}/replicasets`, {
      metadata: { name: 'slow' },
      spec: {
        replicas: 1,
        minReadySeconds: 10,
        selector: { matchLabels: { app: 'slow' } },
        template: { metadata: { labels: { app: 'slow' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
      },
    });
    await settle(s.id);
    await tick();
    expect((await get(`${APPS}/replicasets/slow`)).status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    expect((await get(`${APPS}/replicasets/slow`)).status.availableReplicas).toBeUndefined();
    await clock(s, { action: 'advance', seconds: 11 });
    await settle(s.id);
    expect((await get(`${APPS}/replicasets/slow`)).status).toMatchObject({ replicas: 1, readyReplicas: 1, availableReplicas: 1 });
  });
});

const deployment = (image: string, replicas = 3) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image }] } },
  },
});

const replicaSets = async () => ((await get(`${APPS}/replicasets`)).items as any[]).sort((a, b) => a.metadata.annotations['deployment.kubernetes.io/revision'] - b.metadata.annotations['deployment.kubernetes.io/revision']);
const sizes = async () => (await replicaSets()).map((rs) => [rs.metadata.annotations['deployment.kubernetes.io/revision'], rs.spec.replicas]);
const condition = (d: any, type: string) => d.status.conditions.find((c: any) => c.type === type);

describe('Deployment', () => {
  it('creates revision 1: a ReplicaSet named by its pod-template-hash', async () => {
    const d = await post(`${APPS}/deployments`, deployment('nginx:1.25'));
    await settle(s.id);
    const [rs] = await replicaSets();
    const hash = rs.metadata.labels['pod-template-hash'];
    expect(hash).toMatch(/^[4-9bcdf]{9,10}$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.annotations).toEqual({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    expect(rs.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(rs.spec.selector).toEqual({ matchLabels: { app: 'web', 'pod-template-hash': hash } });
    expect(rs.spec.template.metadata.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    const pods = await podsWith('app=web');
    expect(pods).toHaveLength(3);
    expect(pods.every((p) => p.metadata.name.startsWith(`web-${hash}-`) && p.metadata.labels['pod-template-hash'] === hash)).toBe(true);

    const live = await get(`${APPS}/deployments/web`);
    expect(live.metadata.annotations['deployment.kubernetes.io/revision']).toBe('1');
    expect(live.metadata.generation).toBe(1);
    expect(live.status).toMatchObject({ observedGeneration: 1, replicas: 3, updatedReplicas: 3, unavailableReplicas: 3, terminatingReplicas: 0 });
    // NewReplicaSetCreated first, then ReplicaSetUpdated once the pods exist (progress), re-added last.
    expect(live.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'],
      ['Progressing', 'True', 'ReplicaSetUpdated', `ReplicaSet "web-${hash}" is progressing.`],
    ]);
    expect(await events('web')).toEqual([`Normal ScalingReplicaSet Scaled up replica set web-${hash} from 0 to 3`]);

    await tick();
    const done = await get(`${APPS}/deployments/web`);
    expect(done.status).toMatchObject({ replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(done.status.unavailableReplicas).toBeUndefined();
    expect(done.status.conditions.map((c: any) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'],
      ['Progressing', 'True', 'NewReplicaSetAvailable', `ReplicaSet "web-${hash}" has successfully progressed.`],
    ]);
  });

  it('rolls out a new image as revision 2 within maxSurge and maxUnavailable', async () => {
    await post(`${APPS}/deployments`, deployment('nginx:1.25'));
    await settle(s.id);
    await tick();
    const [old] = await replicaSets();

    await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    await settle(s.id);
    // replicas 3 with 25%/25%: surge 1, unavailable 0: one new pod first, nothing old goes yet.
    expect(await sizes()).toEqual([['1', 3], ['2', 1]]);
    const rs2 = (await replicaSets())[1];
    expect(rs2.metadata.name).not.toBe(old.metadata.name);
    expect(rs2.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    expect((await get(`${APPS}/deployments/web`)).metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    const progressing = condition(await get(`${APPS}/deployments/web`), 'Progressing');
    expect([progressing.reason, progressing.message]).toEqual(['ReplicaSetUpdated', `ReplicaSet "${rs2.metadata.name}" is progressing.`]);

    // A new pod is Ready 1.5 s after it is created (image pull 1 s, start 0.5 s): one rollout step each.
    await tick(1.5);
    expect(await sizes()).toEqual([['1', 2], ['2', 2]]);
    await tick(1.5);
    expect(await sizes()).toEqual([['1', 1], ['2', 3]]);
    await tick(1.5);
    expect(await sizes()).toEqual([['1', 0], ['2', 3]]);

    const scaling = (await events('web')).filter((e) => e.includes('ScalingReplicaSet')).map((e) => e.replace('Normal ScalingReplicaSet ', ''));
    const [o, n] = [old.metadata.name, rs2.metadata.name];
    expect(scaling).toEqual([
      `Scaled up replica set ${o} from 0 to 3`,
      `Scaled up replica set ${n} from 0 to 1`,
      `Scaled down replica set ${o} from 3 to 2`,
      `Scaled up replica set ${n} from 1 to 2`,
      `Scaled down replica set ${o} from 2 to 1`,
      `Scaled up replica set ${n} from 2 to 3`,
      `Scaled down replica set ${o} from 1 to 0`,
    ]);
    const done = await get(`${APPS}/deployments/web`);
    expect(done.status).toMatchObject({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(condition(done, 'Progressing').reason).toBe('NewReplicaSetAvailable');
    expect((await podsWith('app=web')).every((p) => p.spec.containers[0].image === 'nginx:1.26')).toBe(true);
  });

  it('goes back to revision 1 on undo, which becomes revision 3', async () => {
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 1));
    await settle(s.id);
    await tick();
    await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    await settle(s.id);
    await tick();
    const [rs1] = await replicaSets();
    // What `kubectl rollout undo` sends: the old template without its hash label.
    const template = structuredClone(rs1.spec.template);
    delete template.metadata.labels['pod-template-hash'];
    const r = await k(`${APPS}/deployments/web`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      json: [{ op: 'replace', path: '/spec/template', value: template }],
    });
    expect(r.status).toBe(200);
    await settle(s.id);
    await tick();
    const rss = await replicaSets();
    expect(rss.map((rs) => [rs.metadata.name, rs.metadata.annotations['deployment.kubernetes.io/revision'], rs.spec.replicas])).toEqual([
      [rss[0].metadata.name, '2', 0],
      [rs1.metadata.name, '3', 1],
    ]);
    expect(rss[1].metadata.annotations['deployment.kubernetes.io/revision-history']).toBe('1');
    expect((await get(`${APPS}/deployments/web`)).metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('recreates: old pods go before new ones come', async () => {
    const d = deployment('nginx:1.25', 2);
    (d.spec as any).strategy = { type: 'Recreate' };
    // Containers take 5 s to stop, so the old pods stay Terminating for a while.
    (d.spec.template.metadata as any).annotations = { 'sim.kube-sandbox.dev/stop-seconds': '5' };
    await post(`${APPS}/deployments`, d);
    await settle(s.id);
    await tick();
    await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    await settle(s.id);
    // The old pods are terminating: no new ReplicaSet until they are gone.
    expect(await sizes()).toEqual([['1', 0]]);
    await tick(6);
    expect(await sizes()).toEqual([['1', 0], ['2', 2]]);
    await tick();
    const pods = await podsWith('app=web');
    expect(pods.map((p) => [p.spec.containers[0].image, isReady(p)])).toEqual([['nginx:1.26', true], ['nginx:1.26', true]]);
  });

  it('keeps revisionHistoryLimit old ReplicaSets', async () => {
    const d = deployment('nginx:1.0', 1);
    (d.spec as any).revisionHistoryLimit = 1;
    await post(`${APPS}/deployments`, d);
    await settle(s.id);
    for (const tag of ['1.1', '1.2', '1.3']) {
      await tick();
      await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: `nginx:${tag}` }] } } } });
      await settle(s.id);
    }
    await tick();
    expect(await sizes()).toEqual([['3', 0], ['4', 1]]);
  });

  it('does not roll out while paused, but scales', async () => {
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 2));
    await settle(s.id);
    await tick();
    await patch(`${APPS}/deployments/web`, { spec: { paused: true } });
    await settle(s.id);
    const paused = condition(await get(`${APPS}/deployments/web`), 'Progressing');
    expect([paused.status, paused.reason, paused.message]).toEqual(['Unknown', 'DeploymentPaused', 'Deployment is paused']);
    await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    await settle(s.id);
    expect(await sizes()).toEqual([['1', 2]]);
    await patch(`${APPS}/deployments/web/scale`, { spec: { replicas: 4 } });
    await settle(s.id);
    expect(await sizes()).toEqual([['1', 4]]);
    await tick();
    await patch(`${APPS}/deployments/web`, { spec: { paused: false } });
    await settle(s.id);
    expect(condition(await get(`${APPS}/deployments/web`), 'Progressing').reason).toBe('ReplicaSetUpdated');
    // 4 replicas: surge 1, unavailable 1.
    expect(await sizes()).toEqual([['1', 3], ['2', 2]]);
  });

  it('scales a rollout in progress proportionally', async () => {
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 3));
    await settle(s.id);
    await tick();
    await patch(`${APPS}/deployments/web`, { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } } });
    await settle(s.id);
    expect(await sizes()).toEqual([['1', 3], ['2', 1]]);
    const [o, n] = (await replicaSets()).map((rs) => rs.metadata.name);
    await patch(`${APPS}/deployments/web/scale`, { spec: { replicas: 6 } });
    await settle(s.id);
    // 6 replicas + surge 2 = 8, shared 3:1 as before; then the rollout goes on with the unready old pods first.
    const scaling = (await events('web')).filter((e) => e.includes('ScalingReplicaSet')).map((e) => e.replace('Normal ScalingReplicaSet ', ''));
    expect(scaling.slice(2)).toEqual([
      `Scaled up replica set ${o} from 3 to 6`,
      `Scaled up replica set ${n} from 1 to 2`,
      `Scaled down replica set ${o} from 6 to 5`,
      `Scaled up replica set ${n} from 2 to 3`,
    ]);
    const [rs1, rs2] = await replicaSets();
    expect([rs1.metadata.annotations['deployment.kubernetes.io/desired-replicas'], rs1.metadata.annotations['deployment.kubernetes.io/max-replicas']]).toEqual(['6', '8']);
    expect(rs2.spec.replicas).toBe(3);
  });

  it('resolves a ReplicaSet name collision with status.collisionCount', async () => {
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 1));
    await settle(s.id);
    const [taken] = await replicaSets();
    // Orphan the ReplicaSet, move it out of the selector's reach, and create the same deployment again.
    const del = await k(`${APPS}/deployments/web`, { method: 'DELETE', json: { propagationPolicy: 'Orphan' } });
    expect(del.status).toBe(200);
    await settle(s.id);
    await patch(`${APPS}/replicasets/${taken.metadata.name}`, { metadata: { labels: { app: 'parked' } } });
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 1));
    await settle(s.id);
    const live = await get(`${APPS}/deployments/web`);
    expect(live.status.collisionCount).toBe(1);
    const ours = (await replicaSets()).filter((rs) => rs.metadata.ownerReferences?.[0]?.uid === live.metadata.uid);
    expect(ours).toHaveLength(1);
    expect(ours[0].metadata.name).not.toBe(taken.metadata.name);
    expect(ours[0].metadata.name).toBe(`web-${ours[0].metadata.labels['pod-template-hash']}`);
  });

  it('reports a ReplicaSet it cannot create in Progressing, and retries', async () => {
    await inCluster(s.id, (instance) => void (instance.config.maxObjects = instance.store.objectCount + 1));
    await post(`${APPS}/deployments`, deployment('nginx:1.25', 1));
    await settle(s.id);
    const failed = condition(await get(`${APPS}/deployments/web`), 'Progressing');
    expect([failed.status, failed.reason]).toEqual(['False', 'ReplicaSetCreateError']);
    expect(failed.message).toMatch(/^Failed to create new replica set "web-(\w+)": replicasets\.apps "web-\1" is forbidden: exceeded the sandbox object limit/);
    expect(await replicaSets()).toHaveLength(0);

    await inCluster(s.id, (instance) => void (instance.config.maxObjects = 10000));
    await clock(s, { action: 'advance', seconds: 1 });
    await settle(s.id);
    expect(await sizes()).toEqual([['1', 1]]);
    expect(condition(await get(`${APPS}/deployments/web`), 'Progressing').status).toBe('True');
  });

  it('reports ProgressDeadlineExceeded when pods never become available', async () => {
    const d = deployment('nginx:1.25', 1);
    (d.spec as any).progressDeadlineSeconds = 60;
    // The simulated kubelet never reports this container ready.
    (d.spec.template.metadata as any).annotations = { 'sim.kube-sandbox.dev/ready': 'false' };
    await post(`${APPS}/deployments`, d);
    await settle(s.id);
    await clock(s, { action: 'advance', seconds: 62 });
    await settle(s.id);
    const live = await get(`${APPS}/deployments/web`);
    const rs = (await replicaSets())[0];
    const c = condition(live, 'Progressing');
    expect([c.status, c.reason, c.message]).toEqual(['False', 'ProgressDeadlineExceeded', `ReplicaSet "${rs.metadata.name}" has timed out progressing.`]);
  });
});
