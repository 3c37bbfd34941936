#!/usr/bin/env node
// Generates src/resources/schema.json: the field schema of every served kind, keyed by OpenAPI
// definition name. Used for strict field validation now and for OpenAPI v3 / kubectl explain later.
//
// Source of facts: the TypeScript declarations of kubernetes-models (MIT), which carry every
// field's name, type and upstream description, plus their compiled JSON-schema validators
// (_schemas/*.js), the only place that still says integer vs number and int32/int64/byte.
//
//   npm pack kubernetes-models@5.1.0 && npm pack @kubernetes-models/apimachinery@3.0.2  (untar each)
//   node scripts/gen-schemas.mjs <kubernetes-models/package> <apimachinery/package>
//
// kubernetes-models 5.1.0 is cut from Kubernetes 1.36; the differences to 1.35 are patched below.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const [kmDir, amDir] = process.argv.slice(2).map((d) => d && resolve(d));
if (!kmDir || !amDir || !existsSync(join(kmDir, 'v1/Pod.d.ts')) || !existsSync(join(amDir, 'apis/meta/v1/ObjectMeta.d.ts'))) {
  console.error('usage: node scripts/gen-schemas.mjs <kubernetes-models package dir> <@kubernetes-models/apimachinery package dir>');
  process.exit(2);
}
const OUT = join(dirname(fileURLToPath(import.meta.url)), '../src/resources/schema.json');

const ROOTS = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ReplicationController', 'ConfigMap', 'Secret',
    'ServiceAccount', 'Event', 'ResourceQuota', 'LimitRange', 'PersistentVolume', 'PersistentVolumeClaim'].map((k) => `io.k8s.api.core.v1.${k}`),
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.apps.v1.ReplicaSet',
  'io.k8s.api.apps.v1.DaemonSet',
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.apps.v1.ControllerRevision',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.storage.v1.StorageClass',
  'io.k8s.api.coordination.v1.Lease',
  'io.k8s.api.discovery.v1.EndpointSlice',
  'io.k8s.api.events.v1.Event',
  'io.k8s.api.autoscaling.v1.Scale',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.ClusterRole',
  'io.k8s.api.rbac.v1.RoleBinding',
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
  'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
  'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
  'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions',
];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
// Types with custom JSON (un)marshalling: leaves for the schema. Descriptions come from the .d.ts
// where it has one (Quantity's has none: first paragraph of upstream resource.Quantity doc).
const LEAVES = {
  [`${META}.Time`]: { type: 'string', format: 'date-time' },
  [`${META}.MicroTime`]: { type: 'string', format: 'date-time' },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    type: 'string', 'x-kubernetes-int-or-string': true,
    description: 'Quantity is a fixed-point representation of a number. It provides convenient marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors.',
  },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': { type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  [`${META}.FieldsV1`]: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

// kubernetes-models 5.1.0 is generated from Kubernetes 1.36. Its fields were diffed against
// @kubernetes/client-node 1.4.0 (1.34) and 2.0.1 (1.36); the fields new since 1.34 were then checked
// against the 1.35 API (jsonnet-libs/k8s-libsonnet 1.35, generated from the v1.35 OpenAPI):
// declaredFeatures, userAnnotations and PodStatus.resources/allocatedResources are 1.35; these are 1.36:
const K8S_1_35 = {
  drop: {
    'io.k8s.api.core.v1.PodSpec': ['schedulingGroup'], // replaced workloadRef in 1.36
    'io.k8s.api.core.v1.PodStatus': ['nodeAllocatableResourceClaimStatuses'],
    'io.k8s.api.core.v1.ResourceHealth': ['message'],
    'io.k8s.api.core.v1.VolumeMountStatus': ['volumeStatus'],
  },
  // 1.35's alpha PodSpec.workloadRef (GenericWorkload), removed in 1.36; texts from upstream types.go.
  add: {
    'io.k8s.api.core.v1.PodSpec': {
      workloadRef: {
        type: 'object', ref: 'io.k8s.api.core.v1.WorkloadReference',
        description: 'WorkloadRef provides a reference to the Workload object that this Pod belongs to. This field is used by the scheduler to identify the PodGroup and apply the correct group scheduling policies. The Workload object referenced by this field may not exist at the time the Pod is created. This field is immutable, but a Workload object with the same name may be recreated with different policies. Doing this during pod scheduling may result in the placement not conforming to the expected policies.',
      },
    },
  },
  definitions: {
    'io.k8s.api.core.v1.WorkloadReference': {
      description: 'WorkloadReference identifies the Workload object and PodGroup membership that a Pod belongs to. The scheduler uses this information to apply workload-aware scheduling semantics.',
      required: ['name', 'podGroup'],
      properties: {
        name: { type: 'string', description: "Name defines the name of the Workload object this Pod belongs to. Workload must be in the same namespace as the Pod. If it doesn't match any existing Workload, the Pod will remain unschedulable until a Workload object is created and observed by the kube-scheduler. It must be a DNS subdomain." },
        podGroup: { type: 'string', description: "PodGroup is the name of the PodGroup within the Workload that this Pod belongs to. If it doesn't match any existing PodGroup within the Workload, the Pod will remain unschedulable until the Workload object is recreated and observed by the kube-scheduler. It must be a DNS label." },
        podGroupReplicaKey: { type: 'string', description: 'PodGroupReplicaKey specifies the replica key of the PodGroup to which this Pod belongs. It is used to distinguish pods belonging to different replicas of the same pod group. The pod group policy is applied separately to each replica. When set, it must be a DNS label.' },
      },
    },
  },
};

