import { describe, expect, it } from 'vitest';
import { diff } from '../../src/history/diff';

describe('diff', () => {
  it('is empty for equal values', () => {
    expect(diff({ a: [1, { b: null }] }, { a: [1, { b: null }] })).toEqual([]);
  });

  it('reports replaced, added and removed fields with JSON Pointer paths', () => {
    const a = { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.25' }] } } }, metadata: { labels: { x: '1' } } };
    const b = { spec: { template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.26' }] } } }, metadata: { annotations: { 'a/b~c': 'y' } } };
    expect(diff(a, b)).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/image', from: 'nginx:1.25', value: 'nginx:1.26' },
      { op: 'remove', path: '/metadata/labels', from: { x: '1' } },
      { op: 'add', path: '/metadata/annotations', value: { 'a/b~c': 'y' } },
    ]);
    expect(diff({ m: {} }, { m: { 'a/b~c': 1 } })).toEqual([{ op: 'add', path: '/m/a~1b~0c', value: 1 }]);
  });

  it('compares arrays by index; removals from the end first', () => {
    expect(diff([1, 2, 3], [1, 9])).toEqual([
      { op: 'replace', path: '/1', from: 2, value: 9 },
      { op: 'remove', path: '/2', from: 3 },
    ]);
    expect(diff([1], [1, 2, 3])).toEqual([
      { op: 'add', path: '/1', value: 2 },
      { op: 'add', path: '/2', value: 3 },
    ]);
    expect(diff({ a: [1, 2, 3] }, { a: [] }).map((o) => o.path)).toEqual(['/a/2', '/a/1', '/a/0']);
  });

  it('replaces on a change of type, and at the root', () => {
    expect(diff({ a: { b: 1 } }, { a: [1] })).toEqual([{ op: 'replace', path: '/a', from: { b: 1 }, value: [1] }]);
    expect(diff(1, 'x')).toEqual([{ op: 'replace', path: '', from: 1, value: 'x' }]);
    expect(diff({ a: null }, { a: 0 })).toEqual([{ op: 'replace', path: '/a', from: null, value: 0 }]);
  });

  it('skips paths and everything below them', () => {
    const skip = new Set(['/metadata/managedFields']);
    expect(diff({ metadata: { managedFields: [{ time: '1' }], name: 'a' } }, { metadata: { managedFields: [{ time: '2' }], name: 'b' } }, skip)).toEqual([
      { op: 'replace', path: '/metadata/name', from: 'a', value: 'b' },
    ]);
    expect(diff({ metadata: {} }, { metadata: { managedFields: [] } }, skip)).toEqual([]);
  });
});
