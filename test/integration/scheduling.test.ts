// Scheduler, simulated kubelets and node lifecycle, through the real Worker and Durable Object with a
// paused clock: create, settle, assert; advance the clock for timed work.
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ORIGIN, client, clock, settle, signup, type Kube, type Signup } from './helpers';

async function setup() {
  const s = await signup();
  await clock(s, { action: 'pause' });
  await settle(s.id);
  return { s, k: client(s) };
}

/** Advances the paused clock and runs the control plane until quiet. */
async function advance(s: Signup, seconds: number) {
  await clock(s, { action: 'advance', seconds });
  await settle(s.id);
}

const podBody = (name: string, extra: Record<string, any> = {}, container: Record<string, any> = {}) => ({
  metadata: { name, ...extra.metadata },
  spec: { containers: [{ name: 'app', image: 'nginx', ...container }], ...extra.spec },
});

async function create(k: Kube, body: any, path = '/api/v1/namespaces/default/pods') {
  const r = await k(path, { method: 'POST', json: body });
  expect(r.status, await r.clone().text()).toBe(201);
  return r.json<any>();
}

const getPod = async (k: Kube, name: string) => {
  const r = await k(`/api/v1/namespaces/default/pods/${name}`);
  return r.status === 200 ? r.json<any>() : undefined;
};
const getNode = async (k: Kube, name: string) => (await k(`/api/v1/nodes/${name}`)).json<any>();
const cond = (o: any, type: string) => (o.status?.conditions ?? []).find((c: any) => c.type === type);

/** core/v1 events recorded about an object (oldest first) by the kubelet and controllers. */
async function eventsFor(k: Kube, name: string, ns = 'default') {
  const list = await (await k(`/api/v1/namespaces/${ns}/events`)).json<any>();
  return list.items.filter((e: any) => e.involvedObject?.name === name && e.source?.component);
}
/** The scheduler's events (events.k8s.io style, seen through the core API: note = message). */
async function schedulerEvents(k: Kube, name: string) {
  const list = await (await k('/api/v1/namespaces/default/events')).json<any>();
  return list.items
    .filter((e: any) => e.involvedObject?.name === name && e.reportingComponent === 'default-scheduler')
    .map((e: any) => ({ ...e, note: e.message, reportingController: e.reportingComponent }));
}

function sandbox(s: Signup, method: string, path: string) {
  return SELF.fetch(`${ORIGIN}/v1/clusters/${s.id}${path}`, { method, headers: { authorization: `Bearer ${s.token}` } });
}

