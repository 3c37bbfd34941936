import { describe, expect, it } from 'vitest';
import { aggregateMessage, type FieldError } from '../../src/apiserver/field-errors';
import { deployments } from '../../src/resources/deployments';
import { imagePullPolicyFor, validatePodSpec } from '../../src/resources/podspec';
import { patchMetaOf } from '../../src/apiserver/patch-meta';
import { podCells, podQOSClass, pods } from '../../src/resources/pods';
import { replicasets } from '../../src/resources/replicasets';
import { replicationcontrollers } from '../../src/resources/replicationcontrollers';
import type { KubeObject, ResourceDef } from '../../src/resources/types';

const msgs = (errs: FieldError[]) => errs.map((e) => `${e.field}: ${e.body}`);
const NOW = Date.parse('2025-06-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

/** Defaults, PrepareForCreate and create validation, as the pipeline runs them. */
function create(def: ResourceDef, body: any): { obj: KubeObject; errors: string[] } {
  const obj = structuredClone(body) as KubeObject;
  def.defaults?.(obj);
  def.prepareForCreate?.(obj, { now: '2025-06-01T12:00:00Z' });
  return { obj, errors: msgs(def.validate?.(obj) ?? []) };
}

function update(def: ResourceDef, old: KubeObject, change: (o: any) => void): string[] {
  const obj = structuredClone(old);
  change(obj);
  def.defaults?.(obj);
  def.prepareForUpdate?.(obj, old);
  return msgs((def.validateUpdate ?? def.validate!)(obj, old));
}

const cell = (def: ResourceDef, name: string, obj: KubeObject) => def.columns!.find((c) => c.name === name)!.cell(obj, NOW);

const podBody = (spec: any = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'bad', namespace: 'default' },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});

