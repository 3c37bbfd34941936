// The controllers of a cluster's control plane, in the order a run calls them.
import type { Controller } from './types';
import { deploymentController } from './deployment';
import { replicaSetController, replicationController } from './replicaset';
import { daemonSetController } from './daemonset';
import { statefulSetController } from './statefulset';
import { jobController, ttlAfterFinishedController } from './job';
import { cronJobController } from './cronjob';
import { pvProvisioner } from './pv-provisioner';
import { endpointsController } from './endpoints';
import { endpointSliceController } from './endpointslices';
import { serviceLBController } from './service-lb';
import { eventTTLController } from './event-ttl';
import { garbageCollector } from './garbage-collector';
import { namespaceController } from './namespace';
import { rootCACertPublisher, serviceAccountController } from './serviceaccounts';
import { serviceAccountTokensController } from './serviceaccount-tokens';
import { nodeIpam } from './node-ipam';
import { scheduler } from './scheduler';
import { kubelet } from './kubelet';
import { nodeLifecycle } from './node-lifecycle';
import { taintEviction } from './taint-eviction';
import { resourceQuotaController } from './resourcequota';
import { disruptionController } from './disruption';
import { clusterRoleAggregationController } from './clusterrole-aggregation';

export const CONTROLLERS: Controller[] = [
  deploymentController,
  replicaSetController,
  replicationController,
  daemonSetController,
  statefulSetController,
  cronJobController,
  jobController,
  ttlAfterFinishedController,
  pvProvisioner,
  namespaceController,
  garbageCollector,
  serviceAccountController,
  rootCACertPublisher,
  serviceAccountTokensController,
  endpointsController,
  endpointSliceController,
  serviceLBController,
  eventTTLController,
  disruptionController,
  clusterRoleAggregationController,
  // node IPAM before the kubelets (pod addresses), kubelets before the node controller (fresh heartbeats)
  nodeIpam,
  scheduler,
  kubelet,
  nodeLifecycle,
  taintEviction,
  resourceQuotaController,
];
