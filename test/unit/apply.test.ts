import { describe, expect, it } from 'vitest';
import { conflictError, serverSideApply, type ApplyConflict, type ApplyOptions } from '../../src/apiserver/apply';
import { ApiError } from '../../src/apiserver/errors';
import { updateManagedFields } from '../../src/apiserver/managed-fields';
import type { KubeObject } from '../../src/resources/types';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const T0 = '2024-05-01T10:00:00Z';
const T1 = '2024-05-01T10:05:00Z';
const T2 = '2024-05-01T10:10:00Z';
const clone = <T>(v: T): T => structuredClone(v);

/** `kubectl create deployment web --image=nginx`, defaulted and stored, with its managed fields. */
function created(manager = 'kubectl-create'): KubeObject {
  const d: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'u1', resourceVersion: '10', generation: 1, creationTimestamp: T0, labels: { app: 'web' } },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 1,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'web' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { image: 'nginx', imagePullPolicy: 'Always', name: 'nginx', resources: {}, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          schedulerName: 'default-scheduler',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
        },
      },
    },
    status: {},
  };
  d.metadata.managedFields = updateManagedFields(undefined, d, { manager, apiVersion: 'apps/v1', time: T0, definition: DEPLOYMENT });
  return d;
}

/** `kubectl scale deploy/web --replicas=3`: PATCH …/scale, manager "kubectl" from the user agent. */
function scaled(d: KubeObject, replicas: number, time = T1): KubeObject {
  const next = clone(d);
  next.spec.replicas = replicas;
  next.metadata.managedFields = updateManagedFields(d, next, { manager: 'kubectl', apiVersion: 'apps/v1', time, definition: DEPLOYMENT, subresource: 'scale' });
  return next;
}

/** What `kubectl apply --server-side` sends for the manifest. */
function config(replicas: number, image = 'nginx', env?: { name: string; value: string }[]) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image, ...(env && { env }) }] } },
    },
  };
}

const opts = (manager: string, force = false, time = T2): ApplyOptions => ({ manager, force, apiVersion: 'apps/v1', time, definition: DEPLOYMENT });

function applied(live: KubeObject | undefined, cfg: Record<string, unknown>, o: ApplyOptions): KubeObject {
  const r = serverSideApply(live, cfg, o);
  if ('conflicts' in r) throw new Error(`unexpected conflicts: ${conflictError(r.conflicts).message}`);
  return r.object;
}

function conflicts(live: KubeObject | undefined, cfg: Record<string, unknown>, o: ApplyOptions): ApplyConflict[] {
  const r = serverSideApply(live, cfg, o);
  if (!('conflicts' in r)) throw new Error('expected conflicts');
  return r.conflicts;
}

const entry = (obj: KubeObject, manager: string, operation = 'Apply') =>
  obj.metadata.managedFields!.find((e: any) => e.manager === manager && e.operation === operation);

