// Controllers are reconcile functions over the cluster and `now`. They write through the same pipeline
// as users (src/apiserver/writes.ts) under a system identity.
import type { ApiContext } from '../apiserver/context';

export interface Controller {
  name: string;
  /** the user the controller writes as, e.g. system:kube-controller-manager */
  identity: string;
  /**
   * Brings the cluster a step closer to what its objects ask for. Must be idempotent (alarms may repeat)
   * and bounded. Returns the earliest cluster time it needs to run again without any change happening
   * (a container that starts in 1.5 s), or undefined.
   */
  reconcile(ctx: ApiContext): number | undefined;
}
