// POST-only pod subresources (pkg/registry/core/pod/storage): pods/binding, with which the scheduler (or
// anyone) assigns a pod to a node, and pods/eviction (policy/v1 Eviction), with which kubectl drain and
// controllers ask for a graceful delete. Both answer 201 with a Success Status, as upstream does.
import { grOf, resKey, rfc3339, type ApiContext } from '../apiserver/context';
import { ApiError, badRequest, conflict, forbidden, notFound, type StatusDetails } from '../apiserver/errors';
import { aggregateMessage, notSupported, required, type FieldError } from '../apiserver/field-errors';
import { isPlainObject } from '../apiserver/json-util';
import { matchLabelRequirements } from '../apiserver/selectors';
import { commit, deleteObject, updateObject, type DeleteOptions } from '../apiserver/writes';
import { isPodReady } from '../controllers/controller-utils';
import { poddisruptionbudgets, updateDisruptionAllowed } from './poddisruptionbudgets';
import type { ActionSubresource, KubeObject, ResourceDef } from './types';
import { emptySelector, selectorRequirementsOf } from './workload-common';

const SUCCESS = { status: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } };

function podOf(ctx: ApiContext, pods: ResourceDef, namespace: string, name: string): KubeObject {
  const e = ctx.store.get(resKey(pods), namespace, name);
  if (!e) throw notFound(grOf(pods), name);
  return e.obj;
}

/** podutil.UpdatePodCondition: replaces the condition of that type; the transition time moves only when the status does. */
export function setPodCondition(status: any, cond: { type: string; status: string; [k: string]: unknown }, now: string) {
  const conditions: any[] = (status.conditions ??= []);
  const i = conditions.findIndex((c) => c?.type === cond.type);
  const { type, status: value, observedGeneration, reason, message } = cond;
  const next: Record<string, unknown> = { type };
  if (observedGeneration !== undefined) next.observedGeneration = observedGeneration;
  Object.assign(next, { status: value, lastProbeTime: null, lastTransitionTime: now });
  if (reason) next.reason = reason;
  if (message) next.message = message;
  if (i < 0) conditions.push(next);
  else {
    if (conditions[i].status === value) next.lastTransitionTime = conditions[i].lastTransitionTime;
    conditions[i] = next;
  }
}

/** ValidatePodBinding. */
function bindingErrors(target: any): FieldError[] {
  const errs: FieldError[] = [];
  if (target?.kind && target.kind !== 'Node') errs.push(notSupported('target.kind', target.kind, ['Node', '<empty>']));
  if (!target?.name) errs.push(required('target.name'));
  return errs;
}

