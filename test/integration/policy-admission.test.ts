// The admission chain over HTTP: LimitRanger defaults and limits, ResourceQuota refusals, charges and the
// quota controller, dry runs, and concurrent creates against one quota.
import { describe, expect, it } from 'vitest';
import { TABLE_ACCEPT, jsonCalls, settle, usePausedCluster, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signup, kube) => {
  s = signup;
  k = kube;
});
const { get, post } = jsonCalls(() => k);

const NS = '/api/v1/namespaces/default';
// No scheduler serves `manual`: these pods stay Pending, so only the API server acts on them.
const pod = (name: string, resources: any = {}) => ({
  metadata: { name },
  spec: { schedulerName: 'manual', containers: [{ name: 'nginx', image: 'nginx', resources }] },
});
const postPod = (body: unknown, query = '') => k(`${NS}/pods${query}`, { method: 'POST', json: body });

/** Creates a quota and lets the controller fill its status (until then admission ignores it, as upstream). */
async function quota(name: string, hard: Record<string, string>, spec: any = {}) {
  await post(`${NS}/resourcequotas`, { metadata: { name }, spec: { hard, ...spec } });
  await settle(s.id);
  const q = await get(`${NS}/resourcequotas/${name}`);
  expect(q.status.hard).toEqual(hard);
  return q;
}

async function expectForbidden(r: Response, name: string, message: string) {
  expect(r.status).toBe(403);
  expect(await r.json()).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: 'Forbidden',
    details: { name, kind: 'pods' },
    code: 403,
  });
}

describe('LimitRanger', () => {
  it('fills default requests and limits on create and records them in the annotation', async () => {
    await post(`${NS}/limitranges`, {
      metadata: { name: 'defaults' },
      spec: { limits: [{ type: 'Container', default: { cpu: '500m', memory: '256Mi' }, defaultRequest: { cpu: '250m', memory: '128Mi' } }] },
    });
    const created = await post(`${NS}/pods`, pod('web', { requests: { cpu: '100m' } }));
    expect(created.spec.containers[0].resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } });
    expect(created.metadata.annotations).toEqual({
      'kubernetes.io/limit-ranger': 'LimitRanger plugin set: memory request for container nginx; cpu, memory limit for container nginx',
    });
    expect(created.status.qosClass).toBe('Burstable');
    // A default limit below an explicit request fails ordinary pod validation afterwards.
    const r = await postPod(pod('greedy', { requests: { cpu: '2' } }));
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toContain('must be less than or equal to cpu limit of 500m');
  });

  it('refuses a container below the minimum with 403 and changes nothing', async () => {
    await post(`${NS}/limitranges`, { metadata: { name: 'floor' }, spec: { limits: [{ type: 'Container', min: { cpu: '100m' } }] } });
    await expectForbidden(
      await postPod(pod('small', { requests: { cpu: '50m' } })),
      'small',
      'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m',
    );
    expect((await k(`${NS}/pods/small`)).status).toBe(404);
    // LimitRange defaultRequest comes from min, so a pod without requests gets 100m and passes.
    const ok = await post(`${NS}/pods`, pod('defaulted'));
    expect(ok.spec.containers[0].resources.requests).toEqual({ cpu: '100m' });
  });
});

