// core/v1 Event: the event strategy (no defaults, legacy validation for v1 requests) and printEvent, whose
// columns events.k8s.io/v1 reuses (both are the same internal type upstream).
import { invalid, required, type FieldError } from '../apiserver/field-errors';
import { isQualifiedName } from '../apiserver/names';
import { NAME_DESCRIPTION, age } from '../apiserver/printers';
import type { Column, KubeObject, ResourceDef } from './types';

const byteLength = (s: string) => new TextEncoder().encode(s).length;

/** A string field capped at `max` bytes; upstream reports the value as "". */
function lengthErrors(value: string | undefined, field: string, max: number): FieldError[] {
  return byteLength(value ?? '') > max ? [invalid(field, '', `can have at most ${max} characters`)] : [];
}

/**
 * legacyValidateEvent over the core/v1 shape: the namespace of the event must match its object's, and events
 * with an eventTime (the new API) must name their reporter, action and reason.
 */
export function validateLegacyEvent(ev: KubeObject): FieldError[] {
  const ns = ev.metadata.namespace ?? '';
  const objectNs = ev.involvedObject?.namespace ?? '';
  const mismatch = invalid('involvedObject.namespace', objectNs, 'does not match event.namespace');
  if (!ev.eventTime) {
    const ok = objectNs ? ns === objectNs : ns === '' || ns === 'default';
    return ok ? [] : [mismatch];
  }
  const errs: FieldError[] = [];
  if (!objectNs && ns !== 'default' && ns !== 'kube-system') errs.push(mismatch);
  const controller = ev.reportingComponent ?? '';
  if (!controller) errs.push(required('reportingController'));
  errs.push(...isQualifiedName(controller).map((msg) => invalid('reportingController', controller, msg)));
  if (!ev.reportingInstance) errs.push(required('reportingInstance'));
  errs.push(...lengthErrors(ev.reportingInstance, 'reportingInstance', 128));
  if (!ev.action) errs.push(required('action'));
  errs.push(...lengthErrors(ev.action, 'action', 128));
  if (!ev.reason) errs.push(required('reason'));
  errs.push(...lengthErrors(ev.reason, 'reason', 128));
  errs.push(...lengthErrors(ev.message, 'message', 1024));
  return errs;
}

// ---- printing (printEvent), over the core/v1 shape ----

const firstSeen = (e: KubeObject, now: number) => (e.firstTimestamp ? age(e.firstTimestamp, now) : age(e.eventTime, now));

function lastSeen(e: KubeObject, now: number): string {
  if (e.series) return age(e.series.lastObservedTime, now);
  return e.lastTimestamp ? age(e.lastTimestamp, now) : firstSeen(e, now);
}

function objectCell(e: KubeObject): string {
  const kind = String(e.involvedObject?.kind ?? '').toLowerCase();
  return e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
}

/** formatEventSource: the old source fields, else the reporting controller and instance. */
function sourceCell(e: KubeObject): string {
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return instance ? `${component}, ${instance}` : component;
}

/** Singleton events of the new API carry no count: they print as 1. */
const countCell = (e: KubeObject) => (e.series ? (e.series.count ?? 0) : e.count || 1);

const FIELD_PATH_DESCRIPTION =
  'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.';

/** Event columns over a core/v1-shaped event. */
export const eventColumns: Column[] = [
  { name: 'Last Seen', type: 'string', description: 'The time at which the most recent occurrence of this event was recorded.', cell: lastSeen },
  { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future', cell: (e) => e.type ?? '' },
  {
    name: 'Reason',
    type: 'string',
    description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    cell: (e) => e.reason ?? '',
  },
  { name: 'Object', type: 'string', description: 'The object that this event is about.', cell: objectCell },
  { name: 'Subobject', type: 'string', priority: 1, description: FIELD_PATH_DESCRIPTION, cell: (e) => e.involvedObject?.fieldPath ?? '' },
  { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event. Should be a short machine understandable string.', cell: sourceCell },
  { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.', cell: (e) => String(e.message ?? '').trim() },
  { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', cell: firstSeen },
  { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.', cell: countCell },
  { name: 'Name', type: 'string', priority: 1, format: 'name', description: NAME_DESCRIPTION, cell: (e) => e.metadata.name ?? '' },
];

const REFERENCE_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'];

/** Field selectors on each field of the object reference at `path` (involvedObject in v1, regarding in events.k8s.io). */
export const referenceSelectors = (path: string): Record<string, (e: KubeObject) => string> =>
  Object.fromEntries(REFERENCE_FIELDS.map((f) => [`${path}.${f}`, (e: KubeObject) => e[path]?.[f] ?? '']));

export const events: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  // core/v1 requests skip ValidateObjectMeta's name function: only the generic path-segment rule applies.
  nameRule: 'path',
  generation: false,
  validate: validateLegacyEvent,
  columns: eventColumns,
  fieldSelectors: {
    ...referenceSelectors('involvedObject'),
    reason: (e) => e.reason ?? '',
    reportingComponent: (e) => e.reportingComponent ?? '',
    source: (e) => e.source?.component ?? '',
    type: (e) => e.type ?? '',
  },
};
