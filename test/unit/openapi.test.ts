import { describe, expect, it } from 'vitest';
import {
  fnv1a64,
  gvPathOf,
  openapiDocument,
  openapiDocumentWithHash,
  openapiIndex,
} from '../../src/apiserver/openapi';
import { definitionOf } from '../../src/apiserver/strict';
import { RESOURCES as SERVED } from '../../src/resources/registry';
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

const SCHEMA_PREFIX = '#/components/schemas/';
const gvPaths = ['api/v1', 'apis/apps/v1', 'apis/discovery.k8s.io/v1', 'apis/events.k8s.io/v1'];

// First: builds api/v1 of the real registry on a cold module (definition conversion not yet cached).
describe('openapi v3 schemas of the served kinds', () => {
  let core: any;
  let apps: any;

  it('builds api/v1 quickly (first build logged)', () => {
    const t0 = performance.now();
    const entry = openapiDocumentWithHash(SERVED, 'api/v1')!;
    const ms = performance.now() - t0;
    const t1 = performance.now();
    const appsEntry = openapiDocumentWithHash(SERVED, 'apis/apps/v1')!;
    const appsMs = performance.now() - t1;
    console.log(
      `openapi first build: api/v1 ${ms.toFixed(1)} ms (${Math.round(entry.json.length / 1024)} KB), ` +
        `apis/apps/v1 ${appsMs.toFixed(1)} ms (${Math.round(appsEntry.json.length / 1024)} KB)`,
    );
    expect(ms).toBeLessThan(500); // generous for loaded CI machines; typically ~25 ms
    core = JSON.parse(entry.json);
    apps = JSON.parse(appsEntry.json);
  });

  const schemasOf = (gvPath: string): Record<string, any> =>
    JSON.parse(openapiDocumentWithHash(SERVED, gvPath)!.json).components.schemas;

  it('has a schema with its GVK, and one for its list, for every served kind', () => {
    for (const r of SERVED) {
      const schemas = schemasOf(gvPathOf(r.group, r.version));
      const name = definitionOf(r.group, r.version, r.kind);
      expect(schemas[name]?.['x-kubernetes-group-version-kind'], name).toEqual([{ group: r.group, kind: r.kind, version: r.version }]);
      expect(schemas[name].type).toBe('object');
      expect(schemas[`${name}List`]['x-kubernetes-group-version-kind']).toEqual([{ group: r.group, kind: `${r.kind}List`, version: r.version }]);
      expect(schemas[`${name}List`].required).toEqual(['items']);
      expect(schemas[`${name}List`].properties.items.items.allOf).toEqual([{ $ref: `${SCHEMA_PREFIX}${name}` }]);
    }
  });

  it('resolves every $ref within its own document', () => {
    for (const gvPath of gvPaths) {
      const json = openapiDocumentWithHash(SERVED, gvPath)!.json;
      const schemas = JSON.parse(json).components.schemas;
      const refs = [...json.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(0);
      for (const ref of refs) {
        expect(ref.startsWith(SCHEMA_PREFIX), ref).toBe(true);
        expect(schemas[ref.slice(SCHEMA_PREFIX.length)], `${gvPath}: ${ref}`).toBeDefined();
      }
    }
    // The small test registry too, whose Binding has no schema.
    for (const gvPath of ['api/v1', 'apis/apps/v1']) {
      const doc: any = openapiDocument(RESOURCES, gvPath);
      const json = JSON.stringify(doc);
      for (const [, ref] of json.matchAll(/"\$ref":"([^"]+)"/g)) expect(doc.components.schemas[ref.slice(SCHEMA_PREFIX.length)], ref).toBeDefined();
    }
  });

  it('carries the strategic-merge and apply list tags on PodSpec and Container', () => {
    const s = core.components.schemas;
    expect(s['io.k8s.api.core.v1.Pod'].properties.spec).toMatchObject({ allOf: [{ $ref: `${SCHEMA_PREFIX}io.k8s.api.core.v1.PodSpec` }], default: {} });
    const containers = s['io.k8s.api.core.v1.PodSpec'].properties.containers;
    expect(containers).toMatchObject({
      type: 'array',
      items: { allOf: [{ $ref: `${SCHEMA_PREFIX}io.k8s.api.core.v1.Container` }], default: {} },
      'x-kubernetes-patch-merge-key': 'name',
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(containers.description).toMatch(/^List of containers belonging to the pod\./);
    const ports = s['io.k8s.api.core.v1.Container'].properties.ports;
    expect(ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(ports['x-kubernetes-patch-strategy']).toBe('merge');
    expect(ports['x-kubernetes-list-type']).toBe('map');
    expect(ports['x-kubernetes-list-map-keys']).toEqual(['containerPort', 'protocol']);
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    expect(s['io.k8s.api.core.v1.PodSpec'].properties.nodeSelector['x-kubernetes-map-type']).toBe('atomic');
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.finalizers).toMatchObject({
      'x-kubernetes-list-type': 'set',
      'x-kubernetes-patch-strategy': 'merge',
    });
  });

  it('marks Deployment.spec.strategy retainKeys, beside its allOf reference', () => {
    const strategy = apps.components.schemas['io.k8s.api.apps.v1.DeploymentSpec'].properties.strategy;
    expect(strategy['x-kubernetes-patch-strategy']).toBe('retainKeys');
    expect(strategy.allOf).toEqual([{ $ref: `${SCHEMA_PREFIX}io.k8s.api.apps.v1.DeploymentStrategy` }]);
    expect(strategy.description).toBe('The deployment strategy to use to replace existing pods with new ones.');
  });

  it('lists required fields and their zero defaults', () => {
    const container = core.components.schemas['io.k8s.api.core.v1.Container'];
    expect(container.required).toEqual(['name']);
    expect(container.properties.name).toMatchObject({ type: 'string', default: '' });
    expect(container.properties.image.default).toBeUndefined();
    expect(core.components.schemas['io.k8s.api.core.v1.ContainerPort'].properties.containerPort).toMatchObject({
      type: 'integer',
      format: 'int32',
      default: 0,
    });
    expect(core.components.schemas['io.k8s.api.core.v1.ContainerPort'].properties.protocol.enum).toEqual(['SCTP', 'TCP', 'UDP']);
  });

  it('writes Time, IntOrString and Quantity as the v3 spec does', () => {
    const s = apps.components.schemas;
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.Time']).toMatchObject({ type: 'string', format: 'date-time' });
    expect(s['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties.creationTimestamp.allOf).toEqual([
      { $ref: `${SCHEMA_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.Time` },
    ]);
    expect(s['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({
      format: 'int-or-string',
      oneOf: [{ type: 'integer' }, { type: 'string' }],
    });
    expect(s['io.k8s.api.apps.v1.RollingUpdateDeployment'].properties.maxSurge.allOf).toEqual([
      { $ref: `${SCHEMA_PREFIX}io.k8s.apimachinery.pkg.util.intstr.IntOrString` },
    ]);
    const quantity = s['io.k8s.apimachinery.pkg.api.resource.Quantity'];
    expect(quantity.oneOf).toEqual([{ type: 'string' }, { type: 'number' }]);
    expect(quantity.description).toMatch(/^Quantity is a fixed-point representation of a number\..*The serialization format is:/s);
    expect(s['io.k8s.api.core.v1.ResourceRequirements'].properties.limits).toMatchObject({
      type: 'object',
      additionalProperties: { $ref: `${SCHEMA_PREFIX}io.k8s.apimachinery.pkg.api.resource.Quantity` },
    });
    expect(JSON.stringify(s)).not.toContain('@deprecated');
  });

  it('includes Status, DeleteOptions, WatchEvent and Scale with their GVKs', () => {
    const s = apps.components.schemas;
    const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1';
    expect(s[`${meta}.Status`]['x-kubernetes-group-version-kind']).toEqual([{ group: '', kind: 'Status', version: 'v1' }]);
    expect(s[`${meta}.DeleteOptions`]['x-kubernetes-group-version-kind']).toContainEqual({ group: 'apps', kind: 'DeleteOptions', version: 'v1' });
    expect(s[`${meta}.WatchEvent`]['x-kubernetes-group-version-kind']).toContainEqual({ group: '', kind: 'WatchEvent', version: 'v1' });
    expect(s[`${meta}.WatchEvent`].required).toEqual(['type', 'object']);
    expect(s['io.k8s.api.autoscaling.v1.Scale']['x-kubernetes-group-version-kind']).toEqual([{ group: 'autoscaling', kind: 'Scale', version: 'v1' }]);
    expect(core.components.schemas['io.k8s.api.autoscaling.v1.Scale']).toBeDefined(); // replicationcontrollers/scale
    expect(schemasOf('apis/discovery.k8s.io/v1')['io.k8s.api.autoscaling.v1.Scale']).toBeUndefined();
  });

  it('references the schemas from operations, with a strategic-merge-patch body on PATCH', () => {
    const item = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'];
    const deployment = { $ref: `${SCHEMA_PREFIX}io.k8s.api.apps.v1.Deployment` };
    expect(item.patch.requestBody.required).toBe(true);
    expect(Object.keys(item.patch.requestBody.content)).toContain('application/strategic-merge-patch+json');
    expect(item.patch.requestBody.content['application/strategic-merge-patch+json'].schema).toEqual({
      $ref: `${SCHEMA_PREFIX}io.k8s.apimachinery.pkg.apis.meta.v1.Patch`,
    });
    expect(item.patch.responses['200'].content['application/json'].schema).toEqual(deployment);
    expect(item.put.requestBody.content['*/*'].schema).toEqual(deployment);
    expect(item.get.responses['200']).toEqual({ content: { 'application/json': { schema: deployment } }, description: 'OK' });
    expect(item.delete.responses['200'].content['application/json'].schema.$ref).toMatch(/meta\.v1\.Status$/);
    const podDelete = core.paths['/api/v1/namespaces/{namespace}/pods/{name}'].delete; // returns the terminating pod
    expect(podDelete.responses['202'].content['application/json'].schema.$ref).toMatch(/core\.v1\.Pod$/);
    expect(podDelete.requestBody.content['*/*'].schema.$ref).toMatch(/meta\.v1\.DeleteOptions$/);
    const list = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].get.responses['200'].content;
    expect(list['application/json;stream=watch'].schema.$ref).toMatch(/DeploymentList$/);
    const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale'];
    expect(scale.get.responses['200'].content['application/json'].schema.$ref).toMatch(/autoscaling\.v1\.Scale$/);
  });

  it('resolves like kubectl explain: pod.spec.containers is <[]Container>', () => {
    // The lookups of explain's plaintext template: GVK on a path, schema by GVK, allOf/$ref/items.
    const gvk = core.paths['/api/v1/namespaces/{namespace}/pods'].get['x-kubernetes-group-version-kind'];
    const s = core.components.schemas;
    const [name] = Object.entries(s).find(([, v]: [string, any]) => v['x-kubernetes-group-version-kind']?.some((g: any) => JSON.stringify(g) === JSON.stringify(gvk)))!; // same key order as upstream
    expect(name).toBe('io.k8s.api.core.v1.Pod');
    const resolve = (x: any): any => (x.$ref ? s[x.$ref.slice(SCHEMA_PREFIX.length)] : x.allOf?.length === 1 && !x.properties ? resolve(x.allOf[0]) : x);
    const containers = resolve(resolve(s[name].properties.spec)).properties.containers;
    const itemName = containers.items.allOf[0].$ref.split('.').pop();
    expect(`[]${itemName}`).toBe('[]Container');
    expect(resolve(containers.items).type).toBe('object');
  });

  it('is deterministic: an equal registry built separately hashes the same', () => {
    for (const gvPath of gvPaths) {
      const a = openapiDocumentWithHash(SERVED, gvPath)!;
      const b = openapiDocumentWithHash([...SERVED], gvPath)!;
      expect(b).not.toBe(a);
      expect(b.hash).toBe(a.hash);
    }
  });
});

describe('openapiDocument', () => {
  const core: any = openapiDocument(RESOURCES, 'api/v1');
  const apps: any = openapiDocument(RESOURCES, 'apis/apps/v1');

  it('is an OpenAPI 3.0.0 document with schemas', () => {
    expect(core.openapi).toBe('3.0.0');
    expect(core.info).toEqual({ title: 'Kubernetes', version: 'v1.35.0' });
    expect(Object.keys(core.components.schemas)).toContain('io.k8s.api.core.v1.ConfigMap');
    expect(Object.keys(core)).toEqual(['components', 'info', 'openapi', 'paths']);
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
