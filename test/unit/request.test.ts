import { describe, expect, it } from 'vitest';
import { parseKubePath } from '../../src/apiserver/request';

const parse = (method: string, path: string, query = '') => parseKubePath(method, path, new URLSearchParams(query));

describe('parseKubePath', () => {
  it('tells resources, namespaces, names, subresources and verbs apart', () => {
    expect(parse('GET', '/api/v1/namespaces/default/pods')).toMatchObject({ kind: 'resource', verb: 'list', group: '', plural: 'pods', namespace: 'default', name: '' });
    expect(parse('GET', '/apis/apps/v1/namespaces/demo/deployments/web/scale')).toMatchObject({ verb: 'get', group: 'apps', version: 'v1', plural: 'deployments', namespace: 'demo', name: 'web', subresource: 'scale' });
    expect(parse('GET', '/api/v1/namespaces/demo')).toMatchObject({ plural: 'namespaces', name: 'demo', namespace: '' });
    expect(parse('PUT', '/api/v1/namespaces/demo/status')).toMatchObject({ verb: 'update', plural: 'namespaces', name: 'demo', subresource: 'status' });
    expect(parse('GET', '/api/v1/pods')).toMatchObject({ verb: 'list', plural: 'pods', namespace: '' });
    expect(parse('DELETE', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'deletecollection' });
    expect(parse('POST', '/api/v1/namespaces/default/pods/p/binding')).toMatchObject({ verb: 'create', name: 'p', subresource: 'binding' });
    expect(parse('GET', '/api/v1')).toEqual({ kind: 'other', path: '/api/v1' });
    expect(parse('GET', '/version')).toEqual({ kind: 'other', path: '/version' });
  });

  it('reads watch=true the way Go parses booleans', () => {
    for (const v of ['true', 'True', '1', 't']) expect(parse('GET', '/api/v1/pods', `watch=${v}`)).toMatchObject({ verb: 'watch' });
    for (const v of ['false', '0', 'yes', '']) expect(parse('GET', '/api/v1/pods', `watch=${v}`)).toMatchObject({ verb: 'list' });
  });
});
