// The scale subresource: autoscaling/v1 Scale views of objects with spec.replicas.
import { badRequest } from './errors';
import type { KubeObject, ResourceDef } from '../resources/types';

export function scaleOf(def: ResourceDef, obj: KubeObject) {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: def.subresources?.scale?.selector(obj) ?? '' },
  };
}

/** spec.replicas of a Scale body; validation of the value itself happens on the scaled object. */
export function scaleReplicas(scale: Record<string, any>): number {
  const n = scale.spec?.replicas;
  if (n === undefined) return 0;
  if (typeof n !== 'number' || !Number.isInteger(n)) {
    throw badRequest(`Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal ${typeof n} into Go struct field ScaleSpec.spec.replicas of type int32`);
  }
  return n;
}
