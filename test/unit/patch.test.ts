import { describe, expect, it } from 'vitest';
import { PatchError, jsonPatch, mergePatch, strategicMergePatch } from '../../src/apiserver/patch';
import type { PatchMeta } from '../../src/resources/types';

function patchError(fn: () => unknown): PatchError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PatchError);
    return e as PatchError;
  }
  throw new Error('expected a PatchError');
}

/** ObjectMeta's list tags, at the top and in a pod template (patch-meta.ts derives these per kind). */
const objectMeta: PatchMeta = {
  'metadata.finalizers': { strategy: 'merge' },
  'metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'spec.template.metadata.finalizers': { strategy: 'merge' },
};
const GENERIC_422 = 'the server rejected our request due to an error in our request';

describe('mergePatch', () => {
  // RFC 7386 appendix A, the cases whose patch is an object.
  it.each([
    [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
    [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
    [{ a: 'b' }, { a: null }, {}],
    [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
    [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
    [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
    [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
    [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: 'b', c: null }, { a: 'b' }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])('%j + %j', (target, patch, want) => {
    expect(mergePatch(target, patch)).toEqual(want);
  });

  it('deletes a label with null and leaves the input alone (kubectl label app-)', () => {
    const pod = { metadata: { name: 'p', labels: { app: 'web', tier: 'x' } } };
    const out = mergePatch(pod, { metadata: { labels: { app: null, env: 'dev' } } });
    expect(out).toEqual({ metadata: { name: 'p', labels: { tier: 'x', env: 'dev' } } });
    expect(pod.metadata.labels).toEqual({ app: 'web', tier: 'x' });
  });

  it('replaces lists and drops nulls from values it adds, as evanphx/json-patch does', () => {
    const out = mergePatch({ spec: { containers: [{ name: 'a' }, { name: 'b' }] } }, { spec: { containers: [{ name: 'c', x: null }, null] } });
    expect(out).toEqual({ spec: { containers: [{ name: 'c' }] } });
  });

  it('keeps "__proto__" as an ordinary key', () => {
    const out = mergePatch({}, JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a body that is not an object with 400', () => {
    const nullBody = patchError(() => mergePatch({}, null));
    expect([nullBody.code, nullBody.reason, nullBody.message]).toEqual([400, 'BadRequest', 'Invalid JSON Patch']);
    expect(patchError(() => mergePatch({}, ['a'])).message).toBe(
      'error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}',
    );
    expect(patchError(() => mergePatch({}, 'x')).message).toBe(
      'error decoding patch: json: cannot unmarshal string into Go value of type map[string]interface {}',
    );
  });
});

describe('jsonPatch', () => {
  // RFC 6902 appendix A.
  it('A.1 adds an object member', () => {
    expect(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }])).toEqual({ baz: 'qux', foo: 'bar' });
  });

  it('A.2 adds an array element', () => {
    expect(jsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }])).toEqual({ foo: ['bar', 'qux', 'baz'] });
  });

  it('A.3 / A.4 remove an object member and an array element', () => {
    expect(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }])).toEqual({ foo: 'bar' });
    expect(jsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }])).toEqual({ foo: ['bar', 'baz'] });
  });

  it('A.5 replaces a value', () => {
    expect(jsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }])).toEqual({ baz: 'boo', foo: 'bar' });
  });

  it('A.6 / A.7 move a value and an array element', () => {
    const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
    expect(jsonPatch(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }])).toEqual({
      foo: { bar: 'baz' },
      qux: { corge: 'grault', thud: 'fred' },
    });
    expect(jsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [{ op: 'move', from: '/foo/1', path: '/foo/3' }])).toEqual({
      foo: ['all', 'cows', 'eat', 'grass'],
    });
  });

  it('A.8 / A.9 test values', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    expect(jsonPatch(doc, [{ op: 'test', path: '/baz', value: 'qux' }, { op: 'test', path: '/foo/1', value: 2 }])).toEqual(doc);
    const err = patchError(() => jsonPatch({ baz: 'qux' }, [{ op: 'test', path: '/baz', value: 'bar' }]));
    expect([err.code, err.reason, err.message, err.detail]).toEqual([422, 'Invalid', GENERIC_422, 'testing value /baz failed: test failed']);
  });

  it('A.10 adds a nested member object and A.16 an array value with "-"', () => {
    expect(jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }])).toEqual({
      foo: 'bar',
      child: { grandchild: {} },
    });
    expect(jsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }])).toEqual({ foo: ['bar', ['abc', 'def']] });
  });

  it('A.12 fails to add to a nonexistent target', () => {
    const err = patchError(() => jsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }]));
    expect(err.code).toBe(422);
    expect(err.detail).toBe('add operation does not apply: doc is missing path: "/baz/bat": missing value');
  });

  it('A.14 / A.15 decode ~0 and ~1 and compare strings with numbers strictly', () => {
    const doc = { '/': 9, '~1': 10 };
    expect(jsonPatch(doc, [{ op: 'test', path: '/~01', value: 10 }])).toEqual(doc);
    expect(patchError(() => jsonPatch(doc, [{ op: 'test', path: '/~01', value: '10' }])).detail).toBe(
      'testing value /~01 failed: test failed',
    );
    expect(jsonPatch({ metadata: { annotations: {} } }, [{ op: 'add', path: '/metadata/annotations/a.io~1b', value: 'x' }])).toEqual({
      metadata: { annotations: { 'a.io/b': 'x' } },
    });
  });

  it('copies deeply and counts negative indexes from the end', () => {
    const out = jsonPatch({ a: { b: [1] } }, [
      { op: 'copy', from: '/a', path: '/c' },
      { op: 'add', path: '/c/b/-', value: 2 },
      { op: 'remove', path: '/c/b/-1' },
      { op: 'add', path: '/c/b/0', value: 0 },
    ]);
    expect(out).toEqual({ a: { b: [1] }, c: { b: [0, 1] } });
  });

  it('applies the patch kubectl rollout undo sends, leaving the input alone', () => {
    const deploy = { metadata: { annotations: { a: '1' } }, spec: { template: { metadata: {}, spec: { containers: [{ name: 'c', image: 'v2' }] } } } };
    const template = { metadata: {}, spec: { containers: [{ name: 'c', image: 'v1' }] } };
    const out = jsonPatch(deploy, [
      { op: 'replace', path: '/spec/template', value: template },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '3' } },
    ]);
    expect(out).toEqual({ metadata: { annotations: { 'deployment.kubernetes.io/revision': '3' } }, spec: { template } });
    expect(deploy.spec.template.spec.containers[0].image).toBe('v2');
  });

  it('reports each failure with the evanphx/json-patch text behind a generic 422', () => {
    const detail = (doc: unknown, ops: unknown) => {
      const err = patchError(() => jsonPatch(doc, ops));
      expect([err.code, err.message]).toEqual([422, GENERIC_422]);
      return err.detail;
    };
    expect(detail({ a: 1 }, [{ op: 'remove', path: '/x' }])).toBe("error in remove for path: '/x': Unable to remove nonexistent key: x: missing value");
    expect(detail({ a: [1] }, [{ op: 'replace', path: '/a/5', value: 2 }])).toBe('replace operation does not apply: doc is missing key: /a/5: missing value');
    expect(detail({ a: [1] }, [{ op: 'add', path: '/a/5', value: 2 }])).toBe(
      "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced",
    );
    expect(detail({ a: [1] }, [{ op: 'add', path: '/a/x', value: 2 }])).toBe(
      "error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
    );
    expect(detail({ a: 1 }, [{ op: 'move', from: '/b', path: '/c' }])).toBe("error in move for path: 'b': Unable to remove nonexistent key: b: missing value");
    expect(detail({ a: 1 }, [{ op: 'copy', from: '/x/y', path: '/c' }])).toBe('copy operation does not apply: doc is missing from path: /x/y: missing value');
    expect(detail({ a: 1 }, [{ op: 'add', value: 1 }])).toBe('add operation failed to decode path: missing value');
    expect(detail({ a: 1 }, [{ op: 'move', path: '/a' }])).toBe('move operation failed to decode from: operation, missing from field: missing value');
    expect(detail({ a: 1 }, [{ op: 'frobnicate', path: '/a' }])).toBe('Unexpected kind: frobnicate');
    expect(detail({ a: 1 }, [{ path: '/a' }])).toBe('Unexpected kind: unknown');
    expect(detail({ a: 1 }, [{ op: 'toString', path: '/a' }])).toBe('Unexpected kind: toString');
  });

  it('is all or nothing', () => {
    const doc = { a: 1 };
    patchError(() => jsonPatch(doc, [{ op: 'add', path: '/b', value: 2 }, { op: 'remove', path: '/zzz' }]));
    expect(doc).toEqual({ a: 1 });
  });

  it('rejects a malformed body with 400 and too many operations with 413', () => {
    expect(patchError(() => jsonPatch({}, { op: 'add' })).message).toBe(
      'error decoding patch: json: cannot unmarshal object into Go value of type []handlers.jsonPatchOp',
    );
    expect(patchError(() => jsonPatch({}, [1])).message).toBe(
      'error decoding patch: json: cannot unmarshal number into Go value of type handlers.jsonPatchOp',
    );
    const badPath = patchError(() => jsonPatch({}, [{ op: 'add', path: 5 }]));
    expect([badPath.code, badPath.message]).toEqual([
      400,
      'error decoding patch: json: cannot unmarshal number into Go struct field jsonPatchOp.path of type string',
    ]);
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/a', value: 1 }));
    const tooMany = patchError(() => jsonPatch({ a: 1 }, ops));
    expect([tooMany.code, tooMany.reason, tooMany.message]).toEqual([
      413,
      'RequestEntityTooLarge',
      'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    ]);
    expect(jsonPatch({ a: 1 }, null)).toEqual({ a: 1 });
  });
});

