// events.k8s.io/v1 Event: the same internal type as core/v1 Event upstream (one storage, shortName ev),
// with the strict validation of ValidateEventCreate/Update for events.k8s.io requests. Error paths use the
// internal (core) field names, as upstream reports them.
import { deepEqual } from '../apiserver/json-util';
import { invalid, required, type FieldError } from '../apiserver/field-errors';
import { eventColumns, referenceSelectors, validateLegacyEvent } from './events';
import type { KubeObject, ResourceDef } from './types';

/** Convert_v1_Event_To_core_Event: the events.k8s.io field names mapped onto the core/v1 shape. */
export function coreEventOf(e: KubeObject): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: e.metadata,
    involvedObject: e.regarding ?? {},
    reason: e.reason,
    message: e.note,
    source: e.deprecatedSource ?? {},
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
    type: e.type,
    eventTime: e.eventTime,
    series: e.series,
    action: e.action,
    related: e.related,
    reportingComponent: e.reportingController,
    reportingInstance: e.reportingInstance,
  };
}

function seriesErrors(ev: KubeObject): FieldError[] {
  if (!ev.series) return [];
  const errs: FieldError[] = [];
  if ((ev.series.count ?? 0) < 2) errs.push(invalid('series.count', '', 'should be at least 2'));
  if (!ev.series.lastObservedTime) errs.push(required('series.lastObservedTime'));
  return errs;
}

function validate(obj: KubeObject): FieldError[] {
  const ev = coreEventOf(obj);
  const errs = [...validateLegacyEvent(ev), ...seriesErrors(ev)];
  if (!ev.eventTime) errs.push(required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${ev.type ?? ''}`));
  if (ev.firstTimestamp) errs.push(invalid('firstTimestamp', '', 'needs to be unset'));
  if (ev.lastTimestamp) errs.push(invalid('lastTimestamp', '', 'needs to be unset'));
  if (ev.count) errs.push(invalid('count', '', 'needs to be unset'));
  if (ev.source.component || ev.source.host) errs.push(invalid('source', '', 'needs to be unset'));
  return errs;
}

/** The internal core.ObjectReference as Go marshals it (internal types have no json tags). */
const goReference = (r: any) => ({
  Kind: r.kind ?? '',
  Namespace: r.namespace ?? '',
  Name: r.name ?? '',
  UID: r.uid ?? '',
  APIVersion: r.apiVersion ?? '',
  ResourceVersion: r.resourceVersion ?? '',
  FieldPath: r.fieldPath ?? '',
});

/** Fields an update may not change, with their internal values (reason is listed twice upstream). */
const IMMUTABLE: [string, (e: KubeObject) => unknown][] = [
  ['involvedObject', (e) => goReference(e.involvedObject)],
  ['reason', (e) => e.reason ?? ''],
  ['message', (e) => e.message ?? ''],
  ['source', (e) => ({ Component: e.source.component ?? '', Host: e.source.host ?? '' })],
  ['firstTimestamp', (e) => e.firstTimestamp ?? null],
  ['lastTimestamp', (e) => e.lastTimestamp ?? null],
  ['count', (e) => e.count ?? 0],
  ['reason', (e) => e.reason ?? ''],
  ['type', (e) => e.type ?? ''],
  ['eventTime', (e) => e.eventTime ?? null],
  ['action', (e) => e.action ?? ''],
  ['related', (e) => (e.related ? goReference(e.related) : null)],
  ['reportingController', (e) => e.reportingComponent ?? ''],
  ['reportingInstance', (e) => e.reportingInstance ?? ''],
];

function validateUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const ev = coreEventOf(obj);
  const before = coreEventOf(old);
  const errs = validateLegacyEvent(ev);
  if (!deepEqual(ev.series, before.series)) errs.push(...seriesErrors(ev));
  for (const [field, value] of IMMUTABLE) {
    if (!deepEqual(value(ev), value(before))) errs.push(invalid(field, value(ev), 'field is immutable'));
  }
  return errs;
}

export const eventsV1: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  nameRule: 'subdomain',
  generation: false,
  validate,
  validateUpdate,
  columns: eventColumns.map((c) => ({ ...c, cell: (o: KubeObject, now: number) => c.cell(coreEventOf(o), now) })),
  fieldSelectors: {
    ...referenceSelectors('regarding'),
    reason: (e) => e.reason ?? '',
    reportingController: (e) => e.reportingController ?? '',
    source: (e) => e.deprecatedSource?.component ?? '',
    type: (e) => e.type ?? '',
  },
};
