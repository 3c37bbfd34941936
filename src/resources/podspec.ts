// The PodSpec shared by pods, replication controllers, replica sets and deployments: scheme defaults
// (pkg/apis/core/v1/defaults.go), create-time validation (pkg/apis/core/validation) and SMP list keys.
import {
  duplicate,
  forbidden,
  invalid,
  notFound,
  notSupported,
  required,
  type FieldError,
} from '../apiserver/field-errors';
import {
  isDNS1123Subdomain,
  isLabelValue,
  validateAnnotations,
  validateLabelSelector,
  validateLabels,
} from '../apiserver/names';
import { matchLabelRequirements, type LabelRequirement } from '../apiserver/selectors';
import { dnsLabelErrors, portNameMessages, portNumOrNameErrors, portNumberErrors, protocolErrors, qualifiedNameErrors } from './endpoints';
import { NEGATIVE, emptySelector, nonNegative, selectorRequirementsOf } from './workload-common';
import { quantityValue } from '../admission/quantity';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------------------------
// Quantities: the float view of the one quantity parser (requests <= limits, QoS); re-exported for pods.ts

export { quantityValue };

// ---------------------------------------------------------------------------------------------
// Defaults

const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const DOMAIN = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*(?::[0-9]+)?';
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const IMAGE_REF = new RegExp(`^(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*(?::([\\w][\\w.-]{0,127}))?(?:@(${DIGEST}))?$`);

/** imagePullPolicy default: Always for `:latest` or no tag and no digest; IfNotPresent otherwise (and for bad references). */
export function imagePullPolicyFor(image: unknown): 'Always' | 'IfNotPresent' {
  const m = IMAGE_REF.exec(typeof image === 'string' ? image : '');
  if (!m) return 'IfNotPresent';
  const [, tag, digest] = m;
  return tag === 'latest' || (!tag && !digest) ? 'Always' : 'IfNotPresent';
}

function defaultHandler(h: any) {
  if (!isObject(h)) return;
  if (isObject(h.httpGet)) {
    if (!h.httpGet.path) h.httpGet.path = '/';
    if (!h.httpGet.scheme) h.httpGet.scheme = 'HTTP';
  }
  if (isObject(h.grpc)) h.grpc.service ??= '';
}

function defaultProbe(p: any) {
  if (!isObject(p)) return;
  defaultHandler(p);
  // Zero means unset for these int32 fields.
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
}

function defaultFieldRef(holder: any) {
  if (isObject(holder?.fieldRef) && !holder.fieldRef.apiVersion) holder.fieldRef.apiVersion = 'v1';
}

function defaultContainer(c: any) {
  if (!isObject(c)) return;
  if (!c.imagePullPolicy) c.imagePullPolicy = imagePullPolicyFor(c.image);
  if (!c.terminationMessagePath) c.terminationMessagePath = '/dev/termination-log';
  if (!c.terminationMessagePolicy) c.terminationMessagePolicy = 'File';
  // ResourceRequirements is a struct, so a real server always shows `resources: {}`.
  if (!isObject(c.resources)) c.resources = {};
  for (const p of list(c.ports)) if (isObject(p) && !p.protocol) p.protocol = 'TCP';
  for (const e of list(c.env)) defaultFieldRef(e?.valueFrom);
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultHandler(c.lifecycle?.postStart);
  defaultHandler(c.lifecycle?.preStop);
}

/** VolumeSource members in the order validation checks them (path names as upstream prints them). */
const VOLUME_SOURCES: [key: string, path: string][] = [
  ['emptyDir', 'emptyDir'], ['hostPath', 'hostPath'], ['gitRepo', 'gitRepo'], ['gcePersistentDisk', 'gcePersistentDisk'],
  ['awsElasticBlockStore', 'awsElasticBlockStore'], ['secret', 'secret'], ['nfs', 'nfs'], ['iscsi', 'iscsi'],
  ['glusterfs', 'glusterfs'], ['flocker', 'flocker'], ['persistentVolumeClaim', 'persistentVolumeClaim'], ['rbd', 'rbd'],
  ['cinder', 'cinder'], ['cephfs', 'cephFS'], ['quobyte', 'quobyte'], ['downwardAPI', 'downwarAPI'], ['fc', 'fc'],
  ['flexVolume', 'flexVolume'], ['configMap', 'configMap'], ['azureFile', 'azureFile'], ['vsphereVolume', 'vsphereVolume'],
  ['photonPersistentDisk', 'photonPersistentDisk'], ['portworxVolume', 'portworxVolume'], ['azureDisk', 'azureDisk'],
  ['storageos', 'storageos'], ['projected', 'projected'], ['scaleIO', 'scaleIO'], ['csi', 'csi'], ['ephemeral', 'ephemeral'],
  ['image', 'image'],
];

