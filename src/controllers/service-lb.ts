// A simulated cloud load-balancer controller (the cloud-provider service controller, with an address pool as
// kind + MetalLB give one): every `type: LoadBalancer` Service without a loadBalancerClass gets the lowest free
// address of 172.18.255.200-250 in status.loadBalancer.ingress. The pool is what the store's services hold,
// so an address is free again once its service is deleted or changes type (the API server then clears
// status.loadBalancer).
import { resKey, type ApiContext } from '../apiserver/context';
import { updateObject } from '../apiserver/writes';
import { findResource } from '../resources/registry';
import type { KubeObject } from '../resources/types';
import { quietly, retryForget, retryLater, retryPending } from './controller-utils';
import { recordEvent } from './events';
import type { Controller } from './types';

const SERVICES = findResource('', 'v1', 'services')!;
const COMPONENT = 'service-controller';
const POOL_PREFIX = '172.18.255.';
const POOL_FIRST = 200;
const POOL_LAST = 250;

const wantsAddress = (s: KubeObject) =>
  s.spec?.type === 'LoadBalancer' && !s.spec.loadBalancerClass && !s.metadata.deletionTimestamp && !s.status?.loadBalancer?.ingress?.length;

/** The lowest pool address no service holds, or undefined when the pool is used up. */
function freeAddress(used: Set<string>): string | undefined {
  for (let i = POOL_FIRST; i <= POOL_LAST; i++) if (!used.has(POOL_PREFIX + i)) return POOL_PREFIX + i;
  return undefined;
}

export const serviceLBController: Controller = {
  name: 'service-lb',
  identity: 'system:serviceaccount:kube-system:service-controller',
  reconcile(ctx: ApiContext) {
    const services = ctx.store.list(resKey(SERVICES), '');
    const pending = services.filter((e) => wantsAddress(e.obj));
    if (!pending.length) return undefined;
    const used = new Set<string>();
    for (const { obj } of services) for (const ing of obj.status?.loadBalancer?.ingress ?? []) if (ing?.ip) used.add(ing.ip);
    let next: number | undefined;
    for (const { obj: svc } of pending) {
      const key = `service-lb/${svc.metadata.namespace}/${svc.metadata.name}`;
      // A failed sync waits for its back-off, unless an address was freed meanwhile.
      const fingerprint = `${svc.metadata.uid}/${used.size}`;
      const wait = retryPending(ctx, key, fingerprint);
      if (wait !== undefined) {
        next = Math.min(next ?? wait, wait);
        continue;
      }
      recordEvent(ctx, svc, { type: 'Normal', reason: 'EnsuringLoadBalancer', message: 'Ensuring load balancer', component: COMPONENT });
      const ip = freeAddress(used);
      if (!ip) {
        recordEvent(ctx, svc, {
          type: 'Warning',
          reason: 'SyncLoadBalancerFailed',
          message: `Error syncing load balancer: failed to ensure load balancer: no available IPs in the pool ${POOL_PREFIX}${POOL_FIRST}-${POOL_PREFIX}${POOL_LAST}`,
          component: COMPONENT,
        });
        const at = retryLater(ctx, key, fingerprint);
        next = Math.min(next ?? at, at);
        continue;
      }
      retryForget(ctx, key);
      used.add(ip);
      recordEvent(ctx, svc, { type: 'Normal', reason: 'EnsuredLoadBalancer', message: 'Ensured load balancer', component: COMPONENT });
      const status = { ...svc.status, loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } };
      quietly(() => updateObject(ctx, SERVICES, svc.metadata.namespace!, svc.metadata.name!, { ...svc, status }, 'status'));
    }
    return next;
  },
};
