import { describe, expect, it } from 'vitest';
import { FieldSet, fieldSetOf, renderPath, updateManagedFields, type ManagedFieldsEntry } from '../../src/apiserver/managed-fields';
import type { KubeObject } from '../../src/resources/types';

const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';
const T0 = '2021-03-13T23:20:06Z';
const T1 = '2021-03-13T23:25:00Z';
const clone = <T>(v: T): T => structuredClone(v);

/** A Deployment as stored after `kubectl apply -f` of the manifest below and the API server's defaulting. */
function csaDeployment(): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration':
          '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"labels":{"app":"nginx"},"name":"nginx","namespace":"default"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"nginx"}},"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":"nginx:1.16","name":"nginx","ports":[{"containerPort":8080}]}]}}}}\n',
      },
      creationTimestamp: T0,
      generation: 1,
      labels: { app: 'nginx' },
      name: 'nginx',
      namespace: 'default',
      resourceVersion: '6562',
      uid: '133301f7-2c96-4c73-b326-67205e79c451',
    },
    spec: {
      progressDeadlineSeconds: 600,
      replicas: 2,
      revisionHistoryLimit: 10,
      selector: { matchLabels: { app: 'nginx' } },
      strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: {
        metadata: { creationTimestamp: null, labels: { app: 'nginx' } },
        spec: {
          containers: [
            {
              image: 'nginx:1.16',
              imagePullPolicy: 'IfNotPresent',
              name: 'nginx',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              resources: {},
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
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
}

/** `kubectl create deployment web --image=nginx`, defaulted, as the create handler sees it. */
function createdDeployment(): KubeObject {
  const d = csaDeployment();
  delete d.metadata.annotations;
  d.metadata.name = 'web';
  d.metadata.labels = { app: 'web' };
  d.spec.replicas = 1;
  d.spec.selector = { matchLabels: { app: 'web' } };
  d.spec.template.metadata.labels = { app: 'web' };
  d.spec.template.spec.containers = [
    {
      image: 'nginx',
      imagePullPolicy: 'Always',
      name: 'nginx',
      resources: {},
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
    },
  ];
  return d;
}

const create = (obj: KubeObject, manager: string, time = T0) =>
  updateManagedFields(undefined, obj, { manager, apiVersion: 'apps/v1', time, definition: DEPLOYMENT });

function withEntries(obj: KubeObject, entries: ManagedFieldsEntry[]): KubeObject {
  obj.metadata.managedFields = entries;
  return obj;
}

describe('FieldsV1', () => {
  it('round-trips the API server spelling, sorted, with "." first', () => {
    const json =
      '{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{}}}}}';
    expect(JSON.stringify(FieldSet.fromFieldsV1(JSON.parse(json)).toFieldsV1())).toBe(json);
  });

  it('sorts list keys by value (numbers numerically) and canonicalises key order', () => {
    const set = FieldSet.fromFieldsV1({
      'f:spec': {
        'f:ports': {
          'k:{"protocol":"TCP","port":443}': { '.': {}, 'f:port': {} },
          'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:port': {} },
        },
      },
    });
    expect(Object.keys((set.toFieldsV1()['f:spec'] as any)['f:ports'])).toEqual(['k:{"port":80,"protocol":"TCP"}', 'k:{"port":443,"protocol":"TCP"}']);
  });

  it('rejects what is not a field set', () => {
    expect(() => FieldSet.fromFieldsV1({ 'x:spec': {} })).toThrow();
    expect(() => FieldSet.fromFieldsV1({ 'f:spec': 1 })).toThrow();
  });
});

describe('renderPath', () => {
  it('prints paths like conflict messages', () => {
    expect(renderPath(['f:spec', 'f:replicas'])).toBe('.spec.replicas');
    expect(renderPath(['f:spec', 'f:template', 'f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'])).toBe('.spec.template.spec.containers[name="nginx"].image');
    expect(renderPath(['f:metadata', 'f:labels', 'f:app'])).toBe('.metadata.labels.app');
    expect(renderPath(['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'])).toBe('.spec.ports[port=80,protocol="TCP"]');
    expect(renderPath(['f:metadata', 'f:finalizers', 'v:"example.com/x"'])).toBe('.metadata.finalizers[="example.com/x"]');
  });
});

describe('fieldSetOf', () => {
  it('owns leaves, list items by key, atomic values whole; not name/apiVersion/status', () => {
    const config = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/x'] },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], args: ['-g', 'daemon off;'], resources: {} }],
            nodeSelector: { disk: 'ssd' },
          },
        },
      },
      status: { replicas: 9 },
    };
    expect(JSON.stringify(fieldSetOf(config, DEPLOYMENT).toFieldsV1())).toBe(
      JSON.stringify({
        'f:metadata': { 'f:finalizers': { 'v:"example.com/x"': {} }, 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:metadata': { 'f:labels': { 'f:app': {} } },
            'f:spec': {
              'f:containers': {
                'k:{"name":"nginx"}': {
                  '.': {},
                  'f:args': {},
                  'f:image': {},
                  'f:name': {},
                  // protocol is a key with a schema default: it is part of the key even when omitted
                  'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  'f:resources': {},
                },
              },
              'f:nodeSelector': {},
            },
          },
        },
      }),
    );
  });

  it('tracks status only for the status subresource', () => {
    const obj = { metadata: { name: 'x' }, spec: { replicas: 1 }, status: { replicas: 1 } };
    expect(fieldSetOf(obj, DEPLOYMENT, { subresource: 'status' }).toFieldsV1()).toEqual({ 'f:status': { 'f:replicas': {} } });
  });
});