// ---- file ↔ definition name ----

// io.k8s.api.<group>.<version>.<Kind> for kubernetes-models, io.k8s.apimachinery.pkg.<path> for apimachinery.
function fileOf(def) {
  const parts = def.split('.');
  const kind = parts.pop();
  if (def.startsWith('io.k8s.apimachinery.pkg.')) return join(amDir, ...parts.slice(4), `${kind}.d.ts`);
  const [group, version] = parts.slice(3);
  const dir = group === 'core' ? version : `${GROUP_DIRS[group] ?? group}/${version}`;
  return join(kmDir, dir, `${kind}.d.ts`);
}
const GROUP_DIRS = {
  discovery: 'discovery.k8s.io', events: 'events.k8s.io', storage: 'storage.k8s.io', coordination: 'coordination.k8s.io',
  rbac: 'rbac.authorization.k8s.io', authorization: 'authorization.k8s.io',
};

function defOf(file) {
  const inAm = file.startsWith(amDir + '/');
  const rel = relative(inAm ? amDir : kmDir, file).replace(/(\.d\.ts|\.js)$/, '').split('/');
  const kind = rel.pop();
  if (inAm) return ['io.k8s.apimachinery.pkg', ...rel, kind].join('.');
  if (rel.length === 1) return `io.k8s.api.core.${rel[0]}.${kind}`;
  return `io.k8s.api.${rel[0].split('.')[0]}.${rel[1]}.${kind}`;
}

function importTarget(fromFile, spec) {
  const m = spec.match(/^@kubernetes-models\/apimachinery\/(.*)$/);
  const target = m ? join(amDir, m[1]) : resolve(dirname(fromFile), spec);
  return defOf(target.endsWith('.js') ? target : `${target}.d.ts`);
}

// ---- .d.ts parsing ----

// A JSDoc block's lines without their ` * ` prefixes (blank lines stay: paragraph breaks).
/** A JSDoc block's text; kubernetes-models' `@deprecated` tag is not part of upstream's descriptions. */
function docText(lines) {
  return lines.map((l) => l.replace(/^\s*\*( |$)/, '')).join('\n').replace(/\n@deprecated$/, '').trim();
}

function parseDts(def) {
  const file = fileOf(def);
  const src = readFileSync(file, 'utf8');
  const imports = {};
  for (const m of src.matchAll(/import \{ (\w+) \} from "([^"]+)"/g)) imports[m[1]] = importTarget(file, m[2]);
  const lines = src.split('\n');
  const start = lines.findIndex((l) => /^export (interface|type) I\w+/.test(l));
  let description = '';
  if (lines[start - 1] === ' */') {
    const open = lines.lastIndexOf('/**', start - 1);
    description = docText(lines.slice(open + 1, start - 1));
  }
  if (!lines[start].startsWith('export interface')) return { description };
  // Members: an optional JSDoc block, then `"name"?: type;` (a map type spans several lines).
  const props = [];
  let doc = '';
  for (let i = start + 1; lines[i] !== '}'; i++) {
    if (lines[i].trim() === '/**') {
      const end = lines.indexOf('     */', i);
      doc = docText(lines.slice(i + 1, end));
      i = end;
      continue;
    }
    const m = lines[i].match(/^ {4}"([^"]+)"(\??): (.*)$/);
    if (!m) throw new Error(`${file}:${i + 1}: unexpected line: ${lines[i]}`);
    let type = m[3];
    while (!type.endsWith(';') || type.split('{').length !== type.split('}').length) type += '\n' + lines[++i];
    props.push({ name: m[1], optional: m[2] === '?', type: type.slice(0, -1), description: doc });
    doc = '';
  }
  return { description, props, imports };
}

// TypeScript type expression → schema node (without description).
function typeNode(t, imports) {
  t = t.trim();
  let m;
  if ((m = t.match(/^Array<([\s\S]*)>$/))) return { type: 'array', items: typeNode(m[1], imports) };
  if ((m = t.match(/^\{\s*\[key: string\]: ([\s\S]*?);\s*\}$/))) return { type: 'object', additionalProperties: typeNode(m[1], imports) };
  if (t === 'string' || t === 'boolean') return { type: t };
  if (t === 'number') return { type: 'integer' }; // refined from the validators
  if (/^"[^"]*"( \| "[^"]*")*$/.test(t)) return { type: 'string', enum: [...t.matchAll(/"([^"]*)"/g)].map((x) => x[1]) };
  // An inlined kind (StatefulSetSpec.volumeClaimTemplates holds PersistentVolumeClaims): upstream
  // refers to the kind's own definition, found from its spec's type.
  const inlineSpec = /^\{[\s\S]*"spec"\?: (\w+);[\s\S]*\}$/.exec(t)?.[1];
  if (inlineSpec && imports[inlineSpec]?.endsWith('Spec')) return { type: 'object', ref: imports[inlineSpec].slice(0, -'Spec'.length) };
  if (imports[t]) {
    const ref = imports[t];
    const leaf = LEAVES[ref];
    if (leaf) return { ...withoutDescription(leaf), ref };
    return { type: 'object', ref };
  }
  throw new Error(`unsupported type expression: ${t}`);
}
const withoutDescription = ({ description, ...rest }) => rest;