describe('pod defaults', () => {
  it('match a real server for `kubectl run nginx --image=nginx` (admission fields aside)', () => {
    const body = {
      kind: 'Pod',
      apiVersion: 'v1',
      metadata: { name: 'nginx', labels: { run: 'nginx' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx', resources: {} }], restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' },
      status: { phase: 'Running' },
    };
    const { obj, errors } = create(pods, body);
    expect(errors).toEqual([]);
    expect(obj.spec).toEqual({
      containers: [
        {
          image: 'nginx',
          imagePullPolicy: 'Always',
          name: 'nginx',
          resources: {},
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      enableServiceLinks: true,
      restartPolicy: 'Always',
      schedulerName: 'default-scheduler',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
    });
    expect(obj.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('derive imagePullPolicy from the image reference', () => {
    expect(imagePullPolicyFor('nginx')).toBe('Always');
    expect(imagePullPolicyFor('nginx:latest')).toBe('Always');
    expect(imagePullPolicyFor('localhost:5000/team/app')).toBe('Always');
    expect(imagePullPolicyFor('nginx:1.27')).toBe('IfNotPresent');
    expect(imagePullPolicyFor(`busybox@sha256:${'a'.repeat(64)}`)).toBe('IfNotPresent');
    expect(imagePullPolicyFor('Not A Reference')).toBe('IfNotPresent');
  });

  it('fill probes, ports, volumes, fieldRefs and requests', () => {
    const { obj } = create(
      pods,
      podBody({
        containers: [
          {
            name: 'app',
            image: 'app:1',
            ports: [{ containerPort: 80 }],
            env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            livenessProbe: { httpGet: { port: 80 } },
            resources: { limits: { cpu: '500m', memory: '128Mi' } },
          },
        ],
        volumes: [{ name: 'scratch' }, { name: 'cfg', configMap: { name: 'cfg' } }, { name: 'host', hostPath: { path: '/tmp' } }],
      }),
    );
    const c = obj.spec.containers[0];
    expect(c.ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(c.env[0].valueFrom.fieldRef).toEqual({ fieldPath: 'spec.nodeName', apiVersion: 'v1' });
    expect(c.livenessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.resources.requests).toEqual({ cpu: '500m', memory: '128Mi' });
    expect(obj.spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
      { name: 'host', hostPath: { path: '/tmp', type: '' } },
    ]);
    expect(obj.status.qosClass).toBe('Guaranteed');
  });

  it('compute the QoS class', () => {
    const spec = (resources: any) => ({ containers: [{ resources }] });
    expect(podQOSClass(spec({}))).toBe('BestEffort');
    expect(podQOSClass(spec({ requests: { cpu: '100m' } }))).toBe('Burstable');
    expect(podQOSClass(spec({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1000m', memory: '1Gi' } }))).toBe('Guaranteed');
    expect(podQOSClass(spec({ requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '2', memory: '1Gi' } }))).toBe('Burstable');
  });

  it('add the SchedulingGated condition', () => {
    const { obj } = create(pods, podBody({ schedulingGates: [{ name: 'example.com/wait' }] }));
    expect(obj.status.conditions).toEqual([
      {
        type: 'PodScheduled',
        status: 'False',
        lastTransitionTime: '2025-06-01T12:00:00Z',
        reason: 'SchedulingGated',
        message: 'Scheduling is blocked due to non-empty scheduling gates',
      },
    ]);
    expect(cell(pods, 'Status', obj)).toBe('SchedulingGated');
  });
});

describe('pod validation', () => {
  it('renders the Status example of api-fidelity §3.5', () => {
    const { errors } = create(pods, podBody({ containers: [{ name: 'app' }], restartPolicy: 'Sometimes' }));
    expect(errors).toEqual([
      'spec.containers[0].image: Required value',
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    ]);
    const { obj } = create(pods, podBody({ containers: [{ name: 'app' }], restartPolicy: 'Sometimes' }));
    expect(aggregateMessage(pods.validate!(obj))).toBe(
      '[spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"]',
    );
  });

  it('checks container names, policies, ports and env', () => {
    const { errors } = create(
      pods,
      podBody({
        dnsPolicy: 'x',
        containers: [
          { name: 'app', image: 'a', terminationMessagePolicy: 'X', ports: [{ containerPort: 70000, protocol: 'XYZ' }] },
          { name: 'app', image: 'b', restartPolicy: 'Always', env: [{ name: 'A=B' }, { value: 'v' }] },
          { name: 'Web_1', image: ' nginx' },
        ],
      }),
    );
    expect(errors).toEqual([
      'spec.containers[0].terminationMessagePolicy: Unsupported value: "X": supported values: "File", "FallbackToLogsOnError"',
      'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      'spec.containers[0].ports[0].protocol: Unsupported value: "XYZ": supported values: "SCTP", "TCP", "UDP"',
      `spec.containers[1].env[0].name: Invalid value: "A=B": a valid environment variable name must consist only of printable ASCII characters other than '='`,
      'spec.containers[1].env[1].name: Required value',
      'spec.containers[1].name: Duplicate value: "app"',
      'spec.containers[1].restartPolicy: Forbidden: may not be set for non-init containers',
      `spec.containers[2].name: Invalid value: "Web_1": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.dnsPolicy: Unsupported value: "x": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"',
      'spec.containers[2].image: Invalid value: " nginx": must not have leading or trailing whitespace',
    ]);
  });

  it('requires containers and known volumes, and requests within limits', () => {
    expect(create(pods, podBody({ containers: [] })).errors).toEqual(['spec.containers: Required value']);
    const { errors } = create(
      pods,
      podBody({
        volumes: [{ name: 'data' }, { name: 'data' }, { name: 'Bad' }],
        containers: [
          {
            name: 'app',
            image: 'a',
            volumeMounts: [{ name: 'data', mountPath: '/d' }, { name: 'logs', mountPath: '/d' }],
            resources: { requests: { cpu: '2' }, limits: { cpu: '500m' } },
          },
        ],
      }),
    );
    expect(errors).toEqual([
      'spec.volumes[1].name: Duplicate value: "data"',
      `spec.volumes[2].name: Invalid value: "Bad": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      'spec.containers[0].volumeMounts[1].name: Not found: "logs"',
      'spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique',
      'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 500m',
    ]);
  });

  it('checks init container restart policies and sidecar-only fields', () => {
    const errors = msgs(
      validatePodSpec(
        {
          ...create(pods, podBody()).obj.spec,
          initContainers: [
            { name: 'init', image: 'a', imagePullPolicy: 'Always', terminationMessagePolicy: 'File', restartPolicy: 'OnFailure', livenessProbe: { exec: { command: ['true'] } } },
            { name: 'app', image: 'a', imagePullPolicy: 'Always', terminationMessagePolicy: 'File' },
          ],
        },
        'spec',
      ),
    );
    expect(errors).toEqual([
      'spec.initContainers[0].restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
      'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      'spec.initContainers[1].name: Duplicate value: "app"',
    ]);
  });

  it('forbids ephemeral containers on create', () => {
    expect(create(pods, podBody({ ephemeralContainers: [{ name: 'debug', image: 'busybox' }] })).errors).toEqual([
      'spec.ephemeralContainers: Forbidden: cannot be set on create',
    ]);
  });
});

describe('pod updates', () => {
  const old = create(pods, podBody({ activeDeadlineSeconds: 30, tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }] })).obj;

  it('allow image, deadline and toleration changes', () => {
    expect(
      update(pods, old, (o) => {
        o.spec.containers[0].image = 'nginx:1.27';
        o.spec.activeDeadlineSeconds = 10;
        o.spec.tolerations[0].tolerationSeconds = 60;
        o.spec.tolerations.push({ key: 'x', operator: 'Exists' });
      }),
    ).toEqual([]);
  });

  it('forbid adding containers', () => {
    expect(update(pods, old, (o) => o.spec.containers.push({ name: 'b', image: 'b' }))).toEqual([
      'spec.containers: Forbidden: pod updates may not add or remove containers',
    ]);
  });

  it('guard activeDeadlineSeconds and tolerations', () => {
    expect(update(pods, old, (o) => (o.spec.activeDeadlineSeconds = 60))).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: 60: must be less than or equal to previous value',
    ]);
    expect(update(pods, old, (o) => delete o.spec.activeDeadlineSeconds)).toEqual([
      'spec.activeDeadlineSeconds: Invalid value: null: must not update from a positive integer to nil value',
    ]);
    expect(update(pods, old, (o) => (o.spec.tolerations[0].effect = 'NoSchedule'))).toEqual([
      'spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds',
    ]);
  });

  it('forbid any other spec change with the updatable-fields message and a diff', () => {
    const [error] = update(pods, old, (o) => (o.spec.restartPolicy = 'Never'));
    expect(error).toBe(
      'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n' +
        '  core.PodSpec{\n  \t... // 8 identical fields\n- \tRestartPolicy: "Always",\n+ \tRestartPolicy: "Never",\n  }',
    );
  });

  it('keep the stored status', () => {
    const obj = structuredClone(old);
    obj.status = { phase: 'Succeeded' };
    pods.prepareForUpdate!(obj, old);
    expect(obj.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
  });
});

describe('pod table cells', () => {
  const pod = (status: any, spec: any = {}, metadata: any = {}): KubeObject => ({
    metadata: { name: 'p', creationTimestamp: ago(10 * MIN), ...metadata },
    spec: { containers: [{ name: 'app' }], ...spec },
    status,
  });
  const running = { running: { startedAt: ago(MIN) } };

  it('fresh pod: 0/1 Pending 0', () => {
    expect(podCells(pod({ phase: 'Pending' }), NOW)).toEqual({ ready: '0/1', status: 'Pending', restarts: '0' });
    expect(cell(pods, 'Age', pod({ phase: 'Pending' }))).toBe('10m');
    expect(cell(pods, 'IP', pod({ phase: 'Pending' }))).toBe('<none>');
    expect(cell(pods, 'Node', pod({ phase: 'Pending' }))).toBe('<none>');
    expect(cell(pods, 'Nominated Node', pod({ phase: 'Pending' }))).toBe('<none>');
    expect(cell(pods, 'Readiness Gates', pod({ phase: 'Pending' }))).toBe('<none>');
  });

  it('ContainerCreating and Running', () => {
    const creating = pod({ phase: 'Pending', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] });
    expect(podCells(creating, NOW)).toEqual({ ready: '0/1', status: 'ContainerCreating', restarts: '0' });
    const up = pod({ phase: 'Running', podIPs: [{ ip: '10.244.0.5' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }, { nodeName: 'node-1' });
    expect(podCells(up, NOW)).toEqual({ ready: '1/1', status: 'Running', restarts: '0' });
    expect(cell(pods, 'IP', up)).toBe('10.244.0.5');
    expect(cell(pods, 'Node', up)).toBe('node-1');
  });

  it('CrashLoopBackOff with "3 (5m ago)" restarts', () => {
    const crashing = pod({
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * MIN) } },
        },
      ],
    });
    expect(podCells(crashing, NOW)).toEqual({ ready: '0/1', status: 'CrashLoopBackOff', restarts: '3 (5m ago)' });
  });

  it('Completed, and Running again when another container still runs', () => {
    const done = pod({ phase: 'Succeeded', containerStatuses: [{ name: 'app', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] });
    expect(podCells(done, NOW).status).toBe('Completed');
    expect(podCells({ ...done, metadata: { ...done.metadata, deletionTimestamp: ago(0) } }, NOW).status).toBe('Completed');
    const mixed = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: 'False' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 0, state: running },
          { name: 'b', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
      { containers: [{ name: 'a' }, { name: 'b' }] },
    );
    expect(podCells(mixed, NOW)).toEqual({ ready: '1/2', status: 'NotReady', restarts: '0' });
    const failed = pod({ phase: 'Running', containerStatuses: [{ name: 'app', restartCount: 0, state: { terminated: { exitCode: 137, signal: 9 } } }] });
    expect(podCells(failed, NOW).status).toBe('Signal:9');
  });

  it('Terminating', () => {
    const p = pod({ phase: 'Running', containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }] }, {}, { deletionTimestamp: ago(0) });
    expect(podCells(p, NOW)).toEqual({ ready: '1/1', status: 'Terminating', restarts: '0' });
    expect(podCells({ ...p, status: { ...p.status, reason: 'NodeLost' } }, NOW).status).toBe('Unknown');
  });

  it('Init:0/2, Init:CrashLoopBackOff and sidecars', () => {
    const inits = { initContainers: [{ name: 'i1' }, { name: 'i2' }] };
    const waiting = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 0, state: { running: {} } },
          { name: 'i2', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
        ],
        containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
      inits,
    );
    expect(podCells(waiting, NOW)).toEqual({ ready: '0/1', status: 'Init:0/2', restarts: '0' });
    const looping = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'i2', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * MIN) } } },
        ],
      },
      inits,
    );
    expect(podCells(looping, NOW)).toEqual({ ready: '0/1', status: 'Init:CrashLoopBackOff', restarts: '4 (2m ago)' });
    const sidecar = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', restartCount: 1, started: true, ready: true, state: running, lastState: { terminated: { exitCode: 1, finishedAt: ago(3 * MIN) } } }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: running }],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    expect(podCells(sidecar, NOW)).toEqual({ ready: '2/2', status: 'Running', restarts: '1 (3m ago)' });
  });

  it('readiness gates', () => {
    const p = pod(
      { phase: 'Running', conditions: [{ type: 'example.com/lb', status: 'True' }] },
      { readinessGates: [{ conditionType: 'example.com/lb' }, { conditionType: 'example.com/dns' }] },
    );
    expect(cell(pods, 'Readiness Gates', p)).toBe('1/2');
  });

  it('field selectors', () => {
    const p = pod({ phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] }, { nodeName: 'n1', restartPolicy: 'Always' });
    const f = pods.fieldSelectors!;
    expect([f['spec.nodeName'](p), f['status.phase'](p), f['status.podIP'](p), f['spec.hostNetwork'](p), f['spec.serviceAccountName'](p)]).toEqual([
      'n1',
      'Running',
      '10.0.0.1',
      'false',
      '',
    ]);
  });
});

