// Simulated storage: the PersistentVolume controller (pkg/controller/volume/persistentvolume: binding, phases,
// reclaim), an external-style dynamic provisioner for every StorageClass (a hostPath PV `pvc-<claim uid>`), and
// the pvc-protection / pv-protection controllers that lift the in-use finalizers. No disk is ever made.
import { rfc3339, type ApiContext } from '../apiserver/context';
import { ApiError } from '../apiserver/errors';
import { createObject, deleteObject, updateObject } from '../apiserver/writes';
import { PVC_PROTECTION, storageClassOf } from '../resources/persistentvolumeclaims';
import { PV_PROTECTION } from '../resources/persistentvolumes';
import { quantityValue } from '../admission/quantity';
import { findResource } from '../resources/registry';
import { defaultStorageClassOf } from '../resources/storageclasses';
import type { KubeObject } from '../resources/types';
import { objectReference, recordEvent } from './events';
import type { Controller } from './types';
import { PODS, currentOf, listOf, once } from './workload-helpers';

const PVS = findResource('', 'v1', 'persistentvolumes')!;
const CLAIMS = findResource('', 'v1', 'persistentvolumeclaims')!;
const CLASSES = findResource('storage.k8s.io', 'v1', 'storageclasses')!;
const COMPONENT = 'persistentvolume-controller';
export const SELECTED_NODE = 'volume.kubernetes.io/selected-node';
const PROVISIONER_ANNOTATIONS = ['volume.beta.kubernetes.io/storage-provisioner', 'volume.kubernetes.io/storage-provisioner'];

export const pvProvisioner: Controller = {
  name: 'persistentvolume',
  identity: 'system:serviceaccount:kube-system:persistent-volume-binder',
  reconcile(ctx) {
    const classes = listOf(ctx, CLASSES, '');
    for (const pvc of listOf(ctx, CLAIMS, '')) syncClaim(ctx, pvc, classes);
    for (const pv of listOf(ctx, PVS, '')) syncVolume(ctx, pv);
    return undefined;
  },
};

// ---------------------------------------------------------------------------------------------
// Pure helpers


const requested = (pvc: KubeObject) => quantityValue(pvc.spec?.resources?.requests?.storage) ?? 0;

/** findMatchingVolume: the smallest Available volume of the claim's class that fits it. */
export function matchingVolume(pvc: KubeObject, pvs: KubeObject[]): KubeObject | undefined {
  const modes: string[] = pvc.spec?.accessModes ?? [];
  return pvs
    .filter((pv) => {
      const ref = pv.spec?.claimRef;
      if (pv.metadata.deletionTimestamp || pv.status?.phase !== 'Available') return false;
      if (ref && (ref.name !== pvc.metadata.name || ref.namespace !== pvc.metadata.namespace || (ref.uid && ref.uid !== pvc.metadata.uid))) return false;
      if ((pv.spec?.storageClassName ?? '') !== storageClassOf(pvc)) return false;
      if ((pv.spec?.volumeMode ?? 'Filesystem') !== (pvc.spec?.volumeMode ?? 'Filesystem')) return false;
      if (!modes.every((m) => (pv.spec?.accessModes ?? []).includes(m))) return false;
      return (quantityValue(pv.spec?.capacity?.storage) ?? 0) >= requested(pvc);
    })
    .sort((a, b) => (quantityValue(a.spec.capacity.storage) ?? 0) - (quantityValue(b.spec.capacity.storage) ?? 0))[0];
}

/** Whether a non-terminated pod of the namespace mounts the claim (pvc-protection). */
function claimInUse(ctx: ApiContext, pvc: KubeObject): boolean {
  return listOf(ctx, PODS, pvc.metadata.namespace!).some(
    (p) =>
      p.status?.phase !== 'Succeeded' &&
      p.status?.phase !== 'Failed' &&
      (p.spec?.volumes ?? []).some((v: any) => v?.persistentVolumeClaim?.claimName === pvc.metadata.name),
  );
}

/** The provisioner's identity as its events show it: `<provisioner>_<host>_<uuid>`. */
const identities = new WeakMap<object, string>();
function provisionerComponent(ctx: ApiContext, provisioner: string): string {
  let id = identities.get(ctx.store);
  if (!id) identities.set(ctx.store, (id = crypto.randomUUID()));
  return `${provisioner}_control-plane_${id}`;
}

// ---------------------------------------------------------------------------------------------
// Claims