const FILE_MODE_DEFAULT = 0o644; // 420

function defaultVolume(v: any) {
  if (!isObject(v)) return;
  if (!VOLUME_SOURCES.some(([k]) => v[k] != null)) v.emptyDir = {};
  if (isObject(v.secret)) v.secret.defaultMode ??= FILE_MODE_DEFAULT;
  if (isObject(v.configMap)) v.configMap.defaultMode ??= FILE_MODE_DEFAULT;
  if (isObject(v.downwardAPI)) {
    v.downwardAPI.defaultMode ??= FILE_MODE_DEFAULT;
    for (const item of list(v.downwardAPI.items)) defaultFieldRef(item);
  }
  if (isObject(v.projected)) {
    v.projected.defaultMode ??= FILE_MODE_DEFAULT;
    for (const s of list(v.projected.sources)) {
      if (isObject(s?.serviceAccountToken)) s.serviceAccountToken.expirationSeconds ??= 3600;
      for (const item of list(s?.downwardAPI?.items)) defaultFieldRef(item);
    }
  }
  if (isObject(v.hostPath)) v.hostPath.type ??= '';
  if (isObject(v.ephemeral?.volumeClaimTemplate?.spec)) v.ephemeral.volumeClaimTemplate.spec.volumeMode ??= 'Filesystem';
}

/** SetDefaults_PodSpec plus the container, probe and volume defaults beneath it (mutates). */
export function defaultPodSpec(spec: any): void {
  if (!isObject(spec)) return;
  if (!spec.dnsPolicy) spec.dnsPolicy = 'ClusterFirst';
  if (!spec.restartPolicy) spec.restartPolicy = 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= 30;
  if (!spec.schedulerName) spec.schedulerName = 'default-scheduler';
  for (const c of [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)]) defaultContainer(c);
  for (const v of list(spec.volumes)) defaultVolume(v);
}

/** A PodTemplateSpec as the server stores it: `metadata: {}` and a defaulted spec (mutates). */
export function defaultPodTemplate(template: any): void {
  if (!isObject(template)) return;
  if (!isObject(template.metadata)) template.metadata = {};
  if (!isObject(template.spec)) template.spec = {};
  defaultPodSpec(template.spec);
}

// ---------------------------------------------------------------------------------------------
// Validation

const inclusiveRange = (lo: number, hi: number) => `must be between ${lo} and ${hi}, inclusive`;
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function validateContainerPorts(ports: any[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const path = `${field}[${i}]`;
    if (p.name) {
      const msgs = portNameMessages(p.name);
      if (msgs.length) errs.push(...msgs.map((msg) => invalid(`${path}.name`, p.name, msg)));
      else if (names.has(p.name)) errs.push(duplicate(`${path}.name`, p.name));
      else names.add(p.name);
    }
    if (!p.containerPort) errs.push(required(`${path}.containerPort`));
    else errs.push(...portNumberErrors(p.containerPort, `${path}.containerPort`));
    if (p.hostPort) errs.push(...portNumberErrors(p.hostPort, `${path}.hostPort`));
    errs.push(...protocolErrors(p.protocol, `${path}.protocol`));
  });
  return errs;
}

