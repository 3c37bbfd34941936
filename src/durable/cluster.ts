// The Cluster Durable Object: one tenant cluster's store, watches, API server and control plane.
import { DurableObject } from 'cloudflare:workers';
import { handleKube } from '../apiserver/handler';
import type { ApiContext, UserInfo } from '../apiserver/context';
import { hashToken } from '../api/ids';
import { authenticateToken } from '../auth/authenticate';
import { ApiError, statusResponse, unauthorized } from '../apiserver/errors';
import { CONTROLLERS } from '../controllers/registry';
import { runControllers } from '../controllers/loop';
import type { Env } from '../env';
import { bootstrap } from './bootstrap';
import { clusterCipher } from './cipher';
import { Clock, RUNNING } from './clock';
import { serveSandboxApi } from './sandbox-api';
import { dohPathToken, isDohRequest, serveDoh } from '../dns/doh';
import { History } from '../history/history';
import { Store } from './store';
import { WatchHub } from './watch-hub';

export interface ClusterInit {
  id: string;
  tokenHash: string;
  expiresAt: number;
  maxObjects: number;
}

interface ClusterConfig {
  tokenHash: string;
  expiresAt: number;
  maxObjects: number;
}

/** How long after a client's write the control plane runs (writes within this window share one run). */
export const CONTROL_PLANE_DEBOUNCE_MS = 20;

/** Bound on the stops of one clock advance (beyond it the clock jumps to the target). */
const MAX_FAST_FORWARD_STEPS = 5000;

/** The identity of the cluster's one user (RBAC comes later). */
export const SANDBOX_USER = 'sandbox-user';
/** The sign-up token's identity: the cluster owner, a member of system:masters (all access). */
const OWNER: UserInfo = { username: SANDBOX_USER, groups: ['system:masters', 'system:authenticated'] };

