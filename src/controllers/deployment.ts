// The Deployment controller (pkg/controller/deployment, control-plane.md §2): owns ReplicaSets named
// <deployment>-<pod-template-hash>, rolls from old to new (RollingUpdate or Recreate) one step per sync,
// scales proportionally, keeps revisions and their history limit, and reports status and conditions.
//
// Decisions read the objects the sync listed, as upstream's do; every write re-reads the current object and
// changes only what it means to, so the stale reads upstream resolves with conflicts and requeues converge here.
import { grOf, resKey, type ApiContext } from '../apiserver/context';
import { ApiError, alreadyExists } from '../apiserver/errors';
import { deepEqual, isPlainObject } from '../apiserver/json-util';
import { labelSelectorRequirements, matchLabelRequirements, type LabelRequirement } from '../apiserver/selectors';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import {
  claimObjects,
  controllerRefOf,
  namespaceTerminating,
  newControllerRef,
  retryForget,
  retryLater,
  retryPending,
  timeOf,
} from './controller-utils';
import {
  DESIRED_REPLICAS,
  HASH_LABEL,
  REVISION,
  activeOrLatest,
  activeRSs,
  availableOf,
  byCreation,
  byRevision,
  calculateStatus,
  conditionOf,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  equalIgnoreHash,
  findNewReplicaSet,
  hasProgressDeadline,
  hasRevisionHistoryLimit,
  int32Annotation,
  isRollingUpdate,
  isSaturated,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  newRSNewReplicas,
  podTemplateHash,
  proportion,
  readStatus,
  removeCondition,
  replicaFailure,
  replicasAnnotationsNeedUpdate,
  setCondition,
  setDeploymentRevision,
  setNewReplicaSetAnnotations,
  setReplicasAnnotations,
  specReplicas,
  statusJson,
  sum,
  totalSpec,
  type DeploymentStatus,
} from './deployment-util';
import { recordEvent } from './events';
import type { Controller } from './types';
import { IDENTITY, PODS, listOf, syncEach } from './workload-helpers';

/** The hash a Deployment names its ReplicaSets by (the DaemonSet controller uses it too). */
export { podTemplateHash } from './deployment-util';

const DEPLOYMENTS = findResource('apps', 'v1', 'deployments')!;
const REPLICASETS = findResource('apps', 'v1', 'replicasets')!;
const COMPONENT = 'deployment-controller';

export const deploymentController: Controller = {
  name: 'deployment',
  identity: IDENTITY,
  reconcile: (ctx) => syncEach(listOf(ctx, DEPLOYMENTS, ''), (d) => syncDeployment(ctx, d)),
};

// ---------------------------------------------------------------------------------------------
// One sync (syncDeployment)

interface Sync {
  ctx: ApiContext;
  /** the deployment as this sync sees it; its revision annotation and `status` are what saveStatus writes */
  d: KubeObject;
  status: DeploymentStatus;
  /** when the deployment must be looked at again (progress deadline) */
  wake?: number;
}

function syncDeployment(ctx: ApiContext, obj: KubeObject): number | undefined {
  const key = `Deployment/${obj.metadata.uid}`;
  // What this sync reads: when a failed sync's own writes or anyone else's change it, the retry comes at once
  // (as the informer event of a changed object would bring it); otherwise after the back-off.
  const read = fingerprint(ctx, obj);
  const pending = retryPending(ctx, key, read);
  if (pending !== undefined) return pending;
  const s: Sync = { ctx, d: structuredClone(obj), status: readStatus(obj.status) };
  try {
    run(s);
    retryForget(ctx, key);
    return s.wake;
  } catch (e) {
    if (!(e instanceof Error)) throw e;
    return retryLater(ctx, key, read);
  }
}

/** The ReplicaSets of the deployment's namespace that it controls or nobody does. */
const candidates = (ctx: ApiContext, d: KubeObject) =>
  ctx.store
    .list(resKey(REPLICASETS), d.metadata.namespace!)
    .map((e) => e.obj)
    .filter((rs) => (controllerRefOf(rs)?.uid ?? d.metadata.uid) === d.metadata.uid);