/** BindingREST.Create → setPodHostAndAnnotations. */
function bind(pods: ResourceDef, ctx: ApiContext, namespace: string, name: string, binding: Record<string, any>) {
  if ((binding.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Binding object');
  const errs = bindingErrors(binding.target);
  // Upstream returns the aggregate as a plain error, which the handler turns into a 500.
  if (errs.length) throw new ApiError(500, '', aggregateMessage(errs));
  const pod = podOf(ctx, pods, namespace, name);
  const refuse = (why: string) => conflict({ group: '', resource: 'pods/binding' }, name, why);
  if (pod.metadata.deletionTimestamp) throw refuse(`pod ${name} is being deleted, cannot be assigned to a host`);
  if (pod.spec?.nodeName) throw refuse(`pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  if (pod.spec?.schedulingGates?.length) throw refuse(`pod ${name} has non-empty .spec.schedulingGates`);

  const bound = structuredClone(pod);
  bound.spec.nodeName = binding.target.name;
  const annotations = binding.metadata?.annotations;
  if (annotations && Object.keys(annotations).length) bound.metadata.annotations = { ...bound.metadata.annotations, ...annotations };
  bound.status ??= {};
  setPodCondition(bound.status, { type: 'PodScheduled', status: 'True', observedGeneration: bound.metadata.generation }, rfc3339(ctx.now()));
  delete bound.status.nominatedNodeName;
  // Like the binding storage, this writes the pod directly: neither a pod update nor a status update may
  // change spec.nodeName, so the strategy's update rules do not apply here.
  commit(ctx, [{ res: resKey(pods), namespace, name, object: bound }]);
  return SUCCESS;
}

/** The Eviction's deleteOptions, refused as the decoder refuses them when they are not the right JSON types. */
function evictionDeleteOptions(eviction: Record<string, any>): DeleteOptions {
  const cannot = (value: unknown, field: string, type: string) =>
    badRequest(`Eviction in version "v1" cannot be handled as a Eviction: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go struct field ${field} of type ${type}`);
  const options = eviction.deleteOptions ?? {};
  if (!isPlainObject(options)) throw cannot(options, 'Eviction.deleteOptions', 'v1.DeleteOptions');
  if (options.dryRun != null && !Array.isArray(options.dryRun)) throw cannot(options.dryRun, 'DeleteOptions.deleteOptions.dryRun', '[]string');
  return options;
}

const MAX_DISRUPTED_PODS = 2000;
const PDB_RESOURCE = { group: 'policy', resource: 'poddisruptionbudget' };

/** canIgnorePDB: terminal, pending and terminating pods have no budget to respect. */
const canIgnoreBudgets = (pod: KubeObject) => ['Succeeded', 'Failed', 'Pending'].includes(pod.status?.phase) || !!pod.metadata.deletionTimestamp;

/** getPodDisruptionBudgets: here a nil or empty selector matches nothing, not everything. */
const budgetsOf = (ctx: ApiContext, pod: KubeObject): KubeObject[] =>
  ctx.store
    .list(resKey(poddisruptionbudgets), pod.metadata.namespace!)
    .map((e) => e.obj)
    .filter((pdb) => {
      const reqs = selectorRequirementsOf(pdb.spec?.selector);
      return !!reqs && !emptySelector(pdb.spec?.selector) && matchLabelRequirements(reqs, pod.metadata.labels);
    });

function budgetViolation(cause: string, retryAfterSeconds = 0): ApiError {
  const details: StatusDetails = { causes: [{ reason: 'DisruptionBudget', message: cause }] };
  if (retryAfterSeconds) details.retryAfterSeconds = retryAfterSeconds;
  return new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", details);
}

/** checkAndDecrement: refuses unless the budget allows a disruption, then records this one in the budget's status. */
function checkAndDecrement(ctx: ApiContext, pdb: KubeObject, podName: string, dryRun: boolean) {
  const { name, namespace } = pdb.metadata;
  const st = pdb.status ?? {};
  if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) throw budgetViolation(`The disruption budget ${name} is still being processed by the server.`, 10);
  if (st.disruptionsAllowed < 0) throw forbidden(PDB_RESOURCE, name!, 'pdb disruptions allowed is negative');
  if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_PODS) {
    throw forbidden(PDB_RESOURCE, name!, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller');
  }
  if (!st.disruptionsAllowed) throw budgetViolation(`The disruption budget ${name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`);
  if (dryRun) return;
  const now = rfc3339(ctx.now());
  const status = structuredClone(st);
  status.disruptionsAllowed--;
  if (status.disruptionsAllowed === 0) updateDisruptionAllowed(status, now);
  status.disruptedPods = { ...status.disruptedPods, [podName]: now };
  // The API server writes the budget with its own loopback identity.
  updateObject({ ...ctx, user: 'system:apiserver' }, poddisruptionbudgets, namespace!, name!, { ...structuredClone(pdb), status }, 'status');
}

/** The budget part of EvictionREST.Create: throws when the pod's one budget refuses the eviction. */
function checkBudgets(ctx: ApiContext, pod: KubeObject, dryRun: boolean) {
  const budgets = budgetsOf(ctx, pod);
  if (budgets.length > 1) throw new ApiError(500, '', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  const [pdb] = budgets;
  if (!pdb) return;
  if (!isPodReady(pod)) {
    // An unready pod is not counted healthy: it goes without costing a disruption when the policy or the budget allows.
    if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
    const st = pdb.status ?? {};
    if (st.currentHealthy >= st.desiredHealthy && st.desiredHealthy > 0) return;
  }
  checkAndDecrement(ctx, pdb, pod.metadata.name!, dryRun);
}

/** EvictionREST.Create: check the pod's disruption budget, mark the pod as a disruption target, then delete it. */
function evict(pods: ResourceDef, ctx: ApiContext, namespace: string, name: string, eviction: Record<string, any>) {
  if ((eviction.metadata?.name ?? '') !== name) throw badRequest('name in URL does not match name in Eviction object');
  const options = evictionDeleteOptions(eviction);
  const dryRun = options.dryRun?.includes('All') ?? false;
  const pod = podOf(ctx, pods, namespace, name);
  const uid = options.preconditions?.uid;
  if (uid && uid !== pod.metadata.uid) {
    throw conflict({ group: '', resource: 'Pod' }, name, `the UID in the precondition (${uid}) does not match the UID in record (${pod.metadata.uid}). The object might have been deleted and then recreated`);
  }
  const rv = options.preconditions?.resourceVersion;
  if (rv && rv !== pod.metadata.resourceVersion) {
    throw conflict({ group: '', resource: 'Pod' }, name, `the ResourceVersion in the precondition (${rv}) does not match the ResourceVersion in record (${pod.metadata.resourceVersion}). The object might have been modified`);
  }
  if (!canIgnoreBudgets(pod)) checkBudgets(ctx, pod, dryRun);
  let preconditions = options.preconditions;
  if (!dryRun) {
    const marked = structuredClone(pod);
    marked.status ??= {};
    setPodCondition(
      marked.status,
      { type: 'DisruptionTarget', status: 'True', reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting', observedGeneration: pod.metadata.generation },
      rfc3339(ctx.now()),
    );
    const updated = updateObject(ctx, pods, namespace, name, marked, 'status');
    // Our own status write moved the resourceVersion a precondition may name.
    if (rv) preconditions = { ...preconditions, resourceVersion: updated.metadata.resourceVersion };
  }
  deleteObject(ctx, pods, namespace, name, { ...options, preconditions }, { dryRun });
  return SUCCESS;
}

/** The actions of the pods resource; `pods` is read on use because pods.ts itself builds this table. */
export function podActions(pods: () => ResourceDef): Record<string, ActionSubresource> {
  return {
    // Empty group and version: the containing group-version's own kind, as discovery shows it.
    binding: { group: '', version: '', kind: 'Binding', handle: (...a) => bind(pods(), ...a) },
    eviction: { group: 'policy', version: 'v1', kind: 'Eviction', handle: (...a) => evict(pods(), ...a) },
  };
}
