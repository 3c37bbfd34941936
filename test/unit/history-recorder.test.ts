// The history buffer and redaction: Secret values never kept, bounded buffer, drop order, revisions as stored.
import { describe, expect, it } from 'vitest';
import { HistoryBuffer, resourceName, revisionOf, type AuditRecord, type RevisionRecord } from '../../src/history/recorder';
import { LAST_APPLIED, redactSecret } from '../../src/history/redact';
import type { Change } from '../../src/durable/store';

const secret = (extra: Record<string, any> = {}) => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 's',
    namespace: 'default',
    resourceVersion: '7',
    annotations: {
      note: 'kept',
      [LAST_APPLIED]: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, stringData: { password: 'hunter2-plain' } }),
    },
    managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': { 'f:password': {} } } }],
  },
  type: 'Opaque',
  data: { password: btoa('hunter2-plain') },
  stringData: { other: 'hunter2-other' },
  ...extra,
});

describe('redactSecret', () => {
  it('replaces every value of data and stringData, and of the last-applied manifest, by its length', () => {
    const s = secret();
    const out = redactSecret(s as any);
    const text = JSON.stringify(out);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(btoa('hunter2-plain'));
    expect(out.data).toEqual({ password: `<redacted: ${btoa('hunter2-plain').length} bytes>` });
    expect(out.stringData).toEqual({ other: '<redacted: 13 bytes>' });
    const applied = JSON.parse(out.metadata.annotations![LAST_APPLIED]);
    expect(applied.stringData).toEqual({ password: '<redacted: 13 bytes>' });
    expect(applied.metadata).toEqual({ name: 's' });
    // Everything else as stored (keys, other annotations, managedFields), and the input untouched.
    expect(out.metadata.annotations!.note).toBe('kept');
    expect(out.metadata.managedFields).toEqual(s.metadata.managedFields);
    expect(out.type).toBe('Opaque');
    expect(s.data.password).toBe(btoa('hunter2-plain'));
  });

  it('replaces a last-applied annotation that is not a JSON object whole', () => {
    const s = secret();
    s.metadata.annotations[LAST_APPLIED] = 'password: hunter2-yaml';
    expect(redactSecret(s as any).metadata.annotations![LAST_APPLIED]).toBe('<redacted: 22 bytes>');
  });

  it('redacts a data field that is not a map', () => {
    expect(redactSecret(secret({ data: 'hunter2' }) as any).data).toBe('<redacted: 0 bytes>');
  });
});

const change = (c: Partial<Change> & Pick<Change, 'res' | 'object'>): Change => ({ rv: 5, json: JSON.stringify(c.object), type: 'ADDED', ...c });

describe('revisionOf', () => {
  it('keeps the commit JSON text itself (no re-serialisation) for non-secrets', () => {
    const object = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' } };
    const c = change({ res: 'apps/deployments', object, type: 'MODIFIED', rv: 9 });
    const r = revisionOf(c, 1234);
    expect(r).toEqual({ rv: 9, time: 1234, type: 'MODIFIED', resource: 'deployments.apps', namespace: 'default', name: 'web', object: c.json });
    expect(r.object).toBe(c.json);
  });

  it('redacts Secrets, cluster-scoped objects have namespace ""', () => {
    const r = revisionOf(change({ res: '/secrets', object: secret() as any }), 1);
    expect(r.object).not.toContain('hunter2');
    expect(revisionOf(change({ res: '/nodes', object: { metadata: { name: 'n1' } } as any }), 1).namespace).toBe('');
  });

  it('names resources like kubectl', () => {
    expect(resourceName('/pods')).toBe('pods');
    expect(resourceName('apps/deployments')).toBe('deployments.apps');
    expect(resourceName('events.k8s.io/events')).toBe('events.events.k8s.io');
  });
});

const rev = (rv: number, size = 0): RevisionRecord => ({ rv, time: rv, type: 'ADDED', resource: 'pods', namespace: 'default', name: `p${rv}`, object: 'x'.repeat(size) });
const aud = (seq: number): AuditRecord => ({ seq, time: seq, user: 'u', verb: 'get', resource: 'pods', subresource: '', namespace: '', name: '', path: '', code: 200, latencyMs: 1, userAgent: '' });
const rvs = (b: { clients: RevisionRecord[]; system: RevisionRecord[] }) => [...b.clients, ...b.system].map((r) => r.rv);

describe('HistoryBuffer', () => {
  it('drops the oldest control-plane revisions first, then audit records, then clients\' revisions, and counts them', () => {
    const b = new HistoryBuffer({ records: 4, bytes: 1e9 });
    b.addRevision(rev(1), false);
    b.addRevision(rev(2), true);
    b.addAudit(aud(1));
    b.addRevision(rev(3), true);
    b.addRevision(rev(4), false); // over: system rv 2 goes
    expect(b.dropped).toEqual({ revisions: 1, audit: 0 });
    b.addRevision(rev(5), false); // system rv 3 goes
    b.addRevision(rev(6), false); // no system left: the audit record goes
    expect(b.dropped).toEqual({ revisions: 2, audit: 1 });
    b.addRevision(rev(7), false); // then the oldest client revision
    expect(b.dropped).toEqual({ revisions: 3, audit: 1 });
    expect(b.pending).toBe(4);
    expect(rvs(b.take(10))).toEqual([4, 5, 6, 7]);
    expect(b.pending).toBe(0);
  });

  it('is bounded in bytes too', () => {
    const b = new HistoryBuffer({ records: 1000, bytes: 1000 });
    for (let i = 1; i <= 10; i++) b.addRevision(rev(i, 300), true);
    // 300 bytes of object and 100 of overhead each: two fit.
    expect(b.pending).toBe(2);
    expect(b.dropped.revisions).toBe(8);
    expect(rvs(b.take(10))).toEqual([9, 10]);
  });

  it('takes at most max records and puts a failed batch back in front, still within bounds', () => {
    const b = new HistoryBuffer({ records: 5, bytes: 1e9 });
    for (let i = 1; i <= 3; i++) b.addRevision(rev(i), true);
    b.addAudit(aud(1));
    const batch = b.take(2);
    expect(rvs(batch)).toEqual([1, 2]);
    expect(batch.audit).toEqual([]);
    b.addRevision(rev(4), true);
    b.addRevision(rev(5), false);
    b.putBack(batch); // 6 records for 5 places: the oldest control-plane revision goes
    expect(b.pending).toBe(5);
    expect(b.dropped.revisions).toBe(1);
    const all = b.take(10);
    expect(rvs(all)).toEqual([5, 2, 3, 4]);
    expect(all.audit.map((a) => a.seq)).toEqual([1]);
  });

  it('calls onPending when the first record arrives in an empty buffer only', () => {
    const b = new HistoryBuffer();
    let calls = 0;
    b.onPending = () => calls++;
    b.addAudit(aud(1));
    b.addRevision(rev(1), true);
    expect(calls).toBe(1);
    b.take(10);
    b.addRevision(rev(2), false);
    expect(calls).toBe(2);
  });

  it('keeps memory bounded under a long overflow (drops stay O(1) each)', () => {
    const b = new HistoryBuffer({ records: 100, bytes: 1e9 });
    for (let i = 1; i <= 50_000; i++) b.addRevision(rev(i), true);
    expect(b.pending).toBe(100);
    expect(b.dropped.revisions).toBe(49_900);
    expect(rvs(b.take(1))).toEqual([49_901]);
  });
});
