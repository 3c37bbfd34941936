// Pure parts of the service and lifecycle controllers: Endpoints subsets, port resolution, the namespace
// deletion conditions and event expiry.
import { describe, expect, it } from 'vitest';
import { desiredSubsets, findPort, repackSubsets } from '../../src/controllers/endpoints';
import { lastWritten } from '../../src/controllers/event-ttl';
import { deletionConditions } from '../../src/controllers/namespace';

const pod = (name: string, ip: string, ready: boolean, extra: Record<string, any> = {}) => ({
  metadata: { name, namespace: 'default', uid: `uid-${name}` },
  spec: { nodeName: 'node-1', containers: [{ name: 'c', ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }] }], ...extra.spec },
  status: { phase: 'Running', podIPs: [{ ip }], conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }], ...extra.status },
  ...(extra.metadata && { metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra.metadata } }),
});
const service = (spec: Record<string, any>) => ({ metadata: { name: 'web', namespace: 'default' }, spec: { clusterIP: '10.96.0.10', ipFamilies: ['IPv4'], ...spec } });
const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

describe('Endpoints subsets', () => {
  it('splits ready and not-ready addresses, sorted by IP bytewise', () => {
    const svc = service({ ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] });
    const subsets = desiredSubsets(svc, [pod('a', '10.244.0.9', true), pod('b', '10.244.0.10', true), pod('c', '10.244.1.2', false)]);
    expect(subsets).toEqual([
      {
        addresses: [
          { ip: '10.244.0.10', nodeName: 'node-1', targetRef: ref('b') },
          { ip: '10.244.0.9', nodeName: 'node-1', targetRef: ref('a') },
        ],
        notReadyAddresses: [{ ip: '10.244.1.2', nodeName: 'node-1', targetRef: ref('c') }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('leaves out terminal, IP-less and terminating pods, and pods without the named port', () => {
    const svc = service({ ports: [{ port: 80, targetPort: 'metrics', protocol: 'TCP' }] });
    const metrics = { spec: { containers: [{ name: 'c', ports: [{ name: 'metrics', containerPort: 9090, protocol: 'TCP' }] }] } };
    const pods = [
      pod('ok', '10.0.0.1', true, metrics),
      pod('done', '10.0.0.2', true, { ...metrics, status: { phase: 'Succeeded' } }),
      pod('noip', '', true, { ...metrics, status: { podIPs: [] } }),
      pod('going', '10.0.0.4', true, { ...metrics, metadata: { deletionTimestamp: '2030-01-01T00:00:00Z' } }),
      pod('other', '10.0.0.5', true),
    ];
    expect(desiredSubsets(svc, pods)).toEqual([{ addresses: [{ ip: '10.0.0.1', nodeName: 'node-1', targetRef: ref('ok') }], ports: [{ port: 9090, protocol: 'TCP' }] }]);
  });

  it('publishes not-ready addresses as ready when asked, and sets hostnames for the subdomain', () => {
    const svc = service({ clusterIP: 'None', publishNotReadyAddresses: true });
    const p = pod('a', '10.0.0.1', false, { spec: { hostname: 'a', subdomain: 'web' } });
    expect(desiredSubsets(svc, [p])).toEqual([{ addresses: [{ ip: '10.0.0.1', hostname: 'a', nodeName: 'node-1', targetRef: ref('a') }] }]);
  });

  it('repacks: ports offered by the same addresses share a subset', () => {
    const addr = (name: string, ip: string) => ({ ip, nodeName: 'n', targetRef: ref(name) });
    const p1 = { port: 1, protocol: 'TCP' };
    const p2 = { port: 2, protocol: 'TCP' };
    const subsets = repackSubsets([
      { address: addr('a', '10.0.0.1'), ready: true, port: p1 },
      { address: addr('a', '10.0.0.1'), ready: true, port: p2 },
      { address: addr('b', '10.0.0.2'), ready: true, port: p1 },
    ]);
    expect(subsets).toEqual([
      { addresses: [addr('a', '10.0.0.1'), addr('b', '10.0.0.2')], ports: [p1] },
      { addresses: [addr('a', '10.0.0.1')], ports: [p2] },
    ]);
  });

  it('resolves target ports: numbers as is, names by protocol, sidecars too', () => {
    const p = {
      metadata: {},
      spec: {
        containers: [{ ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }] }],
        initContainers: [{ restartPolicy: 'Always', ports: [{ name: 'proxy', containerPort: 15001 }] }],
      },
    };
    expect(findPort(p, { targetPort: 8080, protocol: 'TCP' })).toBe(8080);
    expect(findPort(p, { targetPort: 'dns', protocol: 'UDP' })).toBe(53);
    expect(findPort(p, { targetPort: 'dns', protocol: 'TCP' })).toBeUndefined();
    expect(findPort(p, { targetPort: 'proxy', protocol: 'TCP' })).toBe(15001);
  });
});

describe('namespace deletion conditions', () => {
  const sweep = (over: Partial<Parameters<typeof deletionConditions>[1]> = {}) => ({ estimate: 0, errors: [], remaining: new Map(), finalizers: new Map(), ...over });

  it('writes all five, OK ones False, failures True with sorted details', () => {
    const conditions = deletionConditions(undefined, sweep({
      remaining: new Map([['pods.', 3], ['deployments.apps', 1]]),
      finalizers: new Map([['example.com/b', 1], ['example.com/a', 2]]),
    }), '2030-01-01T00:00:00Z');
    expect(conditions.map((c) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['NamespaceDeletionDiscoveryFailure', 'False', 'ResourcesDiscovered', 'All resources successfully discovered'],
      ['NamespaceDeletionGroupVersionParsingFailure', 'False', 'ParsedGroupVersions', 'All legacy kube types successfully parsed'],
      ['NamespaceDeletionContentFailure', 'False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization'],
      ['NamespaceContentRemaining', 'True', 'SomeResourcesRemain', 'Some resources are remaining: deployments.apps has 1 resource instances, pods. has 3 resource instances'],
      ['NamespaceFinalizersRemaining', 'True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: example.com/a in 2 resource instances, example.com/b in 1 resource instances'],
    ]);
    expect(Object.keys(conditions[0])).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
  });

  it('keeps the transition time of unchanged conditions', () => {
    const first = deletionConditions(undefined, sweep({ remaining: new Map([['pods.', 1]]) }), '2030-01-01T00:00:00Z');
    const second = deletionConditions(first, sweep(), '2030-01-01T00:01:00Z');
    expect(second[0].lastTransitionTime).toBe('2030-01-01T00:00:00Z');
    expect(second[3]).toMatchObject({ status: 'False', reason: 'ContentRemoved', lastTransitionTime: '2030-01-01T00:01:00Z' });
  });
});

describe('event expiry', () => {
  it('counts from the latest write, in either API shape', () => {
    const meta = { metadata: { creationTimestamp: '2030-01-01T00:00:00Z' } };
    expect(lastWritten({ ...meta, lastTimestamp: '2030-01-01T00:05:00Z' })).toBe(Date.parse('2030-01-01T00:05:00Z'));
    expect(lastWritten({ ...meta, eventTime: '2030-01-01T00:00:01.500000Z', series: { count: 2, lastObservedTime: '2030-01-01T00:09:00.000000Z' } })).toBe(Date.parse('2030-01-01T00:09:00Z'));
    expect(lastWritten(meta)).toBe(Date.parse('2030-01-01T00:00:00Z'));
  });
});
