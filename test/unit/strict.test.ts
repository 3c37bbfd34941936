import { describe, expect, it } from 'vitest';
import {
  definitionOf,
  definitions,
  goQuote,
  pruneUnknownFields,
  strictDecodingMessage,
  unknownFields,
  unknownFieldWarning,
  type FieldSchema,
} from '../../src/apiserver/strict';

const POD = 'io.k8s.api.core.v1.Pod';
const DEPLOYMENT = 'io.k8s.api.apps.v1.Deployment';

// What `kubectl run nginx --image=nginx` POSTs.
const kubectlRunPod = {
  kind: 'Pod',
  apiVersion: 'v1',
  metadata: { name: 'nginx', creationTimestamp: null, labels: { run: 'nginx' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
  status: {},
};

// The body of upstream's test/integration/apiserver/field_validation_test.go (invalidBodyJSON), less
// its duplicate keys, which JSON.parse cannot see.
const upstreamDeployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'dupename', labels: { app: 'nginx' }, unknownMeta: 'metaVal' },
  spec: {
    unknown1: 'val1',
    unknownDupe: 'valDupe2',
    paused: false,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:latest', unknownNested: 'val1', imagePullPolicy: 'Never' }] },
    },
  },
};

describe('definitionOf', () => {
  it('maps group/version/kind to the upstream OpenAPI definition name', () => {
    expect(definitionOf('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionOf('apps', 'v1', 'Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
    expect(definitionOf('discovery.k8s.io', 'v1', 'EndpointSlice')).toBe('io.k8s.api.discovery.v1.EndpointSlice');
    expect(definitionOf('events.k8s.io', 'v1', 'Event')).toBe('io.k8s.api.events.v1.Event');
    expect(definitionOf('autoscaling', 'v1', 'Scale')).toBe('io.k8s.api.autoscaling.v1.Scale');
    expect(definitionOf('rbac.authorization.k8s.io', 'v1', 'Role')).toBe('io.k8s.api.rbac.v1.Role');
    expect(definitionOf('apps', 'v1', 'DeleteOptions')).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions');
  });

  it('has a schema for every served kind', () => {
    const served: [string, string][] = [
      ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ReplicationController', 'ConfigMap', 'Secret', 'ServiceAccount', 'Event', 'ResourceQuota', 'LimitRange'].map((k): [string, string] => ['', k]),
      ['apps', 'Deployment'], ['apps', 'ReplicaSet'], ['discovery.k8s.io', 'EndpointSlice'], ['events.k8s.io', 'Event'],
      ['autoscaling', 'Scale'], ['', 'DeleteOptions'],
    ];
    for (const [group, kind] of served) expect(definitions[definitionOf(group, 'v1', kind)]?.properties, kind).toBeDefined();
  });
});

describe('schema.json', () => {
  it('resolves every ref', () => {
    const refs = (f: FieldSchema | undefined): string[] => (f ? [f.ref ?? '', ...refs(f.items), ...refs(f.additionalProperties)].filter(Boolean) : []);
    for (const [name, def] of Object.entries(definitions)) {
      for (const [field, prop] of Object.entries(def.properties ?? {})) {
        for (const ref of refs(prop)) expect(definitions[ref], `${name}.${field} → ${ref}`).toBeDefined();
      }
    }
  });

  it('keeps types, formats, required lists and descriptions', () => {
    const port = definitions['io.k8s.api.core.v1.ContainerPort'];
    expect(port.required).toEqual(['containerPort']);
    expect(port.properties!.containerPort).toMatchObject({ type: 'integer', format: 'int32' });
    expect(port.properties!.protocol.enum).toEqual(['SCTP', 'TCP', 'UDP']);
    expect(definitions['io.k8s.api.core.v1.PodSpec'].required).toEqual(['containers']);
    expect(definitions['io.k8s.api.core.v1.PodSpec'].properties!.containers).toMatchObject({ type: 'array', items: { ref: 'io.k8s.api.core.v1.Container' } });
    expect(definitions['io.k8s.api.core.v1.Secret'].properties!.data.additionalProperties).toEqual({ type: 'string', format: 'byte' });
    expect(definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].properties!.creationTimestamp).toMatchObject({ type: 'string', format: 'date-time' });
    expect(definitions['io.k8s.api.core.v1.ResourceRequirements'].properties!.limits.additionalProperties).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(definitions['io.k8s.api.core.v1.ServicePort'].properties!.targetPort).toMatchObject({ 'x-kubernetes-int-or-string': true });
    expect(definitions['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(definitions[POD].properties!.kind.description).toMatch(/^Kind is a string value representing the REST resource/);
    expect(definitions['io.k8s.api.core.v1.Container'].properties!.imagePullPolicy.description).toMatch(/^Image pull policy/);
  });

  it('describes Kubernetes 1.35, not the 1.36 declarations it was generated from', () => {
    const podSpec = definitions['io.k8s.api.core.v1.PodSpec'].properties!;
    expect(podSpec.workloadRef?.ref).toBe('io.k8s.api.core.v1.WorkloadReference');
    expect(podSpec.schedulingGroup).toBeUndefined();
    expect(definitions['io.k8s.api.core.v1.PodStatus'].properties!.nodeAllocatableResourceClaimStatuses).toBeUndefined();
    expect(definitions['io.k8s.api.core.v1.NodeStatus'].properties!.declaredFeatures).toBeDefined();
  });
});

describe('unknownFields', () => {
  it('finds nothing in a kubectl run pod', () => {
    expect(unknownFields(kubectlRunPod, POD)).toEqual([]);
  });

  it('finds nothing in a pod as the server returns it', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web-1', namespace: 'default', uid: 'u', resourceVersion: '12', generation: 1, creationTimestamp: '2025-01-01T00:00:00Z',
        labels: { app: 'web' }, annotations: { 'example.com/any': 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'r', controller: true, blockOwnerDeletion: true }],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'v1', time: '2025-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {} } } } } }],
      },
      spec: {
        volumes: [{ name: 'kube-api-access', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } }], defaultMode: 420 } }],
        containers: [{
          name: 'web', image: 'nginx', ports: [{ containerPort: 80, protocol: 'TCP' }],
          resources: { limits: { cpu: '500m', memory: 128974848 }, requests: { cpu: '250m' } },
          env: [{ name: 'POD_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } }],
          readinessProbe: { httpGet: { path: '/', port: 'http', scheme: 'HTTP' }, periodSeconds: 10 },
          volumeMounts: [{ name: 'kube-api-access', readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }],
          terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'Always',
        }],
        restartPolicy: 'Always', terminationGracePeriodSeconds: 30, dnsPolicy: 'ClusterFirst', nodeSelector: { 'kubernetes.io/os': 'linux' },
        serviceAccountName: 'default', nodeName: 'node-1', securityContext: {}, schedulerName: 'default-scheduler',
        tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
        priority: 0, enableServiceLinks: true, preemptionPolicy: 'PreemptLowerPriority', workloadRef: { name: 'w', podGroup: 'g' },
      },
      status: {
        phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2025-01-01T00:00:05Z' }],
        hostIP: '10.0.0.1', hostIPs: [{ ip: '10.0.0.1' }], podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], startTime: '2025-01-01T00:00:01Z', qosClass: 'Burstable',
        containerStatuses: [{ name: 'web', state: { running: { startedAt: '2025-01-01T00:00:04Z' } }, lastState: {}, ready: true, restartCount: 0, image: 'docker.io/library/nginx:latest', imageID: 'sha256:x', containerID: 'containerd://c', started: true }],
      },
    };
    expect(unknownFields(pod, POD)).toEqual([]);
  });

  it('reports typos at several depths with the decoder\'s paths', () => {
    const pod = structuredClone(kubectlRunPod) as any;
    pod.spec.foo = 1;
    pod.metadata.lables = { a: 'b' };
    pod.spec.containers[0].imagePullPolicyy = 'Always';
    pod.spec.containers.push({ name: 'side', image: 'busybox', ports: [{ containerPort: 80, prot: 'TCP' }], env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', key: 'k', optinal: true } } }] });
    pod.spec.volumes = [{ name: 'v', configMap: { name: 'c', items: [{ key: 'a', path: 'a', mod: 1 }] } }];
    pod.spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'k', operator: 'In', value: ['x'] }] }] } } };
    pod.Spec = {};
    expect(unknownFields(pod, POD)).toEqual([
      'metadata.lables',
      'spec.containers[0].imagePullPolicyy',
      'spec.containers[1].ports[0].prot',
      'spec.containers[1].env[0].valueFrom.secretKeyRef.optinal',
      'spec.foo',
      'spec.volumes[0].configMap.items[0].mod',
      'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].value',
      'Spec',
    ]);
  });

  it('reports a Deployment\'s template fields like upstream\'s field validation test', () => {
    const paths = unknownFields(upstreamDeployment, DEPLOYMENT);
    expect(paths).toEqual(['metadata.unknownMeta', 'spec.unknown1', 'spec.unknownDupe', 'spec.template.spec.containers[0].unknownNested']);
    // Patches: the decoder sees Go's re-marshalled map, keys sorted (upstream merge-patch/SMP cases).
    expect(unknownFields(upstreamDeployment, DEPLOYMENT, { sortKeys: true })).toEqual([
      'metadata.unknownMeta', 'spec.template.spec.containers[0].unknownNested', 'spec.unknown1', 'spec.unknownDupe',
    ]);
  });

  it('knows apiVersion/kind only at the top level', () => {
    const d = structuredClone(upstreamDeployment) as any;
    d.spec.template.apiVersion = 'v1';
    d.spec.template.kind = 'PodTemplate';
    expect(unknownFields(d, DEPLOYMENT)).toContain('spec.template.apiVersion');
    expect(unknownFields(d, DEPLOYMENT)).toContain('spec.template.kind');
    expect(unknownFields(kubectlRunPod, POD)).not.toContain('apiVersion');
  });

  it('treats map values as free-form and does not descend into raw JSON', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', labels: { anything: 'x' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, data: { 'any.key': 'YQ==' }, stringData: { k: 'v' }, type: 'Opaque' };
    expect(unknownFields(secret, definitionOf('', 'v1', 'Secret'))).toEqual([]);
    const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: '10', 'requests.cpu': 4, 'count/deployments.apps': '2' } } };
    expect(unknownFields(quota, definitionOf('', 'v1', 'ResourceQuota'))).toEqual([]);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{ manager: 'm', fieldsV1: { 'f:data': { 'f:whatever': {} } } }] }, data: { a: 'b' } };
    expect(unknownFields(cm, definitionOf('', 'v1', 'ConfigMap'))).toEqual([]);
  });

  it('leaves wrong JSON types to the decoder\'s type errors', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { a: { nested: 1 } } }, spec: { containers: { name: 'x' }, restartPolicy: { bad: 1 } } };
    expect(unknownFields(pod, POD)).toEqual([]);
    expect(unknownFields('not an object', POD)).toEqual([]);
    expect(unknownFields(null, POD)).toEqual([]);
  });

  it('knows the other served kinds', () => {
    const slice = { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true, serving: true }, hints: { forZones: [{ name: 'a' }] }, zone: 'a', nodeName: 'n' }], ports: [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http', targetPort: 8080 }] };
    expect(unknownFields(slice, definitionOf('discovery.k8s.io', 'v1', 'EndpointSlice'))).toEqual(['ports[0].targetPort']);
    const ev = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: { name: 'e' }, eventTime: '2025-01-01T00:00:00.000000Z', reportingController: 'c', reportingInstance: 'i', action: 'A', reason: 'R', regarding: { kind: 'Pod', name: 'p' }, note: 'n', type: 'Normal', message: 'core/v1 only' };
    expect(unknownFields(ev, definitionOf('events.k8s.io', 'v1', 'Event'))).toEqual(['message']);
    const scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: 3, selector: 'app=web' } };
    expect(unknownFields(scale, definitionOf('autoscaling', 'v1', 'Scale'))).toEqual(['spec.selector']);
    const del = { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Foreground', gracePeriodSeconds: 0, preconditions: { uid: 'u', rv: '1' } };
    expect(unknownFields(del, definitionOf('', 'v1', 'DeleteOptions'))).toEqual(['preconditions.rv']);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: 'http', nodeport: 30000 }], type: 'NodePort' } };
    expect(unknownFields(svc, definitionOf('', 'v1', 'Service'))).toEqual(['spec.ports[0].nodeport']);
  });

  it('rejects fields that only exist in newer Kubernetes', () => {
    const pod = structuredClone(kubectlRunPod) as any;
    pod.spec.schedulingGroup = { podGroupName: 'g' };
    expect(unknownFields(pod, POD)).toEqual(['spec.schedulingGroup']);
  });

  it('stops at 100 like the decoder', () => {
    const spec: Record<string, number> = {};
    for (let i = 0; i < 150; i++) spec[`f${i}`] = i;
    const paths = unknownFields({ apiVersion: 'v1', kind: 'Pod', spec }, POD);
    expect(paths).toHaveLength(100);
    expect(paths[0]).toBe('spec.f0');
  });
});