describe('scheduling and the pod lifecycle', () => {
  it('schedules a pod, starts it and makes it Ready with an address from its node', async () => {
    const { s, k } = await setup();
    await create(k, podBody('web'));
    await settle(s.id);
    let pod = await getPod(k, 'web');
    expect(pod.spec.nodeName).toMatch(/^node-[123]$/);
    expect(cond(pod, 'PodScheduled')).toMatchObject({ status: 'True' });
    expect(pod.status.phase).toBe('Pending');
    expect(pod.status.containerStatuses[0].state.waiting.reason).toBe('ContainerCreating');

    await advance(s, 2);
    pod = await getPod(k, 'web');
    const node = await getNode(k, pod.spec.nodeName);
    const prefix = node.spec.podCIDR.replace(/0\/24$/, '');
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.podIP.startsWith(prefix)).toBe(true);
    expect(pod.status.podIPs).toEqual([{ ip: pod.status.podIP }]);
    expect(pod.status.hostIP).toBe(node.status.addresses.find((a: any) => a.type === 'InternalIP').address);
    expect(cond(pod, 'Ready')).toMatchObject({ status: 'True' });
    expect(pod.status.conditions.map((c: any) => c.type)).toEqual(['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled']);
    const cs = pod.status.containerStatuses[0];
    expect(cs).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:latest' });
    expect(cs.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);

    const scheduled = await schedulerEvents(k, 'web');
    expect(scheduled.map((e: any) => [e.reason, e.note, e.reportingController])).toEqual([
      ['Scheduled', `Successfully assigned default/web to ${pod.spec.nodeName}`, 'default-scheduler'],
    ]);
    const kubelet = await eventsFor(k, 'web');
    expect(kubelet.map((e: any) => [e.reason, e.involvedObject.fieldPath, e.source.component])).toEqual([
      ['Pulling', 'spec.containers{app}', 'kubelet'],
      ['Pulled', 'spec.containers{app}', 'kubelet'],
      ['Created', 'spec.containers{app}', 'kubelet'],
      ['Started', 'spec.containers{app}', 'kubelet'],
    ]);
    expect(kubelet[0].message).toBe('Pulling image "nginx"');
    expect(kubelet[1].message).toMatch(/^Successfully pulled image "nginx" in 1s \(1s including waiting\)\. Image size: \d+ bytes\.$/);
    expect(kubelet[2].message).toBe('Container created');
    expect(kubelet[3].message).toBe('Container started');
    expect(kubelet[3].source.host).toBe(pod.spec.nodeName);
  });

  it('keeps an oversized pod Pending with the exact FailedScheduling message, then schedules it on a new bigger node', async () => {
    const { s, k } = await setup();
    const requests = (cpu: string) => ({ resources: { requests: { cpu } } });
    for (const n of ['fill-1', 'fill-2', 'fill-3']) await create(k, podBody(n, {}, requests('3')));
    await settle(s.id);
    const placed = await Promise.all(['fill-1', 'fill-2', 'fill-3'].map(async (n) => (await getPod(k, n)).spec.nodeName));
    expect(new Set(placed).size).toBe(3); // LeastAllocated spreads them

    await create(k, podBody('big', {}, requests('2')));
    await settle(s.id);
    const message =
      '0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.';
    let big = await getPod(k, 'big');
    expect(big.spec.nodeName).toBeUndefined();
    expect(cond(big, 'PodScheduled')).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
    const failed = await schedulerEvents(k, 'big');
    expect(failed.map((e: any) => [e.type, e.reason, e.action, e.note])).toEqual([['Warning', 'FailedScheduling', 'Scheduling', message]]);

    const why = await (await sandbox(s, 'GET', '/explain/pods/default/big')).json<any>();
    expect(why.result).toEqual({ unschedulable: message });
    expect(why.nodes.map((n: any) => [n.node, n.plugin, n.reasons])).toEqual([
      ['node-1', 'NodeResourcesFit', ['Insufficient cpu']],
      ['node-2', 'NodeResourcesFit', ['Insufficient cpu']],
      ['node-3', 'NodeResourcesFit', ['Insufficient cpu']],
    ]);

    await create(k, { metadata: { name: 'node-4' }, status: { capacity: { cpu: '8', memory: '16Gi', pods: '110' } } }, '/api/v1/nodes');
    await settle(s.id);
    const node4 = await getNode(k, 'node-4');
    expect(node4.spec.podCIDR).toBe('10.244.4.0/24');
    expect(cond(node4, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(node4.metadata.labels['kubernetes.io/hostname']).toBe('node-4');
    expect(node4.metadata.annotations).toEqual({ 'node.alpha.kubernetes.io/ttl': '0', 'volumes.kubernetes.io/controller-managed-attach-detach': 'true' });
    // The capacity the Node brought, completed with what the kubelet's machine reports.
    const resources = { cpu: '8', 'ephemeral-storage': '102400Mi', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '16Gi', pods: '110' };
    expect(node4.status.capacity).toEqual(resources);
    expect(node4.status.allocatable).toEqual(resources);
    await advance(s, 2); // the scheduler's back-off after a failure
    big = await getPod(k, 'big');
    expect(big.spec.nodeName).toBe('node-4');
    expect(cond(big, 'PodScheduled')).toMatchObject({ status: 'True' });
    expect(cond(big, 'PodScheduled').reason).toBeUndefined();
    expect(big.status.podIP.startsWith('10.244.4.')).toBe(true);
    const why4 = await (await sandbox(s, 'GET', '/explain/pods/default/big')).json<any>();
    expect(why4.result).toEqual({ node: 'node-4' });
  });

  it('fails a node: NotReady after the grace period, unreachable taints, its pods evicted; recovery finishes them', async () => {
    const { s, k } = await setup();
    await create(k, podBody('victim', { spec: { nodeName: 'node-2' } }));
    const tolerant = { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 }] };
    await create(k, podBody('patient', { spec: { nodeName: 'node-2', ...tolerant } }));
    await settle(s.id);
    await advance(s, 2);
    expect((await getPod(k, 'victim')).status.phase).toBe('Running');

    const failed = await sandbox(s, 'POST', '/nodes/node-2/fail');
    expect(failed.status).toBe(200);
    expect((await sandbox(s, 'POST', '/nodes/nope/fail')).status).toBe(404);
    await advance(s, 40);
    expect(cond(await getNode(k, 'node-2'), 'Ready').status).toBe('True');
    await advance(s, 20);
    const node = await getNode(k, 'node-2');
    expect(cond(node, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(cond(node, 'MemoryPressure')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect(node.spec.taints.map((t: any) => `${t.key}:${t.effect}`).sort()).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    const nodeEvents = await eventsFor(k, 'node-2');
    expect(nodeEvents.map((e: any) => [e.reason, e.message, e.source.component])).toContainEqual(['NodeNotReady', 'Node node-2 status is now: NodeNotReady', 'node-controller']);

    // DefaultTolerationSeconds gave the victim 300 s of tolerating an unreachable node.
    expect((await getPod(k, 'victim')).metadata.deletionTimestamp).toBeUndefined();
    await advance(s, 300);
    const victim = await getPod(k, 'victim');
    expect(victim.metadata.deletionTimestamp).toBeDefined();
    expect(cond(victim, 'Ready').status).toBe('False');
    expect(cond(victim, 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'DeletionByTaintManager' });
    const victimEvents = (await eventsFor(k, 'victim')).map((e: any) => [e.type, e.reason, e.message]);
    expect(victimEvents).toContainEqual(['Warning', 'NodeNotReady', 'Node is not ready']);
    expect(victimEvents).toContainEqual(['Normal', 'TaintManagerEviction', 'Marking for deletion Pod default/victim']);
    expect((await getPod(k, 'patient')).metadata.deletionTimestamp).toBeUndefined();

    await advance(s, 60); // the kubelet is gone: the victim stays Terminating
    expect((await getPod(k, 'victim')).metadata.deletionTimestamp).toBeDefined();

    expect((await sandbox(s, 'POST', '/nodes/node-2/recover')).status).toBe(200);
    await settle(s.id);
    expect(await getPod(k, 'victim')).toBeUndefined();
    const back = await getNode(k, 'node-2');
    expect(cond(back, 'Ready')).toMatchObject({ status: 'True', reason: 'KubeletReady' });
    expect(back.spec.taints).toBeUndefined();
    const patient = await getPod(k, 'patient');
    expect(cond(patient, 'Ready').status).toBe('True');
    expect((await eventsFor(k, 'patient')).map((e: any) => e.message)).toContain('Cancelling deletion of Pod default/patient');
  });

  it('lives through every due time of one long clock advance: a toleration expires on its own time', async () => {
    const { s, k } = await setup();
    const tolerant = { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] };
    await create(k, podBody('patient', { spec: { nodeName: 'node-2', ...tolerant } }));
    await advance(s, 2);
    expect((await sandbox(s, 'POST', '/nodes/node-2/fail')).status).toBe(200);
    // One request: NotReady after the grace period (~50 s), the taint, then 300 s of toleration.
    await advance(s, 400);
    const patient = await getPod(k, 'patient');
    expect(patient.metadata.deletionTimestamp).toBeDefined();
    expect((await eventsFor(k, 'patient')).map((e: any) => e.reason)).toContain('TaintManagerEviction');
  });

  it('reports ErrImagePull, then ImagePullBackOff, and retries with back-off', async () => {
    const { s, k } = await setup();
    await create(k, podBody('bad', {}, { image: 'nginx:broken' }));
    await settle(s.id);
    await advance(s, 1);
    let cs = (await getPod(k, 'bad')).status.containerStatuses[0];
    expect(cs.state.waiting.reason).toBe('ErrImagePull');
    const error = 'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:broken": failed to resolve reference "docker.io/library/nginx:broken": docker.io/library/nginx:broken: not found';
    expect(cs.state.waiting.message).toBe(error);
    await advance(s, 1);
    cs = (await getPod(k, 'bad')).status.containerStatuses[0];
    expect(cs.state.waiting).toEqual({ reason: 'ImagePullBackOff', message: `Back-off pulling image "nginx:broken": ErrImagePull: ${error}` });
    await advance(s, 10);
    cs = (await getPod(k, 'bad')).status.containerStatuses[0];
    expect(cs.state.waiting.reason).toBe('ErrImagePull');
    const events = await eventsFor(k, 'bad');
    const count = (message: string) => events.find((e: any) => e.message === message)?.count;
    expect(count('Pulling image "nginx:broken"')).toBe(2);
    expect(count(`Failed to pull image "nginx:broken": ${error}`)).toBe(2);
    expect(count('Error: ErrImagePull')).toBe(2);
    expect(count('Back-off pulling image "nginx:broken"')).toBe(1);
    expect(count('Error: ImagePullBackOff')).toBe(1);
    expect((await getPod(k, 'bad')).status.phase).toBe('Pending');
  });

  it('crash-loops a container told to crash, with the real back-off sequence', async () => {
    const { s, k } = await setup();
    const annotations = { 'sim.kube-sandbox.dev/crash': 'true' };
    const created = await create(k, podBody('crash', { metadata: { annotations } }, { image: 'busybox:1.36' }));
    await settle(s.id);
    // Admitted at t; pulled and started at t+1.5; exits at t+2.5 and restarts at once (t+3); exits at t+4;
    // CrashLoopBackOff from t+5 until t+14.5 (10s from the exit, plus the start); exits at t+15.5; 20s next.
    await advance(s, 2);
    let pod = await getPod(k, 'crash');
    expect(pod.status.containerStatuses[0].state.running).toBeDefined();
    await advance(s, 1.2);
    pod = await getPod(k, 'crash');
    expect(pod.status.containerStatuses[0]).toMatchObject({ restartCount: 1, state: { running: {} }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } });
    await advance(s, 2.3);
    pod = await getPod(k, 'crash');
    let cs = pod.status.containerStatuses[0];
    const podRef = `crash_default(${created.metadata.uid})`;
    expect(cs.state.waiting).toEqual({ reason: 'CrashLoopBackOff', message: `back-off 10s restarting failed container=app pod=${podRef}` });
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(cs.restartCount).toBe(1);
    expect(pod.status.phase).toBe('Running');
    expect(cond(pod, 'Ready').status).toBe('False');
    await advance(s, 8.5);
    expect((await getPod(k, 'crash')).status.containerStatuses[0].state.waiting.reason).toBe('CrashLoopBackOff');
    await advance(s, 1);
    cs = (await getPod(k, 'crash')).status.containerStatuses[0];
    expect(cs).toMatchObject({ restartCount: 2, state: { running: {} } });
    await advance(s, 2);
    cs = (await getPod(k, 'crash')).status.containerStatuses[0];
    expect(cs.state.waiting.message).toBe(`back-off 20s restarting failed container=app pod=${podRef}`);
    const events = await eventsFor(k, 'crash');
    const backOff = events.find((e: any) => e.reason === 'BackOff');
    expect(backOff).toMatchObject({ type: 'Warning', message: `Back-off restarting failed container app in pod ${podRef}`, count: 2 });
    expect(events.find((e: any) => e.reason === 'Started').count).toBe(3);
    expect(events.find((e: any) => e.message.includes('already present'))?.message).toBe(
      'Container image "busybox:1.36" already present on machine and can be accessed by the pod',
    );
  });

  it('finishes a graceful deletion, at once or after the container stops', async () => {
    const { s, k } = await setup();
    await create(k, podBody('quick'));
    await create(k, podBody('slow', { metadata: { annotations: { 'sim.kube-sandbox.dev/stop-seconds': '10' } } }));
    await settle(s.id);
    await advance(s, 2);
    for (const n of ['quick', 'slow']) expect((await k(`/api/v1/namespaces/default/pods/${n}`, { method: 'DELETE' })).status).toBe(200);
    await settle(s.id);
    expect(await getPod(k, 'quick')).toBeUndefined();
    const slow = await getPod(k, 'slow');
    expect(slow.metadata.deletionTimestamp).toBeDefined();
    expect((await eventsFor(k, 'slow')).map((e: any) => [e.reason, e.message])).toContainEqual(['Killing', 'Stopping container app']);
    await advance(s, 11);
    expect(await getPod(k, 'slow')).toBeUndefined();
  });

  it('runs Job-like pods to completion and init containers first', async () => {
    const { s, k } = await setup();
    await create(k, podBody('once', { spec: { restartPolicy: 'Never' } }, { image: 'busybox', command: ['sh', '-c', 'echo hi; sleep 3'] }));
    await create(k, podBody('init', { spec: { initContainers: [{ name: 'setup', image: 'busybox', command: ['true'] }] } }));
    await settle(s.id);
    let init = await getPod(k, 'init');
    expect(cond(init, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup]' });
    expect(init.status.containerStatuses[0].state.waiting.reason).toBe('PodInitializing');
    await advance(s, 10);
    const once = await getPod(k, 'once');
    expect(once.status.phase).toBe('Succeeded');
    expect(once.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cond(once, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(once, 'PodReadyToStartContainers').status).toBe('False');
    init = await getPod(k, 'init');
    expect(init.status.phase).toBe('Running');
    expect(init.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cond(init, 'Initialized').status).toBe('True');
  });

  it('rejects a pod bound straight to a node without room (kubelet admission)', async () => {
    const { s, k } = await setup();
    await create(k, podBody('huge', { spec: { nodeName: 'node-1' } }, { resources: { requests: { cpu: '5' } } }));
    await settle(s.id);
    const pod = await getPod(k, 'huge');
    expect(pod.status).toMatchObject({
      phase: 'Failed',
      reason: 'OutOfcpu',
      message: "Pod was rejected: Node didn't have enough resource: cpu, requested: 5000, used: 0, capacity: 4000",
    });
  });
});

describe('pods/binding and pods/eviction', () => {
  it('binds through the subresource and refuses a second binding', async () => {
    const { s, k } = await setup();
    await create(k, podBody('manual', { spec: { schedulerName: 'my-scheduler' } }));
    await settle(s.id);
    expect((await getPod(k, 'manual')).spec.nodeName).toBeUndefined();
    const bind = (node: string, name = 'manual') =>
      k('/api/v1/namespaces/default/pods/manual/binding', {
        method: 'POST',
        json: { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: node } },
      });
    const ok = await bind('node-3');
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 });
    const pod = await getPod(k, 'manual');
    expect(pod.spec.nodeName).toBe('node-3');
    expect(cond(pod, 'PodScheduled').status).toBe('True');
    const again = await bind('node-1');
    expect(again.status).toBe(409);
    expect((await again.json<any>()).message).toBe('Operation cannot be fulfilled on pods/binding "manual": pod manual is already assigned to node "node-3"');
    expect((await bind('node-1', 'other')).status).toBe(400);
  });

  it('evicts a pod gracefully and cordoned nodes get no new pods', async () => {
    const { s, k } = await setup();
    for (const n of ['node-1', 'node-2']) {
      const r = await k(`/api/v1/nodes/${n}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify({ spec: { unschedulable: true } }),
      });
      expect(r.status).toBe(200);
    }
    await settle(s.id);
    const cordoned = await getNode(k, 'node-1');
    expect(cordoned.spec.taints).toEqual([{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: expect.any(String) }]);
    for (const n of ['a', 'b']) await create(k, podBody(n));
    await settle(s.id);
    expect((await getPod(k, 'a')).spec.nodeName).toBe('node-3');
    expect((await getPod(k, 'b')).spec.nodeName).toBe('node-3');
    await advance(s, 2);

    const evict = await k('/api/v1/namespaces/default/pods/a/eviction', {
      method: 'POST',
      json: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'a', namespace: 'default' } },
    });
    expect(evict.status).toBe(201);
    expect(await evict.json()).toMatchObject({ kind: 'Status', status: 'Success' });
    await settle(s.id);
    expect(await getPod(k, 'a')).toBeUndefined();
    const missing = await k('/api/v1/namespaces/default/pods/zzz/eviction', { method: 'POST', json: { metadata: { name: 'zzz' } } });
    expect(missing.status).toBe(404);
  });

  it('keeps a Lease per node in kube-node-lease, renewed every 10 seconds', async () => {
    const { s, k } = await setup();
    const lease = await (await k('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1')).json<any>();
    expect(lease.spec).toMatchObject({ holderIdentity: 'node-1', leaseDurationSeconds: 40 });
    expect(lease.metadata.ownerReferences[0]).toMatchObject({ kind: 'Node', name: 'node-1' });
    await advance(s, 11);
    const renewed = await (await k('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node-1')).json<any>();
    expect(Date.parse(renewed.spec.renewTime) - Date.parse(lease.spec.renewTime)).toBeGreaterThanOrEqual(10_000);
  });
});