/** The versions of the deployment and of the ReplicaSets it owns or could adopt. */
const fingerprint = (ctx: ApiContext, d: KubeObject) =>
  [d.metadata.resourceVersion, ...candidates(ctx, d).map((rs) => rs.metadata.resourceVersion)].join(',');

function run(s: Sync) {
  const d = s.d;
  const sel = d.spec?.selector;
  if (isPlainObject(sel) && !Object.keys(sel).length) {
    // Validation refuses such selectors; the warning is given once per generation, not on every pass.
    if (s.status.observedGeneration < (d.metadata.generation ?? 0)) {
      recordEvent(s.ctx, d, { type: 'Warning', reason: 'SelectingAll', message: 'This deployment is selecting all pods. A non-empty selector is required.', component: COMPONENT });
      s.status.observedGeneration = d.metadata.generation ?? 0;
      saveStatus(s);
    }
    return;
  }
  let selector: LabelRequirement[];
  try {
    selector = labelSelectorRequirements(sel);
  } catch {
    return; // validation keeps bad selectors out; nothing can be managed with one
  }
  const rsList = claimReplicaSets(s, selector);
  if (d.metadata.deletionTimestamp) return syncStatusOnly(s, rsList);
  checkPausedConditions(s);
  if (d.spec.paused) return sync(s, rsList);
  // The legacy rollbackTo annotation (extensions/v1beta1 rollback) is not supported: apps/v1 cannot set it.
  if (isScalingEvent(s, rsList)) return sync(s, rsList);
  if (d.spec.strategy?.type === 'Recreate') return rolloutRecreate(s, rsList, selector);
  if (isRollingUpdate(d)) return rolloutRolling(s, rsList);
}

/** getReplicaSetsForDeployment: adopts and releases ReplicaSets of the namespace by their labels. */
function claimReplicaSets(s: Sync, selector: LabelRequirement[]): KubeObject[] {
  return claimObjects(s.ctx, REPLICASETS, s.d, candidates(s.ctx, s.d), (rs) => matchLabelRequirements(selector, rs.metadata.labels));
}

/** Writes the revision annotation (main resource) and the status, where they changed. */
function saveStatus(s: Sync) {
  const { ctx, d } = s;
  const ns = d.metadata.namespace!;
  const name = d.metadata.name!;
  let cur = ctx.store.get(resKey(DEPLOYMENTS), ns, name)?.obj;
  if (!cur) return;
  const revision = d.metadata.annotations?.[REVISION];
  if (revision !== undefined && cur.metadata.annotations?.[REVISION] !== revision) {
    // Upstream writes it with the status (the status strategy keeps annotation changes); here the status
    // subresource takes status only, so the annotation goes through the main resource (no generation bump).
    const body = structuredClone(cur);
    body.metadata.annotations = { ...body.metadata.annotations, [REVISION]: revision };
    cur = updateObject(ctx, DEPLOYMENTS, ns, name, body, '');
  }
  const status = statusJson(s.status);
  if (!deepEqual(cur.status ?? {}, status)) cur = updateObject(ctx, DEPLOYMENTS, ns, name, { ...structuredClone(cur), status }, 'status');
  s.d = structuredClone(cur);
  s.status = readStatus(cur.status);
}

