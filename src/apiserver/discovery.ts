// Discovery documents derived from the resource registry: /version, aggregated discovery
// (apidiscovery.k8s.io v2 / v2beta1) and the legacy /api, /apis, /api/v1, /apis/<g>[/<v>] lists.
// Shapes follow a 1.35 kube-apiserver (endpoints/installer.go, discovery/aggregated).
import { ALL_VERBS, type ResourceDef, type Verb } from '../resources/types';

/** The /version body of a v1.35.0 kube-apiserver (apimachinery pkg/version.Info). */
export const KUBE_VERSION = {
  major: '1',
  minor: '35',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
  gitVersion: 'v1.35.0',
  gitCommit: '66452049f3d692768c39c797b21b793dce80314e',
  gitTreeState: 'clean',
  buildDate: '2025-12-17T12:32:07Z',
  goVersion: 'go1.25.5',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

export type AggregatedVersion = 'v2' | 'v2beta1';

export interface GroupVersion {
  group: string;
  version: string;
}

// ---------------------------------------------------------------------------------------------
// Content negotiation

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

/** Accept header entries, most preferred first (stable for equal q), q=0 entries dropped. */
function parseAccept(accept: string): MediaRange[] {
  const ranges = accept.split(',').map((entry) => {
    const [type, ...rest] = entry.split(';').map((s) => s.trim());
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    }
    const q = params.q === undefined ? 1 : Number(params.q);
    return { type: type.toLowerCase(), params, q: Number.isNaN(q) ? 1 : q };
  });
  return ranges.filter((r) => r.type && r.q > 0).sort((a, b) => b.q - a.q);
}

// Plain media types a legacy discovery document can be served as.
const LEGACY_TYPES = new Set(['application/json', 'application/*', '*/*']);

/**
 * Which aggregated discovery version to answer /api or /apis with, or null for the legacy
 * document. Like the apiserver, the first acceptable entry wins: an apidiscovery
 * APIGroupDiscoveryList entry picks that version, a plain JSON entry picks legacy.
 */
export function negotiateAggregated(accept: string | null): AggregatedVersion | null {
  for (const { type, params } of parseAccept(accept ?? '')) {
    const isPlain = params.g === undefined && params.v === undefined && params.as === undefined;
    if (isPlain) {
      if (LEGACY_TYPES.has(type)) return null;
      continue;
    }
    const isAggregated =
      type === 'application/json' && params.g === 'apidiscovery.k8s.io' && params.as === 'APIGroupDiscoveryList';
    if (isAggregated && (params.v === 'v2' || params.v === 'v2beta1')) return params.v;
  }
  return null;
}

