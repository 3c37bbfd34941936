// PodDisruptionBudgets on the real Worker and Durable Object: validation, the disruption controller's status
// (pods become Ready on the simulated kubelets as the paused clock is stepped) and the eviction subresource
// that honours the budgets.
import { describe, expect, it } from 'vitest';
import { clock, jsonCalls, type Kube, settle, type Signup, TABLE_ACCEPT, usePausedCluster } from './helpers';

let s: Signup;
let k: Kube;
usePausedCluster((signedUp, kube) => {
  s = signedUp;
  k = kube;
});

const NS = '/api/v1/namespaces/default';
const PDBS = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';
const { get, post } = jsonCalls(() => k);

/** An evicted pod is terminating, or already gone: its kubelet stops the simulated containers at once. */
async function expectEvicted(name: string) {
  const r = await k(`${NS}/pods/${name}`);
  if (r.status === 404) return;
  expect((await r.json<any>()).metadata.deletionTimestamp).toBeDefined();
}

async function tick(seconds = 3) {
  await clock(s, { action: 'advance', seconds });
  await settle(s.id);
}

const pdb = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec });
const selector = { matchLabels: { app: 'web' } };

const rc = (replicas: number, podSpec: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name: 'web' },
  spec: {
    replicas,
    selector: { app: 'web' },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...podSpec } },
  },
});

/** Pods of app=web not being deleted, by name. */
async function webPods(): Promise<any[]> {
  const list = await get(`${NS}/pods?labelSelector=app%3Dweb`);
  return list.items.filter((p: any) => !p.metadata.deletionTimestamp).sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name));
}

/** Three Running, Ready pods of an RC. */
async function readyRc(replicas = 3, podSpec?: Record<string, unknown>) {
  await post(`${NS}/replicationcontrollers`, rc(replicas, podSpec));
  await settle(s.id);
  await tick();
  const pods = await webPods();
  expect(pods.map((p) => p.status.phase)).toEqual(Array(replicas).fill('Running'));
  return pods;
}