function checkPausedConditions(s: Sync) {
  if (!hasProgressDeadline(s.d)) return;
  const c = conditionOf(s.status, 'Progressing');
  if (c?.reason === 'ProgressDeadlineExceeded') return;
  const pausedCond = c?.reason === 'DeploymentPaused';
  const now = s.ctx.now();
  if (s.d.spec.paused && !pausedCond) {
    setCondition(s.status, newCondition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused', now));
  } else if (!s.d.spec.paused && pausedCond) {
    setCondition(s.status, newCondition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed', now));
  } else return;
  saveStatus(s);
}

/** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked to) and all old ones. */
function getAllReplicaSets(s: Sync, rsList: KubeObject[], create: boolean): { newRS?: KubeObject; oldRSs: KubeObject[] } {
  const found = findNewReplicaSet(s.d, rsList);
  const oldRSs = rsList.filter((rs) => rs.metadata.uid !== found?.metadata.uid);
  return { newRS: getNewReplicaSet(s, found, oldRSs, create), oldRSs };
}

const currentRS = (s: Sync, rs: KubeObject) => s.ctx.store.get(resKey(REPLICASETS), rs.metadata.namespace!, rs.metadata.name!)?.obj;

function writeRS(s: Sync, rs: KubeObject): KubeObject {
  return updateObject(s.ctx, REPLICASETS, rs.metadata.namespace!, rs.metadata.name!, rs, '');
}

/** getNewReplicaSet: syncs the existing new ReplicaSet's annotations, or creates it. */
function getNewReplicaSet(s: Sync, existing: KubeObject | undefined, oldRSs: KubeObject[], create: boolean): KubeObject | undefined {
  const d = s.d;
  const newRevision = maxRevision(oldRSs) + 1;
  if (existing) {
    const copy = structuredClone(currentRS(s, existing) ?? existing);
    const annotationsUpdated = setNewReplicaSetAnnotations(d, copy, newRevision, true);
    const minReady = d.spec.minReadySeconds ?? 0;
    if (annotationsUpdated || (copy.spec.minReadySeconds ?? 0) !== minReady) {
      if (minReady) copy.spec.minReadySeconds = minReady;
      else delete copy.spec.minReadySeconds;
      return writeRS(s, copy);
    }
    let needsUpdate = setDeploymentRevision(d, copy.metadata.annotations![REVISION]);
    if (hasProgressDeadline(d) && !conditionOf(s.status, 'Progressing')) {
      setCondition(s.status, newCondition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${copy.metadata.name}"`, s.ctx.now()));
      needsUpdate = true;
    }
    if (needsUpdate) saveStatus(s);
    return copy;
  }
  if (!create) return undefined;
  return createNewReplicaSet(s, oldRSs, newRevision);
}

/** The ReplicaSet name: `<deployment>-<hash>`, the deployment part cut to fit 253 characters. */
const replicaSetName = (deployment: string, hash: string) => `${deployment.slice(0, 253 - 1 - hash.length)}-${hash}`;

function createNewReplicaSet(s: Sync, oldRSs: KubeObject[], newRevision: number): KubeObject {
  const { ctx, d } = s;
  const ns = d.metadata.namespace!;
  const hash = podTemplateHash(d.spec.template, s.status.collisionCount);
  const template = structuredClone(d.spec.template ?? {});
  template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
  const selector = structuredClone(d.spec.selector ?? {});
  selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
  const name = replicaSetName(d.metadata.name!, hash);
  const spec: Record<string, unknown> = { replicas: 0 };
  if (d.spec.minReadySeconds) spec.minReadySeconds = d.spec.minReadySeconds;
  Object.assign(spec, { selector, template });
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns, labels: { ...template.metadata.labels }, ownerReferences: [newControllerRef(d)] },
    spec,
  };
  const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
  rs.spec.replicas = replicas;
  setNewReplicaSetAnnotations(d, rs, newRevision, false);

  const clash = ctx.store.get(resKey(REPLICASETS), ns, name)?.obj;
  let created: KubeObject;
  if (clash) {
    // Ours with the same template (a deployment sync that ran before): it is the new ReplicaSet.
    if (controllerRefOf(clash)?.uid !== d.metadata.uid || !equalIgnoreHash(d.spec.template, clash.spec?.template)) {
      // A hash collision: a bumped collisionCount gives the next sync another name.
      s.status.collisionCount = (s.status.collisionCount ?? 0) + 1;
      saveStatus(s);
      throw alreadyExists(grOf(REPLICASETS), name);
    }
    created = clash;
  } else {
    try {
      created = createObject(ctx, REPLICASETS, ns, rs);
    } catch (e) {
      if (!(e instanceof Error) || namespaceTerminating(e)) throw e;
      const msg = `Failed to create new replica set "${name}": ${e.message}`;
      if (hasProgressDeadline(d)) {
        setCondition(s.status, newCondition('Progressing', 'False', 'ReplicaSetCreateError', msg, ctx.now()));
        saveStatus(s);
      }
      recordEvent(ctx, d, { type: 'Warning', reason: 'ReplicaSetCreateError', message: msg, component: COMPONENT });
      throw e;
    }
    if (replicas > 0) {
      recordEvent(ctx, d, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled up replica set ${name} from 0 to ${replicas}`, component: COMPONENT });
    }
  }
  let needsUpdate = setDeploymentRevision(d, String(newRevision));
  if (!clash && hasProgressDeadline(d)) {
    setCondition(s.status, newCondition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`, ctx.now()));
    needsUpdate = true;
  }
  if (needsUpdate) saveStatus(s);
  return created;
}

/**
 * scaleReplicaSet: sets a ReplicaSet's size and its desired/max-replicas annotations; a size change is a
 * ScalingReplicaSet event. Returns whether the size changed.
 */
function scaleReplicaSet(s: Sync, rs: KubeObject, newScale: number, operation?: string): boolean {
  const d = s.d;
  const cur = currentRS(s, rs);
  if (!cur) return false;
  const oldScale = specReplicas(cur);
  const desired = specReplicas(d);
  const max = desired + maxSurge(d);
  const sizeNeedsUpdate = oldScale !== newScale;
  if (!sizeNeedsUpdate && !replicasAnnotationsNeedUpdate(cur, desired, max)) return false;
  const copy = structuredClone(cur);
  copy.spec.replicas = newScale;
  setReplicasAnnotations(copy, desired, max);
  writeRS(s, copy);
  if (!sizeNeedsUpdate) return false;
  const op = operation ?? (oldScale < newScale ? 'up' : 'down');
  recordEvent(s.ctx, d, { type: 'Normal', reason: 'ScalingReplicaSet', message: `Scaled ${op} replica set ${cur.metadata.name} from ${oldScale} to ${newScale}`, component: COMPONENT });
  return true;
}

/** scaleReplicaSetAndRecordEvent: only when the size differs. */
const scaleTo = (s: Sync, rs: KubeObject, newScale: number) => specReplicas(rs) !== newScale && scaleReplicaSet(s, rs, newScale);

// ---------------------------------------------------------------------------------------------
// Status syncs

function syncStatusOnly(s: Sync, rsList: KubeObject[]) {
  const { newRS, oldRSs } = getAllReplicaSets(s, rsList, false);
  syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
}

function syncDeploymentStatus(s: Sync, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined) {
  s.status = calculateStatus(s.d, s.status, fresh(s, allRSs), newRS && fresh(s, [newRS])[0], s.ctx.now());
  saveStatus(s);
}

/** The ReplicaSets as stored now: status reads see the ReplicaSet controller's latest counts. */
const fresh = (s: Sync, rss: (KubeObject | undefined)[]) => rss.map((rs) => rs && (currentRS(s, rs) ?? rs));

/** syncRolloutStatus: status plus the Progressing condition and the replica-failure condition. */
function syncRolloutStatus(s: Sync, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined) {
  const { d, ctx } = s;
  const now = ctx.now();
  const rss = fresh(s, allRSs);
  const nrs = newRS && fresh(s, [newRS])[0];
  const next = calculateStatus(d, s.status, rss, nrs, now);
  if (!hasProgressDeadline(d)) removeCondition(next, 'Progressing');
  const current = conditionOf(s.status, 'Progressing');
  const completeBefore = next.replicas === next.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
  if (hasProgressDeadline(d) && !completeBefore) {
    const subject = nrs ? `ReplicaSet "${nrs.metadata.name}"` : `Deployment "${d.metadata.name}"`;
    if (deploymentComplete(d, next)) {
      setCondition(next, newCondition('Progressing', 'True', 'NewReplicaSetAvailable', `${subject} has successfully progressed.`, now));
    } else if (deploymentProgressing(s.status, next)) {
      const c = newCondition('Progressing', 'True', 'ReplicaSetUpdated', `${subject} is progressing.`, now);
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(next, 'Progressing');
      }
      setCondition(next, c);
    } else if (deploymentTimedOut(d, next, now)) {
      setCondition(next, newCondition('Progressing', 'False', 'ProgressDeadlineExceeded', `${subject} has timed out progressing.`, now));
    }
  }
  const failure = replicaFailure(rss, nrs);
  if (failure) setCondition(next, failure);
  else removeCondition(next, 'ReplicaFailure');

  const old = s.status;
  s.status = next;
  saveStatus(s);
  s.wake = stuckCheck(d, old, next);
}

