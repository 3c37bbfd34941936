import { describe, expect, it } from 'vitest';
import { crashBackOff, pullBackOff, syncPod, type NodeEnv } from '../../src/controllers/pod-lifecycle';
import { DEFAULT_RULES, containerPlan, goDuration, normalizeImage, parseRules, sleepSeconds } from '../../src/controllers/simulation';
import type { KubeObject } from '../../src/resources/types';

const T0 = Date.parse('2025-06-01T12:00:00.000Z');

function env(): NodeEnv {
  let ip = 1;
  let id = 0;
  const images = new Map<string, number>();
  return {
    hostIP: '172.18.0.3',
    allocateIP: () => `10.244.1.${++ip}`,
    imagePresent: (image, at) => (images.get(image) ?? Infinity) <= at,
    imagePulled: (image, at) => void images.set(image, Math.min(at, images.get(image) ?? Infinity)),
    emitted: new Set(),
    times: new Map(),
    newContainerID: () => String(++id).padStart(64, '0'),
    admission: () => undefined,
  };
}

const pod = (spec: any = {}, meta: any = {}): KubeObject => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u1', generation: 1, creationTimestamp: '2025-06-01T12:00:00Z', ...meta },
  spec: { nodeName: 'node-1', restartPolicy: 'Always', containers: [{ name: 'app', image: 'nginx:1.27', imagePullPolicy: 'IfNotPresent' }], ...spec },
  status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-06-01T12:00:00Z' }] },
});

/** Runs the kubelet for a pod from T0 to `until` in one jump, like an advanced clock, and applies the results. */
function run(p: KubeObject, e: NodeEnv, seconds: number, rules = DEFAULT_RULES, start = T0) {
  const now = start + seconds * 1000;
  const r = syncPod(p, rules, e, start, undefined);
  let current = { ...p, status: r.status ?? p.status };
  const events = [...r.events];
  let since = r.syncedAt;
  for (let i = 0; i < 100; i++) {
    const next = syncPod(current, rules, e, now, since);
    if (next.status) current = { ...current, status: next.status };
    events.push(...next.events);
    since = next.syncedAt;
    if (next.remove) return { pod: current, events, removed: true };
    if (next.next === undefined || next.next > now) break;
  }
  return { pod: current, events, removed: false };
}

const at = (t: number) => (t - T0) / 1000;

