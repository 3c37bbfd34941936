// Resource lists of exact quantities, and a pod's effective requests and limits as
// component-helpers/resource PodRequests / PodLimits compute them (what quota charges and LimitRange's Pod
// items check): containers and sidecars add up, regular init containers run alone (max), pod-level
// cpu/memory win, overhead adds on top.
import type { KubeObject } from '../resources/types';
import { addQuantities, compareQuantities, tryParseQuantity, type Quantity } from './quantity';

export type ResourceList = Record<string, Quantity>;

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The parsed quantities of a JSON resource list (entries that do not parse are left out: validation refuses them). */
export function parseResourceList(rl: unknown): ResourceList {
  const out: ResourceList = {};
  if (!isObject(rl)) return out;
  for (const [k, v] of Object.entries(rl)) {
    const q = tryParseQuantity(v);
    if (q) out[k] = q;
  }
  return out;
}

/** quota.Add / addResourceList: sums per key; a key new to `into` takes the addend as is. */
export function addInto(into: ResourceList, rl: ResourceList): ResourceList {
  for (const [k, q] of Object.entries(rl)) into[k] = k in into ? addQuantities(into[k], q) : q;
  return into;
}

function maxInto(into: ResourceList, rl: ResourceList) {
  for (const [k, q] of Object.entries(rl)) if (!(k in into) || compareQuantities(q, into[k]) > 0) into[k] = q;
}

const POD_LEVEL_RESOURCES = ['cpu', 'memory'];

/** PodRequests (kind 'requests') or PodLimits ('limits'); `overhead` false for LimitRanger. */
export function podResources(pod: KubeObject, kind: 'requests' | 'limits', overhead = true): ResourceList {
  const spec = pod.spec ?? {};
  const of = (c: any) => parseResourceList(c?.resources?.[kind]);
  const total: ResourceList = {};
  for (const c of list(spec.containers)) addInto(total, of(c));
  const sidecars: ResourceList = {};
  const inits: ResourceList = {};
  for (const c of list(spec.initContainers)) {
    if (c?.restartPolicy === 'Always') {
      addInto(total, of(c));
      addInto(sidecars, of(c));
      maxInto(inits, sidecars);
    } else maxInto(inits, addInto(addInto({}, of(c)), sidecars));
  }
  maxInto(total, inits);
  const podLevel = parseResourceList(spec.resources?.[kind]);
  for (const k of POD_LEVEL_RESOURCES) if (podLevel[k]) total[k] = podLevel[k];
  if (overhead) {
    const extra = parseResourceList(spec.overhead);
    // Overhead adds to every request, but only to limits that are set.
    if (kind === 'requests') addInto(total, extra);
    else for (const k of Object.keys(extra)) if (k in total) total[k] = addQuantities(total[k], extra[k]);
  }
  return total;
}