/** Env var names (RelaxedEnvironmentVariableValidation is GA): printable ASCII except '='. */
function validateEnv(env: any[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  env.forEach((e, i) => {
    const path = `${field}[${i}].name`;
    if (!e?.name) errs.push(required(path));
    else if (!/^[\x20-\x7e]+$/.test(e.name) || e.name.includes('=')) {
      errs.push(invalid(path, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
    }
  });
  return errs;
}

function validateVolumeMounts(mounts: any[], volumes: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  mounts.forEach((m, i) => {
    const path = `${field}[${i}]`;
    if (!m.name) errs.push(required(`${path}.name`));
    if (!volumes.has(m.name)) errs.push(notFound(`${path}.name`, m.name ?? ''));
    if (!m.mountPath) errs.push(required(`${path}.mountPath`));
    if (paths.has(m.mountPath)) errs.push(invalid(`${path}.mountPath`, m.mountPath, 'must be unique'));
    paths.add(m.mountPath);
  });
  return errs;
}

/** Extended resources (domain-prefixed, outside kubernetes.io) and hugepages may not be overcommitted. */
const overcommitAllowed = (name: string) =>
  !name.startsWith('hugepages-') && !(name.includes('/') && !name.includes('kubernetes.io/') && !name.startsWith('requests.'));

function validateResources(resources: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const limits: Record<string, unknown> = isObject(resources?.limits) ? resources.limits : {};
  const requests: Record<string, unknown> = isObject(resources?.requests) ? resources.requests : {};
  for (const [name, q] of Object.entries(limits)) {
    if ((quantityValue(q) ?? 0) < 0) errs.push(invalid(`${field}.limits[${name}]`, String(q), NEGATIVE));
  }
  for (const [name, q] of Object.entries(requests)) {
    const value = quantityValue(q);
    if ((value ?? 0) < 0) errs.push(invalid(`${field}.requests[${name}]`, String(q), NEGATIVE));
    if (name in limits) {
      const limit = quantityValue(limits[name]);
      if (value === undefined || limit === undefined) continue;
      if (value !== limit && !overcommitAllowed(name)) {
        errs.push(invalid(`${field}.requests`, String(q), `must be equal to ${name} limit of ${limits[name]}`));
      } else if (value > limit) {
        errs.push(invalid(`${field}.requests`, String(q), `must be less than or equal to ${name} limit of ${limits[name]}`));
      }
    } else if (!overcommitAllowed(name)) {
      errs.push(required(`${field}.limits`, 'Limit must be set for non overcommitable resources'));
    }
  }
  return errs;
}

const HANDLER_KINDS = ['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'];

function validateHandler(h: any, field: string): FieldError[] {
  const errs: FieldError[] = [];
  let count = 0;
  for (const kind of HANDLER_KINDS) {
    if (h[kind] == null) continue;
    const path = `${field}.${kind}`;
    if (count++ > 0) {
      errs.push(forbidden(path, 'may not specify more than 1 handler type'));
      continue;
    }
    const a = h[kind];
    if (kind === 'exec' && !list(a.command).length) errs.push(required(`${path}.command`));
    if (kind === 'httpGet') {
      if (!a.path) errs.push(required(`${path}.path`));
      errs.push(...portNumOrNameErrors(a.port, `${path}.port`));
      if (!['HTTP', 'HTTPS'].includes(a.scheme)) errs.push(notSupported(`${path}.scheme`, a.scheme ?? '', ['HTTP', 'HTTPS']));
    }
    if (kind === 'tcpSocket' || kind === 'grpc') errs.push(...portNumOrNameErrors(a.port, `${path}.port`));
  }
  if (!count) errs.push(required(field, 'must specify a handler type'));
  return errs;
}

function validateProbe(probe: any, field: string, kind: 'liveness' | 'readiness' | 'startup'): FieldError[] {
  if (!isObject(probe)) return [];
  const errs = validateHandler(probe, field);
  for (const k of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold']) {
    errs.push(...nonNegative(probe[k], `${field}.${k}`));
  }
  const grace = probe.terminationGracePeriodSeconds;
  if (typeof grace === 'number' && grace <= 0) errs.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must be greater than 0'));
  if (kind === 'readiness' && grace != null) {
    errs.push(invalid(`${field}.terminationGracePeriodSeconds`, grace, 'must not be set for readinessProbes'));
  }
  if (kind !== 'readiness' && probe.successThreshold !== 1) errs.push(invalid(`${field}.successThreshold`, probe.successThreshold ?? 0, 'must be 1'));
  return errs;
}

/** Lifecycle hooks and probes: allowed on regular containers and restartable (sidecar) init containers. */
function validateLifecycleAndProbes(c: any, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    if (isObject(c.lifecycle?.[hook])) errs.push(...validateHandler(c.lifecycle[hook], `${path}.lifecycle.${hook}`));
  }
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, 'liveness'));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, 'readiness'));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, 'startup'));
  return errs;
}

