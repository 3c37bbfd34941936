// HorizontalPodAutoscalers (autoscaling/v2), stored and shown; no autoscaling happens (no metrics).
// pkg/apis/autoscaling/v2/defaults.go, pkg/apis/autoscaling/validation, printHorizontalPodAutoscaler.
import { forbidden, invalid, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { ageColumn, nameColumn } from '../apiserver/printers';
import type { Column, KubeObject, ResourceDef } from './types';
import { fieldDoc } from './workload-common';

const DEFAULT_CPU_UTILIZATION = 80;

const SCALE_UP = () => ({
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
});
const SCALE_DOWN = () => ({ selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });

/** copyHPAScalingRules: the given fields over the defaults. */
function scalingRules(given: any, defaults: Record<string, unknown>) {
  if (given == null) return defaults;
  const out: Record<string, unknown> = { ...defaults };
  for (const k of ['selectPolicy', 'stabilizationWindowSeconds', 'policies', 'tolerance']) if (given[k] != null) out[k] = given[k];
  return out;
}

function defaults(hpa: KubeObject) {
  hpa.spec ??= {};
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!Array.isArray(spec.metrics) || !spec.metrics.length) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior != null) {
    spec.behavior.scaleUp = scalingRules(spec.behavior.scaleUp, SCALE_UP());
    spec.behavior.scaleDown = scalingRules(spec.behavior.scaleDown, SCALE_DOWN());
  }
}

/** IsValidPathSegmentName. */
function pathSegmentErrors(name: string): string[] {
  if (name === '.' || name === '..') return [`may not be '${name}'`];
  return ['/', '%'].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
}

function validateTargetRef(ref: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const k of ['kind', 'name']) {
    const v = ref?.[k];
    if (!v) errs.push(required(`${field}.${k}`));
    else errs.push(...pathSegmentErrors(v).map((msg) => invalid(`${field}.${k}`, v, msg)));
  }
  return errs;
}

const SOURCES: Record<string, string> = {
  ContainerResource: 'containerResource', External: 'external', Object: 'object', Pods: 'pods', Resource: 'resource',
};