describe('ResourceQuota', () => {
  it('refuses the pod that exceeds the quota, and admission keeps status.used current', async () => {
    await quota('q1', { pods: '2' });
    await post(`${NS}/pods`, pod('a'));
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '1' });
    await post(`${NS}/pods`, pod('b'));
    await expectForbidden(await postPod(pod('q')), 'q', 'pods "q" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2');
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '2' });

    // The controller gives the room back after a delete.
    expect((await k(`${NS}/pods/a`, { method: 'DELETE' })).status).toBe(200);
    await settle(s.id);
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '1' });
    await post(`${NS}/pods`, pod('q'));

    const table = await (await k(`${NS}/resourcequotas`, { headers: { accept: TABLE_ACCEPT } })).json<any>();
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Request', 'Limit', 'Age']);
    expect(table.rows[0].cells.slice(0, 3)).toEqual(['q1', 'pods: 2/2', '']);
  });

  it('names the compute resources a pod must state (1.35 wording)', async () => {
    await quota('q1', { 'limits.cpu': '2' });
    await expectForbidden(await postPod(pod('x')), 'x', 'pods "x" is forbidden: failed quota: q1: must specify limits.cpu for: nginx');
    await post(`${NS}/pods`, pod('y', { limits: { cpu: '1500m' } }));
    await expectForbidden(
      await postPod(pod('z', { limits: { cpu: '1' } })),
      'z',
      'pods "z" is forbidden: exceeded quota: q1, requested: limits.cpu=1, used: limits.cpu=1500m, limited: limits.cpu=2',
    );
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ 'limits.cpu': '1500m' });
  });

  it('counts BestEffort and NotBestEffort pods against their own scoped quotas', async () => {
    await quota('best-effort', { pods: '1' }, { scopes: ['BestEffort'] });
    await quota('burstable', { pods: '1' }, { scopes: ['NotBestEffort'] });
    await post(`${NS}/pods`, pod('be1'));
    await post(`${NS}/pods`, pod('bu1', { requests: { memory: '64Mi' } }));
    await expectForbidden(await postPod(pod('be2')), 'be2', 'pods "be2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    await expectForbidden(
      await postPod(pod('bu2', { requests: { memory: '64Mi' } })),
      'bu2',
      'pods "bu2" is forbidden: exceeded quota: burstable, requested: pods=1, used: pods=1, limited: pods=1',
    );
  });

  it('checks a dry run but never charges it', async () => {
    await quota('q1', { pods: '1' });
    const dry = await postPod(pod('dry'), '?dryRun=All');
    expect(dry.status).toBe(201);
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '0' });
    expect((await k(`${NS}/pods/dry`)).status).toBe(404);
    await post(`${NS}/pods`, pod('real'));
    await expectForbidden(await postPod(pod('dry2'), '?dryRun=All'), 'dry2', 'pods "dry2" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=1, limited: pods=1');
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '1' });
  });

  it('never lets concurrent creates exceed the quota', async () => {
    await quota('q1', { pods: '3' });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => postPod(pod(`p${i}`))));
    const codes = results.map((r) => r.status);
    expect(codes.filter((c) => c === 201)).toHaveLength(3);
    expect(codes.filter((c) => c === 403)).toHaveLength(7);
    const pods = await get(`${NS}/pods`);
    expect(pods.items).toHaveLength(3);
    expect((await get(`${NS}/resourcequotas/q1`)).status.used).toEqual({ pods: '3' });
  });

  it('counts objects by resource name and skips finished pods', async () => {
    await quota('objects', { 'count/configmaps': '10', secrets: '5', 'requests.cpu': '1' });
    const q = await get(`${NS}/resourcequotas/objects`);
    // kube-root-ca.crt is already there; no secrets yet.
    expect(q.status.used).toEqual({ 'count/configmaps': '1', secrets: '0', 'requests.cpu': '0' });
    await post(`${NS}/secrets`, { metadata: { name: 's1' } });
    await post(`${NS}/pods`, pod('done', { requests: { cpu: '600m' } }));
    expect((await get(`${NS}/resourcequotas/objects`)).status.used).toEqual({ 'count/configmaps': '1', secrets: '1', 'requests.cpu': '600m' });
    // A pod that has finished no longer counts once the controller notices.
    const current = await get(`${NS}/pods/done`);
    const r = await k(`${NS}/pods/done/status`, { method: 'PUT', json: { ...current, status: { ...current.status, phase: 'Succeeded' } } });
    expect(r.status).toBe(200);
    await settle(s.id);
    expect((await get(`${NS}/resourcequotas/objects`)).status.used['requests.cpu']).toBe('0');
  });

  it('stops a ReplicationController at the quota, with FailedCreate events', async () => {
    await quota('q1', { pods: '2' });
    await post(`${NS}/replicationcontrollers`, {
      metadata: { name: 'web' },
      spec: { replicas: 4, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: pod('x').spec } },
    });
    const runs = await settle(s.id);
    expect(runs).toBeLessThan(100);
    expect((await get(`${NS}/pods`)).items).toHaveLength(2);
    const events = (await get(`${NS}/events`)).items.filter((e: any) => e.reason === 'FailedCreate');
    expect(events.length).toBeGreaterThan(0);
    expect(events[0].message).toMatch(/^Error creating: pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: q1, requested: pods=1, used: pods=2, limited: pods=2$/);
  });
});
