// DefaultTolerationSeconds (policy.md §1.3): which tolerations count as covering not-ready / unreachable.
import { describe, expect, it } from 'vitest';
import { addDefaultTolerations, defaultTolerationSeconds } from '../../src/admission/default-toleration-seconds';
import { pods } from '../../src/resources/pods';
import { services } from '../../src/resources/services';

const NOT_READY = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };
const UNREACHABLE = { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 };

const withTolerations = (tolerations?: any[]) => {
  const spec: any = tolerations ? { tolerations } : {};
  addDefaultTolerations(spec);
  return spec.tolerations;
};

describe('DefaultTolerationSeconds', () => {
  it('adds not-ready, then unreachable, for 300 s', () => {
    expect(withTolerations()).toEqual([NOT_READY, UNREACHABLE]);
  });

  it('keeps existing tolerations first', () => {
    const own = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
    expect(withTolerations([own])).toEqual([own, NOT_READY, UNREACHABLE]);
  });

  it('adds only what is not covered by key (or empty key) and effect NoExecute (or empty)', () => {
    const mine = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 };
    expect(withTolerations([mine])).toEqual([mine, UNREACHABLE]);
    const anyEffect = { key: 'node.kubernetes.io/unreachable', operator: 'Exists' };
    expect(withTolerations([anyEffect])).toEqual([anyEffect, NOT_READY]);
    const everything = { operator: 'Exists' };
    expect(withTolerations([everything])).toEqual([everything]);
    const allNoExecute = { operator: 'Exists', effect: 'NoExecute' };
    expect(withTolerations([allNoExecute])).toEqual([allNoExecute]);
  });

  it('does not count a NoSchedule toleration of the same key', () => {
    const noSchedule = { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' };
    expect(withTolerations([noSchedule])).toEqual([noSchedule, NOT_READY, UNREACHABLE]);
  });

  it('runs on pod creates and updates, not on subresources or other kinds', () => {
    const run = (def: any, subresource = '', operation: 'CREATE' | 'UPDATE' = 'CREATE') => {
      const object: any = { metadata: { name: 'p' }, spec: {} };
      defaultTolerationSeconds({ operation, def, subresource, namespace: 'default', object, user: 'u', dryRun: false });
      return object.spec.tolerations;
    };
    expect(run(pods)).toEqual([NOT_READY, UNREACHABLE]);
    expect(run(pods, '', 'UPDATE')).toEqual([NOT_READY, UNREACHABLE]);
    expect(run(pods, 'status')).toBeUndefined();
    expect(run(services)).toBeUndefined();
  });
});
