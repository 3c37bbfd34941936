// The controller roles of a 1.35 API server's default RBAC policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy,
// controller_policy.go and namespace_policy.go; testdata controller-roles.yaml, controller-role-bindings.yaml,
// namespace-roles.yaml, namespace-role-bindings.yaml; policy.md §6.3), as data. Rules are as stored: each rule's
// lists sorted, as RuleOrDie sorts them. Default feature gates of 1.35 only: no device-taint-eviction-controller
// (DRADeviceTaints is off until 1.36), no resourceclaims/binding rule (DRAResourceClaimGranularStatusAuthorization
// is 1.36), none of the alpha/off-by-default ones (clustertrustbundle publisher, podcertificaterequestcleaner,
// storage-version-*). Not here, as their exact 1.35 rules could not be confirmed: expand-controller,
// persistent-volume-binder (the portworx `get services` rule, dropped with the in-tree plugin around 1.36) and
// pvc-protection-controller (`update persistentvolumeclaims/status`, seen only in 1.36-era testdata).
import type { PolicyRule, Subject } from './rbac';
import { EVENTS, READ, r, user, type BootstrapRole } from './rbac-bootstrap-policy';

export const CONTROLLER_PREFIX = 'system:controller:';
const sa = (name: string): Subject => ({ kind: 'ServiceAccount', name, namespace: 'kube-system' });

