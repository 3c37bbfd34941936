// core/v1 Node: SetDefaults_NodeStatus, ValidateNode / ValidateNodeUpdate and printNode.
import { duplicate, forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { isLabelValue, isQualifiedName } from '../apiserver/names';
import { ageColumn, nameColumn } from '../apiserver/printers';
import { cidrErrors, isIPv6 } from './endpoints';
import { quantityErrors } from './resourcequotas';
import type { KubeObject, ResourceDef } from './types';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const ROLE_PREFIX = 'node-role.kubernetes.io/';

function taintErrors(taints: any[]): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  taints.forEach((t, i) => {
    // Upstream reports taints under metadata (validateNodeTaints is given the metadata path).
    const path = `metadata.taints[${i}]`;
    const key = t.key ?? '';
    errs.push(...isQualifiedName(key).map((msg) => invalid(`${path}.key`, key, msg)));
    const valueMsgs = isLabelValue(t.value ?? '');
    if (valueMsgs.length) errs.push(invalid(`${path}.value`, t.value ?? '', valueMsgs.join(';')));
    if (!t.effect) errs.push(required(`${path}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(notSupported(`${path}.effect`, t.effect, TAINT_EFFECTS));
    const id = `${t.effect ?? ''}\u0000${key}`;
    if (seen.has(id)) {
      // The value is the internal core.Taint, marshalled with Go field names.
      const dup = duplicate(path, { Key: key, Value: t.value ?? '', Effect: t.effect ?? '', TimeAdded: t.timeAdded ?? null });
      errs.push({ ...dup, body: `${dup.body}: taints must be unique by key and effect pair` });
    } else seen.add(id);
  });
  return errs;
}

/** ValidateNodeResources: capacity and allocatable quantities. */
function resourceErrors(status: any): FieldError[] {
  return ['capacity', 'allocatable'].flatMap((list) =>
    Object.entries(status?.[list] ?? {}).flatMap(([k, v]) => quantityErrors(k, v, `status.${list}.${k}`)),
  );
}

function podCIDRErrors(cidrs: string[]): FieldError[] {
  const errs = cidrs.flatMap((c, i) => cidrErrors(c, `spec.podCIDRs[${i}]`));
  if (cidrs.length > 1) {
    const dualStack = cidrs.length === 2 && isIPv6(cidrs[0].split('/')[0]) !== isIPv6(cidrs[1].split('/')[0]);
    if (!dualStack) errs.push(invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
    cidrs.forEach((c, i) => cidrs.indexOf(c) < i && errs.push(duplicate(`spec.podCIDRs[${i}]`, c)));
  }
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  return [...taintErrors(obj.spec?.taints ?? []), ...resourceErrors(obj.status), ...podCIDRErrors(obj.spec?.podCIDRs ?? [])];
}

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const spec = obj.spec ?? {};
  const oldSpec = old.spec ?? {};
  const errs = resourceErrors(obj.status);
  const seen = new Set<string>();
  (obj.status?.addresses ?? []).forEach((a: any, i: number) => {
    const id = `${a.type}\u0000${a.address}`;
    if (seen.has(id)) errs.push(duplicate(`status.addresses[${i}]`, { Type: a.type ?? '', Address: a.address ?? '' }));
    seen.add(id);
  });
  // The controller manager may assign pod CIDRs once; after that they are fixed, like providerID.
  const oldCIDRs: string[] = oldSpec.podCIDRs ?? [];
  const cidrs: string[] = spec.podCIDRs ?? [];
  const cidrMessage = 'node updates may not change podCIDR except from "" to valid';
  if (oldCIDRs.length) {
    if (oldCIDRs.length !== cidrs.length) errs.push(forbidden('spec.podCIDRs', cidrMessage));
    else oldCIDRs.forEach((c, i) => c !== cidrs[i] && errs.push(forbidden('spec.podCIDRs', cidrMessage)));
  }
  if (oldSpec.providerID && oldSpec.providerID !== spec.providerID) {
    errs.push(forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  errs.push(...taintErrors(spec.taints ?? []));
  if ((spec.externalID ?? '') !== (oldSpec.externalID ?? '')) errs.push(forbidden('spec.externalID', 'may not be updated'));
  return errs;
}

/** Only the Ready condition counts: Ready, NotReady or Unknown, then SchedulingDisabled when cordoned. */
function statusCell(obj: KubeObject): string {
  const ready = (obj.status?.conditions ?? []).filter((c: any) => c.type === 'Ready').pop();
  const status = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (obj.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function rolesCell(obj: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj.metadata.labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(',') : '<none>';
}

const addressCell = (type: string) => (obj: KubeObject) => (obj.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
const nodeInfoCell = (field: string) => (obj: KubeObject) => obj.status?.nodeInfo?.[field] || '<unknown>';

const ADDRESSES_DESCRIPTION =
  "List of addresses reachable to the node. Queried from cloud provider, if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses Note: This field is declared as mergeable, but the merge key is not sufficiently unique, which can cause data corruption when it is merged. Callers should instead use a full-replacement patch. See https://pr.k8s.io/79391 for an example. Consumers should assume that addresses can change during the lifetime of a Node. However, there are some exceptions where this may not be possible, such as Pods that inherit a Node's address in its own status or consumers of the downward API (status.hostIP).";

export const nodes: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Node',
  plural: 'nodes',
  singular: 'node',
  namespaced: false,
  shortNames: ['no'],
  subresources: { status: true },
  nameRule: 'subdomain',
  generation: false,
  defaults: (obj) => {
    if (obj.status?.capacity && !obj.status.allocatable) obj.status.allocatable = { ...obj.status.capacity };
  },
  validate,
  validateUpdate,
  columns: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The status of the node', cell: statusCell },
    { name: 'Roles', type: 'string', description: 'The roles of the node', cell: rolesCell },
    ageColumn,
    { name: 'Version', type: 'string', description: 'Kubelet Version reported by the node.', cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: ADDRESSES_DESCRIPTION, cell: addressCell('InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, description: ADDRESSES_DESCRIPTION, cell: addressCell('ExternalIP') },
    {
      name: 'OS-Image',
      type: 'string',
      priority: 1,
      description: 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).',
      cell: nodeInfoCell('osImage'),
    },
    {
      name: 'Kernel-Version',
      type: 'string',
      priority: 1,
      description: "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).",
      cell: nodeInfoCell('kernelVersion'),
    },
    {
      name: 'Container-Runtime',
      type: 'string',
      priority: 1,
      description: 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).',
      cell: nodeInfoCell('containerRuntimeVersion'),
    },
  ],
  fieldSelectors: { 'spec.unschedulable': (o) => String(o.spec?.unschedulable === true) },
};
