// The registry of every kind the API server serves. Adding a kind = adding its file and one line here.
import type { ResourceDef } from './types';
import { namespaces } from './namespaces';
import { nodes } from './nodes';
import { pods } from './pods';
import { services } from './services';
import { endpoints } from './endpoints';
import { replicationcontrollers } from './replicationcontrollers';
import { configmaps } from './configmaps';
import { secrets } from './secrets';
import { serviceaccounts } from './serviceaccounts';
import { events } from './events';
import { resourcequotas } from './resourcequotas';
import { limitranges } from './limitranges';
import { deployments } from './deployments';
import { replicasets } from './replicasets';
import { endpointslices } from './endpointslices';
import { eventsV1 } from './events-v1';
import { leases } from './leases';
import { daemonsets } from './daemonsets';
import { statefulsets } from './statefulsets';
import { controllerrevisions } from './controllerrevisions';
import { jobs } from './jobs';
import { cronjobs } from './cronjobs';
import { horizontalpodautoscalers } from './horizontalpodautoscalers';
import { persistentvolumes } from './persistentvolumes';
import { persistentvolumeclaims } from './persistentvolumeclaims';
import { storageclasses } from './storageclasses';
import { poddisruptionbudgets } from './poddisruptionbudgets';
import { roles } from './roles';
import { clusterroles } from './clusterroles';
import { rolebindings } from './rolebindings';
import { clusterrolebindings } from './clusterrolebindings';
import { selfsubjectaccessreviews } from './selfsubjectaccessreviews';
import { selfsubjectrulesreviews } from './selfsubjectrulesreviews';
import { selfsubjectreviews } from './selfsubjectreviews';

export const RESOURCES: ResourceDef[] = [
  namespaces,
  nodes,
  pods,
  services,
  endpoints,
  replicationcontrollers,
  configmaps,
  secrets,
  serviceaccounts,
  events,
  resourcequotas,
  limitranges,
  deployments,
  replicasets,
  endpointslices,
  eventsV1,
  leases,
  daemonsets,
  statefulsets,
  controllerrevisions,
  jobs,
  cronjobs,
  horizontalpodautoscalers,
  persistentvolumes,
  persistentvolumeclaims,
  storageclasses,
  poddisruptionbudgets,
  roles,
  clusterroles,
  rolebindings,
  clusterrolebindings,
  selfsubjectaccessreviews,
  selfsubjectrulesreviews,
  selfsubjectreviews,
];

const byPath = new Map<string, ResourceDef>();
for (const r of RESOURCES) byPath.set(`${r.group}/${r.version}/${r.plural}`, r);

/** The resource served at /api/v1/<plural> (group '') or /apis/<group>/<version>/<plural>. */
export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return byPath.get(`${group}/${version}/${plural}`);
}

/** Group-versions served, core first, in a stable order. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of RESOURCES) seen.set(`${r.group}/${r.version}`, { group: r.group, version: r.version });
  return [...seen.values()];
}