export class Cluster extends DurableObject<Env> {
  private store: Store | undefined;
  private config: ClusterConfig | undefined;
  private hub = new WatchHub();
  /** audit records and revisions on their way to D1 */
  history: History | undefined;
  clock = new Clock(RUNNING);
  /** the real time the alarm is set for, as far as this instance knows */
  private alarmAt: number | undefined;
  /** tokens already checked against the stored hash (kept in memory only) */
  private verified = new Set<string>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Reading only: a cluster id that was never created must not get any storage.
    if (Store.exists(ctx.storage.sql)) this.opened(Store.open(ctx.storage, this.cipher));
  }

  private cipher = (store: Store) => clusterCipher(this.env.SECRETS_KEY ?? '', store.getMeta('id') ?? '');

  private opened(store: Store) {
    this.store = store;
    this.config = {
      tokenHash: store.getMeta('token_hash') ?? '',
      expiresAt: Number(store.getMeta('expires_at')),
      maxObjects: Number(store.getMeta('max_objects') ?? 10000),
    };
    const clock = store.getMeta('clock');
    if (clock) this.clock.state = JSON.parse(clock);
    // env is read at each flush: tests swap the database for a failing one.
    this.history = new History(store, () => ({ db: this.env.DB, clusterId: store.getMeta('id') ?? '' }), (at) => this.armAlarm(at));
  }

  /** Creates the cluster (called once, by sign-up). */
  async init(p: ClusterInit): Promise<void> {
    if (this.store) throw new Error('cluster already exists');
    const store = Store.create(this.ctx.storage, () => clusterCipher(this.env.SECRETS_KEY ?? '', p.id));
    store.setMeta('id', p.id);
    store.setMeta('token_hash', p.tokenHash);
    store.setMeta('expires_at', String(p.expiresAt));
    store.setMeta('max_objects', String(p.maxObjects));
    this.opened(store);
    bootstrap(this.apiContext('', 'system:apiserver'));
    // The controllers add what they own (service accounts, CA config maps, leases) right after sign-up.
    this.armAlarm(Date.now());
  }

  async fetch(req: Request): Promise<Response> {
    const id = req.headers.get('x-sandbox-cluster') ?? '';
    if (!this.store) {
      return statusResponse(new ApiError(404, 'NotFound', `cluster "${id}" not found`, { name: id, kind: 'clusters' }));
    }
    const started = Date.now();
    const requester = await this.authenticate(req);
    if (requester instanceof ApiError) return this.audited(req, '', started, statusResponse(requester));
    const ctx: ApiContext = { ...this.apiContext(req.headers.get('x-sandbox-server') ?? '', requester.username), requester };
    if (req.headers.get('x-sandbox-api')) return serveSandboxApi(this, ctx, req);
    if (isDohRequest(req)) return serveDoh(ctx, req);
    return this.audited(req, requester.username, started, await handleKube(ctx, req));
  }

  /** Records a Kubernetes API request in the audit log (in memory; the alarm writes it to D1). */
  private audited(req: Request, user: string, started: number, res: Response): Response {
    this.history!.audit(req, user, res.status, Date.now() - started, this.clock.now());
    return res;
  }

  /** The control plane: controllers, scheduler and kubelets, until quiet or out of budget. */
  async alarm(): Promise<void> {
    this.alarmAt = undefined;
    if (!this.store) return;
    this.runControlPlane();
    this.history!.alarm();
  }

  /** Runs the control plane now and arms the alarm for whatever is due next. */
  runControlPlane() {
    const result = runControllers(this.apiContext('', 'system:kube-controller-manager', false), CONTROLLERS);
    if (result.more) return this.armAlarm(Date.now());
    if (result.next === undefined) return;
    const real = this.clock.realTimeOf(result.next);
    if (real !== undefined) this.armAlarm(Math.max(real, Date.now()));
  }

  /**
   * Moves the clock forward by `ms`, stopping at every time some controller has work due, so a kubelet's
   * heartbeat, a node's grace period and a toleration's expiry each happen at their own time.
   */
  fastForward(ms: number) {
    const target = this.clock.now() + ms;
    const ctx = this.apiContext('', 'system:kube-controller-manager', false);
    for (let step = 0; step < MAX_FAST_FORWARD_STEPS; step++) {
      const r = runControllers(ctx, CONTROLLERS);
      if (r.more) continue;
      if (r.next === undefined || r.next > target) break;
      this.clock.advance(Math.max(0, r.next - this.clock.now()));
    }
    this.clock.advance(Math.max(0, target - this.clock.now()));
    this.clockChanged();
  }

  /** Persists a clock change and lets the control plane catch up with the new time. */
  clockChanged() {
    this.store!.setMeta('clock', JSON.stringify(this.clock.state));
    this.runControlPlane();
  }

  private armAlarm(at: number) {
    if (this.alarmAt !== undefined && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  /** The sender: the owner (sign-up token), a service account (JWT) or a named user; else a 401. */
  private async authenticate(req: Request): Promise<UserInfo | ApiError> {
    const config = this.config!;
    // dig and kdig cannot send headers: DNS over HTTPS may carry the token as its path's last segment.
    const token = dohPathToken(req) ?? /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
    if (!token) return unauthorized();
    let user: UserInfo | undefined = OWNER;
    if (!this.verified.has(token)) {
      const hash = await hashToken(token);
      // Only the owner's token is remembered: other identities are checked against current state every time.
      if (hash === config.tokenHash) this.verified.add(token);
      else user = authenticateToken(this.store!, token, hash, this.clock.now());
    }
    if (!user) return unauthorized();
    if (Date.now() > config.expiresAt) return unauthorized('this sandbox cluster has expired');
    return user;
  }

  /** Kubeconfigs handed out by this cluster skip TLS verification (local development). */
  get insecureKubeconfig(): boolean {
    return this.env.INSECURE_KUBECONFIG === 'true';
  }

  apiContext(serverAddress: string, user: string, wakeControllers = true): ApiContext {
    return {
      store: this.store!,
      hub: this.hub,
      now: () => this.clock.now(),
      maxObjects: this.config!.maxObjects,
      serverAddress,
      user,
      // Writes by the controllers themselves are picked up by the running loop. A client's burst of writes
      // is handled by one run shortly after, not one run per write.
      changed: wakeControllers ? () => this.armAlarm(Date.now() + CONTROL_PLANE_DEBOUNCE_MS) : undefined,
    };
  }
}
