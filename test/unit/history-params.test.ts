import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/apiserver/errors';
import { auditRecord } from '../../src/history/audit';
import { backoffMs } from '../../src/history/flush';
import { encodeContinue, parseAuditQuery, parseHistoryQuery, parseObjectQuery } from '../../src/history/params';

const q = (s: string) => new URLSearchParams(s);
const bad = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(400);
    return (e as ApiError).message;
  }
  throw new Error('expected a 400');
};

describe('history parameters', () => {
  it('parses filters, times and pages', () => {
    expect(parseHistoryQuery(q(''))).toEqual({ limit: 100, since: undefined, until: undefined });
    expect(
      parseHistoryQuery(q(`resource=deployments.apps&namespace=default&name=web&verb=patch&since=2026-01-02T03:04:05Z&until=2026-01-02T04:04:06.5%2B01:00&limit=7&continue=${encodeContinue(42)}`)),
    ).toEqual({
      resource: 'deployments.apps',
      namespace: 'default',
      name: 'web',
      types: ['MODIFIED'],
      since: Date.UTC(2026, 0, 2, 3, 4, 5),
      until: Date.UTC(2026, 0, 2, 3, 4, 6, 500),
      limit: 7,
      after: 42,
    });
    expect(parseHistoryQuery(q('verb=delete')).types).toEqual(['DELETED']);
    expect(parseAuditQuery(q('user=alice&verb=deletecollection&resource=pods'))).toMatchObject({ user: 'alice', verb: 'deletecollection', resource: 'pods' });
  });

  it('refuses malformed parameters with a 400 naming them', () => {
    expect(bad(() => parseHistoryQuery(q('namepsace=default')))).toMatch(/unknown parameter "namepsace"/);
    expect(bad(() => parseHistoryQuery(q('limit=0')))).toMatch(/^limit:/);
    expect(bad(() => parseHistoryQuery(q('limit=501')))).toMatch(/^limit:/);
    expect(bad(() => parseHistoryQuery(q('limit=1.5')))).toMatch(/^limit:/);
    expect(bad(() => parseHistoryQuery(q('since=yesterday')))).toMatch(/^since: "yesterday" is not an RFC 3339 time/);
    expect(bad(() => parseHistoryQuery(q('since=2026-02-30T00:00:00')))).toMatch(/^since:/);
    expect(bad(() => parseHistoryQuery(q('since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z')))).toMatch(/since is later than until/);
    expect(bad(() => parseHistoryQuery(q('verb=get')))).toMatch(/^verb:/);
    expect(bad(() => parseHistoryQuery(q('resource=deployments/apps')))).toMatch(/^resource:/);
    expect(bad(() => parseHistoryQuery(q('name=')))).toMatch(/^name: must not be empty/);
    expect(bad(() => parseHistoryQuery(q('continue=garbage!')))).toMatch(/^continue: invalid token/);
    expect(bad(() => parseHistoryQuery(q(`continue=${btoa('x:1')}`)))).toMatch(/^continue:/);
    expect(bad(() => parseHistoryQuery(q('limit=1&limit=2')))).toMatch(/given more than once/);
    expect(bad(() => parseAuditQuery(q('verb=frobnicate')))).toMatch(/^verb:/);
    expect(bad(() => parseAuditQuery(q('name=x')))).toMatch(/unknown parameter "name"/);
  });

  it('reads asOf as a resourceVersion or an RFC 3339 time', () => {
    expect(parseObjectQuery(q('asOf=123')).asOf).toEqual({ rv: 123 });
    expect(parseObjectQuery(q('asOf=2026-01-02T03:04:05.123Z')).asOf).toEqual({ time: Date.UTC(2026, 0, 2, 3, 4, 5, 123) });
    expect(bad(() => parseObjectQuery(q('asOf=last-tuesday')))).toMatch(/^asOf: "last-tuesday" is neither/);
    expect(bad(() => parseObjectQuery(q('asOf=-1')))).toMatch(/^asOf:/);
    expect(bad(() => parseObjectQuery(q('verb=create')))).toMatch(/unknown parameter "verb"/);
  });
});

describe('auditRecord', () => {
  const x = { query: q(''), userAgent: 'kubectl/v1.35.0 (linux/amd64)', user: 'alice', code: 200, latencyMs: 3.4 };
  it('derives verb, resource, namespace, name and subresource from the request as the API server does', () => {
    expect(auditRecord({ ...x, method: 'GET', path: '/apis/apps/v1/namespaces/default/deployments' }, 1, 2)).toEqual({
      seq: 1, time: 2, user: 'alice', verb: 'list', resource: 'deployments.apps', subresource: '', namespace: 'default', name: '', path: '', code: 200, latencyMs: 3, userAgent: x.userAgent,
    });
    expect(auditRecord({ ...x, method: 'GET', path: '/api/v1/pods', query: q('watch=true') }, 1, 2).verb).toBe('watch');
    expect(auditRecord({ ...x, method: 'PATCH', path: '/apis/apps/v1/namespaces/d/deployments/web/scale' }, 1, 2)).toMatchObject({ verb: 'patch', name: 'web', subresource: 'scale' });
    expect(auditRecord({ ...x, method: 'DELETE', path: '/api/v1/namespaces/d/pods' }, 1, 2).verb).toBe('deletecollection');
    expect(auditRecord({ ...x, method: 'DELETE', path: '/api/v1/namespaces/d' }, 1, 2)).toMatchObject({ verb: 'delete', resource: 'namespaces', name: 'd', namespace: '' });
    expect(auditRecord({ ...x, method: 'GET', path: '/version' }, 1, 2)).toMatchObject({ verb: 'get', resource: '', path: '/version' });
    expect(auditRecord({ ...x, method: 'GET', path: '/version', userAgent: 'x'.repeat(1000) }, 1, 2).userAgent.length).toBe(256);
    expect(auditRecord({ ...x, method: 'GET', path: '/api/v1/namespaces/d/services/web%zz/proxy', code: 400 }, 1, 2)).toMatchObject({
      verb: 'get', resource: '', path: '/api/v1/namespaces/d/services/web%zz/proxy', code: 400,
    });
  });
});

describe('backoffMs', () => {
  it('doubles from a second up to a minute', () => {
    expect([1, 2, 3, 4, 7, 8, 50].map(backoffMs)).toEqual([1000, 2000, 4000, 8000, 60000, 60000, 60000]);
  });
});