/** validateContainerCommon: what every container type must satisfy. */
function validateContainerCommon(c: any, volumes: Set<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!c.name) errs.push(required(`${path}.name`));
  else errs.push(...dnsLabelErrors(c.name, `${path}.name`));
  if (!c.image) errs.push(required(`${path}.image`));
  const tmp = c.terminationMessagePolicy;
  if (!tmp) errs.push(required(`${path}.terminationMessagePolicy`));
  else if (tmp !== 'File' && tmp !== 'FallbackToLogsOnError') {
    errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, ['File', 'FallbackToLogsOnError']));
  }
  errs.push(...validateContainerPorts(list(c.ports).filter(isObject), `${path}.ports`));
  errs.push(...validateEnv(list(c.env), `${path}.env`));
  errs.push(...validateVolumeMounts(list(c.volumeMounts).filter(isObject), volumes, `${path}.volumeMounts`));
  const pull = c.imagePullPolicy;
  if (!pull) errs.push(required(`${path}.imagePullPolicy`));
  else if (!['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    errs.push(notSupported(`${path}.imagePullPolicy`, pull, ['Always', 'IfNotPresent', 'Never']));
  }
  errs.push(...validateResources(c.resources, `${path}.resources`));
  return errs;
}

/** Host ports may not collide within the given containers (protocol/hostIP/port). */
function hostPortConflicts(containers: any[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    list(c.ports).forEach((p: any, pi: number) => {
      if (!p?.hostPort) return;
      const key = `${p.protocol ?? ''}/${p.hostIP ?? ''}/${p.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(`${field}[${ci}].ports[${pi}].hostPort`, key));
      seen.add(key);
    });
  });
  return errs;
}

function validateContainers(containers: any[], volumes: Set<string>, field: string): FieldError[] {
  if (!containers.length) return [required(field)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const path = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, path));
    if (names.has(c.name)) errs.push(duplicate(`${path}.name`, c.name ?? ''));
    else names.add(c.name);
    errs.push(...validateLifecycleAndProbes(c, path));
    if (c.restartPolicy != null) errs.push(forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  });
  return [...errs, ...hostPortConflicts(containers, field)];
}

const INIT_ONLY = 'may not be set for init containers without restartPolicy=Always';

function validateInitContainers(inits: any[], containers: any[], volumes: Set<string>, field: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>(containers.map((c) => c.name));
  inits.forEach((c, i) => {
    const path = `${field}[${i}]`;
    errs.push(...validateContainerCommon(c, volumes, path));
    const sidecar = c.restartPolicy === 'Always';
    if (c.restartPolicy != null && !sidecar) errs.push(notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
    if (names.has(c.name)) errs.push(duplicate(`${path}.name`, c.name ?? ''));
    else if (c.name) names.add(c.name);
    // Init containers run one by one, so host ports only clash within one container (upstream
    // reports such a clash at index 0 whatever the container's index).
    errs.push(...hostPortConflicts([c], field));
    if (sidecar) errs.push(...validateLifecycleAndProbes(c, path));
    else {
      for (const k of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
        if (c[k] != null) errs.push(forbidden(`${path}.${k}`, INIT_ONLY));
      }
    }
  });
  return errs;
}

const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';

/** Required names of the common volume sources and their file modes. */
function validateVolumeSource(v: any, path: string): FieldError[] {
  const present = VOLUME_SOURCES.filter(([k]) => v[k] != null);
  if (!present.length) return [required(path, 'must specify a volume type')];
  const errs = present.slice(1).map(([, p]) => forbidden(`${path}.${p}`, 'may not specify more than 1 volume type'));
  const [key] = present[0];
  const src = v[key];
  const requiredField = ({ hostPath: 'path', secret: 'secretName', configMap: 'name', persistentVolumeClaim: 'claimName' } as Record<string, string>)[key];
  if (requiredField && !src?.[requiredField]) errs.push(required(`${path}.${key}.${requiredField}`));
  const mode = src?.defaultMode;
  if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) errs.push(invalid(`${path}.${key}.defaultMode`, mode, FILE_MODE_ERROR));
  return errs;
}

/** ValidateVolumes: the names of the valid volumes (mounts must refer to one of them) and the errors. */
function validateVolumes(volumes: any[], field: string): { names: Set<string>; errs: FieldError[] } {
  const names = new Set<string>();
  const errs: FieldError[] = [];
  volumes.forEach((v, i) => {
    const path = `${field}[${i}]`;
    const own = validateVolumeSource(v, path);
    if (!v.name) own.push(required(`${path}.name`));
    else own.push(...dnsLabelErrors(v.name, `${path}.name`));
    if (names.has(v.name)) own.push(duplicate(`${path}.name`, v.name));
    if (own.length) errs.push(...own);
    else names.add(v.name);
  });
  return { names, errs };
}

function validateTolerations(tolerations: any[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const path = `${field}[${i}]`;
    if (t.key) errs.push(...qualifiedNameErrors(t.key, `${path}.key`));
    if (!t.key && t.operator !== 'Exists') {
      errs.push(invalid(`${path}.operator`, t.operator ?? '', 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds != null && t.effect !== 'NoExecute') {
      errs.push(invalid(`${path}.effect`, t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (!t.operator || t.operator === 'Equal') {
      const msgs = isLabelValue(t.value ?? '');
      if (msgs.length) errs.push(invalid(`${path}.operator`, t.value ?? '', msgs.join(';')));
    } else if (t.operator === 'Exists') {
      if (t.value) errs.push(invalid(`${path}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
    } else errs.push(notSupported(`${path}.operator`, t.operator, ['Equal', 'Exists']));
    if (t.effect && !['NoSchedule', 'PreferNoSchedule', 'NoExecute'].includes(t.effect)) {
      errs.push(notSupported(`${path}.effect`, t.effect, ['NoSchedule', 'PreferNoSchedule', 'NoExecute']));
    }
  });
  return errs;
}