const evict = (name: string, deleteOptions?: unknown) =>
  k(`${NS}/pods/${name}/eviction`, { method: 'POST', json: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' }, deleteOptions } });

const VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget.";

describe('PodDisruptionBudget API', () => {
  it('creates with an empty status and a generation, and prints N/A for the unset bound', async () => {
    const created = await post(PDBS, pdb('web', { minAvailable: 2, selector }));
    expect(created.metadata.generation).toBe(1);
    expect(created.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    const table = await (await k(PDBS, { headers: { accept: TABLE_ACCEPT } })).json<any>();
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect(table.rows[0].cells.slice(0, 4)).toEqual(['web', '2', 'N/A', 0]);
    const byShortName = await (await k('/apis/policy/v1')).json<any>();
    expect(byShortName.resources.find((r: any) => r.name === 'poddisruptionbudgets')).toMatchObject({ kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'] });
    expect(byShortName.resources.some((r: any) => r.name === 'poddisruptionbudgets/status')).toBe(true);
  });

  it('refuses invalid specs and status with 422 and the upstream messages, storing nothing', async () => {
    const invalid = async (body: unknown) => {
      const r = await k(PDBS, { method: 'POST', json: body });
      expect(r.status).toBe(422);
      return (await r.json<any>()).message;
    };
    expect(await invalid(pdb('both', { minAvailable: 1, maxUnavailable: '50%', selector }))).toBe(
      'PodDisruptionBudget.policy "both" is invalid: spec: Invalid value: {"MinAvailable":1,"Selector":{"matchLabels":{"app":"web"}},"MaxUnavailable":"50%","UnhealthyPodEvictionPolicy":null}: minAvailable and maxUnavailable cannot be both set',
    );
    expect(await invalid(pdb('pct', { minAvailable: '50', selector }))).toBe(
      `PodDisruptionBudget.policy "pct" is invalid: spec.minAvailable: Invalid value: "50": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')`,
    );
    expect(await invalid(pdb('big', { maxUnavailable: '150%', selector }))).toBe(
      'PodDisruptionBudget.policy "big" is invalid: spec.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    );
    expect(await invalid(pdb('neg', { minAvailable: -1, selector }))).toBe(
      'PodDisruptionBudget.policy "neg" is invalid: spec.minAvailable: Invalid value: -1: must be greater than or equal to 0',
    );
    expect(await invalid(pdb('policy', { minAvailable: 1, selector, unhealthyPodEvictionPolicy: 'Sometimes' }))).toBe(
      'PodDisruptionBudget.policy "policy" is invalid: spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
    );
    expect(await invalid(pdb('sel', { minAvailable: 1, selector: { matchExpressions: [{ key: 'app', operator: 'Near' }] } }))).toBe(
      'PodDisruptionBudget.policy "sel" is invalid: spec.selector.matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator',
    );
    expect((await get(PDBS)).items).toEqual([]);

    await post(PDBS, pdb('web', { minAvailable: 1, selector }));
    const current = await get(`${PDBS}/web`);
    const r = await k(`${PDBS}/web/status`, { method: 'PUT', json: { ...current, status: { ...current.status, disruptionsAllowed: -1 } } });
    expect(r.status).toBe(422);
    expect((await r.json<any>()).message).toBe('PodDisruptionBudget.policy "web" is invalid: status.disruptionsAllowed: Invalid value: -1: must be greater than or equal to 0');
    expect((await get(`${PDBS}/web`)).metadata.resourceVersion).toBe(current.metadata.resourceVersion);
  });
});

describe('disruption controller', () => {
  it('counts healthy pods against minAvailable and writes the DisruptionAllowed condition', async () => {
    const created = await post(PDBS, pdb('web', { minAvailable: 2, selector }));
    await settle(s.id);
    const empty = await get(`${PDBS}/web`);
    expect(empty.status).toEqual({
      observedGeneration: 1,
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 2,
      expectedPods: 0,
      conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: expect.any(String), reason: 'InsufficientPods', message: '' }],
    });
    const events = (await get(`${NS}/events?fieldSelector=involvedObject.name=web`)).items;
    expect(events.map((e: any) => [e.type, e.reason, e.message, e.source.component])).toEqual([['Normal', 'NoPods', 'No matching pods found', 'controllermanager']]);
    expect(events[0].involvedObject).toMatchObject({ kind: 'PodDisruptionBudget', uid: created.metadata.uid });

    await readyRc(3);
    const pdbNow = await get(`${PDBS}/web`);
    expect(pdbNow.status).toMatchObject({ observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 3 });
    expect(pdbNow.status.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'True', observedGeneration: 1, lastTransitionTime: expect.any(String), reason: 'SufficientPods', message: '' },
    ]);
    // A quiet pass writes nothing.
    await tick();
    expect((await get(`${PDBS}/web`)).metadata.resourceVersion).toBe(pdbNow.metadata.resourceVersion);
  });

  it('takes percentages and maxUnavailable from the scale of the pods\' controllers', async () => {
    await readyRc(4);
    await post(PDBS, pdb('web', { maxUnavailable: '25%', selector }));
    await settle(s.id);
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 4, desiredHealthy: 3, expectedPods: 4 });
    // Scaling the RC up moves expectedPods at once, before the new pods exist.
    const current = await get(`${NS}/replicationcontrollers/web`);
    await k(`${NS}/replicationcontrollers/web`, { method: 'PUT', json: { ...current, spec: { ...current.spec, replicas: 8 } } });
    await settle(s.id);
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 4, desiredHealthy: 6, expectedPods: 8 });
  });

  it('fails safe when a pod\'s controller has no scale, and reports unmanaged pods', async () => {
    await post('/apis/apps/v1/namespaces/default/daemonsets', {
      metadata: { name: 'agent' },
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { metadata: { labels: { app: 'agent' } }, spec: { containers: [{ name: 'a', image: 'agent' }] } } },
    });
    await post(PDBS, pdb('agent', { maxUnavailable: 1, selector: { matchLabels: { app: 'agent' } } }));
    await settle(s.id);
    const failed = await get(`${PDBS}/agent`);
    expect(failed.status.disruptionsAllowed).toBe(0);
    expect(failed.status.observedGeneration).toBeUndefined();
    expect(failed.status.conditions).toEqual([
      { type: 'DisruptionAllowed', status: 'False', lastTransitionTime: expect.any(String), reason: 'SyncFailed', message: 'daemonsets.apps does not implement the scale subresource' },
    ]);

    await post(`${NS}/pods`, { metadata: { name: 'stray', labels: { app: 'stray' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
    await post(PDBS, pdb('stray', { minAvailable: '50%', selector: { matchLabels: { app: 'stray' } } }));
    await settle(s.id);
    expect((await get(`${PDBS}/stray`)).status).toMatchObject({ observedGeneration: 1, disruptionsAllowed: 0, expectedPods: 0 });
    const events = (await get(`${NS}/events?fieldSelector=involvedObject.name=stray,involvedObject.kind=PodDisruptionBudget`)).items;
    expect(events.map((e: any) => e.message)).toContain(
      'Pods selected by this PodDisruptionBudget (selector: &LabelSelector{MatchLabels:map[string]string{app: stray,},MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
    );
  });

  it('keeps an approved disruption out of the healthy count for two minutes, then drops it', async () => {
    const [a] = await readyRc(2);
    await post(PDBS, pdb('web', { minAvailable: 1, selector }));
    await settle(s.id);
    const current = await get(`${PDBS}/web`);
    const stamp = current.metadata.creationTimestamp;
    const put = await k(`${PDBS}/web/status`, { method: 'PUT', json: { ...current, status: { ...current.status, disruptedPods: { [a.metadata.name]: stamp } } } });
    expect(put.status).toBe(200);
    await settle(s.id);
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ disruptedPods: { [a.metadata.name]: stamp }, currentHealthy: 1, disruptionsAllowed: 0 });

    await tick(121);
    const after = await get(`${PDBS}/web`);
    expect(after.status.disruptedPods).toBeUndefined();
    expect(after.status).toMatchObject({ currentHealthy: 2, disruptionsAllowed: 1 });
    const events = (await get(`${NS}/events?fieldSelector=involvedObject.name=${a.metadata.name}`)).items;
    expect(events.map((e: any) => `${e.type} ${e.reason} ${e.message}`)).toContain("Warning NotDeleted Pod was expected by PDB default/web to be deleted but it wasn't");
  });
});