describe('messages', () => {
  it('words the Strict 400 exactly like the API server', () => {
    expect(strictDecodingMessage('Pod', 'v1', ['spec.foo', 'spec.containers[0].imagePullPolicyy'])).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", unknown field "spec.containers[0].imagePullPolicyy"',
    );
    expect(strictDecodingMessage('Deployment', 'v1', unknownFields(upstreamDeployment, DEPLOYMENT))).toBe(
      'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", unknown field "spec.template.spec.containers[0].unknownNested"',
    );
  });

  it('words each Warn warning like the decoder (Go %q quoting)', () => {
    expect(unknownFieldWarning('spec.foo')).toBe('unknown field "spec.foo"');
    expect(unknownFieldWarning('spec.a"b\\c')).toBe('unknown field "spec.a\\"b\\\\c"');
    expect(unknownFieldWarning('spec.\n\x01é')).toBe('unknown field "spec.\\n\\x01é"');
    expect(goQuote('unknown field "spec.foo"')).toBe('"unknown field \\"spec.foo\\""');
  });
});

describe('pruneUnknownFields', () => {
  it('drops unknown fields at every depth and reports them', () => {
    const pod: any = { metadata: { name: 'p', bogus: 1, labels: { a: 'b' } }, spec: { foo: 1, containers: [{ name: 'c', image: 'x', typo: true }] } };
    expect(pruneUnknownFields(pod, 'io.k8s.api.core.v1.Pod')).toEqual(['metadata.bogus', 'spec.foo', 'spec.containers[0].typo']);
    expect(pod).toEqual({ metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } });
  });
});