describe('updateManagedFields', () => {
  it('gives a create by kubectl-client-side-apply the FieldsV1 a real API server writes', () => {
    const entries = create(csaDeployment(), 'kubectl-client-side-apply');
    expect(entries).toHaveLength(1);
    expect(Object.keys(entries[0])).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    expect(entries[0]).toMatchObject({ manager: 'kubectl-client-side-apply', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1' });
    // `kubectl get deploy nginx -o yaml --show-managed-fields` of this object (kubernetes 1.20), except
    // that LabelSelector is +structType=atomic since: `f:selector: {}` as in current clusters.
    const want = {
      'f:metadata': {
        'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} },
        'f:labels': { '.': {}, 'f:app': {} },
      },
      'f:spec': {
        'f:progressDeadlineSeconds': {},
        'f:replicas': {},
        'f:revisionHistoryLimit': {},
        'f:selector': {},
        'f:strategy': { 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} },
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"nginx"}': {
                '.': {},
                'f:image': {},
                'f:imagePullPolicy': {},
                'f:name': {},
                'f:ports': { '.': {}, 'k:{"containerPort":8080,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {}, 'f:protocol': {} } },
                'f:resources': {},
                'f:terminationMessagePath': {},
                'f:terminationMessagePolicy': {},
              },
            },
            'f:dnsPolicy': {},
            'f:restartPolicy': {},
            'f:schedulerName': {},
            'f:securityContext': {},
            'f:terminationGracePeriodSeconds': {},
          },
        },
      },
    };
    expect(JSON.stringify(entries[0].fieldsV1)).toBe(JSON.stringify(want));
  });

  it('gives a Service created by kubectl-client-side-apply ports keyed by port and protocol', () => {
    const svc: KubeObject = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'frontend', namespace: 'online-boutique', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        internalTrafficPolicy: 'Cluster',
        ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 8080 }],
        selector: { app: 'frontend' },
        sessionAffinity: 'None',
        type: 'ClusterIP',
      },
      status: { loadBalancer: {} },
    };
    const [e] = updateManagedFields(undefined, svc, { manager: 'kubectl-client-side-apply', apiVersion: 'v1', time: T0, definition: 'io.k8s.api.core.v1.Service' });
    // As a real cluster shows it, with ServiceSpec.selector +mapType=atomic (since 1.27).
    expect(JSON.stringify(e.fieldsV1)).toBe(
      JSON.stringify({
        'f:metadata': { 'f:annotations': { '.': {}, 'f:kubectl.kubernetes.io/last-applied-configuration': {} } },
        'f:spec': {
          'f:internalTrafficPolicy': {},
          'f:ports': { '.': {}, 'k:{"port":80,"protocol":"TCP"}': { '.': {}, 'f:name': {}, 'f:port': {}, 'f:protocol': {}, 'f:targetPort': {} } },
          'f:selector': {},
          'f:sessionAffinity': {},
          'f:type': {},
        },
      }),
    );
  });

  it('owns resources: {} even when the stored JSON leaves the value struct out', () => {
    const d = createdDeployment();
    delete d.spec.template.spec.containers[0].resources;
    const f = create(d, 'kubectl-create')[0].fieldsV1 as any;
    expect(f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"nginx"}']['f:resources']).toEqual({});
  });

  it('kubectl scale moves .spec.replicas to a scale-subresource entry', () => {
    const created = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    const scaled = clone(created);
    scaled.spec.replicas = 3;
    scaled.metadata.generation = 2;
    const entries = updateManagedFields(created, scaled, { manager: 'kubectl', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT, subresource: 'scale' });
    expect(entries.map((e) => [e.manager, e.subresource])).toEqual([
      ['kubectl-create', undefined],
      ['kubectl', 'scale'],
    ]);
    expect(entries[1]).toEqual({
      manager: 'kubectl',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: T1,
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
      subresource: 'scale',
    });
    expect((entries[0].fieldsV1 as any)['f:spec']['f:replicas']).toBeUndefined();
    expect(entries[0].time).toBe(T0);
  });

  it('a status update by a controller is its own entry and owns only status', () => {
    const created = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    const next = clone(created);
    next.status = { observedGeneration: 1, replicas: 1, conditions: [{ type: 'Available', status: 'True' }] };
    next.spec.replicas = 7; // reset by the status strategy upstream; never owned through /status
    const entries = updateManagedFields(created, next, { manager: 'kube-controller-manager', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT, subresource: 'status' });
    expect(entries[1]).toMatchObject({ manager: 'kube-controller-manager', subresource: 'status' });
    expect(entries[1].fieldsV1).toEqual({
      'f:status': {
        'f:conditions': { '.': {}, 'k:{"type":"Available"}': { '.': {}, 'f:status': {}, 'f:type': {} } },
        'f:observedGeneration': {},
        'f:replicas': {},
      },
    });
  });

  it('merges a manager’s updates into one entry, removes changed fields from others, drops empty entries', () => {
    const created = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    const labelled = clone(created);
    labelled.metadata.labels = { app: 'web', tier: 'front' };
    const e1 = updateManagedFields(created, labelled, { manager: 'kubectl-label', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT });
    expect(e1[1]).toMatchObject({ manager: 'kubectl-label', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:tier': {} } } } });

    // The label is removed again (kubectl label tier-): it leaves every set, and the empty entry goes.
    const unlabelled = withEntries(clone(labelled), e1);
    delete unlabelled.metadata.labels!.tier;
    const e2 = updateManagedFields(withEntries(clone(labelled), e1), unlabelled, { manager: 'kubectl-label', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT });
    expect(e2.map((e) => e.manager)).toEqual(['kubectl-create']);

    // The creator's label value changes: the new writer takes it over.
    const relabelled = withEntries(clone(created), created.metadata.managedFields!);
    relabelled.metadata.labels = { app: 'other' };
    const e3 = updateManagedFields(created, relabelled, { manager: 'kubectl-edit', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT });
    // kubectl-create still owns the labels map itself (it added it), now without children.
    expect((e3[0].fieldsV1 as any)['f:metadata']['f:labels']).toEqual({});
    expect(e3[1]).toMatchObject({ manager: 'kubectl-edit', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } } });
  });

  it('a no-op update changes nothing, not even times', () => {
    const created = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    const same = clone(created);
    same.metadata.resourceVersion = '99';
    expect(updateManagedFields(created, same, { manager: 'other', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT })).toEqual(created.metadata.managedFields);
  });

  it('honours managedFields sent by the client: [{}] or [] clears them, valid entries replace them', () => {
    const created = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    const o = { manager: 'kubectl-edit', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT };
    for (const reset of [[{}], []]) {
      const next = withEntries(clone(created), reset as any);
      next.spec.replicas = 4;
      expect(updateManagedFields(created, next, o)).toEqual([]);
    }
    const replaced = withEntries(clone(created), [
      { manager: 'mine', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } },
    ]);
    expect(updateManagedFields(created, replaced, o).map((e) => e.manager)).toEqual(['mine']);
    // Invalid entries are ignored in favour of the stored ones.
    const invalid = withEntries(clone(created), [{ manager: 'x', operation: 'Bogus' } as any]);
    expect(updateManagedFields(created, invalid, o)).toEqual(created.metadata.managedFields);
  });

  it('an object without managed fields stays untracked on update', () => {
    const old = createdDeployment();
    const next = clone(old);
    next.spec.replicas = 5;
    expect(updateManagedFields(old, next, { manager: 'm', apiVersion: 'apps/v1', time: T1, definition: DEPLOYMENT })).toEqual([]);
  });

  it('sorts entries: Apply before Update, then by time and manager', () => {
    const obj = withEntries(createdDeployment(), [
      { manager: 'b', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:paused': {} } } },
      { manager: 'a', operation: 'Update', apiVersion: 'apps/v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:minReadySeconds': {} } } },
      { manager: 'z', operation: 'Apply', apiVersion: 'apps/v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
    ]);
    const next = clone(obj);
    next.metadata.labels!.x = 'y';
    expect(updateManagedFields(obj, next, { manager: 'c', apiVersion: 'apps/v1', time: '2020-01-01T00:00:00Z', definition: DEPLOYMENT }).map((e) => e.manager)).toEqual([
      'z',
      'c',
      'a',
      'b',
    ]);
  });

  it('caps Update entries at 10, merging the oldest into ancient-changes', () => {
    let obj = withEntries(createdDeployment(), create(createdDeployment(), 'kubectl-create'));
    for (let i = 0; i < 11; i++) {
      const next = clone(obj);
      next.metadata.labels![`l${i}`] = 'x';
      obj = withEntries(next, updateManagedFields(obj, next, { manager: `m${i}`, apiVersion: 'apps/v1', time: `2022-01-01T00:00:${String(10 + i)}Z`, definition: DEPLOYMENT }));
    }
    const managers = obj.metadata.managedFields!.map((e: ManagedFieldsEntry) => e.manager);
    expect(managers).toHaveLength(10);
    expect(managers).not.toContain('kubectl-create');
    expect(managers).not.toContain('m0');
    const bucket = obj.metadata.managedFields!.find((e: ManagedFieldsEntry) => e.manager === 'ancient-changes');
    // Second overflow: m1 joined the bucket, which takes the time of the last entry merged into it.
    expect(bucket.time).toBe('2022-01-01T00:00:11Z');
    expect(Object.keys(bucket.fieldsV1['f:metadata']['f:labels'])).toEqual(['.', 'f:app', 'f:l0', 'f:l1']);
    expect(bucket.fieldsV1['f:spec']['f:replicas']).toEqual({});
  });
});