describe('pods/eviction with budgets', () => {
  it('allows an eviction the budget covers, then refuses the next with 429 until a replacement is Ready', async () => {
    const [a, b] = await readyRc(3);
    await post(PDBS, pdb('web', { minAvailable: 2, selector }));
    await settle(s.id);

    const ok = await evict(a.metadata.name);
    expect(ok.status).toBe(201);
    const after = await get(`${PDBS}/web`);
    expect(after.status).toMatchObject({ disruptionsAllowed: 0, disruptedPods: { [a.metadata.name]: expect.any(String) } });
    expect(after.status.conditions[0]).toMatchObject({ status: 'False', reason: 'InsufficientPods' });
    await expectEvicted(a.metadata.name);

    const refused = await evict(b.metadata.name);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: VIOLATION,
      reason: 'TooManyRequests',
      // The eviction only spends the allowance; the counts are the controller's to update: 3 until it runs
      // again (the control plane runs shortly after every write), 2 once it saw the evicted pod go.
      details: { causes: [{ reason: 'DisruptionBudget', message: expect.stringMatching(/^The disruption budget web needs 2 healthy pods and has [23] currently$/) }] },
      code: 429,
    });
    expect((await get(`${NS}/pods/${b.metadata.name}`)).metadata.deletionTimestamp).toBeUndefined();

    // The controller sees the evicted pod terminating (dropped from disruptedPods); the RC's replacement becomes Ready.
    await settle(s.id);
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ disruptionsAllowed: 0, currentHealthy: 2 });
    expect((await get(`${PDBS}/web`)).status.disruptedPods).toBeUndefined();
    const again = await evict(b.metadata.name);
    expect((await again.json<any>()).details.causes[0].message).toBe('The disruption budget web needs 2 healthy pods and has 2 currently');
    await tick();
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ disruptionsAllowed: 1, currentHealthy: 3 });
    expect((await evict(b.metadata.name)).status).toBe(201);
  });

  it('refuses while the budget is not yet observed, with a retry hint', async () => {
    const [a] = await readyRc(2);
    await post(PDBS, pdb('web', { maxUnavailable: 1, selector }));
    const r = await evict(a.metadata.name);
    expect(r.status).toBe(429);
    expect((await r.json<any>()).details).toEqual({
      causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web is still being processed by the server.' }],
      retryAfterSeconds: 10,
    });
  });

  it('answers 500 when more than one budget covers the pod', async () => {
    const [a] = await readyRc(2);
    await post(PDBS, pdb('one', { maxUnavailable: 1, selector }));
    await post(PDBS, pdb('two', { minAvailable: 1, selector }));
    await settle(s.id);
    const r = await evict(a.metadata.name);
    expect(r.status).toBe(500);
    expect(await r.json()).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      code: 500,
    });
    expect((await get(`${NS}/pods/${a.metadata.name}`)).metadata.deletionTimestamp).toBeUndefined();
  });

  it('changes nothing on a dry run, and a dry run is refused like the real one', async () => {
    const [a] = await readyRc(2);
    await post(PDBS, pdb('web', { minAvailable: 1, selector }));
    await settle(s.id);
    const before = await get(`${PDBS}/web`);
    const podBefore = await get(`${NS}/pods/${a.metadata.name}`);
    expect((await evict(a.metadata.name, { dryRun: ['All'] })).status).toBe(201);
    expect(await get(`${PDBS}/web`)).toEqual(before);
    expect(await get(`${NS}/pods/${a.metadata.name}`)).toEqual(podBefore);

    await k(`${PDBS}/web`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { minAvailable: 2 } } });
    await settle(s.id);
    const refused = await evict(a.metadata.name, { dryRun: ['All'] });
    expect(refused.status).toBe(429);
    expect((await refused.json<any>()).details.causes[0].message).toBe('The disruption budget web needs 2 healthy pods and has 2 currently');
  });

  it('evicts unready pods under AlwaysAllow, and under IfHealthyBudget only when the budget is met', async () => {
    const [a] = await readyRc(2, { readinessGates: [{ conditionType: 'example.com/ready' }] });
    expect((a.status.conditions ?? []).find((c: any) => c.type === 'Ready')?.status).toBe('False');
    await post(PDBS, pdb('web', { minAvailable: 1, selector }));
    await settle(s.id);
    expect((await get(`${PDBS}/web`)).status).toMatchObject({ currentHealthy: 0, desiredHealthy: 1, disruptionsAllowed: 0 });
    expect((await evict(a.metadata.name)).status).toBe(429);

    await k(`${PDBS}/web`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: { spec: { unhealthyPodEvictionPolicy: 'AlwaysAllow' } } });
    await settle(s.id);
    expect((await evict(a.metadata.name)).status).toBe(201);
    const status = (await get(`${PDBS}/web`)).status;
    expect(status.disruptedPods).toBeUndefined();
    await expectEvicted(a.metadata.name);
  });

  it('refuses malformed eviction bodies with 400 and changes nothing', async () => {
    const [a] = await readyRc(1);
    const name = a.metadata.name;
    const post400 = async (init: RequestInit & { json?: unknown }) => {
      const r = await k(`${NS}/pods/${name}/eviction`, { method: 'POST', ...init });
      expect(r.status).toBe(400);
      return (await r.json<any>()).message;
    };
    expect(await post400({ json: { metadata: { name: 'other' } } })).toBe('name in URL does not match name in Eviction object');
    expect(await post400({ json: { metadata: { name }, deleteOptions: 'now' } })).toBe(
      'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field Eviction.deleteOptions of type v1.DeleteOptions',
    );
    expect(await post400({ json: { metadata: { name }, deleteOptions: { dryRun: 'All' } } })).toBe(
      'Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal string into Go struct field DeleteOptions.deleteOptions.dryRun of type []string',
    );
    await post400({ body: '{not json', headers: { 'content-type': 'application/json' } });
    expect((await get(`${NS}/pods/${name}`)).metadata.deletionTimestamp).toBeUndefined();
  });
});
