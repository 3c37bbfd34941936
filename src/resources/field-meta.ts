// How lists and maps of the served types merge, keyed by OpenAPI definition and field (k8s.io/api v0.35.0
// struct tags): strategic-merge-patch (patchStrategy/patchMergeKey) and server-side apply
// (+listType/+listMapKey/+mapType). A list with no entry is replaced by SMP and atomic for SSA;
// a map with no entry merges key by key in both.
export interface FieldMeta {
  patchStrategy?: 'merge' | 'retainKeys' | 'merge,retainKeys';
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'atomic' | 'granular';
  structType?: 'atomic' | 'granular';
}

const core = (t: string) => `io.k8s.api.core.v1.${t}`;
const apps = (t: string) => `io.k8s.api.apps.v1.${t}`;
const meta = (t: string) => `io.k8s.apimachinery.pkg.apis.meta.v1.${t}`;

const byName: FieldMeta = { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] };
const byType: FieldMeta = { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'map', listMapKeys: ['type'] };
const atomic: FieldMeta = { listType: 'atomic' };

const containerLists: Record<string, FieldMeta> = {
  env: byName,
  envFrom: atomic,
  ports: { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'] },
  volumeMounts: { patchStrategy: 'merge', patchMergeKey: 'mountPath', listType: 'map', listMapKeys: ['mountPath'] },
  volumeDevices: { patchStrategy: 'merge', patchMergeKey: 'devicePath', listType: 'map', listMapKeys: ['devicePath'] },
  command: atomic,
  args: atomic,
  resizePolicy: atomic,
  restartPolicyRules: atomic,
};

export const FIELD_META: Record<string, Record<string, FieldMeta>> = {
  [meta('ObjectMeta')]: {
    ownerReferences: { patchStrategy: 'merge', patchMergeKey: 'uid', listType: 'map', listMapKeys: ['uid'] },
    finalizers: { patchStrategy: 'merge', listType: 'set' },
    managedFields: atomic,
  },
  [core('PodSpec')]: {
    containers: byName,
    initContainers: byName,
    ephemeralContainers: byName,
    volumes: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    imagePullSecrets: byName,
    tolerations: atomic,
    hostAliases: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
    topologySpreadConstraints: { patchStrategy: 'merge', patchMergeKey: 'topologyKey', listType: 'map', listMapKeys: ['topologyKey', 'whenUnsatisfiable'] },
    schedulingGates: byName,
    resourceClaims: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
    readinessGates: atomic,
    nodeSelector: { mapType: 'atomic' },
  },
  [core('Container')]: containerLists,
  [core('EphemeralContainer')]: containerLists,
  [core('HostAlias')]: { hostnames: atomic },
  [core('ResourceRequirements')]: { claims: { listType: 'map', listMapKeys: ['name'] } },
  [core('PodSecurityContext')]: { supplementalGroups: atomic, sysctls: atomic },
  [core('PodStatus')]: {
    conditions: byType,
    podIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'map', listMapKeys: ['ip'] },
    hostIPs: { patchStrategy: 'merge', patchMergeKey: 'ip', listType: 'atomic' },
    initContainerStatuses: atomic,
    containerStatuses: atomic,
    ephemeralContainerStatuses: atomic,
    resourceClaimStatuses: { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] },
  },
  [core('ServiceSpec')]: {
    ports: { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'map', listMapKeys: ['port', 'protocol'] },
    selector: { mapType: 'atomic' },
    clusterIPs: atomic,
    externalIPs: atomic,
    ipFamilies: atomic,
    loadBalancerSourceRanges: atomic,
  },
  [core('ServiceStatus')]: { conditions: byType },
  [core('LoadBalancerStatus')]: { ingress: atomic },
  [core('NodeSpec')]: { taints: atomic, podCIDRs: { patchStrategy: 'merge', listType: 'set' } },
  [core('NodeStatus')]: {
    conditions: byType,
    addresses: byType,
    images: atomic,
    volumesInUse: atomic,
    volumesAttached: atomic,
    runtimeHandlers: atomic,
    declaredFeatures: atomic,
  },
  [core('Endpoints')]: { subsets: atomic },
  [core('EndpointSubset')]: { addresses: atomic, notReadyAddresses: atomic, ports: atomic },
  ['io.k8s.api.discovery.v1.EndpointSlice']: { endpoints: atomic, ports: atomic },
  ['io.k8s.api.discovery.v1.Endpoint']: { addresses: { listType: 'set' } },
  [core('NamespaceSpec')]: { finalizers: atomic },
  [core('NamespaceStatus')]: { conditions: byType },
  [core('ServiceAccount')]: { secrets: byName, imagePullSecrets: atomic },
  [core('LimitRangeSpec')]: { limits: atomic },
  [core('ResourceQuotaSpec')]: { scopes: atomic },
  [core('ReplicationControllerStatus')]: { conditions: byType },
  [apps('DeploymentSpec')]: { strategy: { patchStrategy: 'retainKeys' } },
  [apps('DeploymentStatus')]: { conditions: byType },
  [apps('ReplicaSetStatus')]: { conditions: byType },
  [apps('DaemonSetStatus')]: { conditions: byType },
  [apps('StatefulSetSpec')]: { volumeClaimTemplates: atomic },
  [apps('StatefulSetStatus')]: { conditions: byType },
  ['io.k8s.api.batch.v1.JobStatus']: { conditions: { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' } },
  ['io.k8s.api.batch.v1.UncountedTerminatedPods']: { succeeded: { listType: 'set' }, failed: { listType: 'set' } },
  ['io.k8s.api.batch.v1.PodFailurePolicy']: { rules: atomic },
  ['io.k8s.api.batch.v1.SuccessPolicy']: { rules: atomic },
  ['io.k8s.api.batch.v1.CronJobStatus']: { active: atomic },
  ['io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec']: { metrics: atomic },
  ['io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus']: { currentMetrics: atomic, conditions: byType },
  ['io.k8s.api.autoscaling.v2.HPAScalingRules']: { policies: atomic },
  [core('PersistentVolumeSpec')]: { accessModes: atomic, mountOptions: atomic },
  [core('PersistentVolumeClaimSpec')]: { accessModes: atomic },
  [core('PersistentVolumeClaimStatus')]: { accessModes: atomic, conditions: byType },
  ['io.k8s.api.storage.v1.StorageClass']: { mountOptions: atomic, allowedTopologies: atomic },
  ['io.k8s.api.policy.v1.PodDisruptionBudgetStatus']: { conditions: byType },
};

/** The merge behaviour of `field` in `definition`, or undefined for the defaults. */
export function fieldMeta(definition: string, field: string): FieldMeta | undefined {
  return FIELD_META[definition]?.[field];
}
