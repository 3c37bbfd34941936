import { describe, expect, it } from 'vitest';
import {
  fnv1a64,
  gvPathOf,
  openapiDocument,
  openapiDocumentWithHash,
  openapiIndex,
} from '../../src/apiserver/openapi';
import type { ResourceDef } from '../../src/resources/types';

const def = (d: Partial<ResourceDef> & Pick<ResourceDef, 'group' | 'version' | 'kind' | 'plural'>): ResourceDef => ({
  singular: d.kind.toLowerCase(),
  namespaced: true,
  nameRule: 'subdomain',
  ...d,
});

const configmaps = def({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps' });
const nodes = def({ group: '', version: 'v1', kind: 'Node', plural: 'nodes', namespaced: false, subresources: { status: true } });
const deployments = def({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  subresources: { status: true, scale: { selector: () => '' } },
});
const bindings = def({ group: '', version: 'v1', kind: 'Binding', plural: 'bindings', verbs: ['create'] });
const slices = def({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices' });

const RESOURCES = [configmaps, nodes, deployments, bindings, slices];

const paramNames = (op: any) => (op.parameters ?? []).map((p: any) => p.name);

/** What kubectl's query-param verifier looks for: a PATCH op for the GVK listing a query parameter. */
function patchOpsFor(doc: any, kind: string) {
  return Object.values(doc.paths)
    .map((item: any) => item.patch)
    .filter((op: any) => op && op['x-kubernetes-group-version-kind'].kind === kind);
}

describe('openapiDocument', () => {
  const core: any = openapiDocument(RESOURCES, 'api/v1');
  const apps: any = openapiDocument(RESOURCES, 'apis/apps/v1');

  it('is an OpenAPI 3.0.0 document without schemas', () => {
    expect(core.openapi).toBe('3.0.0');
    expect(core.info).toEqual({ title: 'Kubernetes', version: 'v1.35.0' });
    expect(core.components).toEqual({});
  });

  it('gives each kind a PATCH op with its GVK and the write query parameters', () => {
    const patch = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].patch;
    expect(patch['x-kubernetes-action']).toBe('patch');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'ConfigMap' });
    expect(paramNames(patch)).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(patch.parameters.every((p: any) => p.in === 'query' && p.schema.type)).toBe(true);
    expect(patch.parameters.find((p: any) => p.name === 'force').schema.type).toBe('boolean');
    expect(patch.operationId).toBe('patchCoreV1NamespacedConfigMap');
    expect(patch.tags).toEqual(['core_v1']);

    const deploy = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(deploy['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(paramNames(deploy)).toContain('fieldValidation');
  });

  it('lists fieldValidation on every PATCH op of a GVK, subresources included', () => {
    const ops = patchOpsFor(apps, 'Deployment');
    expect(ops).toHaveLength(2); // the object and its status
    for (const op of ops) expect(paramNames(op)).toContain('fieldValidation');
    const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'].patch;
    expect(scale['x-kubernetes-group-version-kind']).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect(paramNames(scale)).toContain('fieldValidation');
  });

  it('puts namespaced kinds under namespaces/{namespace} and cluster kinds at the root', () => {
    expect(Object.keys(core.paths)).toEqual([
      '/api/v1/configmaps',
      '/api/v1/namespaces/{namespace}/bindings',
      '/api/v1/namespaces/{namespace}/configmaps',
      '/api/v1/namespaces/{namespace}/configmaps/{name}',
      '/api/v1/nodes',
      '/api/v1/nodes/{name}',
      '/api/v1/nodes/{name}/status',
    ]);
    expect(core.paths['/api/v1/nodes/{name}'].parameters.map((p: any) => p.name)).toEqual(['name', 'pretty']);
    expect(core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'].parameters.map((p: any) => p.name)).toEqual([
      'name',
      'namespace',
      'pretty',
    ]);
    expect(core.paths['/api/v1/nodes/{name}'].patch.operationId).toBe('patchCoreV1Node');
  });

  it('has list, create and delete-collection on the collection path', () => {
    const coll = core.paths['/api/v1/namespaces/{namespace}/configmaps'];
    expect(coll.get['x-kubernetes-action']).toBe('list');
    expect(paramNames(coll.get)).toEqual(expect.arrayContaining(['labelSelector', 'fieldSelector', 'watch', 'limit']));
    expect(coll.post['x-kubernetes-action']).toBe('post');
    expect(coll.post.description).toBe('create a ConfigMap');
    expect(paramNames(coll.post)).toEqual(['dryRun', 'fieldManager', 'fieldValidation']);
    expect(coll.delete['x-kubernetes-action']).toBe('deletecollection');
    const item = core.paths['/api/v1/namespaces/{namespace}/configmaps/{name}'];
    expect(Object.keys(item).sort()).toEqual(['delete', 'get', 'parameters', 'patch', 'put']);
    expect(paramNames(item.delete)).toContain('propagationPolicy');
    expect(core.paths['/api/v1/configmaps'].get.operationId).toBe('listCoreV1ConfigMapForAllNamespaces');
  });

  it('only describes the verbs a kind serves', () => {
    expect(Object.keys(core.paths['/api/v1/namespaces/{namespace}/bindings']).sort()).toEqual(['parameters', 'post']);
    expect(core.paths['/api/v1/namespaces/{namespace}/bindings/{name}']).toBeUndefined();
    expect(core.paths['/api/v1/bindings']).toBeUndefined();
  });

  it('names non-core groups in operation ids and tags', () => {
    const doc: any = openapiDocument(RESOURCES, 'apis/discovery.k8s.io/v1');
    const patch = doc.paths['/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}'].patch;
    expect(patch.operationId).toBe('patchDiscoveryV1NamespacedEndpointSlice');
    expect(patch.tags).toEqual(['discovery_v1']);
  });

  it('returns undefined for a group-version not served or a malformed path', () => {
    expect(openapiDocument(RESOURCES, 'apis/apps/v1beta1')).toBeUndefined();
    expect(openapiDocument(RESOURCES, 'apis/batch/v1')).toBeUndefined();
    expect(openapiDocument(RESOURCES, 'api/v1/extra')).toBeUndefined();
    expect(openapiDocument(RESOURCES, 'apis/v1')).toBeUndefined();
  });
});

describe('fnv1a64', () => {
  it('matches the reference vectors', () => {
    expect(fnv1a64('')).toBe('CBF29CE484222325');
    expect(fnv1a64('a')).toBe('AF63DC4C8601EC8C');
    expect(fnv1a64('foobar')).toBe('85944171F73967E8');
  });
});

describe('openapiDocumentWithHash and openapiIndex', () => {
  it('serializes the document and hashes its JSON', () => {
    const entry = openapiDocumentWithHash(RESOURCES, 'api/v1')!;
    expect(JSON.parse(entry.json)).toEqual(openapiDocument(RESOURCES, 'api/v1'));
    expect(entry.hash).toMatch(/^[0-9A-F]{16}$/);
    expect(entry.hash).toBe(fnv1a64(entry.json));
  });

  it('is stable and memoised, and changes when the content changes', () => {
    const first = openapiDocumentWithHash(RESOURCES, 'apis/apps/v1')!;
    expect(openapiDocumentWithHash(RESOURCES, 'apis/apps/v1')).toBe(first);
    // An equal registry built separately hashes the same.
    expect(openapiDocumentWithHash([...RESOURCES], 'apis/apps/v1')!.hash).toBe(first.hash);
    const withoutScale = [{ ...deployments, subresources: { status: true } }];
    expect(openapiDocumentWithHash(withoutScale, 'apis/apps/v1')!.hash).not.toBe(first.hash);
  });

  it('returns undefined for unknown group-versions', () => {
    expect(openapiDocumentWithHash(RESOURCES, 'apis/nope/v1')).toBeUndefined();
  });

  it('lists every served group-version with the same hashes', () => {
    const index = openapiIndex(RESOURCES);
    expect(Object.keys(index.paths)).toEqual(['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1']);
    for (const [gvPath, { serverRelativeURL }] of Object.entries(index.paths)) {
      expect(serverRelativeURL).toBe(`/openapi/v3/${gvPath}?hash=${openapiDocumentWithHash(RESOURCES, gvPath)!.hash}`);
    }
  });

  it('builds gv paths for core and named groups', () => {
    expect(gvPathOf('', 'v1')).toBe('api/v1');
    expect(gvPathOf('apps', 'v1')).toBe('apis/apps/v1');
  });
});