/** `system:controller:<name>` ClusterRoles; each is bound by a ClusterRoleBinding of its name to ServiceAccount kube-system/<name>. */
export const CONTROLLER_ROLES: BootstrapRole[] = (
  <[string, PolicyRule[]][]>[
    [
      'attachdetach-controller',
      [
        r('list watch', '', 'persistentvolumeclaims persistentvolumes'),
        r(READ, '', 'nodes'),
        r('patch update', '', 'nodes/status'),
        r('list watch', '', 'pods'),
        EVENTS,
        r('create delete get list watch', 'storage.k8s.io', 'volumeattachments'),
        r(READ, 'storage.k8s.io', 'csidrivers'),
        r(READ, 'storage.k8s.io', 'csinodes'),
      ],
    ],
    [
      'certificate-controller',
      [
        r('delete get list watch', 'certificates.k8s.io', 'certificatesigningrequests'),
        r('update', 'certificates.k8s.io', 'certificatesigningrequests/approval certificatesigningrequests/status'),
        r('approve', 'certificates.k8s.io', 'signers', 'kubernetes.io/kube-apiserver-client-kubelet'),
        r(
          'sign',
          'certificates.k8s.io',
          'signers',
          'kubernetes.io/kube-apiserver-client kubernetes.io/kube-apiserver-client-kubelet kubernetes.io/kubelet-serving kubernetes.io/legacy-unknown',
        ),
        r('create', 'authorization.k8s.io', 'subjectaccessreviews'),
        EVENTS,
      ],
    ],
    ['clusterrole-aggregation-controller', [r('escalate get list patch update watch', 'rbac.authorization.k8s.io', 'clusterroles')]],
    [
      'cronjob-controller',
      [
        r('get list update watch', 'batch', 'cronjobs'),
        r('create delete get list patch update watch', 'batch', 'jobs'),
        r('update', 'batch', 'cronjobs/status'),
        r('update', 'batch', 'cronjobs/finalizers'),
        r('delete list watch', '', 'pods'),
        EVENTS,
      ],
    ],
    [
      'daemon-set-controller',
      [
        r(READ, 'apps, extensions', 'daemonsets'),
        r('update', 'apps, extensions', 'daemonsets/status'),
        r('update', 'apps, extensions', 'daemonsets/finalizers'),
        r('list watch', '', 'nodes'),
        r('create delete list patch watch', '', 'pods'),
        r('create', '', 'pods/binding'),
        r('create delete get list patch update watch', 'apps', 'controllerrevisions'),
        EVENTS,
      ],
    ],
    [
      'deployment-controller',
      [
        r('get list update watch', 'apps, extensions', 'deployments'),
        r('update', 'apps, extensions', 'deployments/status'),
        r('update', 'apps, extensions', 'deployments/finalizers'),
        r('create delete get list patch update watch', 'apps, extensions', 'replicasets'),
        r('get list update watch', '', 'pods'),
        EVENTS,
      ],
    ],
    [
      'disruption-controller',
      [
        r(READ, 'apps, extensions', 'deployments'),
        r(READ, 'apps, extensions', 'replicasets'),
        r(READ, '', 'replicationcontrollers'),
        r(READ, 'policy', 'poddisruptionbudgets'),
        r(READ, 'apps', 'statefulsets'),
        r('update', 'policy', 'poddisruptionbudgets/status'),
        r('patch update', '', 'pods/status'),
        r('get', '*', '*/scale'),
        EVENTS,
      ],
    ],
    [
      'endpoint-controller',
      [r(READ, '', 'pods services'), r('create delete get list update watch', '', 'endpoints'), r('create', '', 'endpoints/restricted'), EVENTS],
    ],
    [
      'endpointslice-controller',
      [
        r(READ, '', 'nodes pods services'),
        r('update', '', 'services/finalizers'),
        r('create delete get list update watch', 'discovery.k8s.io', 'endpointslices'),
        EVENTS,
      ],
    ],
    [
      'endpointslicemirroring-controller',
      [
        r(READ, '', 'endpoints services'),
        r('update', '', 'services/finalizers'),
        r('update', '', 'endpoints/finalizers'),
        r('create delete get list update watch', 'discovery.k8s.io', 'endpointslices'),
        EVENTS,
      ],
    ],
    [
      'ephemeral-volume-controller',
      [r(READ, '', 'pods'), r('update', '', 'pods/finalizers'), r('create get list watch', '', 'persistentvolumeclaims'), EVENTS],
    ],
    ['generic-garbage-collector', [r('delete get list patch update watch', '*', '*'), EVENTS]],
    [
      'horizontal-pod-autoscaler',
      [
        r(READ, 'autoscaling', 'horizontalpodautoscalers'),
        r('update', 'autoscaling', 'horizontalpodautoscalers/status'),
        r('get update', '*', '*/scale'),
        r('list watch', '', 'pods'),
        r('list watch', 'metrics.k8s.io', 'pods'),
        r(READ, 'custom.metrics.k8s.io', '*'),
        r(READ, 'external.metrics.k8s.io', '*'),
        EVENTS,
      ],
    ],
    [
      'job-controller',
      [
        r('get list patch update watch', 'batch', 'jobs'),
        r('update', 'batch', 'jobs/status'),
        r('update', 'batch', 'jobs/finalizers'),
        r('create delete list patch watch', '', 'pods'),
        EVENTS,
      ],
    ],
    [
      'legacy-service-account-token-cleaner',
      [r('get', '', 'configmaps', 'kube-apiserver-legacy-service-account-token-tracking'), r('delete patch', '', 'secrets')],
    ],
    [
      'namespace-controller',
      [r('delete get list watch', '', 'namespaces'), r('update', '', 'namespaces/finalize namespaces/status'), r('delete deletecollection get list watch', '*', '*')],
    ],
    [
      'node-controller',
      [
        r('delete get list patch update watch', '', 'nodes'),
        r('patch update', '', 'nodes/status'),
        r('patch update', '', 'pods/status'),
        r('delete get list watch', '', 'pods'),
        EVENTS,
      ],
    ],
    ['pod-garbage-collector', [r('delete list watch', '', 'pods'), r(READ, '', 'nodes'), r('patch', '', 'pods/status')]],
    ['pv-protection-controller', [r('get list update watch', '', 'persistentvolumes'), EVENTS]],
    [
      'replicaset-controller',
      [
        r('get list update watch', 'apps, extensions', 'replicasets'),
        r('update', 'apps, extensions', 'replicasets/status'),
        r('update', 'apps, extensions', 'replicasets/finalizers'),
        r('create delete list patch watch', '', 'pods'),
        EVENTS,
      ],
    ],
    [
      'replication-controller',
      [
        r('get list update watch', '', 'replicationcontrollers'),
        r('update', '', 'replicationcontrollers/status'),
        r('update', '', 'replicationcontrollers/finalizers'),
        r('create delete list patch watch', '', 'pods'),
        EVENTS,
      ],
    ],
    [
      'resource-claim-controller',
      [
        r(READ, '', 'pods'),
        r('update', '', 'pods/finalizers'),
        r('create delete get list watch', 'resource.k8s.io', 'resourceclaims'),
        r('patch update', 'resource.k8s.io', 'resourceclaims resourceclaims/status'),
        r('patch update', '', 'pods/status'),
        EVENTS,
      ],
    ],
    ['resourcequota-controller', [r('list watch', '*', '*'), r('update', '', 'resourcequotas/status'), EVENTS]],
    ['root-ca-cert-publisher', [r('create update', '', 'configmaps'), EVENTS]],
    ['route-controller', [r('list watch', '', 'nodes'), r('patch', '', 'nodes/status'), EVENTS]],
    [
      'selinux-warning-controller',
      [EVENTS, r(READ, '', 'persistentvolumes'), r(READ, '', 'persistentvolumeclaims'), r(READ, '', 'pods'), r(READ, 'storage.k8s.io', 'csidrivers')],
    ],
    ['service-account-controller', [r('create', '', 'serviceaccounts'), EVENTS]],
    [
      'service-cidrs-controller',
      [
        r('get list patch update watch', 'networking.k8s.io', 'servicecidrs'),
        r('patch update', 'networking.k8s.io', 'servicecidrs/finalizers'),
        r('patch update', 'networking.k8s.io', 'servicecidrs/status'),
        r(READ, 'networking.k8s.io', 'ipaddresses'),
        EVENTS,
      ],
    ],
    ['service-controller', [r(READ, '', 'services'), r('patch update', '', 'services/status'), r('list watch', '', 'nodes'), EVENTS]],
    [
      'statefulset-controller',
      [
        r('list watch', '', 'pods'),
        r(READ, 'apps', 'statefulsets'),
        r('update', 'apps', 'statefulsets/status'),
        r('update', 'apps', 'statefulsets/finalizers'),
        r('create delete get patch update', '', 'pods'),
        r('create delete get list patch update watch', 'apps', 'controllerrevisions'),
        r('create get list watch', '', 'persistentvolumeclaims'),
        r('delete update', '', 'persistentvolumeclaims'),
        r('update', '', 'pods/finalizers'),
        EVENTS,
      ],
    ],
    ['ttl-after-finished-controller', [r('delete get list watch', 'batch', 'jobs'), EVENTS]],
    ['ttl-controller', [r('list patch update watch', '', 'nodes'), EVENTS]],
    [
      'validatingadmissionpolicy-status-controller',
      [
        r(READ, 'admissionregistration.k8s.io', 'validatingadmissionpolicies'),
        r('get patch update', 'admissionregistration.k8s.io', 'validatingadmissionpolicies/status'),
        EVENTS,
      ],
    ],
    [
      'volumeattributesclass-protection-controller',
      [r(READ, '', 'persistentvolumeclaims'), r(READ, '', 'persistentvolumes'), r('get list update watch', 'storage.k8s.io', 'volumeattributesclasses'), EVENTS],
    ],
  ]
).map(([name, rules]) => ({ name: CONTROLLER_PREFIX + name, rules }));

