import { describe, expect, it } from 'vitest';
import {
  KUBE_VERSION,
  aggregatedContentType,
  aggregatedDiscovery,
  apiGroup,
  apiGroupList,
  apiResourceList,
  apiVersions,
  compareVersions,
  negotiateAggregated,
  servedGroupVersions,
} from '../../src/apiserver/discovery';
import type { ResourceDef } from '../../src/resources/types';

const def = (d: Partial<ResourceDef> & Pick<ResourceDef, 'group' | 'version' | 'kind' | 'plural'>): ResourceDef => ({
  singular: d.kind.toLowerCase(),
  namespaced: true,
  nameRule: 'subdomain',
  ...d,
});

const pods = def({
  group: '',
  version: 'v1',
  kind: 'Pod',
  plural: 'pods',
  shortNames: ['po'],
  categories: ['all'],
  subresources: { status: true },
});
const namespaces = def({
  group: '',
  version: 'v1',
  kind: 'Namespace',
  plural: 'namespaces',
  namespaced: false,
  shortNames: ['ns'],
  verbs: ['watch', 'create', 'get', 'list', 'delete', 'patch', 'update'],
});
const configmaps = def({ group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', shortNames: ['cm'] });
const deployments = def({
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  plural: 'deployments',
  shortNames: ['deploy'],
  categories: ['all'],
  subresources: { status: true, scale: { selector: () => '' } },
});
const slices = def({ group: 'discovery.k8s.io', version: 'v1', kind: 'EndpointSlice', plural: 'endpointslices' });
const hpaV1 = def({ group: 'autoscaling', version: 'v1', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' });
const hpaV2 = def({ group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers' });

const RESOURCES = [slices, pods, namespaces, hpaV1, configmaps, deployments, hpaV2];

// client-go discovery_client.go: AcceptV2 + "," + AcceptV2Beta1 + "," + AcceptV1 (kubectl 1.30+, incl. 1.35)
const KUBECTL_135_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,' +
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';
// kubectl <= 1.29: v2beta1 only, then legacy JSON
const KUBECTL_129_ACCEPT = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

describe('KUBE_VERSION', () => {
  it('reports a v1.35.0 server with 1.35 emulation and 1.34 min compatibility', () => {
    expect(KUBE_VERSION).toMatchObject({
      major: '1',
      minor: '35',
      gitVersion: 'v1.35.0',
      emulationMajor: '1',
      emulationMinor: '35',
      minCompatibilityMajor: '1',
      minCompatibilityMinor: '34',
      gitTreeState: 'clean',
      compiler: 'gc',
      platform: 'linux/amd64',
    });
    expect(KUBE_VERSION.gitCommit).toMatch(/^[0-9a-f]{40}$/);
  });
});

describe('negotiateAggregated', () => {
  it('picks v2 for kubectl 1.35 and v2beta1 for kubectl 1.29', () => {
    expect(negotiateAggregated(KUBECTL_135_ACCEPT)).toBe('v2');
    expect(negotiateAggregated(KUBECTL_129_ACCEPT)).toBe('v2beta1');
  });

  it('falls back to legacy without an apidiscovery entry', () => {
    expect(negotiateAggregated(null)).toBeNull();
    expect(negotiateAggregated('application/json')).toBeNull();
    expect(negotiateAggregated('application/json, */*')).toBeNull();
  });

  it('lets an earlier plain JSON entry win, as the apiserver does', () => {
    expect(negotiateAggregated('application/json,' + KUBECTL_135_ACCEPT)).toBeNull();
  });

  it('tolerates spaces and parameter order, and skips unknown versions and other kinds', () => {
    expect(negotiateAggregated('application/json; as=APIGroupDiscoveryList; v=v2beta1; g=apidiscovery.k8s.io')).toBe(
      'v2beta1',
    );
    expect(
      negotiateAggregated(
        'application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,' +
          'application/json;as=Table;v=v1;g=meta.k8s.io,' +
          'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
      ),
    ).toBe('v2beta1');
  });

  it('orders by q and ignores q=0', () => {
    expect(
      negotiateAggregated(
        'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList;q=0.5,' +
          'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
      ),
    ).toBe('v2');
    expect(negotiateAggregated('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList;q=0')).toBeNull();
  });

  it('names the negotiated version in the Content-Type', () => {
    expect(aggregatedContentType('v2')).toBe('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    expect(aggregatedContentType('v2beta1')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
    );
  });
});

describe('ordering', () => {
  it('sorts versions by Kubernetes preference', () => {
    expect(['v1alpha1', 'v1', 'foo', 'v1beta2', 'v2', 'v1beta1', 'v2beta1'].sort(compareVersions)).toEqual([
      'v2',
      'v1',
      'v2beta1',
      'v1beta2',
      'v1beta1',
      'v1alpha1',
      'foo',
    ]);
  });

  it('lists core first, then groups in cluster order, preferred version first', () => {
    expect(servedGroupVersions(RESOURCES)).toEqual([
      { group: '', version: 'v1' },
      { group: 'apps', version: 'v1' },
      { group: 'autoscaling', version: 'v2' },
      { group: 'autoscaling', version: 'v1' },
      { group: 'discovery.k8s.io', version: 'v1' },
    ]);
  });
});

describe('aggregatedDiscovery', () => {
  it('serves /api as one core item with sorted resources', () => {
    const doc = aggregatedDiscovery(RESOURCES, 'api', 'v2');
    expect(doc.kind).toBe('APIGroupDiscoveryList');
    expect(doc.apiVersion).toBe('apidiscovery.k8s.io/v2');
    expect(doc.items).toHaveLength(1);
    const [core] = doc.items;
    expect(core.metadata).toEqual({});
    expect(core.versions).toHaveLength(1);
    expect(core.versions[0].version).toBe('v1');
    expect(core.versions[0].freshness).toBe('Current');
    expect(core.versions[0].resources.map((r) => r.resource)).toEqual(['configmaps', 'namespaces', 'pods']);
  });

  it('describes a resource like a real server', () => {
    const core = aggregatedDiscovery(RESOURCES, 'api', 'v2').items[0];
    const [, ns, po] = core.versions[0].resources;
    expect(po).toEqual({
      resource: 'pods',
      responseKind: { group: '', version: '', kind: 'Pod' },
      scope: 'Namespaced',
      singularResource: 'pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
      subresources: [
        { subresource: 'status', responseKind: { group: '', version: '', kind: 'Pod' }, verbs: ['get', 'patch', 'update'] },
      ],
    });
    expect(ns.scope).toBe('Cluster');
    expect(ns.verbs).toEqual(['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    expect(ns).not.toHaveProperty('categories');
    expect(ns).not.toHaveProperty('subresources');
  });

  it('gives the scale subresource the autoscaling/v1 Scale kind', () => {
    const apps = aggregatedDiscovery(RESOURCES, 'apis', 'v2').items.find((i) => 'name' in i.metadata && i.metadata.name === 'apps')!;
    const deploy = apps.versions[0].resources[0];
    expect(deploy.subresources).toEqual([
      { subresource: 'scale', responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] },
      { subresource: 'status', responseKind: { group: '', version: '', kind: 'Deployment' }, verbs: ['get', 'patch', 'update'] },
    ]);
  });

  it('serves /apis with one item per non-core group, versions in preference order', () => {
    const doc = aggregatedDiscovery(RESOURCES, 'apis', 'v2beta1');
    expect(doc.apiVersion).toBe('apidiscovery.k8s.io/v2beta1');
    expect(doc.items.map((i) => i.metadata)).toEqual([
      { name: 'apps' },
      { name: 'autoscaling' },
      { name: 'discovery.k8s.io' },
    ]);
    expect(doc.items[1].versions.map((v) => v.version)).toEqual(['v2', 'v1']);
  });
});

describe('legacy discovery', () => {
  it('serves /api as APIVersions with the server address', () => {
    expect(apiVersions('10.0.0.1:443')).toEqual({
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.0.0.1:443' }],
    });
  });

  it('serves /apis as an APIGroupList without the core group', () => {
    const list = apiGroupList(RESOURCES);
    expect(list.kind).toBe('APIGroupList');
    expect(list.apiVersion).toBe('v1');
    expect(list.groups.map((g) => g.name)).toEqual(['apps', 'autoscaling', 'discovery.k8s.io']);
    expect(list.groups[1]).toEqual({
      name: 'autoscaling',
      versions: [
        { groupVersion: 'autoscaling/v2', version: 'v2' },
        { groupVersion: 'autoscaling/v1', version: 'v1' },
      ],
      preferredVersion: { groupVersion: 'autoscaling/v2', version: 'v2' },
    });
  });

  it('serves /apis/<group> and nothing for unknown or core groups', () => {
    expect(apiGroup(RESOURCES, 'apps')).toEqual({
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: 'apps',
      versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
      preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
    });
    expect(apiGroup(RESOURCES, 'batch')).toBeUndefined();
    expect(apiGroup(RESOURCES, '')).toBeUndefined();
  });

  it('serves /api/v1 without apiVersion, with subresource entries', () => {
    const list = apiResourceList(RESOURCES, '', 'v1')!;
    expect(list).not.toHaveProperty('apiVersion');
    expect(list.groupVersion).toBe('v1');
    expect(list.resources.map((r) => r.name)).toEqual(['configmaps', 'namespaces', 'pods', 'pods/status']);
    expect(list.resources[2]).toEqual({
      name: 'pods',
      singularName: 'pod',
      namespaced: true,
      kind: 'Pod',
      verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
      shortNames: ['po'],
      categories: ['all'],
    });
    expect(list.resources[3]).toEqual({
      name: 'pods/status',
      singularName: '',
      namespaced: true,
      kind: 'Pod',
      verbs: ['get', 'patch', 'update'],
    });
    expect(list.resources[1].namespaced).toBe(false);
  });

  it('serves /apis/<g>/<v> with apiVersion and a Scale entry naming its group', () => {
    const list = apiResourceList(RESOURCES, 'apps', 'v1')!;
    expect(list).toMatchObject({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: 'apps/v1' });
    expect(list.resources.map((r) => r.name)).toEqual(['deployments', 'deployments/scale', 'deployments/status']);
    expect(list.resources[1]).toEqual({
      name: 'deployments/scale',
      singularName: '',
      namespaced: true,
      group: 'autoscaling',
      version: 'v1',
      kind: 'Scale',
      verbs: ['get', 'patch', 'update'],
    });
    expect(list.resources[2]).not.toHaveProperty('group');
  });

  it('returns undefined for a group-version not served', () => {
    expect(apiResourceList(RESOURCES, 'apps', 'v1beta1')).toBeUndefined();
    expect(apiResourceList(RESOURCES, '', 'v2')).toBeUndefined();
    expect(apiResourceList(RESOURCES, 'batch', 'v1')).toBeUndefined();
  });
});