function validateTarget(target: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const type = target?.type;
  if (!type) errs.push(required(`${field}.type`, 'must specify a metric target type'));
  else if (!['Utilization', 'Value', 'AverageValue'].includes(type)) {
    errs.push(invalid(`${field}.type`, type, 'must be either Utilization, Value, or AverageValue'));
  }
  if (target?.averageUtilization != null && target.averageUtilization < 1) {
    errs.push(invalid(`${field}.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
  }
  if (type === 'Utilization' && target?.averageUtilization == null) errs.push(required(`${field}.averageUtilization`, 'must set averageUtilization when metric target type is Utilization'));
  if (type === 'Value' && target?.value == null) errs.push(required(`${field}.value`, 'must set value when metric target type is Value'));
  if (type === 'AverageValue' && target?.averageValue == null) errs.push(required(`${field}.averageValue`, 'must set averageValue when metric target type is AverageValue'));
  return errs;
}

function validateMetric(m: any, field: string): FieldError[] {
  const type = m?.type;
  if (!type) return [required(`${field}.type`, 'must specify a metric source type')];
  const key = SOURCES[type];
  if (!key) return [notSupported(`${field}.type`, type, Object.keys(SOURCES))];
  const errs: FieldError[] = [];
  for (const other of Object.values(SOURCES)) {
    if (other !== key && m[other] != null) errs.push(forbidden(`${field}.${other}`, 'must populate the given metric source only'));
  }
  const src = m[key];
  if (src == null) return [...errs, required(`${field}.${key}`, 'must populate information for the given metric source')];
  if ((key === 'resource' || key === 'containerResource') && !src.name) errs.push(required(`${field}.${key}.name`, 'must specify a resource name'));
  if (key === 'containerResource' && !src.container) errs.push(required(`${field}.${key}.container`, 'must specify a container'));
  errs.push(...validateTarget(src.target, `${field}.${key}.target`));
  return errs;
}

function validate(hpa: KubeObject): FieldError[] {
  const spec = hpa.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.minReplicas != null && spec.minReplicas < 1) errs.push(invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  const max = spec.maxReplicas ?? 0;
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  if (spec.minReplicas != null && max < spec.minReplicas) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  // Metrics are only checked once the target reference is valid.
  const refErrs = validateTargetRef(spec.scaleTargetRef, 'spec.scaleTargetRef');
  if (refErrs.length) return [...errs, ...refErrs];
  (Array.isArray(spec.metrics) ? spec.metrics : []).forEach((m: any, i: number) => errs.push(...validateMetric(m, `spec.metrics[${i}]`)));
  return errs;
}

/** formatHPAMetrics: at most two targets, status matched by index. */
function targetsCell(hpa: KubeObject): string {
  const specs: any[] = hpa.spec?.metrics ?? [];
  if (!specs.length) return '<none>';
  const statuses: any[] = hpa.status?.currentMetrics ?? [];
  const list = specs.map((m, i) => {
    const st = statuses[i];
    switch (m?.type) {
      case 'External':
      case 'Object': {
        const key = m.type === 'External' ? 'external' : 'object';
        const target = m[key]?.target ?? {};
        if (target.averageValue != null) return `${st?.[key]?.current?.averageValue ?? '<unknown>'}/${target.averageValue} (avg)`;
        return `${st?.[key] ? st[key].current?.value ?? '0' : '<unknown>'}/${target.value ?? '0'}`;
      }
      case 'Pods':
        return `${st?.pods ? st.pods.current?.averageValue ?? '0' : '<unknown>'}/${m.pods?.target?.averageValue ?? '0'}`;
      case 'Resource':
      case 'ContainerResource': {
        const key = m.type === 'Resource' ? 'resource' : 'containerResource';
        const src = m[key] ?? {};
        const target = src.target ?? {};
        if (target.averageValue != null) return `${src.name}: ${st?.[key] ? st[key].current?.averageValue ?? '0' : '<unknown>'}/${target.averageValue}`;
        const cur = st?.[key]?.current?.averageUtilization;
        const want = target.averageUtilization;
        return `${src.name}: ${cur != null ? `${cur}%` : '<unknown>'}/${want != null ? `${want}%` : '<auto>'}`;
      }
      default:
        return '<unknown type>';
    }
  });
  const shown = list.slice(0, 2).join(', ');
  return list.length > 2 ? `${shown} + ${list.length - 2} more...` : shown;
}

const SPEC = 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerSpec';

const columns: Column[] = [
  nameColumn,
  {
    name: 'Reference',
    type: 'string',
    description: fieldDoc(SPEC, 'scaleTargetRef'),
    cell: (o) => `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`,
  },
  { name: 'Targets', type: 'string', description: fieldDoc(SPEC, 'metrics'), cell: targetsCell },
  { name: 'MinPods', type: 'string', description: fieldDoc(SPEC, 'minReplicas'), cell: (o) => (o.spec?.minReplicas != null ? String(o.spec.minReplicas) : '<unset>') },
  { name: 'MaxPods', type: 'string', description: fieldDoc(SPEC, 'maxReplicas'), cell: (o) => o.spec?.maxReplicas ?? 0 },
  {
    name: 'Replicas',
    type: 'string',
    description: fieldDoc('io.k8s.api.autoscaling.v2.HorizontalPodAutoscalerStatus', 'currentReplicas'),
    cell: (o) => o.status?.currentReplicas ?? 0,
  },
  ageColumn,
];

// v2 HorizontalPodAutoscalerStatus: currentMetrics and desiredReplicas have no omitempty.
const emptyStatus = () => ({ currentMetrics: null, desiredReplicas: 0 });

export const horizontalpodautoscalers: ResourceDef = {
  group: 'autoscaling',
  version: 'v2',
  kind: 'HorizontalPodAutoscaler',
  plural: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  nameRule: 'subdomain',
  subresources: { status: true },
  defaults,
  prepareForCreate: (hpa) => {
    hpa.status = emptyStatus();
  },
  prepareForUpdate: (hpa, old) => {
    hpa.status = structuredClone(old.status ?? emptyStatus());
  },
  validate,
  columns,
};