describe('pod lifecycle', () => {
  it('admits, creates the sandbox, pulls, creates and starts, with the kubelet events in order', () => {
    const { pod: p, events } = run(pod(), env(), 5);
    expect(p.status.phase).toBe('Running');
    expect(p.status.podIP).toBe('10.244.1.2');
    expect(p.status.hostIPs).toEqual([{ ip: '172.18.0.3' }]);
    expect(p.status.conditions.map((c: any) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    expect(p.status.conditions[2]).toMatchObject({ observedGeneration: 1, lastProbeTime: null, lastTransitionTime: '2025-06-01T12:00:01Z' });
    expect(events.map((e) => [at(e.at), e.reason, e.message])).toEqual([
      [0, 'Pulling', 'Pulling image "nginx:1.27"'],
      [1.5, 'Pulled', 'Successfully pulled image "nginx:1.27" in 1s (1s including waiting). Image size: ' + containerPlan(pod(), pod().spec.containers[0], false, DEFAULT_RULES).sizeBytes + ' bytes.'],
      [1.5, 'Created', 'Container created'],
      [1.5, 'Started', 'Container started'],
    ]);
    expect(p.status.containerStatuses[0]).toMatchObject({
      name: 'app',
      ready: true,
      started: true,
      image: 'docker.io/library/nginx:1.27',
      state: { running: { startedAt: '2025-06-01T12:00:01Z' } },
      resources: {},
      user: { linux: { uid: 0, gid: 0, supplementalGroups: [0] } },
    });
  });

  it('crash-loops with restarts at once, then after 10s, 20s, 40s', () => {
    const crash = pod({}, { annotations: { 'sim.kube-sandbox.dev/crash': 'true' } });
    const { pod: p, events } = run(crash, env(), 80);
    const started = events.filter((e) => e.reason === 'Started').map((e) => at(e.at));
    // starts at 1.5; runs 1s; restart 0.5s after the first exit, then back-off + 0.5s after each exit
    expect(started).toEqual([1.5, 3, 14.5, 36, 77.5]);
    expect(events.filter((e) => e.reason === 'Pulled').slice(1).every((e) => e.message.includes('already present'))).toBe(true);
    const cs = p.status.containerStatuses[0];
    expect(cs.restartCount).toBe(4);
    expect(p.status.phase).toBe('Running');
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => goDuration(crashBackOff(n)))).toEqual(['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s']);
  });

  it('retries a failing pull after 10s, 20s, 40s with ErrImagePull and ImagePullBackOff', () => {
    const { pod: p, events } = run(pod({ containers: [{ name: 'app', image: 'nginx:broken', imagePullPolicy: 'IfNotPresent' }] }), env(), 80);
    const failures = events.filter((e) => e.message === 'Error: ErrImagePull').map((e) => at(e.at));
    expect(failures).toEqual([1, 12, 33, 74]);
    expect(events.filter((e) => e.message === 'Error: ImagePullBackOff').map((e) => at(e.at))).toEqual([2, 13, 34, 75]);
    expect(events.filter((e) => e.reason === 'Pulling').map((e) => at(e.at))).toEqual([0, 11, 32, 73]);
    expect(p.status.containerStatuses[0].state.waiting.reason).toBe('ImagePullBackOff');
    expect(p.status.phase).toBe('Pending');
    expect([0, 1, 2, 3, 4, 5].map((i) => pullBackOff(i) / 1000)).toEqual([10, 20, 40, 80, 160, 300]);
  });

  it('runs init containers first, then completes a Job-like pod', () => {
    const job = pod({
      restartPolicy: 'Never',
      initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sleep', '2'] }],
      containers: [{ name: 'work', image: 'busybox:1.36', command: ['sh', '-c', 'echo done'] }],
    });
    const { pod: p, events } = run(job, env(), 30);
    expect(p.status.phase).toBe('Succeeded');
    expect(p.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(p.status.conditions.find((c: any) => c.type === 'Initialized')).toMatchObject({ status: 'True', reason: 'PodCompleted' });
    expect(p.status.conditions.find((c: any) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    const fields = events.map((e) => `${e.reason}:${e.fieldPath}`);
    expect(fields.indexOf('Started:spec.initContainers{init}')).toBeLessThan(fields.indexOf('Started:spec.containers{work}'));
    // the second container's image was already there
    expect(events.filter((e) => e.reason === 'Pulled')[1].message).toBe('Container image "busybox:1.36" already present on machine and can be accessed by the pod');
  });

  it('stops containers and removes the pod on deletion', () => {
    const e = env();
    const { pod: running } = run(pod(), e, 5);
    const deleting = { ...running, metadata: { ...running.metadata, deletionTimestamp: '2025-06-01T12:00:40Z', deletionGracePeriodSeconds: 30 } };
    const r = syncPod(deleting, DEFAULT_RULES, e, T0 + 11_000, T0 + 5000);
    expect(r.remove).toBe(true);
    expect(r.events.map((x) => [x.reason, x.message])).toEqual([['Killing', 'Stopping container app']]);
    expect(r.status.phase).toBe('Succeeded');
    expect(r.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  });

  it('reports invalid image names and missing images with pull policy Never', () => {
    const { pod: bad, events } = run(pod({ containers: [{ name: 'app', image: 'NGINX' }] }), env(), 5);
    expect(bad.status.containerStatuses[0].state.waiting.reason).toBe('InvalidImageName');
    expect(events.map((e) => e.reason)).toEqual(['InspectFailed', 'Failed']);
    const { pod: never } = run(pod({ containers: [{ name: 'app', image: 'nginx:1.27', imagePullPolicy: 'Never' }] }), env(), 5);
    expect(never.status.containerStatuses[0].state.waiting).toEqual({
      reason: 'ErrImageNeverPull',
      message: 'Container image "nginx:1.27" is not present with pull policy of Never',
    });
  });

  it('keeps containers unready while the readiness probe has not passed', () => {
    const probe = { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5 };
    const { pod: early } = run(pod({ containers: [{ name: 'app', image: 'nginx:1.27', readinessProbe: probe }] }), env(), 4);
    expect(early.status.containerStatuses[0]).toMatchObject({ ready: false, started: true });
    expect(early.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    const { pod: later } = run(pod({ containers: [{ name: 'app', image: 'nginx:1.27', readinessProbe: probe }] }), env(), 8);
    expect(later.status.containerStatuses[0].ready).toBe(true);
  });
});

describe('simulation rules', () => {
  it('normalizes image references the way containerd reports them', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('nginx:1.27')).toBe('docker.io/library/nginx:1.27');
    expect(normalizeImage('bitnami/redis')).toBe('docker.io/bitnami/redis:latest');
    expect(normalizeImage('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImage('NGINX')).toBeUndefined();
  });

  it('formats durations as Go does', () => {
    expect([0, 845, 1000, 1500, 3512, 62_345, 300_000, 3_600_000].map(goDuration)).toEqual(['0s', '845ms', '1s', '1.5s', '3.512s', '1m2.345s', '5m0s', '1h0m0s']);
  });

  it('reads rules from YAML over the defaults and finds sleeps in commands', () => {
    const rules = parseRules('defaults:\n  pullSeconds: 3\nimages:\n  - match: "myreg/*"\n    pull: fail\ncontainers:\n  - image: "redis*"\n    exitAfterSeconds: 5\n    exitCode: 2\n');
    expect(rules.defaults.pullSeconds).toBe(3);
    expect(rules.images.map((r) => r.match)).toEqual(['myreg/*', '*:broken', '*:nope', '*:doesnotexist']);
    const p = pod();
    expect(containerPlan(p, { name: 'a', image: 'myreg/app' }, false, rules)).toMatchObject({ pullFails: true, pullMs: 3000 });
    expect(containerPlan(p, { name: 'a', image: 'redis:7' }, false, rules)).toMatchObject({ runMs: 5000, exitCode: 2 });
    expect(containerPlan(p, { name: 'a', image: 'nginx' }, false, rules).runMs).toBeUndefined();
    expect(sleepSeconds({ command: ['sh', '-c', 'sleep 3600'] })).toBe(3600);
    expect(sleepSeconds({ args: ['sleep', '2m'] })).toBe(120);
    expect(sleepSeconds({ command: ['sleep', 'infinity'] })).toBe(Infinity);
    expect(() => parseRules('- a list')).toThrow();
  });
});