/** requeueStuckDeployment: a rollout that has not finished is looked at again when its deadline passes. */
function stuckCheck(d: KubeObject, old: DeploymentStatus, next: DeploymentStatus): number | undefined {
  const c = conditionOf(old, 'Progressing');
  if (!hasProgressDeadline(d) || !c) return undefined;
  if (deploymentComplete(d, next) || c.reason === 'ProgressDeadlineExceeded') return undefined;
  return timeOf(c.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 + 1000;
}

// ---------------------------------------------------------------------------------------------
// Scaling (sync, isScalingEvent, scale) and cleanup

function isScalingEvent(s: Sync, rsList: KubeObject[]): boolean {
  const { newRS, oldRSs } = getAllReplicaSets(s, rsList, false);
  return activeRSs([...oldRSs, newRS]).some((rs) => {
    const desired = int32Annotation(rs, DESIRED_REPLICAS);
    return desired !== undefined && desired !== specReplicas(s.d);
  });
}

/** sync: scaling events and paused deployments; no rollout step. */
function sync(s: Sync, rsList: KubeObject[]) {
  const { newRS, oldRSs } = getAllReplicaSets(s, rsList, false);
  scale(s, newRS, oldRSs);
  if (s.d.spec.paused) cleanupDeployment(s, oldRSs);
  syncDeploymentStatus(s, [...oldRSs, newRS], newRS);
}

/** Proportional scaling: spreads a change of spec.replicas over the active ReplicaSets by their size. */
function scale(s: Sync, newRS: KubeObject | undefined, oldRSs: KubeObject[]) {
  const d = s.d;
  const replicas = specReplicas(d);
  const one = activeOrLatest(newRS, oldRSs);
  if (one) {
    if (specReplicas(one) !== replicas) scaleTo(s, one, replicas);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const old of activeRSs(oldRSs)) scaleTo(s, old, 0);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeRSs([...oldRSs, newRS]);
  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - totalSpec(all);
  let operation = '';
  if (toAdd > 0) {
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
    operation = 'up';
  } else if (toAdd < 0) {
    all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
    operation = 'down';
  }
  let added = 0;
  const sizes = all.map((rs) => {
    if (toAdd === 0) return specReplicas(rs);
    const p = proportion(d, rs, toAdd, added);
    added += p;
    return specReplicas(rs) + p;
  });
  all.forEach((rs, i) => {
    let size = sizes[i];
    if (i === 0 && toAdd !== 0) size = Math.max(size + toAdd - added, 0);
    scaleReplicaSet(s, rs, size, operation);
  });
}

/** cleanupDeployment: deletes the oldest empty ReplicaSets beyond revisionHistoryLimit. */
function cleanupDeployment(s: Sync, oldRSs: KubeObject[]) {
  const d = s.d;
  if (!hasRevisionHistoryLimit(d)) return;
  const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const diff = cleanable.length - d.spec.revisionHistoryLimit;
  if (diff <= 0) return;
  cleanable.sort(byRevision);
  for (const rs of cleanable.slice(0, diff)) {
    if ((rs.status?.replicas ?? 0) !== 0 || specReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
    try {
      deleteObject(s.ctx, REPLICASETS, rs.metadata.namespace!, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// RollingUpdate (rolling.go)

function rolloutRolling(s: Sync, rsList: KubeObject[]) {
  const { newRS, oldRSs } = getAllReplicaSets(s, rsList, true);
  const allRSs = [...oldRSs, newRS];
  if (newRS && reconcileNewReplicaSet(s, allRSs, newRS)) return syncRolloutStatus(s, allRSs, newRS);
  if (newRS && reconcileOldReplicaSets(s, allRSs, activeRSs(oldRSs), newRS)) return syncRolloutStatus(s, allRSs, newRS);
  if (deploymentComplete(s.d, s.status)) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, allRSs, newRS);
}

function reconcileNewReplicaSet(s: Sync, allRSs: (KubeObject | undefined)[], newRS: KubeObject): boolean {
  const replicas = specReplicas(s.d);
  if (specReplicas(newRS) === replicas) return false;
  if (specReplicas(newRS) > replicas) return scaleTo(s, newRS, replicas);
  return scaleTo(s, newRS, newRSNewReplicas(s.d, allRSs, newRS));
}

/** Scales old ReplicaSets down as far as maxUnavailable allows: unhealthy replicas first, then the oldest. */
function reconcileOldReplicaSets(s: Sync, allRSs: (KubeObject | undefined)[], oldRSs: KubeObject[], newRS: KubeObject): boolean {
  if (totalSpec(oldRSs) === 0) return false;
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const newUnavailable = specReplicas(newRS) - availableOf(newRS);
  const maxScaledDown = totalSpec(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const [olds, cleaned] = cleanupUnhealthyReplicas(s, oldRSs, maxScaledDown);
  const scaledDown = scaleDownOldReplicaSetsForRollingUpdate(s, [...olds, newRS], olds);
  return cleaned + scaledDown > 0;
}

function cleanupUnhealthyReplicas(s: Sync, oldRSs: KubeObject[], maxCleanup: number): [KubeObject[], number] {
  const olds = [...oldRSs].sort(byCreation);
  let total = 0;
  olds.forEach((rs, i) => {
    if (total >= maxCleanup || specReplicas(rs) === 0 || specReplicas(rs) === availableOf(rs)) return;
    const down = Math.min(maxCleanup - total, specReplicas(rs) - availableOf(rs));
    scaleTo(s, rs, specReplicas(rs) - down);
    total += down;
    olds[i] = currentRS(s, rs) ?? rs;
  });
  return [olds, total];
}

function scaleDownOldReplicaSetsForRollingUpdate(s: Sync, allRSs: KubeObject[], oldRSs: KubeObject[]): number {
  const minAvailable = specReplicas(s.d) - maxUnavailable(s.d);
  const available = sum(allRSs, availableOf);
  if (available <= minAvailable) return 0;
  const totalDown = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= totalDown) break;
    if (specReplicas(rs) === 0) continue;
    const down = Math.min(specReplicas(rs), totalDown - total);
    scaleTo(s, rs, specReplicas(rs) - down);
    total += down;
  }
  return total;
}

// ---------------------------------------------------------------------------------------------
// Recreate (recreate.go)

function rolloutRecreate(s: Sync, rsList: KubeObject[], selector: LabelRequirement[]) {
  let { newRS, oldRSs } = getAllReplicaSets(s, rsList, false);
  let allRSs = [...oldRSs, newRS];
  let scaledDown = false;
  for (const rs of activeRSs(oldRSs)) if (scaleTo(s, rs, 0)) scaledDown = true;
  if (scaledDown) return syncRolloutStatus(s, allRSs, newRS);
  if (oldPodsRunning(s, newRS, fresh(s, oldRSs) as KubeObject[], rsList, selector)) return syncRolloutStatus(s, allRSs, newRS);
  if (!newRS) {
    ({ newRS, oldRSs } = getAllReplicaSets(s, rsList, true));
    allRSs = [...oldRSs, newRS];
  }
  if (newRS) scaleTo(s, newRS, specReplicas(s.d));
  if (deploymentComplete(s.d, s.status)) cleanupDeployment(s, oldRSs);
  syncRolloutStatus(s, allRSs, newRS);
}

/** Whether an old ReplicaSet reports pods, or a pod of one is not finished (terminating pods count). */
function oldPodsRunning(s: Sync, newRS: KubeObject | undefined, oldRSs: KubeObject[], rsList: KubeObject[], selector: LabelRequirement[]): boolean {
  if (sum(oldRSs, (rs) => rs.status?.replicas ?? 0) > 0) return true;
  const owners = new Set(rsList.map((rs) => rs.metadata.uid));
  owners.delete(newRS?.metadata.uid);
  return s.ctx.store.list(resKey(PODS), s.d.metadata.namespace!).some(({ obj: p }) => {
    const ref = controllerRefOf(p);
    if (!ref || !owners.has(ref.uid) || !matchLabelRequirements(selector, p.metadata.labels)) return false;
    return p.status?.phase !== 'Failed' && p.status?.phase !== 'Succeeded';
  });
}