/** Response Content-Type of an aggregated document; clients ignore the body without these parameters. */
export const aggregatedContentType = (version: AggregatedVersion) =>
  `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;

// ---------------------------------------------------------------------------------------------
// Ordering: groups and versions in the order a real cluster lists them

// Group order of a 1.35 cluster's /apis (aggregator group priorities, highest first).
const GROUP_ORDER = [
  'apiregistration.k8s.io',
  'apps',
  'events.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
  'autoscaling',
  'batch',
  'certificates.k8s.io',
  'networking.k8s.io',
  'policy',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'admissionregistration.k8s.io',
  'apiextensions.k8s.io',
  'scheduling.k8s.io',
  'coordination.k8s.io',
  'node.k8s.io',
  'discovery.k8s.io',
  'flowcontrol.apiserver.k8s.io',
  'internal.apiserver.k8s.io',
  'resource.k8s.io',
  'storagemigration.k8s.io',
];

function groupRank(group: string): number {
  if (group === '') return -1;
  const i = GROUP_ORDER.indexOf(group);
  return i < 0 ? GROUP_ORDER.length : i;
}

const KUBE_VERSION_RE = /^v(\d+)(?:(alpha|beta)(\d+))?$/;
const STABILITY = { alpha: 0, beta: 1, ga: 2 } as const;

/** CompareKubeAwareVersionStrings, most preferred first: v2 > v1 > v1beta2 > v1beta1 > v1alpha1 > other. */
export function compareVersions(a: string, b: string): number {
  const ma = KUBE_VERSION_RE.exec(a);
  const mb = KUBE_VERSION_RE.exec(b);
  if (!ma || !mb) return ma ? -1 : mb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  const stability = (m: RegExpExecArray) => STABILITY[(m[2] as 'alpha' | 'beta' | undefined) ?? 'ga'];
  return stability(mb) - stability(ma) || Number(mb[1]) - Number(ma[1]) || Number(mb[3] ?? 0) - Number(ma[3] ?? 0);
}

/** Every group-version served: core first, then groups in cluster order, versions by preference. */
export function servedGroupVersions(resources: ResourceDef[]): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of resources) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()].sort(
    (a, b) =>
      groupRank(a.group) - groupRank(b.group) ||
      (a.group < b.group ? -1 : a.group > b.group ? 1 : 0) ||
      compareVersions(a.version, b.version),
  );
}

/** Non-core groups served, in cluster order. */
const namedGroups = (resources: ResourceDef[]) =>
  [...new Set(servedGroupVersions(resources).map((gv) => gv.group))].filter(Boolean);

const versionsOf = (resources: ResourceDef[], group: string) =>
  servedGroupVersions(resources)
    .filter((gv) => gv.group === group)
    .map((gv) => gv.version);

/** Definitions served in one group-version, sorted by resource name as the installer registers them. */
function resourcesIn(resources: ResourceDef[], group: string, version: string): ResourceDef[] {
  return resources
    .filter((r) => r.group === group && r.version === version)
    .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Resources and subresources

const sortedVerbs = (def: ResourceDef): Verb[] => [...(def.verbs ?? ALL_VERBS)].sort();

const SUBRESOURCE_VERBS: Verb[] = ['get', 'patch', 'update'];

interface Subresource {
  name: string;
  /** empty group and version mean "the resource's own", as the installer leaves them */
  group: string;
  version: string;
  kind: string;
  verbs: Verb[];
}

/** The subresources of a kind (actions, proxy, scale, status), in name order. */
function subresourcesOf(def: ResourceDef): Subresource[] {
  const subs: Subresource[] = Object.entries(def.subresources?.actions ?? {}).map(([name, a]) => ({
    name,
    group: a.group,
    version: a.version,
    kind: a.kind,
    verbs: ['create'],
  }));
  if (def.subresources?.scale) {
    subs.push({ name: 'scale', group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: SUBRESOURCE_VERBS });
  }
  if (def.subresources?.status) {
    subs.push({ name: 'status', group: '', version: '', kind: def.kind, verbs: SUBRESOURCE_VERBS });
  }
  if (def.subresources?.finalize) subs.push({ name: 'finalize', group: '', version: '', kind: def.kind, verbs: ['update'] });
  // Connect methods GET/POST/PUT/PATCH/DELETE as verbs (HEAD and OPTIONS have none).
  if (def.subresources?.proxy) subs.push({ name: 'proxy', group: '', version: '', kind: def.subresources.proxy, verbs: ['create', 'delete', 'get', 'patch', 'update'] });
  return subs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// Aggregated discovery (apidiscovery.k8s.io)

function resourceDiscovery(def: ResourceDef) {
  const subresources = subresourcesOf(def).map((s) => ({
    subresource: s.name,
    responseKind: { group: s.group, version: s.version, kind: s.kind },
    verbs: s.verbs,
  }));
  return {
    resource: def.plural,
    // A real server leaves group/version empty here ("same as the containing group-version").
    responseKind: { group: '', version: '', kind: def.kind },
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: sortedVerbs(def),
    ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories?.length ? { categories: def.categories } : {}),
    ...(subresources.length ? { subresources } : {}),
  };
}

function groupDiscovery(resources: ResourceDef[], group: string) {
  return {
    // The core group's name is "", which serializes as an empty metadata object.
    metadata: group ? { name: group } : {},
    versions: versionsOf(resources, group).map((version) => ({
      version,
      resources: resourcesIn(resources, group, version).map(resourceDiscovery),
      freshness: 'Current',
    })),
  };
}

/** APIGroupDiscoveryList for /api (the core group alone) or /apis (every other group). */
export function aggregatedDiscovery(resources: ResourceDef[], which: 'api' | 'apis', version: AggregatedVersion) {
  const groups = which === 'api' ? [''] : namedGroups(resources);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => groupDiscovery(resources, g)),
  };
}

// ---------------------------------------------------------------------------------------------
// Legacy discovery

/** /api: the APIVersions of the core group. serverAddress is "host:port" of this server. */
export function apiVersions(serverAddress: string) {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function groupEntry(resources: ResourceDef[], group: string) {
  const versions = versionsOf(resources, group).map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** /apis: every non-core group with its versions, preferred first. */
export function apiGroupList(resources: ResourceDef[]) {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups(resources).map((g) => groupEntry(resources, g)) };
}

/** /apis/<group>, or undefined when the group is not served. */
export function apiGroup(resources: ResourceDef[], group: string) {
  if (!group || versionsOf(resources, group).length === 0) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(resources, group) };
}

function apiResources(def: ResourceDef) {
  const main = {
    name: def.plural,
    singularName: def.singular,
    namespaced: def.namespaced,
    kind: def.kind,
    verbs: sortedVerbs(def),
    ...(def.shortNames?.length ? { shortNames: def.shortNames } : {}),
    ...(def.categories?.length ? { categories: def.categories } : {}),
  };
  const subs = subresourcesOf(def).map((s) => ({
    name: `${def.plural}/${s.name}`,
    singularName: '',
    namespaced: def.namespaced,
    ...(s.group || s.version ? { group: s.group, version: s.version } : {}),
    kind: s.kind,
    verbs: s.verbs,
  }));
  return [main, ...subs];
}

/** /api/v1 (group '') or /apis/<group>/<version>: the APIResourceList, or undefined if not served. */
export function apiResourceList(resources: ResourceDef[], group: string, version: string) {
  const defs = resourcesIn(resources, group, version);
  if (defs.length === 0) return undefined;
  // A real server's /api/v1 list carries no apiVersion; the /apis/<g>/<v> lists do.
  return {
    kind: 'APIResourceList',
    ...(group ? { apiVersion: 'v1', groupVersion: `${group}/${version}` } : { groupVersion: version }),
    resources: defs.flatMap(apiResources),
  };
}
