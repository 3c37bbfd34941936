// DefaultStorageClass (plugin/pkg/admission/storage/storageclass/setdefault): a claim created without a class
// gets the default StorageClass (is-default-class "true"; the newest if several). An empty string or the
// beta storage-class annotation is a choice ("no class"), and is kept.
import { resKey, type ApiContext } from '../apiserver/context';
import { defaultStorageClassOf } from '../resources/storageclasses';
import type { KubeObject } from '../resources/types';
import type { Attributes } from './types';

const STORAGE_CLASSES = { group: 'storage.k8s.io', plural: 'storageclasses' };
const BETA_CLASS_ANNOTATION = 'volume.beta.kubernetes.io/storage-class';

/** helper.PersistentVolumeClaimHasClass */
export const claimHasClass = (pvc: KubeObject) =>
  pvc.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined || pvc.spec?.storageClassName != null;

export function defaultStorageClass(ctx: ApiContext, a: Attributes) {
  if (a.operation !== 'CREATE' || a.def.group !== '' || a.def.plural !== 'persistentvolumeclaims' || a.subresource) return;
  const pvc = a.object;
  if (!pvc.spec || typeof pvc.spec !== 'object' || claimHasClass(pvc)) return;
  const cls = defaultStorageClassOf(ctx.store.list(resKey(STORAGE_CLASSES), '').map((e) => e.obj));
  if (cls) pvc.spec.storageClassName = cls.metadata.name;
}
