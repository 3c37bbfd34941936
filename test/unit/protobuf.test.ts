// Protobuf request bodies: real bytes captured from kubectl 1.35 / helm 4 (test/fixtures/protobuf, see
// scripts/capture-protobuf.mjs), hand-built messages for the special types, and malformed input.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeKubeProtobuf, PROTOBUF_MEDIA_TYPE, ProtobufError } from '../../src/apiserver/protobuf/decode';
import { decodeBody, decodeObject, readRequestBody } from '../../src/apiserver/body';
import { ApiError } from '../../src/apiserver/errors';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/protobuf/${name}.bin`, import.meta.url)));
const decode = (name: string) => decodeKubeProtobuf(fixture(name)).object;

// A tiny encoder for hand-built messages.
const varint = (n: number | bigint): number[] => {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? b | 0x80 : b);
  } while (v);
  return out;
};
const int = (num: number, n: number | bigint) => [...varint(num << 3), ...varint(n)];
const len = (num: number, bytes: number[]) => [...varint((num << 3) | 2), ...varint(bytes.length), ...bytes];
const str = (num: number, s: string) => len(num, [...new TextEncoder().encode(s)]);
const envelope = (apiVersion: string, kind: string, raw: number[]) =>
  new Uint8Array([0x6b, 0x38, 0x73, 0, ...len(1, [...str(1, apiVersion), ...str(2, kind)]), ...len(2, raw)]);

describe('captured kubectl / helm bodies', () => {
  it('create secret generic', () => {
    expect(decode('secret')).toEqual({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { a: 'Yg==' } });
  });

  it('create configmap', () => {
    expect(decode('configmap')).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } });
  });

  it('create namespace', () => {
    expect(decode('namespace')).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns1' }, spec: {}, status: {} });
  });

  // Equal to `kubectl create deployment ... --dry-run=client -o json` minus `creationTimestamp: null`.
  it('create deployment', () => {
    expect(decode('deployment')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('create service clusterip', () => {
    expect(decode('service')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', labels: { app: 'svc' } },
      spec: { ports: [{ name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 }], selector: { app: 'svc' }, type: 'ClusterIP' },
      status: { loadBalancer: {} },
    });
  });

  it('create serviceaccount', () => {
    expect(decode('serviceaccount')).toEqual({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } });
  });

  it('create quota', () => {
    expect(decode('quota')).toEqual({
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { cpu: '2', memory: '1Gi', pods: '10' } },
      status: {},
    });
  });

  it('create token (TokenRequest)', () => {
    expect(decode('token')).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      metadata: {},
      spec: { expirationSeconds: 3600 },
      status: {},
    });
  });

  it('auth can-i (SelfSubjectAccessReview)', () => {
    expect(decode('selfsubjectaccessreview')).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectAccessReview',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } },
      status: { allowed: false },
    });
  });

  it('auth can-i --list (SelfSubjectRulesReview)', () => {
    expect(decode('selfsubjectrulesreview')).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: {},
      spec: { namespace: 'default' },
      status: { incomplete: false },
    });
  });

  it('auth whoami (SelfSubjectReview)', () => {
    expect(decode('selfsubjectreview')).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: {},
      status: { userInfo: {} },
    });
  });

  it('create job', () => {
    expect(decode('job')).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: {
        template: {
          metadata: {},
          spec: { containers: [{ name: 'j', image: 'busybox', command: ['echo', 'hi'], resources: {} }], restartPolicy: 'Never' },
        },
      },
      status: {},
    });
  });

  it('autoscale (autoscaling/v2, then the v1 fallback)', () => {
    const scaleTargetRef = { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' };
    expect(decode('hpa-v2')).toEqual({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef,
        minReplicas: 1,
        maxReplicas: 3,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }],
      },
      status: { desiredReplicas: 0 },
    });
    expect(decode('hpa-v1')).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: { scaleTargetRef, minReplicas: 1, maxReplicas: 3 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    });
  });

  it('helm release Secret', () => {
    const obj = decode('helm-release-secret') as any;
    expect(obj).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'sh.helm.release.v1.demo.v1',
        labels: { createdAt: '1795788478', name: 'demo', owner: 'helm', status: 'pending-install', version: '1' },
      },
      data: { release: expect.any(String) },
      type: 'helm.sh/release.v1',
    });
    // data is base64 of helm's own base64(gzip(JSON release)).
    const release = JSON.parse(gunzipSync(Buffer.from(atob(obj.data.release), 'base64')).toString());
    expect(release).toMatchObject({ name: 'demo', namespace: 'default', version: 1 });
  });

  it('helm DeleteOptions (sent as apiVersion v1)', () => {
    expect(decodeKubeProtobuf(fixture('helm-delete-options'))).toEqual({
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      object: { apiVersion: 'v1', kind: 'DeleteOptions' },
    });
  });
});

describe('hand-built messages', () => {
  it('Time and MicroTime become RFC3339; zero times are omitted', () => {
    const t = 1704164645; // 2024-01-02T03:04:05Z
    const raw = [
      ...len(1, [...str(1, 'e1'), ...len(8, [])]), // metadata with an empty creationTimestamp
      ...len(6, [...int(1, t), ...int(2, 999_000_000)]), // firstTimestamp: Time drops the fraction
      ...len(7, []), // lastTimestamp: zero
      ...len(10, [...int(1, t), ...int(2, 123_456_789)]), // eventTime: MicroTime keeps 6 digits
      ...int(8, 0), // count 0: omitempty
    ];
    expect(decodeKubeProtobuf(envelope('v1', 'Event', raw)).object).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e1' },
      firstTimestamp: '2024-01-02T03:04:05Z',
      eventTime: '2024-01-02T03:04:05.123456Z',
    });
  });

  it('inline embedded structs, emptyDir {}, IntOrString, pointer zeros and packed ints', () => {
    const volumes = [
      ...len(1, [...str(1, 'cfg'), ...len(2, len(19, len(1, str(1, 'cm'))))]), // configMap.localObjectReference.name
      ...len(1, [...str(1, 'scratch'), ...len(2, len(2, str(1, '')))]), // emptyDir with medium ""
    ];
    const probe = [...len(1, len(2, len(2, [...int(1, 1), ...str(3, 'http')]))), ...int(2, 0)]; // httpGet.port "http"
    const container = [...str(1, 'c'), ...str(2, 'img'), ...len(10, probe), ...int(16, 0)]; // stdin false dropped
    const podSpec = [
      ...volumes,
      ...len(2, container),
      ...int(4, 0), // terminationGracePeriodSeconds: pointer, 0 kept
      ...int(21, 0), // automountServiceAccountToken: pointer, false kept
      ...int(11, 0), // hostNetwork: omitempty, dropped
      ...len(14, len(4, [...varint(1000), ...varint(2000)])), // securityContext.supplementalGroups, packed
    ];
    const deploySpec = [...int(1, 0), ...len(3, len(2, podSpec)), ...len(4, [...str(1, 'RollingUpdate'), ...len(2, len(2, [...int(1, 1), ...str(3, '25%')]))])];
    expect(decodeKubeProtobuf(envelope('apps/v1', 'Deployment', [...len(1, [...str(1, 'd'), ...int(7, 0)]), ...len(2, deploySpec)])).object).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {
        replicas: 0,
        template: {
          spec: {
            volumes: [
              { name: 'cfg', configMap: { name: 'cm' } },
              { name: 'scratch', emptyDir: {} },
            ],
            containers: [{ name: 'c', image: 'img', livenessProbe: { httpGet: { port: 'http' } } }],
            terminationGracePeriodSeconds: 0,
            automountServiceAccountToken: false,
            securityContext: { supplementalGroups: [1000, 2000] },
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
      },
    });
  });

  it('JSON names that differ from proto names, ExtraValue lists, FieldsV1, int64 and unknown fields', () => {
    const token = [...len(2, [...str(1, 'aud'), ...int(4, 2 ** 40), ...len(3, [...str(1, 'Pod'), ...str(2, 'v1'), ...str(4, 'u-1')])])];
    expect(decodeKubeProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', [...token, ...str(99, 'future field')])).object).toEqual({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['aud'], expirationSeconds: 2 ** 40, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', uid: 'u-1' } },
    });
    const extra = len(5, [...str(1, 'scopes'), ...len(2, [...str(1, 'a'), ...str(1, 'b')])]);
    const managed = len(17, [...str(1, 'kubectl'), ...len(7, str(1, '{"f:data":{}}'))]);
    expect(decodeKubeProtobuf(envelope('authorization.k8s.io/v1', 'SubjectAccessReview', [...len(1, managed), ...len(2, [...str(3, 'bob'), ...extra])])).object).toEqual({
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      metadata: { managedFields: [{ manager: 'kubectl', fieldsV1: { 'f:data': {} } }] },
      spec: { user: 'bob', extra: { scopes: ['a', 'b'] } },
    });
  });

  it('map keys are plain keys, even "__proto__"; map entries may omit their value', () => {
    const raw = [...len(2, [...str(1, '__proto__'), ...str(2, 'x')]), ...len(2, str(1, 'empty')), ...len(3, str(1, 'bin'))];
    const obj = decodeKubeProtobuf(envelope('v1', 'ConfigMap', raw)).object as any;
    expect(Object.getPrototypeOf(obj.data)).toBe(Object.prototype);
    expect(Object.entries(obj.data)).toEqual([['__proto__', 'x'], ['empty', '']]);
    expect(obj.binaryData).toEqual({ bin: '' });
  });

  it('DeleteOptions from any group at v1, with pointer zero and a negative int64', () => {
    const raw = [...int(1, 0), ...str(4, 'Foreground'), ...str(5, 'All')];
    expect(decodeKubeProtobuf(envelope('meta.k8s.io/v1', 'DeleteOptions', raw)).object).toEqual({
      apiVersion: 'meta.k8s.io/v1',
      kind: 'DeleteOptions',
      gracePeriodSeconds: 0,
      propagationPolicy: 'Foreground',
      dryRun: ['All'],
    });
    expect(decodeKubeProtobuf(envelope('apps/v1', 'DeleteOptions', int(1, -5))).object).toEqual({ apiVersion: 'apps/v1', kind: 'DeleteOptions', gracePeriodSeconds: -5 });
  });
});

describe('malformed input throws ProtobufError', () => {
  const bad = (bytes: Uint8Array | number[], message: RegExp) =>
    expect(() => decodeKubeProtobuf(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes))).toThrow(message);

  it('bad magic, empty body, JSON', () => {
    bad([], /k8s\\x00/);
    bad([0x6b, 0x38, 0x73, 0x01, 0x0a, 0x00], /k8s\\x00/);
    bad(new TextEncoder().encode('{"kind":"Secret"}'), /k8s\\x00/);
    expect(() => decodeKubeProtobuf(new Uint8Array([1, 2, 3]))).toThrow(ProtobufError);
  });

  it('unknown kinds and versions', () => {
    bad(fixture('selfsubjectreview-v1beta1'), /no kind "SelfSubjectReview" is registered for version "authentication.k8s.io\/v1beta1"/);
    bad(envelope('v1', 'Foo', []), /no kind "Foo"/);
    bad(envelope('example.com/v1', 'Secret', []), /no kind "Secret"/);
    bad(new Uint8Array([0x6b, 0x38, 0x73, 0, ...len(2, [])]), /no kind/);
  });

  it('truncated varints and lengths, overlong varints, wrong wire types, groups, field 0', () => {
    bad([0x6b, 0x38, 0x73, 0, 0x0a, 0xff], /truncated varint/);
    bad([0x6b, 0x38, 0x73, 0, 0x0a, 0x10, 0x0a], /runs past the end/);
    bad([0x6b, 0x38, 0x73, 0, 0x0a, ...Array(11).fill(0xff)], /longer than 10 bytes/);
    bad(envelope('v1', 'Secret', int(1, 5)), /wrong wire type 0 for metadata/);
    bad(envelope('v1', 'Secret', len(5, [])), /wrong wire type 2 for immutable/);
    bad(envelope('v1', 'Secret', [0xa3, 0x01]), /unsupported wire type 3/); // an unknown field 20 as a group
    bad(envelope('v1', 'Secret', [0x0b]), /wrong wire type 3 for metadata/);
    bad(envelope('v1', 'Secret', [0x00, 0x00]), /field number 0/);
    bad(envelope('v1', 'Event', len(6, int(2, 2_000_000_000))), /nanos/);
    bad(envelope('v1', 'Secret', len(1, len(17, len(7, str(1, '{oops'))))), /not valid JSON/);
  });

  it('every truncation of a real body fails cleanly or decodes', () => {
    const full = fixture('deployment');
    for (let n = 0; n < full.length; n++) {
      try {
        decodeKubeProtobuf(full.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(ProtobufError);
      }
    }
  });

  it('random garbage after the magic never hangs or throws anything else', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16) & 0xff;
    const body = fixture('deployment');
    for (let i = 0; i < 2000; i++) {
      const b = i % 2 ? Uint8Array.from({ length: 4 + (i % 300) }, (_, j) => (j < 4 ? body[j] : rand())) : body.map((x) => (rand() < 8 ? rand() : x));
      try {
        decodeKubeProtobuf(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ProtobufError);
      }
    }
  });
});

describe('body.ts', () => {
  it('readRequestBody keeps protobuf as bytes; decodeObject decodes it', async () => {
    const req = new Request('https://x/api/v1/namespaces/default/secrets', {
      method: 'POST',
      headers: { 'content-type': `${PROTOBUF_MEDIA_TYPE}; charset=binary` },
      body: fixture('secret'),
    });
    const body = await readRequestBody(req);
    expect(body).toBeInstanceOf(Uint8Array);
    expect(decodeObject(req.headers.get('content-type'), body, 'Secret', 'v1')).toEqual(decode('secret'));
  });

  it('malformed protobuf is a 400 BadRequest Status', () => {
    let err: unknown;
    try {
      decodeBody(PROTOBUF_MEDIA_TYPE, new Uint8Array([0x6b, 0x38, 0x73, 0, 0x0a, 0xff]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(400);
    expect((err as ApiError).message).toMatch(/^failed to decode protobuf body: truncated varint/);
  });

  it('JSON bodies still decode from text', async () => {
    const req = new Request('https://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(decodeBody('application/json', await readRequestBody(req))).toEqual({ a: 1 });
  });
});
