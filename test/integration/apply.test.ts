// Server-side apply and managed fields over HTTP.
import { beforeEach, describe, expect, it } from 'vitest';
import { client, settle, signup, type Kube, type Signup } from './helpers';

let s: Signup;
let k: Kube;
beforeEach(async () => {
  s = await signup();
  k = client(s);
});

const APPLY = { 'content-type': 'application/apply-patch+yaml' };
const deployment = (replicas: number, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...extra },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } },
  },
});
const path = '/apis/apps/v1/namespaces/default/deployments/web';

describe('server-side apply', () => {
  it('creates when missing, records managed fields, and is a no-op when repeated', async () => {
    const created = await k(`${path}?fieldManager=kubectl&fieldValidation=Strict`, { method: 'PATCH', headers: APPLY, json: deployment(2) });
    expect(created.status).toBe(201);
    const d = await created.json<any>();
    expect(d.metadata.managedFields).toHaveLength(1);
    expect(d.metadata.managedFields[0]).toMatchObject({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(d.metadata.managedFields[0].fieldsV1['f:spec']['f:replicas']).toEqual({});
    await settle(s.id); // the deployment controller writes status
    const before = (await (await k(path)).json<any>()).metadata.resourceVersion;
    const again = await k(`${path}?fieldManager=kubectl`, { method: 'PATCH', headers: APPLY, body: JSON.stringify(deployment(2)) });
    expect(again.status).toBe(200);
    expect((await again.json<any>()).metadata.resourceVersion).toBe(before);
  });

  it('accepts YAML bodies', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\ndata:\n  a: "1"\n';
    const r = await k('/api/v1/namespaces/default/configmaps/y?fieldManager=me', { method: 'PATCH', headers: APPLY, body: yaml });
    expect(r.status).toBe(201);
    expect((await r.json<any>()).data).toEqual({ a: '1' });
  });

  it('reports conflicts with other managers and takes ownership with force', async () => {
    await k(`${path}?fieldManager=kubectl-client-side-apply`, { method: 'PATCH', headers: APPLY, json: deployment(2) });
    const conflict = await k(`${path}?fieldManager=helm&force=false`, { method: 'PATCH', headers: APPLY, json: deployment(5) });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply": .spec.replicas',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-client-side-apply"', field: '.spec.replicas' }] },
    });
    const forced = await k(`${path}?fieldManager=helm&force=true`, { method: 'PATCH', headers: APPLY, json: deployment(5) });
    expect(forced.status).toBe(200);
    const d = await forced.json<any>();
    expect(d.spec.replicas).toBe(5);
    const spec = d.metadata.managedFields.filter((m: any) => m.fieldsV1['f:spec']);
    expect(spec.map((m: any) => [m.manager, m.operation]).sort()).toEqual([['helm', 'Apply'], ['kubectl-client-side-apply', 'Apply']]);
  });

  it('removes fields the applier no longer sets and nobody else owns', async () => {
    await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, json: deployment(1, { labels: { a: '1', b: '2' } }) });
    const r = await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, json: deployment(1, { labels: { a: '1' } }) });
    expect((await r.json<any>()).metadata.labels).toEqual({ a: '1' });
  });

  it('records Update managers for other writes (the User-Agent when no fieldManager)', async () => {
    await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, json: deployment(1) });
    const scaled = await k(`${path}/scale`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json', 'user-agent': 'kubectl/v1.35.2 (linux/amd64) kubernetes/fdc9d74' },
      json: { spec: { replicas: 3 } },
    });
    expect(scaled.status).toBe(200);
    const d = await (await k(path)).json<any>();
    const scaleEntry = d.metadata.managedFields.find((m: any) => m.manager === 'kubectl');
    expect(scaleEntry).toMatchObject({ operation: 'Update', subresource: 'scale' });
    const conflict = await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, json: deployment(1) });
    expect((await conflict.json<any>()).message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('refuses bad apply requests with a Status and writes nothing', async () => {
    const noManager = await k(path, { method: 'PATCH', headers: APPLY, json: deployment(1) });
    expect(noManager.status).toBe(422);
    expect((await noManager.json<any>()).message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const notAnObject = await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, body: '- a\n- b\n' });
    expect(notAnObject.status).toBe(400);
    const garbage = await k(`${path}?fieldManager=me`, { method: 'PATCH', headers: APPLY, body: '{"a": [' });
    expect(garbage.status).toBe(400);
    const strict = await k(`${path}?fieldManager=me&fieldValidation=Strict`, { method: 'PATCH', headers: APPLY, json: { ...deployment(1), spec: { ...deployment(1).spec, foo: 1 } } });
    expect(strict.status).toBe(400);
    const forceOnMerge = await k(`${path}?force=true`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, json: {} });
    expect(forceOnMerge.status).toBe(422);
    expect((await k(path)).status).toBe(404);
  });
});