export const CONTROLLER_ROLE_BINDINGS: { name: string; subjects: Subject[] }[] = CONTROLLER_ROLES.map((role) => ({
  name: role.name,
  subjects: [sa(role.name.slice(CONTROLLER_PREFIX.length))],
}));

/** Namespaced Roles (namespace-roles.yaml), in the order upstream lists them. */
export const NAMESPACE_ROLES: (BootstrapRole & { namespace: string })[] = [
  {
    namespace: 'kube-public',
    name: 'system:controller:bootstrap-signer',
    rules: [r(READ, '', 'configmaps'), r('update', '', 'configmaps', 'cluster-info'), EVENTS],
  },
  { namespace: 'kube-system', name: 'extension-apiserver-authentication-reader', rules: [r(READ, '', 'configmaps', 'extension-apiserver-authentication')] },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    rules: [r('create get list update watch', 'coordination.k8s.io', 'leases'), r('create get list update watch', 'coordination.k8s.io', 'leasecandidates')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    rules: [r('create get list update watch', 'coordination.k8s.io', 'leases'), r('create get list update watch', 'coordination.k8s.io', 'leasecandidates')],
  },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', rules: [r(READ, '', 'secrets')] },
  { namespace: 'kube-system', name: 'system:controller:cloud-provider', rules: [r('create get list watch', '', 'configmaps')] },
  { namespace: 'kube-system', name: 'system:controller:token-cleaner', rules: [r('delete get list watch', '', 'secrets'), EVENTS] },
];

/** RoleBindings (namespace-role-bindings.yaml); each refers to the Role named `role`. */
export const NAMESPACE_ROLE_BINDINGS: { namespace: string; name: string; role: string; subjects: Subject[] }[] = [
  { namespace: 'kube-public', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: [sa('bootstrap-signer')] },
  {
    namespace: 'kube-system',
    name: 'system::extension-apiserver-authentication-reader',
    role: 'extension-apiserver-authentication-reader',
    subjects: [user('system:kube-controller-manager'), user('system:kube-scheduler')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-controller-manager',
    role: 'system::leader-locking-kube-controller-manager',
    subjects: [user('system:kube-controller-manager'), sa('kube-controller-manager'), sa('leader-election-controller')],
  },
  {
    namespace: 'kube-system',
    name: 'system::leader-locking-kube-scheduler',
    role: 'system::leader-locking-kube-scheduler',
    subjects: [user('system:kube-scheduler'), sa('kube-scheduler')],
  },
  { namespace: 'kube-system', name: 'system:controller:bootstrap-signer', role: 'system:controller:bootstrap-signer', subjects: [sa('bootstrap-signer')] },
  { namespace: 'kube-system', name: 'system:controller:cloud-provider', role: 'system:controller:cloud-provider', subjects: [sa('cloud-provider')] },
  { namespace: 'kube-system', name: 'system:controller:token-cleaner', role: 'system:controller:token-cleaner', subjects: [sa('token-cleaner')] },
];
