// The taint eviction controller (control-plane.md §6.5): pods on a node with NoExecute taints they do not
// tolerate are deleted at once; pods that tolerate them for tolerationSeconds are deleted when that runs
// out (counted from when the taint was added); a pod whose deletion was scheduled and then no longer
// applies gets a "Cancelling deletion" event.
import { resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { deleteObject, updateObject } from '../apiserver/writes';
import { setPodCondition } from '../resources/pod-actions';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { recordEvent } from './events';
import { tolerates, type Taint } from './scheduler-plugins';
import type { Controller } from './types';

const NODES = findResource('', 'v1', 'nodes')!;
const PODS = findResource('', 'v1', 'pods')!;
const COMPONENT = 'taint-eviction-controller';

/** pod uid → when its deletion is due (lost on restart; recomputed from the taints then). */
const scheduled = new WeakMap<object, Map<string, number>>();

/**
 * When the pod must go given the node's NoExecute taints: now if one is not tolerated, after the
 * shortest tolerationSeconds of the tolerations used, or never (undefined).
 */
export function evictionTime(pod: KubeObject, taints: Taint[], now: number): number | undefined {
  let due: number | undefined;
  for (const taint of taints) {
    const used = (pod.spec?.tolerations ?? []).find((t: any) => tolerates(t, taint));
    if (!used) return now;
    if (typeof used.tolerationSeconds !== 'number') continue;
    const added = Date.parse(String((taint as any).timeAdded ?? ''));
    const at = (Number.isNaN(added) ? now : added) + Math.max(0, used.tolerationSeconds) * 1000;
    due = due === undefined ? at : Math.min(due, at);
  }
  return due;
}

function evict(ctx: ApiContext, pod: KubeObject) {
  const { namespace, name } = pod.metadata;
  recordEvent(ctx, pod, { type: 'Normal', reason: 'TaintManagerEviction', message: `Marking for deletion Pod ${namespace}/${name}`, component: COMPONENT });
  const status = structuredClone(pod.status ?? {});
  setPodCondition(
    status,
    { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', observedGeneration: pod.metadata.generation },
    rfc3339(ctx.now()),
  );
  updateObject(ctx, PODS, namespace!, name!, { metadata: { name }, status }, 'status');
  deleteObject(ctx, PODS, namespace!, name!, { preconditions: { uid: pod.metadata.uid } });
}

function reconcile(ctx: ApiContext): number | undefined {
  const now = ctx.now();
  let timers = scheduled.get(ctx.store);
  if (!timers) scheduled.set(ctx.store, (timers = new Map()));
  const taintsOf = new Map<string, Taint[]>();
  for (const { obj } of ctx.store.list(resKey(NODES), '')) {
    const t = (obj.spec?.taints ?? []).filter((x: any) => x?.effect === 'NoExecute');
    if (t.length) taintsOf.set(obj.metadata.name!, t);
  }
  let next: number | undefined;
  const pending = new Set<string>();
  for (const { obj: pod } of ctx.store.list(resKey(PODS), '')) {
    const uid = pod.metadata.uid!;
    const taints = taintsOf.get(pod.spec?.nodeName);
    const done = pod.metadata.deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const due = taints && !done ? evictionTime(pod, taints, now) : undefined;
    if (due === undefined) {
      if (timers.has(uid) && !done) {
        const message = `Cancelling deletion of Pod ${pod.metadata.namespace}/${pod.metadata.name}`;
        recordEvent(ctx, pod, { type: 'Normal', reason: 'TaintManagerEviction', message, component: COMPONENT });
      }
      continue;
    }
    if (due <= now) {
      evict(ctx, pod);
      continue;
    }
    pending.add(uid);
    timers.set(uid, due);
    next = next === undefined ? due : Math.min(next, due);
  }
  for (const uid of timers.keys()) if (!pending.has(uid)) timers.delete(uid);
  return next;
}

export const taintEviction: Controller = {
  name: 'taint-eviction',
  identity: 'system:serviceaccount:kube-system:taint-eviction-controller',
  reconcile,
};