// ---- integer/number and format, from the compiled validators ----

// _schemas/<Pascal def name>.js: `void 0!==data.<prop>&&(validateN(data.<prop>` then validateN's
// body (and local helpers it calls, e.g. per array item / map value) says type and format.
function validatorInfo(def) {
  const pascal = def.split('.').map((s) => s[0].toUpperCase() + s.slice(1)).join('');
  const base = def.startsWith('io.k8s.apimachinery.') ? amDir : kmDir;
  const file = join(base, '_schemas', `${pascal}.js`);
  if (!existsSync(file)) return {};
  const js = readFileSync(file, 'utf8');
  const fns = {};
  for (const m of js.matchAll(/function (validate\d+)\(/g)) {
    const start = m.index;
    const next = js.indexOf('function validate', start + 1);
    fns[m[1]] = js.slice(start, next < 0 ? js.length : next);
  }
  const scan = (name, seen = new Set()) => {
    if (!fns[name] || seen.has(name)) return [];
    seen.add(name);
    const body = fns[name];
    const found = [...body.matchAll(/params:\{(?:type|format):"([\w-]+)"\}/g)].map((x) => x[1]);
    for (const c of body.matchAll(/(validate\d+)\(data\[/g)) found.push(...scan(c[1], seen));
    return found;
  };
  const out = {};
  for (const m of js.matchAll(/void 0!==data(?:\.(\w+)|\["([^"]+)"\])&&\((validate\d+)\(/g)) out[m[1] ?? m[2]] = scan(m[3]);
  return out;
}

function refine(node, found) {
  const target = node.type === 'array' ? node.items : node.type === 'object' && node.additionalProperties ? node.additionalProperties : node;
  if (target.ref) return node;
  if (target.type === 'integer' && found.includes('number')) target.type = 'number';
  const format = found.find((f) => ['int32', 'int64', 'double', 'byte', 'date-time'].includes(f));
  if (format && ['integer', 'number', 'string'].includes(target.type) && !target.enum) target.format = format;
  return node;
}

// ---- closure ----

const definitions = {};
const typeMetaDocs = {}; // apiVersion/kind descriptions, as upstream gives every kind
{
  const d = parseDts(`${META}.DeleteOptions`);
  for (const p of d.props) if (p.name === 'apiVersion' || p.name === 'kind') typeMetaDocs[p.name] = p.description;
}

const queue = [...ROOTS];
while (queue.length) {
  const def = queue.shift();
  if (definitions[def]) continue;
  if (K8S_1_35.definitions[def]) {
    definitions[def] = K8S_1_35.definitions[def];
    continue;
  }
  if (LEAVES[def]) {
    definitions[def] = { description: parseDts(def).description, ...LEAVES[def] };
    continue;
  }
  const { description, props, imports } = parseDts(def);
  const info = validatorInfo(def);
  const drop = new Set(K8S_1_35.drop[def] ?? []);
  const properties = {};
  const required = [];
  for (const p of props) {
    if (drop.has(p.name)) continue;
    // A kind's apiVersion/kind are literal types in the .d.ts; upstream they are optional strings.
    const typeMeta = (p.name === 'apiVersion' || p.name === 'kind') && /^"/.test(p.type);
    const node = typeMeta ? { type: 'string' } : refine(typeNode(p.type, imports), info[p.name] ?? []);
    properties[p.name] = { ...node, description: p.description || (typeMeta ? typeMetaDocs[p.name] : '') };
    if (!p.optional && !typeMeta) required.push(p.name);
  }
  Object.assign(properties, K8S_1_35.add[def]);
  const entry = { description, properties };
  if (required.length) entry.required = required;
  definitions[def] = entry;
  for (const prop of Object.values(properties)) {
    const ref = prop.ref ?? prop.items?.ref ?? prop.additionalProperties?.ref;
    if (ref) queue.push(ref);
  }
}

// Deterministic output: keys sorted at every level (arrays keep their order).
const sortKeys = (v) => Array.isArray(v) ? v.map(sortKeys)
  : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys(v[k])])) : v;
// One definition per line: compact, yet a regeneration's diff shows which definitions changed.
const sorted = sortKeys(definitions);
const text = `{\n${Object.keys(sorted).map((k) => `${JSON.stringify(k)}:${JSON.stringify(sorted[k])}`).join(',\n')}\n}\n`;
writeFileSync(OUT, text);
console.log(`wrote ${relative(process.cwd(), OUT)}: ${Object.keys(definitions).length} definitions, ${text.length} bytes`);
