// Shared cell helpers of the 1.35 table printers (pkg/printers/internalversion, apimachinery duration).
import type { Column, KubeObject } from '../resources/types';

/** HumanDuration (apimachinery pkg/util/duration) of a span in milliseconds. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < -1) return '<invalid>';
  if (s < 0) return '0s';
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 180) return `${m}m`;
  const h = Math.floor(s / 3600);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  if (h < 192) return h % 24 === 0 ? `${Math.floor(h / 24)}d` : `${Math.floor(h / 24)}d${h % 24}h`;
  if (h < 24 * 365 * 2) return `${Math.floor(h / 24)}d`;
  const y = Math.floor(h / (24 * 365));
  const days = Math.floor(h / 24) % 365;
  if (h < 24 * 365 * 8) return days === 0 ? `${y}y` : `${y}y${days}d`;
  return `${y}y`;
}

/** translateTimestampSince: `<unknown>` for a missing time. */
export function age(ts: string | undefined, now: number): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? '<unknown>' : humanDuration(now - t);
}

/** labels.FormatLabels: sorted k=v joined by commas, `<none>` when empty. */
export function formatLabels(m: Record<string, string> | undefined | null): string {
  const keys = Object.keys(m ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${m![k]}`).join(',') : '<none>';
}

/** LabelSelectorAsSelector(sel).String(): requirements sorted by key; '' for an empty selector. */
export function labelSelectorString(sel: any): string {
  if (!sel) return '';
  const reqs: [string, string][] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push([k, `${k}=${v}`]);
  for (const e of sel.matchExpressions ?? []) {
    const vals = [...(e.values ?? [])].sort().join(',');
    const text =
      e.operator === 'In' ? `${e.key} in (${vals})`
      : e.operator === 'NotIn' ? `${e.key} notin (${vals})`
      : e.operator === 'Exists' ? e.key
      : e.operator === 'DoesNotExist' ? `!${e.key}`
      : '<error>';
    reqs.push([e.key, text]);
  }
  reqs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return reqs.map((r) => r[1]).join(',');
}

/** metav1.FormatLabelSelector: like labelSelectorString, `<none>` when empty. */
export function formatLabelSelector(sel: any): string {
  return labelSelectorString(sel) || '<none>';
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

export const CREATION_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn: Column = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: NAME_DESCRIPTION,
  cell: (o) => o.metadata.name ?? '',
};

export const ageColumn: Column = {
  name: 'Age',
  type: 'string',
  description: CREATION_DESCRIPTION,
  cell: (o, now) => age(o.metadata.creationTimestamp, now),
};

/** The default table convertor's columns, for kinds without a printer. */
export const defaultColumns: Column[] = [
  nameColumn,
  {
    name: 'Created At',
    type: 'date',
    description: CREATION_DESCRIPTION,
    cell: (o) => (o.metadata.creationTimestamp ? new Date(o.metadata.creationTimestamp).toISOString().replace(/\.\d{3}Z$/, 'Z') : ''),
  },
];

/** Containers / Images cells (layoutContainerCells) for a pod template. */
export function containerCells(podSpec: any): { names: string; images: string } {
  const cs: any[] = podSpec?.containers ?? [];
  return { names: cs.map((c) => c.name ?? '').join(','), images: cs.map((c) => c.image ?? '').join(',') };
}

/** The pod spec of a workload's template (spec.template.spec). */
export const templatePodSpec = (o: KubeObject) => o.spec?.template?.spec;

/** The wide Containers and Images columns of a workload printer, over its template's pod spec by default. */
export const containerColumns = (specOf: (o: KubeObject) => any = templatePodSpec): Column[] => [
  { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.', cell: (o) => containerCells(specOf(o)).names },
  { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containerCells(specOf(o)).images },
];

/** The wide Selector column of a workload printer; kinds differ in how they format the selector. */
export const selectorColumn = (description: string, cell: (o: KubeObject) => string): Column => ({
  name: 'Selector',
  type: 'string',
  priority: 1,
  description,
  cell,
});