describe('strategicMergePatch', () => {
  const deploymentMeta: PatchMeta = {
    'spec.template.spec.containers': { strategy: 'merge', mergeKey: 'name' },
    'spec.template.spec.containers.env': { strategy: 'merge', mergeKey: 'name' },
    'spec.template.spec.containers.ports': { strategy: 'merge', mergeKey: 'containerPort' },
    'spec.template.spec.volumes': { strategy: 'merge,retainKeys', mergeKey: 'name' },
  };
  const podMeta: PatchMeta = {
    'spec.containers': { strategy: 'merge', mergeKey: 'name' },
    'spec.containers.env': { strategy: 'merge', mergeKey: 'name' },
    'spec.containers.ports': { strategy: 'merge', mergeKey: 'containerPort' },
  };

  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'nginx', image: 'nginx:1.25', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80, protocol: 'TCP' }] }],
          restartPolicy: 'Always',
        },
      },
    },
  });

  it('applies the patch kubectl apply sends to a deployment', () => {
    const original = deployment();
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"new":true}\n' } },
      spec: {
        replicas: 3,
        template: { spec: { '$setElementOrder/containers': [{ name: 'nginx' }], containers: [{ image: 'nginx:1.26', name: 'nginx' }] } },
      },
    };
    const out = strategicMergePatch(original, patch, deploymentMeta) as ReturnType<typeof deployment>;
    const want = deployment();
    want.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = '{"new":true}\n';
    want.spec.replicas = 3;
    want.spec.template.spec.containers[0].image = 'nginx:1.26';
    expect(out).toEqual(want);
    expect(original).toEqual(deployment());
  });

  it('appends a container that $setElementOrder lists last', () => {
    const out = strategicMergePatch(
      deployment(),
      {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'nginx' }, { name: 'sidecar' }],
              containers: [{ name: 'sidecar', image: 'busybox' }],
            },
          },
        },
      },
      deploymentMeta,
    ) as ReturnType<typeof deployment>;
    expect(out.spec.template.spec.containers.map((c) => c.name)).toEqual(['nginx', 'sidecar']);
    expect(out.spec.template.spec.containers[0].image).toBe('nginx:1.25');
  });

  it('reorders by $setElementOrder, keeping server-only items', () => {
    const pod = { spec: { containers: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] } };
    const out = strategicMergePatch(
      pod,
      { spec: { '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }], containers: [{ name: 'a', image: 'x' }] } },
      podMeta,
    );
    expect(out).toEqual({ spec: { containers: [{ name: 'b' }, { name: 'c' }, { name: 'a', image: 'x' }] } });
  });

  it('merges env by name and ports by containerPort', () => {
    const pod = {
      spec: {
        containers: [
          {
            name: 'app',
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }],
            ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443, name: 'https' }],
          },
        ],
      },
    };
    const out = strategicMergePatch(
      pod,
      {
        spec: {
          containers: [
            {
              name: 'app',
              env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }],
              ports: [{ containerPort: 80, protocol: 'TCP' }],
            },
          ],
        },
      },
      podMeta,
    );
    expect(out).toEqual({
      spec: {
        containers: [
          {
            name: 'app',
            env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }],
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }, { containerPort: 443, name: 'https' }],
          },
        ],
      },
    });
  });

  it('puts new list items before the live ones when no order is given', () => {
    const out = strategicMergePatch({ spec: { containers: [{ name: 'a' }] } }, { spec: { containers: [{ name: 'b' }] } }, podMeta);
    expect(out).toEqual({ spec: { containers: [{ name: 'b' }, { name: 'a' }] } });
  });

  it('deletes a list element with $patch: delete', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] } };
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }, podMeta);
    expect(out).toEqual({ spec: { containers: [{ name: 'b', image: 'y' }] } });
  });

  it('replaces a list with an element $patch: replace, and a map with $patch: replace', () => {
    const pod = { spec: { containers: [{ name: 'a' }, { name: 'b' }], nodeSelector: { a: '1', b: '2' } } };
    const out = strategicMergePatch(
      pod,
      { spec: { containers: [{ $patch: 'replace' }, { name: 'c', image: 'z' }], nodeSelector: { $patch: 'replace', c: '3' } } },
      podMeta,
    );
    expect(out).toEqual({ spec: { containers: [{ name: 'c', image: 'z' }], nodeSelector: { c: '3' } } });
  });

  it('empties a map with $patch: delete and deletes keys with null', () => {
    const pod = { metadata: { labels: { app: 'web', tier: 'x' }, annotations: { a: '1' } } };
    const out = strategicMergePatch(pod, { metadata: { labels: { app: null, missing: null }, annotations: { $patch: 'delete' } } }, {});
    expect(out).toEqual({ metadata: { labels: { tier: 'x' }, annotations: {} } });
  });

  it('replaces lists that PatchMeta does not name', () => {
    const pod = { spec: { containers: [{ name: 'a', args: ['x', 'y'] }] } };
    const out = strategicMergePatch(pod, { spec: { containers: [{ name: 'a', args: ['z'] }] } }, podMeta);
    expect(out).toEqual({ spec: { containers: [{ name: 'a', args: ['z'] }] } });
    expect(strategicMergePatch(pod, { spec: { containers: [{ name: 'b' }] } }, {})).toEqual({ spec: { containers: [{ name: 'b' }] } });
  });

  it('merges finalizers as a set and deletes with $deleteFromPrimitiveList', () => {
    const obj = { metadata: { finalizers: ['a', 'b', 'c'] } };
    expect(strategicMergePatch(obj, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } }, objectMeta)).toEqual({
      metadata: { finalizers: ['a', 'c'] },
    });
    expect(strategicMergePatch(obj, { metadata: { finalizers: ['c', 'd'] } }, objectMeta)).toEqual({
      metadata: { finalizers: ['a', 'b', 'c', 'd'] },
    });
    expect(
      strategicMergePatch(obj, { metadata: { '$setElementOrder/finalizers': ['c', 'a', 'b'], finalizers: ['c'] } }, objectMeta),
    ).toEqual({ metadata: { finalizers: ['c', 'a', 'b'] } });
    // ObjectMeta tags hold in pod templates too.
    const template = { spec: { template: { metadata: { finalizers: ['a'] } } } };
    expect(strategicMergePatch(template, { spec: { template: { metadata: { finalizers: ['b'] } } } }, objectMeta)).toEqual({
      spec: { template: { metadata: { finalizers: ['b', 'a'] } } },
    });
  });

  it('merges ownerReferences by uid', () => {
    const obj = { metadata: { ownerReferences: [{ uid: '1', name: 'rs-a', controller: true }, { uid: '2', name: 'rs-b' }] } };
    const out = strategicMergePatch(obj, { metadata: { ownerReferences: [{ uid: '1', controller: null }] } }, objectMeta);
    expect(out).toEqual({ metadata: { ownerReferences: [{ uid: '1', name: 'rs-a' }, { uid: '2', name: 'rs-b' }] } });
  });

  it('clears keys missing from $retainKeys', () => {
    const out = strategicMergePatch(
      deployment(),
      { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      deploymentMeta,
    ) as ReturnType<typeof deployment>;
    expect(out.spec.strategy).toEqual({ type: 'Recreate' });
    const err = patchError(() => strategicMergePatch(deployment(), { spec: { strategy: { $retainKeys: ['type'], foo: 1 } } }, deploymentMeta));
    expect([err.code, err.message]).toEqual([400, 'invalid patch format of retainKeys']);
  });

  it('never lets directive keys into the result', () => {
    const out = strategicMergePatch(
      { spec: {} },
      {
        spec: {
          containers: [{ name: 'a', env: [{ name: 'X', $patch: 'delete' }], '$setElementOrder/env': [{ name: 'X' }] }],
          strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null },
          affinity: { $patch: 'replace', nodeAffinity: {} },
        },
      },
      podMeta,
    );
    expect(JSON.stringify(out)).not.toContain('$');
    expect(out).toEqual({
      spec: { containers: [{ name: 'a', env: [{ name: 'X' }] }], strategy: { type: 'Recreate' }, affinity: { nodeAffinity: {} } },
    });
  });

  it('orders large lists', () => {
    const names = Array.from({ length: 20000 }, (_, i) => `f${i}`);
    const obj = { metadata: { finalizers: names } };
    const reversed = [...names].reverse();
    const out = strategicMergePatch(obj, { metadata: { '$setElementOrder/finalizers': reversed, finalizers: reversed } }, objectMeta) as typeof obj;
    expect(out.metadata.finalizers).toEqual(reversed);
  });

  it('treats a null body as no change and rejects a non-object body with 400', () => {
    expect(strategicMergePatch({ a: 1 }, null, {})).toEqual({ a: 1 });
    const err = patchError(() => strategicMergePatch({ a: 1 }, [1], {}));
    expect([err.code, err.message]).toEqual([400, 'json: cannot unmarshal array into Go value of type map[string]interface {}']);
  });

  it('reports malformed patches with the strategicpatch messages and codes', () => {
    const pod = { spec: { containers: [{ name: 'a', image: 'x' }] } };
    const noKey = patchError(() => strategicMergePatch(pod, { spec: { containers: [{ image: 'nginx' }] } }, podMeta));
    expect([noKey.code, noKey.reason, noKey.message]).toEqual([500, '', 'map: map[image:nginx] does not contain declared merge key: name']);
    expect(patchError(() => strategicMergePatch(pod, { spec: { $patch: 'merge', a: 'b' } }, podMeta)).message).toBe(
      'unknown patch type: merge in map: map[$patch:merge a:b]',
    );
    expect(patchError(() => strategicMergePatch(pod, { spec: { containers: [{ name: 'a', $patch: 'merge' }] } }, podMeta)).message).toBe(
      'merging lists cannot yet be specified in the patch',
    );
    expect(patchError(() => strategicMergePatch({ metadata: { finalizers: ['a'] } }, { metadata: { finalizers: [['b']] } }, objectMeta)).message).toBe(
      'list element types are not identical: [[a] [[b]]]',
    );
    const lists = patchError(() => strategicMergePatch({ metadata: { finalizers: [['a']] } }, { metadata: { finalizers: [['b']] } }, objectMeta));
    expect([lists.code, lists.message, lists.detail]).toEqual([422, GENERIC_422, 'lists of lists are not supported']);
    const order = patchError(() =>
      strategicMergePatch(
        { spec: { containers: [{ name: 'a' }, { name: 'b' }] } },
        { spec: { '$setElementOrder/containers': [{ name: 'a' }], containers: [{ name: 'b' }] } },
        podMeta,
      ),
    );
    expect(order.message).toBe("The order in patch list:\n[map[name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n");
    expect(patchError(() => strategicMergePatch(pod, { spec: { '$setElementOrder/containers': 'x' } }, podMeta)).message).toBe(
      'expected a []interface {}, but received a string',
    );
    const withMeta = { metadata: { finalizers: ['a'] } };
    const badKey = patchError(() => strategicMergePatch(withMeta, { metadata: { $deleteFromPrimitiveList: ['a'] } }, {}));
    expect([badKey.code, badKey.message]).toEqual([400, 'invalid patch format of primitive list']);
  });
});