function validateSchedulingGates(gates: any[], field: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  gates.forEach((g, i) => {
    errs.push(...qualifiedNameErrors(g?.name ?? '', `${field}[${i}]`));
    if (seen.has(g?.name)) errs.push(duplicate(`${field}[${i}]`, g.name));
    seen.add(g?.name);
  });
  return errs;
}

function choice(value: unknown, valid: string[], field: string): FieldError[] {
  if (!value) return [required(field)];
  return valid.includes(value as string) ? [] : [notSupported(field, value, valid)];
}

/** Subdomain-named references (serviceAccountName, nodeName, priorityClassName). */
function subdomainRef(value: unknown, field: string): FieldError[] {
  if (typeof value !== 'string' || !value) return [];
  return isDNS1123Subdomain(value).map((msg) => invalid(field, value, msg));
}

/** ValidatePodSpec: the create-time checks of a (defaulted) PodSpec at `field`. */
export function validatePodSpec(spec: any, field: string): FieldError[] {
  const s = isObject(spec) ? spec : {};
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds == null) errs.push(required(`${field}.terminationGracePeriodSeconds`));
  const vols = validateVolumes(list(s.volumes).filter(isObject), `${field}.volumes`);
  errs.push(...vols.errs);
  const containers = list(s.containers).filter(isObject);
  errs.push(...validateContainers(containers, vols.names, `${field}.containers`));
  errs.push(...validateInitContainers(list(s.initContainers).filter(isObject), containers, vols.names, `${field}.initContainers`));
  errs.push(...choice(s.restartPolicy, ['Always', 'OnFailure', 'Never'], `${field}.restartPolicy`));
  errs.push(...choice(s.dnsPolicy, ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'], `${field}.dnsPolicy`));
  errs.push(...validateLabels(s.nodeSelector, `${field}.nodeSelector`));
  if (s.dnsPolicy === 'None' && !isObject(s.dnsConfig)) {
    errs.push(required(`${field}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  list(s.readinessGates).forEach((g, i) => errs.push(...qualifiedNameErrors(g?.conditionType ?? '', `${field}.readinessGates[${i}].conditionType`)));
  errs.push(...validateSchedulingGates(list(s.schedulingGates), `${field}.schedulingGates`));
  errs.push(...subdomainRef(s.serviceAccountName, `${field}.serviceAccountName`));
  errs.push(...subdomainRef(s.nodeName, `${field}.nodeName`));
  const ads = s.activeDeadlineSeconds;
  if (ads != null && !(isInt(ads) && ads >= 1 && ads <= 2147483647)) {
    errs.push(invalid(`${field}.activeDeadlineSeconds`, ads, inclusiveRange(1, 2147483647)));
  }
  if (s.hostname) errs.push(...dnsLabelErrors(s.hostname, `${field}.hostname`));
  if (s.subdomain) errs.push(...dnsLabelErrors(s.subdomain, `${field}.subdomain`));
  errs.push(...validateTolerations(list(s.tolerations).filter(isObject), `${field}.tolerations`));
  errs.push(...subdomainRef(s.priorityClassName, `${field}.priorityClassName`));
  if (s.preemptionPolicy != null) errs.push(...choice(s.preemptionPolicy, ['PreemptLowerPriority', 'Never'], `${field}.preemptionPolicy`));
  return errs;
}

/** ValidatePodTemplateSpec: template labels and annotations, the pod spec, no ephemeral containers. */
export function validatePodTemplate(template: any, field: string): FieldError[] {
  const t = isObject(template) ? template : {};
  const errs = [
    ...validateLabels(t.metadata?.labels, `${field}.labels`),
    ...validateAnnotations(t.metadata?.annotations, `${field}.annotations`),
    ...validatePodSpec(t.spec, `${field}.spec`),
  ];
  if (list(t.spec?.ephemeralContainers).length) {
    errs.push(forbidden(`${field}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Workload controller helpers (selector vs. template labels, §5.2/5.3)

/** A map with sorted keys: Go marshals maps that way, so error values must too. */
function sortedMap(m: Record<string, unknown> | undefined | null): Record<string, unknown> | null {
  if (!isObject(m)) return null;
  return Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/** A LabelSelector as Go's json.Marshal renders it in error values. */
export function selectorValue(sel: any): Record<string, unknown> | null {
  if (!isObject(sel)) return null;
  const out: Record<string, unknown> = {};
  if (isObject(sel.matchLabels) && Object.keys(sel.matchLabels).length) out.matchLabels = sortedMap(sel.matchLabels);
  if (list(sel.matchExpressions).length) {
    out.matchExpressions = sel.matchExpressions.map((e: any) => {
      const r: Record<string, unknown> = { key: e.key ?? '', operator: e.operator ?? '' };
      if (list(e.values).length) r.values = e.values;
      return r;
    });
  }
  return out;
}

/** The "`selector` does not match template `labels`" error. */
export const templateLabelsMismatch = (field: string, labels: Record<string, string> | undefined): FieldError =>
  invalid(`${field}.metadata.labels`, sortedMap(labels), '`selector` does not match template `labels`');

/** That error when the selector's requirements do not select the template's labels (none when it does not parse). */
export function validateSelectsTemplate(reqs: LabelRequirement[] | undefined, template: any, field: string): FieldError[] {
  const labels = template?.metadata?.labels;
  return reqs && !matchLabelRequirements(reqs, labels) ? [templateLabelsMismatch(field, labels)] : [];
}

/** Template checks of the controllers whose pods run forever: restartPolicy Always, no activeDeadlineSeconds. */
export function validateControllerTemplateSpec(
  template: any,
  field: string,
  kind: 'ReplicaSet' | 'ReplicationController' | 'DaemonSet' | 'StatefulSet',
): FieldError[] {
  const spec = template?.spec ?? {};
  const errs: FieldError[] = [];
  if (spec.restartPolicy !== 'Always') errs.push(notSupported(`${field}.spec.restartPolicy`, spec.restartPolicy ?? '', ['Always']));
  if (spec.activeDeadlineSeconds != null) {
    errs.push(forbidden(`${field}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${kind} is not Supported`));
  }
  return errs;
}

/**
 * The selector and template rules apps/v1 ReplicaSets and Deployments share (ValidateReplicaSetSpec,
 * ValidateDeploymentSpec): both say "deployment" and "ReplicaSet" in their messages.
 */
export function validateSelectorAndTemplate(spec: any, field: string): FieldError[] {
  const sel = spec?.selector;
  const errs: FieldError[] = [];
  if (sel == null) errs.push(required(`${field}.selector`));
  else {
    errs.push(...validateLabelSelector(sel, `${field}.selector`));
    if (emptySelector(sel)) errs.push(invalid(`${field}.selector`, selectorValue(sel), 'empty selector is invalid for deployment'));
  }
  // LabelSelectorAsSelector: a selector that does not convert stops the template checks.
  const reqs = selectorRequirementsOf(sel);
  if (!reqs) return [...errs, invalid(`${field}.selector`, selectorValue(sel), 'invalid label selector')];
  const template = isObject(spec?.template) ? spec.template : {};
  errs.push(...validateSelectsTemplate(reqs, template, `${field}.template`));
  errs.push(...validatePodTemplate(template, `${field}.template`));
  errs.push(...validateControllerTemplateSpec(template, `${field}.template`, 'ReplicaSet'));
  return errs;
}
