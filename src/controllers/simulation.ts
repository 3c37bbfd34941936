// The simulation's rules: how long pulls and starts take, which images fail, which containers exit or
// crash, and which nodes are down. Data, not code (in the spirit of kwok stages): built-in defaults,
// overridden by the cluster's ConfigMap kube-system/sandbox-simulation (key rules.yaml) and by pod
// annotations `sim.kube-sandbox.dev/<key>[.<container>]`. docs/simulation.md describes them.
import { parseDocument, parse as parseYaml } from 'yaml';
import { resKey, type ApiContext } from '../apiserver/context';
import { createObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';

export const RULES_NAMESPACE = 'kube-system';
export const RULES_CONFIGMAP = 'sandbox-simulation';
export const RULES_KEY = 'rules.yaml';
export const ANNOTATION_PREFIX = 'sim.kube-sandbox.dev/';

export interface ImageRule {
  /** glob over the image as written in the pod spec (`*` matches anything) */
  match: string;
  pull?: 'ok' | 'fail';
  pullSeconds?: number;
  sizeBytes?: number;
  /** the runtime's error text for a failed pull */
  error?: string;
}

export interface ContainerRule {
  /** globs; a rule applies when all given ones match */
  image?: string;
  name?: string;
  namespace?: string;
  /** the container exits this long after it started (absent: it runs until stopped) */
  exitAfterSeconds?: number | null;
  exitCode?: number;
  startSeconds?: number;
  stopSeconds?: number;
  /** readiness probe succeeds this long after start; false: it never does */
  readyAfterSeconds?: number | false;
}

export interface NodeRule {
  /** the node's kubelet stops (RFC 3339) ... */
  failAt?: string;
  /** ... and comes back */
  recoverAt?: string;
}

export interface Defaults {
  sandboxSeconds: number;
  pullSeconds: number;
  startSeconds: number;
  stopSeconds: number;
  /** run-to-completion containers (init containers, Job pods, commands) without a `sleep N` */
  batchRunSeconds: number;
  /** how long a container told to crash runs before it exits 1 */
  crashRunSeconds: number;
  /** delay between a failure and the kubelet's next sync (ErrImagePull → ImagePullBackOff, Error → CrashLoopBackOff) */
  syncSeconds: number;
}

export interface Rules {
  defaults: Defaults;
  images: ImageRule[];
  containers: ContainerRule[];
  nodes: Record<string, NodeRule>;
}

const notFoundError = (ref: string) =>
  `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`;

export const DEFAULT_RULES: Rules = {
  defaults: { sandboxSeconds: 0, pullSeconds: 1, startSeconds: 0.5, stopSeconds: 0, batchRunSeconds: 1, crashRunSeconds: 1, syncSeconds: 1 },
  images: ['*:broken', '*:nope', '*:doesnotexist'].map((match) => ({ match, pull: 'fail' as const })),
  containers: [],
  nodes: {},
};

// ---------------------------------------------------------------------------------------------
// Loading

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Rules from the ConfigMap text, over the defaults; user image rules come before the built-in ones. */
export function parseRules(text: string | undefined): Rules {
  if (!text) return DEFAULT_RULES;
  const doc = parseYaml(text) ?? {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${RULES_KEY} must be a mapping`);
  const defaults = { ...DEFAULT_RULES.defaults };
  for (const k of Object.keys(defaults) as (keyof Defaults)[]) defaults[k] = num(doc.defaults?.[k]) ?? defaults[k];
  return {
    defaults,
    images: [...list(doc.images).filter((r) => typeof r?.match === 'string'), ...DEFAULT_RULES.images],
    containers: list(doc.containers).filter((r) => r && typeof r === 'object'),
    nodes: doc.nodes && typeof doc.nodes === 'object' ? doc.nodes : {},
  };
}

const cache = new WeakMap<object, { rv: string; rules: Rules }>();

/** The cluster's rules, re-parsed only when the ConfigMap changes; a broken ConfigMap means the defaults. */
export function loadRules(ctx: ApiContext): Rules {
  const cm = ctx.store.get(resKey(configMaps()), RULES_NAMESPACE, RULES_CONFIGMAP)?.obj;
  const rv = cm?.metadata.resourceVersion ?? '';
  const hit = cache.get(ctx.store);
  if (hit && hit.rv === rv) return hit.rules;
  let rules = DEFAULT_RULES;
  try {
    rules = parseRules(cm?.data?.[RULES_KEY]);
  } catch (e) {
    console.warn(`${RULES_NAMESPACE}/${RULES_CONFIGMAP}: ${(e as Error).message}; using the default rules`);
  }
  cache.set(ctx.store, { rv, rules });
  return rules;
}

const configMaps = () => findResource('', 'v1', 'configmaps')!;

/**
 * Marks a node failed (its kubelet stops from `now`) or recovered, in the rules ConfigMap, keeping
 * whatever else (and any comments) the ConfigMap holds.
 */
export function setNodeFailure(ctx: ApiContext, node: string, failed: boolean): NodeRule {
  const def = configMaps();
  const cm = ctx.store.get(resKey(def), RULES_NAMESPACE, RULES_CONFIGMAP)?.obj;
  const doc = parseDocument(cm?.data?.[RULES_KEY] ?? '');
  if (doc.errors.length || (doc.contents !== null && typeof doc.toJS() !== 'object')) {
    throw new Error(`${RULES_NAMESPACE}/${RULES_CONFIGMAP} does not hold a valid ${RULES_KEY}`);
  }
  const at = new Date(ctx.now()).toISOString();
  if (failed) {
    doc.setIn(['nodes', node, 'failAt'], at);
    doc.deleteIn(['nodes', node, 'recoverAt']);
  } else {
    doc.setIn(['nodes', node, 'recoverAt'], at);
  }
  const data = { ...(cm?.data ?? {}), [RULES_KEY]: String(doc) };
  if (!cm) createObject(ctx, def, RULES_NAMESPACE, { metadata: { name: RULES_CONFIGMAP }, data });
  else updateObject(ctx, def, RULES_NAMESPACE, RULES_CONFIGMAP, { ...structuredClone(cm), data }, '');
  return doc.getIn(['nodes', node]) ? (doc.toJS().nodes[node] as NodeRule) : {};
}

/** The window in which a node's kubelet is down: [from, to), `to` undefined while it stays down. */
export function nodeDownWindow(rules: Rules, node: string): { from: number; to?: number } | undefined {
  const r = rules.nodes[node];
  const from = Date.parse(String(r?.failAt ?? ''));
  if (Number.isNaN(from)) return undefined;
  const to = Date.parse(String(r?.recoverAt ?? ''));
  return Number.isNaN(to) || to < from ? { from } : { from, to };
}

// ---------------------------------------------------------------------------------------------
// Images

/** `*` globs, anchored. */
export function globMatch(glob: string, s: string): boolean {
  const re = glob.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(s);
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}$/;

/** The reference a runtime reports (`nginx` → `docker.io/library/nginx:latest`); undefined when it does not parse. */
export function normalizeImage(image: string): string | undefined {
  let rest = image;
  let digest = '';
  const at = rest.indexOf('@');
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  if (digest && !DIGEST.test(digest)) return undefined;
  const parts = rest.split('/');
  let domain = 'docker.io';
  if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) domain = parts.shift()!;
  let tag = '';
  const last = parts[parts.length - 1];
  const colon = last.lastIndexOf(':');
  if (colon >= 0) [parts[parts.length - 1], tag] = [last.slice(0, colon), last.slice(colon + 1)];
  if (!parts.every((p) => COMPONENT.test(p)) || (tag && !TAG.test(tag))) return undefined;
  if (domain === 'docker.io' && parts.length === 1) parts.unshift('library');
  const name = `${domain}/${parts.join('/')}`;
  if (digest) return tag ? `${name}:${tag}@${digest}` : `${name}@${digest}`;
  return `${name}:${tag || 'latest'}`;
}

/** FNV-1a, for made-up but stable digests and sizes. */
function fnv(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** A stable fake sha256 hex for a name. */
export function fakeDigest(s: string): string {
  let out = '';
  for (let i = 0; out.length < 64; i++) out += fnv(s, 0x811c9dc5 + i).toString(16).padStart(8, '0');
  return out.slice(0, 64);
}

/** `docker.io/library/nginx@sha256:...`, what a runtime reports as imageID. */
export function imageID(normalized: string): string {
  const at = normalized.indexOf('@');
  const ref = at >= 0 ? normalized.slice(0, at) : normalized;
  const colon = ref.lastIndexOf(':');
  const name = colon > ref.lastIndexOf('/') ? ref.slice(0, colon) : ref;
  return at >= 0 ? `${name}${normalized.slice(at)}` : `${name}@sha256:${fakeDigest(normalized)}`;
}

// ---------------------------------------------------------------------------------------------
// Per-container behaviour

export interface ContainerPlan {
  name: string;
  /** as written in the spec */
  image: string;
  /** as the runtime reports it; undefined when the reference does not parse (InvalidImageName) */
  normalized?: string;
  pullPolicy: string;
  pullMs: number;
  pullFails: boolean;
  pullError: string;
  sizeBytes: number;
  startMs: number;
  stopMs: number;
  /** undefined: runs until stopped */
  runMs?: number;
  exitCode: number;
  /** undefined: never becomes ready */
  readyAfterMs?: number;
  /** when `started` turns true (startup probe) */
  startedAfterMs: number;
  init: boolean;
  /** an init container with restartPolicy Always */
  sidecar: boolean;
}

function annotation(pod: KubeObject, key: string, container: string): string | undefined {
  const a = pod.metadata.annotations ?? {};
  return a[`${ANNOTATION_PREFIX}${key}.${container}`] ?? a[`${ANNOTATION_PREFIX}${key}`];
}

const seconds = (v: string | undefined) => (v !== undefined && v.trim() !== '' && Number.isFinite(Number(v)) && Number(v) >= 0 ? Number(v) : undefined);

const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

/** `sleep N` in a container's command line: how long it runs; Infinity for `sleep infinity`; undefined if none. */
export function sleepSeconds(c: any): number | undefined {
  const line = [...list(c?.command), ...list(c?.args)].join(' ');
  if (/\bsleep\s+inf(inity)?\b/.test(line)) return Infinity;
  const m = /\bsleep\s+(\d+(?:\.\d+)?)([smhd]?)\b/.exec(line);
  return m ? Number(m[1]) * UNITS[m[2]] : undefined;
}

const ownedByJob = (pod: KubeObject) => (pod.metadata.ownerReferences ?? []).some((r: any) => r?.kind === 'Job' && r?.controller);

/** How long a container runs by default: init containers and batch-looking containers finish, servers do not. */
function defaultRunSeconds(pod: KubeObject, c: any, init: boolean, sidecar: boolean, d: Defaults): number | undefined {
  if (sidecar) return undefined;
  const sleep = sleepSeconds(c);
  const batch = init || (pod.spec?.restartPolicy !== 'Always' && (ownedByJob(pod) || list(c?.command).length + list(c?.args).length > 0));
  if (!batch) return undefined;
  if (sleep === Infinity) return undefined;
  return sleep ?? d.batchRunSeconds;
}

const probeDelay = (p: any) => (p ? (p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * ((p.successThreshold ?? 1) - 1) : 0);

/** Everything the kubelet simulation needs to know about one container of a pod. */
export function containerPlan(pod: KubeObject, c: any, init: boolean, rules: Rules): ContainerPlan {
  const d = rules.defaults;
  const name = String(c?.name ?? '');
  const image = String(c?.image ?? '');
  const ns = pod.metadata.namespace ?? '';
  const imageRule = rules.images.find((r) => globMatch(r.match, image));
  const rule = rules.containers.find(
    (r) => (!r.image || globMatch(r.image, image)) && (!r.name || globMatch(r.name, name)) && (!r.namespace || globMatch(r.namespace, ns)),
  );
  const sidecar = init && c?.restartPolicy === 'Always';
  const normalized = normalizeImage(image);

  const pullAnn = annotation(pod, 'image-pull', name);
  const pullFails = pullAnn ? pullAnn === 'fail' : imageRule?.pull === 'fail';
  const crash = annotation(pod, 'crash', name) === 'true';
  const exitAfter = seconds(annotation(pod, 'exit-after', name));
  const exitCodeAnn = annotation(pod, 'exit-code', name);
  let runSeconds: number | undefined;
  if (exitAfter !== undefined) runSeconds = exitAfter;
  else if (crash) runSeconds = d.crashRunSeconds;
  else if (rule && 'exitAfterSeconds' in rule) runSeconds = num(rule.exitAfterSeconds);
  else runSeconds = defaultRunSeconds(pod, c, init, sidecar, d);
  const exitCode = Number.isInteger(Number(exitCodeAnn)) && exitCodeAnn !== undefined ? Number(exitCodeAnn) : crash ? 1 : (rule?.exitCode ?? 0);

  // Readiness: immediate without a probe; after the probe's first success with one; never when told so.
  const readyAnn = annotation(pod, 'ready', name);
  const readyAfterAnn = seconds(annotation(pod, 'ready-after', name));
  let readyAfter: number | undefined = c?.readinessProbe ? probeDelay(c.readinessProbe) : 0;
  if (rule?.readyAfterSeconds === false) readyAfter = undefined;
  else if (rule && num(rule.readyAfterSeconds) !== undefined) readyAfter = num(rule.readyAfterSeconds);
  if (readyAfterAnn !== undefined) readyAfter = readyAfterAnn;
  if (readyAnn === 'false') readyAfter = undefined;

  const ms = (s: number) => Math.round(s * 1000);
  return {
    name,
    image,
    normalized,
    pullPolicy: c?.imagePullPolicy ?? 'IfNotPresent',
    pullMs: ms(seconds(annotation(pod, 'pull-seconds', name)) ?? num(imageRule?.pullSeconds) ?? d.pullSeconds),
    pullFails,
    pullError: imageRule?.error ?? notFoundError(normalized ?? image),
    sizeBytes: num(imageRule?.sizeBytes) ?? 20_000_000 + (fnv(image) % 180_000_000),
    startMs: ms(seconds(annotation(pod, 'start-seconds', name)) ?? num(rule?.startSeconds) ?? d.startSeconds),
    stopMs: ms(seconds(annotation(pod, 'stop-seconds', name)) ?? num(rule?.stopSeconds) ?? d.stopSeconds),
    runMs: runSeconds === undefined ? undefined : ms(runSeconds),
    exitCode,
    readyAfterMs: readyAfter === undefined ? undefined : ms(readyAfter),
    startedAfterMs: ms(probeDelay(c?.startupProbe)),
    init,
    sidecar,
  };
}

/** RFC 3339 with microseconds, as metav1.MicroTime marshals. */
export const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** Go's time.Duration.String() of milliseconds: 845ms, 3.512s, 1m20s, 5m0s. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (Math.abs(ms) < 1000) return `${ms}ms`;
  let rest = Math.round(ms);
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const m = Math.floor(rest / 60_000);
  rest -= m * 60_000;
  const s = (rest / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (h) return `${h}h${m}m${s}s`;
  return m ? `${m}m${s}s` : `${s}s`;
}