describe('serverSideApply conflicts', () => {
  it('create, scale, then an apply changing replicas conflicts with the scaler', () => {
    const live = scaled(created(), 3);
    const found = conflicts(live, config(5), opts('helm'));
    expect(found).toEqual([{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', subresource: 'scale', field: '.spec.replicas' }]);
    expect(conflictError(found).message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  });

  it('answers the exact Status for a field owned by client-side apply', () => {
    const live = created('kubectl-client-side-apply');
    const err = conflictError(conflicts(live, config(3), opts('kubectl')));
    expect(err).toBeInstanceOf(ApiError);
    expect(err.toStatus()).toEqual(
      JSON.parse(
        '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' +
          '"message":"Apply failed with 1 conflict: conflict with \\"kubectl-client-side-apply\\" using apps/v1: .spec.replicas",' +
          '"reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \\"kubectl-client-side-apply\\" using apps/v1","field":".spec.replicas"}]},"code":409}',
      ),
    );
  });

  it('lists several conflicts per manager, managers sorted', () => {
    const live = scaled(created('kubectl-client-side-apply'), 3);
    const found = conflicts(live, config(5, 'nginx:1.27', [{ name: 'A', value: '1' }]), opts('argocd'));
    expect(conflictError(found).message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl" with subresource "scale" using apps/v1:\n' +
        '- .spec.replicas\n' +
        'conflicts with "kubectl-client-side-apply" using apps/v1:\n' +
        '- .spec.template.spec.containers[name="nginx"].image',
    );
    const one = conflictError([
      { manager: 'mgr', operation: 'Update', apiVersion: 'apps/v1', field: '.spec.a' },
      { manager: 'mgr', operation: 'Update', apiVersion: 'apps/v1', field: '.spec.b' },
    ]);
    expect(one.message).toBe('Apply failed with 2 conflicts: conflicts with "mgr" using apps/v1:\n- .spec.a\n- .spec.b');
    expect(one.details!.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "mgr" using apps/v1', field: '.spec.a' },
      { reason: 'FieldManagerConflict', message: 'conflict with "mgr" using apps/v1', field: '.spec.b' },
    ]);
    // An applier shows without a version.
    expect(conflictError([{ manager: 'helm', operation: 'Apply', apiVersion: 'apps/v1', field: '.spec.replicas' }]).message).toBe(
      'Apply failed with 1 conflict: conflict with "helm": .spec.replicas',
    );
  });

  it('a value equal to the live one is shared, not a conflict', () => {
    const live = scaled(created(), 3);
    const obj = applied(live, config(3), opts('helm'));
    expect(obj.spec.replicas).toBe(3);
    expect(entry(obj, 'kubectl', 'Update').fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect(entry(obj, 'helm').fieldsV1['f:spec']['f:replicas']).toEqual({});
  });

  it('force takes the field over', () => {
    const live = scaled(created(), 3);
    const obj = applied(live, config(5), opts('helm', true));
    expect(obj.spec.replicas).toBe(5);
    expect(obj.metadata.managedFields!.map((e: any) => [e.manager, e.operation])).toEqual([
      ['helm', 'Apply'],
      ['kubectl-create', 'Update'],
    ]);
    expect(entry(obj, 'helm')).toEqual({
      manager: 'helm',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: T2,
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': { 'f:containers': { 'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    });
    // The old owner kept everything else; the object is otherwise untouched.
    expect(entry(obj, 'kubectl-create', 'Update').fieldsV1['f:spec']['f:replicas']).toBeUndefined();
    expect(obj.spec.template.spec.containers[0].terminationMessagePath).toBe('/dev/termination-log');
  });
});

describe('serverSideApply merge and prune', () => {
  it('creates the object when it is missing, owning exactly the config', () => {
    const obj = applied(undefined, config(2, 'nginx', [{ name: 'A', value: '1' }]), opts('kubectl'));
    expect(obj.spec.template.spec.containers).toEqual([{ name: 'nginx', image: 'nginx', env: [{ name: 'A', value: '1' }] }]);
    expect(obj.metadata.managedFields).toHaveLength(1);
    expect(JSON.stringify(obj.metadata.managedFields![0].fieldsV1)).toBe(
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},' +
        '"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:env":{"k:{\\"name\\":\\"A\\"}":{".":{},"f:name":{},"f:value":{}}},"f:image":{},"f:name":{}}}}}}}',
    );
  });

  it('removing an env var from the applied config removes it from the object', () => {
    const v1 = applied(created(), config(1, 'nginx', [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]), opts('kubectl', false, T1));
    expect(v1.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    const v2 = applied(v1, config(1, 'nginx', [{ name: 'A', value: '1' }]), opts('kubectl'));
    expect(v2.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(entry(v2, 'kubectl').fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:env']).toEqual({
      'k:{"name":"A"}': { '.': {}, 'f:name': {}, 'f:value': {} },
    });
    // Dropping the last one removes the list; fields the creator owns stay.
    const v3 = applied(v2, config(1), opts('kubectl'));
    expect(v3.spec.template.spec.containers[0].env).toBeUndefined();
    expect(v3.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
  });

  it('removing a label from the applied config removes it', () => {
    const cfg: any = config(1);
    cfg.metadata.labels = { app: 'web', tier: 'front' };
    const v1 = applied(created(), cfg, opts('kubectl', false, T1));
    expect(v1.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    const v2 = applied(v1, config(1), opts('kubectl'));
    expect(v2.metadata.labels).toEqual({ app: 'web' });
    expect(entry(v2, 'kubectl').fieldsV1['f:metadata']).toEqual({ 'f:labels': { 'f:app': {} } });
  });

  it('two appliers share a field; the one that drops it only disowns it', () => {
    const a = applied(created(), config(1, 'nginx', [{ name: 'A', value: '1' }]), opts('team-a', false, T1));
    const b = applied(a, config(1, 'nginx', [{ name: 'A', value: '1' }]), opts('team-b'));
    expect(b.metadata.managedFields!.filter((e: any) => e.operation === 'Apply').map((e: any) => e.manager)).toEqual(['team-a', 'team-b']);
    const envOf = (o: KubeObject, m: string) => entry(o, m)?.fieldsV1['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:env'];
    expect(envOf(b, 'team-a')).toEqual(envOf(b, 'team-b'));

    const c = applied(b, config(1), opts('team-a', false, '2024-05-01T10:20:00Z'));
    expect(c.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
    expect(envOf(c, 'team-a')).toBeUndefined();
    expect(envOf(c, 'team-b')).toBeDefined();

    // A different value from the second applier is a conflict with the first.
    const d = conflicts(b, config(1, 'nginx', [{ name: 'A', value: '2' }]), opts('team-b'));
    expect(d.map((x) => `${x.manager} ${x.field}`)).toEqual(['team-a .spec.template.spec.containers[name="nginx"].env[name="A"].value']);
  });

  it('merges list-maps by key, keeping live order and placing new items where the config has them', () => {
    const live = applied(undefined, config(1, 'nginx', ['a', 'b', 'c'].map((name) => ({ name, value: name }))), opts('one', false, T1));
    const obj = applied(live, config(1, 'nginx', [{ name: 'c', value: 'C' }, { name: 'd', value: 'd' }]), opts('two', true));
    expect(obj.spec.template.spec.containers[0].env.map((e: any) => `${e.name}=${e.value}`)).toEqual(['a=a', 'b=b', 'c=C', 'd=d']);
    const swapped = applied(live, config(1, 'nginx', [{ name: 'b', value: 'b' }, { name: 'a', value: 'a' }]), opts('one'));
    // b and a follow the config; c, which only the old config had, is pruned.
    expect(swapped.spec.template.spec.containers[0].env.map((e: any) => e.name)).toEqual(['b', 'a']);
  });

  it('a no-op apply keeps the entry times', () => {
    const v1 = applied(created(), config(1), opts('kubectl', false, T1));
    const v2 = applied(v1, config(1), opts('kubectl', false, T2));
    expect(v2).toEqual(v1);
  });

  it('drops nulls the config brings and keeps status out of the applier’s fields', () => {
    const cfg: any = config(1);
    cfg.spec.paused = null;
    cfg.status = { replicas: 4 };
    const obj = applied(created(), cfg, opts('kubectl'));
    expect('paused' in obj.spec).toBe(false);
    expect(entry(obj, 'kubectl').fieldsV1['f:status']).toBeUndefined();
    expect(entry(obj, 'kubectl').fieldsV1['f:spec']['f:paused']).toEqual({});
  });
});

describe('serverSideApply and kubectl', () => {
  const LA = 'kubectl.kubernetes.io/last-applied-configuration';

  function csaApplied(): KubeObject {
    const d = created('kubectl-client-side-apply');
    d.metadata.annotations = { [LA]: `${JSON.stringify(config(1))}\n` };
    d.metadata.managedFields = updateManagedFields(undefined, d, { manager: 'kubectl-client-side-apply', apiVersion: 'apps/v1', time: T0, definition: DEPLOYMENT });
    return d;
  }

  it('--server-side after client-side apply takes over last-applied fields and rewrites the annotation', () => {
    const obj = applied(csaApplied(), config(4), opts('kubectl'));
    expect(obj.spec.replicas).toBe(4);
    expect(obj.metadata.annotations![LA]).toBe(
      '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"app":"web"},"name":"web"},"spec":{"replicas":4,"selector":{"matchLabels":{"app":"web"}},' +
        '"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"image":"nginx","name":"nginx"}]}}}}\n',
    );
    // Another field manager gets the conflict.
    expect(conflicts(csaApplied(), config(4), opts('kubectl-other')).map((c) => c.field)).toEqual(['.spec.replicas']);
  });

  it('still conflicts on fields changed since the last client-side apply', () => {
    const live = scaled(csaApplied(), 3);
    expect(conflicts(live, config(4), opts('kubectl')).map((c) => c.manager)).toEqual(['kubectl']);
  });
});

describe('serverSideApply errors', () => {
  it('rejects managedFields and another version in the config', () => {
    const withMF: any = config(1);
    withMF.metadata.managedFields = [];
    expect(() => serverSideApply(created(), withMF, opts('kubectl'))).toThrow('metadata.managedFields must be nil');
    const other: any = { ...config(1), apiVersion: 'apps/v1beta1' };
    try {
      serverSideApply(created(), other, opts('kubectl'));
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).code).toBe(400);
      expect((e as ApiError).message).toBe('Incorrect version specified in apply patch. Specified patch version: apps/v1beta1, expected: apps/v1');
    }
  });

  it('cannot type a list-map item without its key', () => {
    const cfg: any = config(1);
    cfg.spec.template.spec.containers = [{ image: 'nginx' }];
    try {
      serverSideApply(undefined, cfg, opts('kubectl'));
      expect.unreachable();
    } catch (e) {
      expect((e as ApiError).code).toBe(500);
      expect((e as ApiError).message).toBe(
        'failed to create typed patch object (apps/v1, Kind=Deployment): .spec.template.spec.containers: element 0: associative list with keys has an element that omits key field "name" (and doesn\'t have default value)',
      );
    }
  });
});