const deploymentBody = (spec: any = {}) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } },
    ...spec,
  },
});

describe('deployments', () => {
  it('default strategy, limits and the pod template (without pod-only defaults)', () => {
    const { obj, errors } = create(deployments, deploymentBody());
    expect(errors).toEqual([]);
    expect(obj.spec.replicas).toBe(1);
    expect(obj.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    expect(obj.spec.revisionHistoryLimit).toBe(10);
    expect(obj.spec.progressDeadlineSeconds).toBe(600);
    expect(obj.spec.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', securityContext: {}, terminationGracePeriodSeconds: 30 });
    expect(obj.spec.template.spec.enableServiceLinks).toBeUndefined();
    expect(obj.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(obj.status).toEqual({});
  });

  it('validate the selector against the template', () => {
    expect(create(deployments, deploymentBody({ selector: {} })).errors).toEqual(['spec.selector: Invalid value: {}: empty selector is invalid for deployment']);
    expect(create(deployments, deploymentBody({ selector: { matchLabels: { app: 'x' } } })).errors).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(create(deployments, deploymentBody({ selector: undefined })).errors).toEqual([
      'spec.selector: Required value',
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: `selector` does not match template `labels`',
    ]);
    expect(create(deployments, deploymentBody({ selector: { matchExpressions: [{ key: 'app', operator: 'Within', values: ['web'] }] } })).errors).toEqual([
      'spec.selector.matchExpressions[0].operator: Invalid value: "Within": not a valid selector operator',
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Within","values":["web"]}]}: invalid label selector',
    ]);
  });

  it('validate the template, strategy and deadlines', () => {
    const body = deploymentBody({ minReadySeconds: 700, strategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } });
    body.spec.template.spec = { ...body.spec.template.spec, restartPolicy: 'Never' } as any;
    expect(create(deployments, body).errors).toEqual([
      'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
      'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0',
      'spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds',
    ]);
    expect(create(deployments, deploymentBody({ strategy: { type: 'Recreate', rollingUpdate: {} } })).errors).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
  });

  it('keep the selector immutable', () => {
    const body = deploymentBody({ selector: { matchLabels: { tier: 'backend', app: 'checkout' } } });
    body.spec.template.metadata.labels = { app: 'checkout', tier: 'backend' } as any;
    const old = create(deployments, body).obj;
    expect(
      update(deployments, old, (o) => {
        o.spec.selector = { matchLabels: { app: 'checkout', tier: 'backend' } };
      }),
    ).toEqual([]);
    expect(
      update(deployments, old, (o) => {
        o.spec.selector.matchLabels = { tier: 'backend', app: 'checkout', v: '2' };
        o.spec.template.metadata.labels.v = '2';
      }),
    ).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"checkout","tier":"backend","v":"2"}}: field is immutable']);
  });

  it('print READY / UP-TO-DATE / AVAILABLE', () => {
    const { obj } = create(deployments, deploymentBody({ replicas: 3 }));
    obj.status = { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    expect(deployments.columns!.map((c) => c.cell(obj, NOW))).toEqual(['web', '2/3', 3, 2, '<unknown>', 'web', 'nginx:1.27', 'app=web']);
    const fresh = create(deployments, deploymentBody()).obj;
    expect([cell(deployments, 'Ready', fresh), cell(deployments, 'Up-to-date', fresh), cell(deployments, 'Available', fresh)]).toEqual(['0/1', 0, 0]);
    expect(deployments.subresources!.scale!.selector(obj)).toBe('app=web');
  });
});

describe('replica sets and replication controllers', () => {
  it('replica sets: defaults, status, validation and cells', () => {
    const body = { ...deploymentBody(), kind: 'ReplicaSet', spec: { ...deploymentBody().spec, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }], activeDeadlineSeconds: 5 } } } };
    const { obj, errors } = create(replicasets, body);
    expect(obj.spec.replicas).toBe(1);
    expect(obj.status).toEqual({ replicas: 0 });
    expect(errors).toEqual(['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported']);
    expect(replicasets.columns!.map((c) => c.cell(obj, NOW))).toEqual(['web', 1, 0, 0, '<unknown>', 'web', 'nginx', 'app=web']);
    expect(replicasets.fieldSelectors!['status.replicas'](obj)).toBe('0');
  });

  it('replication controllers default selector and labels from the template', () => {
    const { obj, errors } = create(replicationcontrollers, {
      apiVersion: 'v1',
      kind: 'ReplicationController',
      metadata: { name: 'rc', namespace: 'default' },
      spec: { template: { metadata: { labels: { app: 'rc' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    expect(errors).toEqual([]);
    expect(obj.spec.selector).toEqual({ app: 'rc' });
    expect(obj.metadata.labels).toEqual({ app: 'rc' });
    expect(obj.spec.replicas).toBe(1);
    expect(obj.status).toEqual({ replicas: 0 });
    expect(cell(replicationcontrollers, 'Selector', obj)).toBe('app=rc');
    expect(replicationcontrollers.subresources!.scale!.selector(obj)).toBe('app=rc');
  });

  it('replication controllers validate selector and template', () => {
    const base = { apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'rc', namespace: 'default' } };
    expect(create(replicationcontrollers, { ...base, spec: {} }).errors).toEqual(['spec.selector: Required value', 'spec.template: Required value']);
    const { errors } = create(replicationcontrollers, {
      ...base,
      spec: { selector: { app: 'x' }, template: { metadata: { labels: { app: 'rc' } }, spec: { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'nginx' }] } } },
    });
    expect(errors).toEqual([
      'spec.template.metadata.labels: Invalid value: {"app":"rc"}: `selector` does not match template `labels`',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });
});

describe('strategic merge patch keys', () => {
  it('come from the schema and field tags, at every depth', () => {
    const meta = patchMetaOf(deployments);
    expect(meta['spec.template.spec.containers']).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(meta['spec.template.spec.volumes']).toEqual({ strategy: 'merge,retainKeys', mergeKey: 'name' });
    expect(meta['spec.template.spec.initContainers.ports']).toEqual({ strategy: 'merge', mergeKey: 'containerPort' });
    expect(meta['spec.template.spec.containers.volumeMounts']).toEqual({ strategy: 'merge', mergeKey: 'mountPath' });
    expect(meta['spec.template.spec.topologySpreadConstraints']).toEqual({ strategy: 'merge', mergeKey: 'topologyKey' });
    expect(meta['spec.template.spec.tolerations']).toBeUndefined();
    expect(meta['spec.template.metadata.finalizers']).toEqual({ strategy: 'merge' });
    expect(meta['metadata.ownerReferences']).toEqual({ strategy: 'merge', mergeKey: 'uid' });
    expect(patchMetaOf(pods)['status.conditions']).toEqual({ strategy: 'merge', mergeKey: 'type' });
    expect(patchMetaOf(pods)['spec.containers.env']).toEqual({ strategy: 'merge', mergeKey: 'name' });
    expect(meta['spec.strategy']).toEqual({ strategy: 'retainKeys' });
  });
});