function event(ctx: ApiContext, obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, component = COMPONENT) {
  if (once(ctx, `${obj.metadata.uid}/${reason}/${message}`)) recordEvent(ctx, obj, { type, reason, message, component });
}

function update(ctx: ApiContext, def: typeof PVS, obj: KubeObject, change: (o: KubeObject) => void, subresource: '' | 'status' = ''): KubeObject | undefined {
  const cur = currentOf(ctx, def, obj);
  if (!cur) return undefined;
  const next = structuredClone(cur);
  change(next);
  try {
    return updateObject(ctx, def, cur.metadata.namespace ?? '', cur.metadata.name!, next, subresource);
  } catch (e) {
    if (e instanceof ApiError) return undefined;
    throw e;
  }
}

function syncClaim(ctx: ApiContext, pvc: KubeObject, classes: KubeObject[]) {
  if (pvc.metadata.deletionTimestamp) {
    if (pvc.metadata.finalizers?.includes(PVC_PROTECTION) && !claimInUse(ctx, pvc)) {
      update(ctx, CLAIMS, pvc, (o) => {
        o.metadata.finalizers = o.metadata.finalizers!.filter((f) => f !== PVC_PROTECTION);
      });
    }
    return;
  }
  // A claim bound to a volume that disappeared is lost.
  if (pvc.spec?.volumeName) {
    if (pvc.status?.phase === 'Bound' && !ctx.store.get(`${PVS.group}/${PVS.plural}`, '', pvc.spec.volumeName)) {
      update(ctx, CLAIMS, pvc, (o) => void (o.status = { ...o.status, phase: 'Lost' }), 'status');
      event(ctx, pvc, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
    }
    return;
  }
  // Retroactive default class: claims created with no class get the default one.
  const fallback = defaultStorageClassOf(classes);
  if (pvc.spec?.storageClassName == null && fallback) {
    const updated = update(ctx, CLAIMS, pvc, (o) => void (o.spec.storageClassName = fallback.metadata.name));
    if (updated) pvc = updated;
  }
  const volume = matchingVolume(pvc, listOf(ctx, PVS, ''));
  if (volume) return bind(ctx, pvc, volume, true);
  const className = storageClassOf(pvc);
  if (!className) {
    event(ctx, pvc, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
    return;
  }
  const cls = classes.find((c) => c.metadata.name === className);
  if (!cls) {
    event(ctx, pvc, 'Warning', 'ProvisioningFailed', `storageclass.storage.k8s.io "${className}" not found`);
    return;
  }
  let node = pvc.metadata.annotations?.[SELECTED_NODE];
  if (cls.volumeBindingMode === 'WaitForFirstConsumer' && !node) {
    const consumers = listOf(ctx, PODS, pvc.metadata.namespace!).filter((p) =>
      (p.spec?.volumes ?? []).some((v: any) => v?.persistentVolumeClaim?.claimName === pvc.metadata.name),
    );
    const scheduled = consumers.find((p) => p.spec?.nodeName);
    if (!scheduled) {
      if (consumers.length) event(ctx, pvc, 'Normal', 'WaitForPodScheduled', `waiting for pod ${consumers[0].metadata.name} to be scheduled`);
      else event(ctx, pvc, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
      return;
    }
    // The scheduler records its choice on the claim; the simulation does it for the scheduler.
    node = scheduled.spec.nodeName as string;
    const annotated = update(ctx, CLAIMS, pvc, (o) => void (o.metadata.annotations = { ...o.metadata.annotations, [SELECTED_NODE]: node! }));
    if (!annotated) return;
    pvc = annotated;
  }
  provision(ctx, pvc, cls, node);
}

function provision(ctx: ApiContext, pvc: KubeObject, cls: KubeObject, node: string | undefined) {
  const provisioner: string = cls.provisioner;
  const ns = pvc.metadata.namespace!;
  if (PROVISIONER_ANNOTATIONS.some((a) => pvc.metadata.annotations?.[a] !== provisioner)) {
    const marked = update(ctx, CLAIMS, pvc, (o) => {
      o.metadata.annotations = { ...o.metadata.annotations };
      for (const a of PROVISIONER_ANNOTATIONS) o.metadata.annotations[a] = provisioner;
    });
    if (!marked) return;
    pvc = marked;
  }
  event(
    ctx, pvc, 'Normal', 'ExternalProvisioning',
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  );
  const component = provisionerComponent(ctx, provisioner);
  event(ctx, pvc, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${pvc.metadata.name}"`, component);
  const name = `pvc-${pvc.metadata.uid}`;
  let pv = ctx.store.get(`${PVS.group}/${PVS.plural}`, '', name)?.obj;
  if (!pv) {
    const spec: Record<string, unknown> = {
      accessModes: [...(pvc.spec?.accessModes ?? [])],
      capacity: { storage: pvc.spec?.resources?.requests?.storage },
      claimRef: { ...objectReference(pvc), apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
      hostPath: { path: `/tmp/hostpath-provisioner/${ns}/${pvc.metadata.name}`, type: '' },
    };
    if (node) {
      spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } };
    }
    Object.assign(spec, { persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? 'Delete', storageClassName: cls.metadata.name, volumeMode: pvc.spec?.volumeMode ?? 'Filesystem' });
    try {
      pv = createObject(ctx, PVS, '', {
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: { name, annotations: { 'pv.kubernetes.io/provisioned-by': provisioner } },
        spec,
      });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      event(ctx, pvc, 'Warning', 'ProvisioningFailed', `failed to provision volume with StorageClass "${cls.metadata.name}": ${e.message}`, component);
      return;
    }
    event(ctx, pvc, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${name}`, component);
  }
  bind(ctx, pvc, pv, false);
}

/** bind: the volume points at the claim and is Bound; the claim names the volume and is Bound. */
function bind(ctx: ApiContext, pvc: KubeObject, pv: KubeObject, byController: boolean) {
  const now = rfc3339(ctx.now());
  let volume = pv;
  if (!pv.spec?.claimRef?.uid) {
    const claimed = update(ctx, PVS, pv, (o) => {
      o.spec.claimRef = { ...objectReference(pvc), apiVersion: 'v1', kind: 'PersistentVolumeClaim' };
      if (byController) o.metadata.annotations = { ...o.metadata.annotations, 'pv.kubernetes.io/bound-by-controller': 'yes' };
    });
    if (!claimed) return;
    volume = claimed;
  }
  if (volume.status?.phase !== 'Bound') {
    update(ctx, PVS, volume, (o) => void (o.status = { ...o.status, phase: 'Bound', lastPhaseTransitionTime: now }), 'status');
  }
  const named = update(ctx, CLAIMS, pvc, (o) => {
    o.spec.volumeName = pv.metadata.name;
    o.metadata.annotations = { ...o.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' };
  });
  if (!named) return;
  update(
    ctx, CLAIMS, named,
    (o) => void (o.status = { accessModes: [...(pv.spec?.accessModes ?? [])], capacity: { ...(pv.spec?.capacity ?? {}) }, phase: 'Bound' }),
    'status',
  );
}

// ---------------------------------------------------------------------------------------------
// Volumes

function setPhase(ctx: ApiContext, pv: KubeObject, phase: string) {
  update(ctx, PVS, pv, (o) => void (o.status = { ...o.status, phase, lastPhaseTransitionTime: rfc3339(ctx.now()) }), 'status');
}

function syncVolume(ctx: ApiContext, pv: KubeObject) {
  const ref = pv.spec?.claimRef;
  const claim = ref ? ctx.store.get(`${CLAIMS.group}/${CLAIMS.plural}`, ref.namespace ?? '', ref.name)?.obj : undefined;
  const claimGone = !!ref?.uid && (!claim || claim.metadata.uid !== ref.uid);
  if (pv.metadata.deletionTimestamp) {
    if (pv.metadata.finalizers?.includes(PV_PROTECTION) && (pv.status?.phase !== 'Bound' || claimGone)) {
      update(ctx, PVS, pv, (o) => {
        o.metadata.finalizers = o.metadata.finalizers!.filter((f) => f !== PV_PROTECTION);
      });
    }
    return;
  }
  const phase = pv.status?.phase;
  if (!ref) {
    if (phase !== 'Available') setPhase(ctx, pv, 'Available');
    return;
  }
  if (claimGone) {
    if (phase === 'Bound' || phase === 'Pending' || phase === 'Available') setPhase(ctx, pv, 'Released');
    // Reclaim: the provisioner deletes what it made; Retain keeps the volume Released.
    if (pv.spec?.persistentVolumeReclaimPolicy === 'Delete') {
      try {
        deleteObject(ctx, PVS, '', pv.metadata.name!, { preconditions: { uid: pv.metadata.uid } });
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
      }
    }
    return;
  }
  if (claim && claim.spec?.volumeName === pv.metadata.name && phase !== 'Bound') setPhase(ctx, pv, 'Bound');
}
