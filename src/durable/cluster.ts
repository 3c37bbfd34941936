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
import { clientAddress } from '../apiserver/request';
import { dohPathToken, isDohPath, serveDoh } from '../dns/doh';
import { History } from '../history/history';
import { viewerOf } from '../auth/viewer-tokens';
import { LIVE_PATH, LiveView, OWNER_TAG, viewerTag } from './live-view';
import { Store } from './store';
import { WatchHub } from './watch-hub';
import { capsFromEnv, takeToken, tooManyRequests, type Bucket, type Caps } from './limits';
import { applyPreset } from '../presets/presets';
import { endedClusterResponse, recordEnd, ttlOf } from '../api/lifecycle';

export interface ClusterInit {
  id: string;
  tokenHash: string;
  expiresAt: number;
  maxObjects: number;
  createdAt: number;
  /** presets/<name>.yaml, created after the bootstrap (and again by a reset) */
  preset: string;
}

interface ClusterConfig extends Omit<ClusterInit, 'id'> {
  caps: Caps;
}

/** Past revisions the live view's timeline starts with. */
const TIMELINE_ENTRIES = 200;

/** Client addresses whose request budgets a cluster keeps. */
const MAX_BUCKETS = 10_000;

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
  /** the live view's hibernatable WebSockets, told of every commit */
  live = new LiveView(this.ctx, () => this.store, () => this.clock.now(), () => this.history?.recent(TIMELINE_ENTRIES) ?? Promise.resolve([]));
  /** audit records and revisions on their way to D1 */
  history: History | undefined;
  clock = new Clock(RUNNING);
  /** the real time the alarm is set for, as far as this instance knows */
  private alarmAt: number | undefined;
  /** tokens already checked against the stored hash (kept in memory only) */
  private verified = new Set<string>();
  /** the request rate limit per client address (real time, in memory, the least recently used dropped first) */
  private buckets = new Map<string, Bucket>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Reading only: a cluster id that was never created must not get any storage.
    if (Store.exists(ctx.storage.sql)) this.opened(Store.open(ctx.storage, this.cipher));
    this.hub.tap = (changes) => this.live.changed(changes);
  }

  private cipher = (store: Store) => clusterCipher(this.env.SECRETS_KEY ?? '', store.getMeta('id') ?? '');

  private opened(store: Store) {
    this.store = store;
    this.config = {
      tokenHash: store.getMeta('token_hash') ?? '',
      expiresAt: Number(store.getMeta('expires_at')),
      maxObjects: Number(store.getMeta('max_objects') ?? 10000),
      createdAt: Number(store.getMeta('created_at') ?? 0),
      preset: store.getMeta('preset') ?? 'empty',
      caps: capsFromEnv(this.env),
    };
    const clock = store.getMeta('clock');
    if (clock) this.clock.state = JSON.parse(clock);
    // env is read at each flush: tests swap the database for a failing one.
    this.history = new History(store, () => ({ db: this.env.DB, clusterId: store.getMeta('id') ?? '' }), (at) => this.armAlarm(at));
  }

  /** Creates the cluster (called once, by sign-up). */
  async init(p: ClusterInit): Promise<void> {
    if (this.store) throw new Error('cluster already exists');
    this.create(p);
  }

  private create(p: ClusterInit) {
    const store = Store.create(this.ctx.storage, () => clusterCipher(this.env.SECRETS_KEY ?? '', p.id));
    store.setMeta('id', p.id);
    store.setMeta('token_hash', p.tokenHash);
    store.setMeta('expires_at', String(p.expiresAt));
    store.setMeta('max_objects', String(p.maxObjects));
    store.setMeta('created_at', String(p.createdAt));
    store.setMeta('preset', p.preset);
    this.opened(store);
    bootstrap(this.apiContext('', 'system:apiserver'));
    applyPreset(this.apiContext('', SANDBOX_USER), p.preset);
    // The controllers add what they own (service accounts, CA config maps, leases) right after sign-up.
    this.armAlarm(Date.now());
  }

  get id(): string {
    return this.store?.getMeta('id') ?? '';
  }

  /** The cluster as its owner sees it (GET /v1/clusters/<id>): lifetime, caps and current usage. */
  info() {
    const { createdAt, expiresAt, preset, maxObjects, caps } = this.config!;
    const store = this.store!;
    return {
      id: this.id,
      createdAt: new Date(createdAt).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      preset,
      caps: { objects: maxObjects, bytes: caps.bytes, nodes: caps.nodes, pods: caps.pods, watches: caps.watches, watchSeconds: caps.watchSeconds, requestsPerSecond: caps.rps, burst: caps.burst },
      usage: { objects: store.objectCount, bytes: store.bytes, nodes: store.countOf('/nodes'), pods: store.countOf('/pods'), watches: this.hub.size },
    };
  }

  /** Sets the expiry to `ttl` from now (the registry first: if D1 fails, nothing changed). */
  async extend(ttl: unknown) {
    const expiresAt = Date.now() + ttlOf(this.env, ttl) * 1000;
    await this.env.DB.prepare('UPDATE clusters SET expires_at = ? WHERE id = ?').bind(expiresAt, this.id).run();
    const earlier = expiresAt < this.config!.expiresAt;
    this.store!.setMeta('expires_at', String(expiresAt));
    this.config!.expiresAt = expiresAt;
    if (earlier) this.armAlarm(expiresAt);
    return this.info();
  }

  /** Ends the cluster: the registry records why (deleted: 404, expired: 410), then every byte of state goes. */
  async end(why: 'deleted' | 'expired') {
    const id = this.id;
    const now = Date.now();
    await recordEnd(this.env.DB, id, why === 'deleted' ? { deletedAt: now } : { expiresAt: now });
    if (!this.store) return;
    await this.wipe();
  }

  /** Back to the preset as after sign-up, keeping id, token, expiry and creation time (named users go). */
  async reset() {
    const { caps: _, ...kept } = this.config!;
    const init = { ...kept, id: this.id };
    // resourceVersions start again: the old history would collide with the new.
    await recordEnd(this.env.DB, init.id, {});
    await this.wipe();
    this.create(init);
    return this.info();
  }

  /** Drops all state, in memory and in storage (no request is delivered while storage is being wiped). */
  private async wipe() {
    this.hub.closeAll();
    for (const ws of this.ctx.getWebSockets()) ws.close(1000, 'the cluster has ended');
    this.store = this.config = this.history = this.alarmAt = undefined;
    this.buckets.clear();
    this.verified.clear();
    this.clock = new Clock(RUNNING);
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** Takes one request from the budget of the client's address in this cluster; a 429 when it is spent. */
  private rateLimited(req: Request): ApiError | undefined {
    const { rps, burst } = this.config!.caps;
    const address = clientAddress(req.headers);
    const r = takeToken(this.buckets.get(address), Date.now(), rps, burst);
    this.buckets.delete(address);
    this.buckets.set(address, r.bucket);
    if (this.buckets.size > MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
    return r.retryAfterSeconds ? tooManyRequests(r.retryAfterSeconds) : undefined;
  }

  async fetch(req: Request): Promise<Response> {
    const res = await this.serve(req);
    // A request refused before its body was read (401, 403, 429, ...) must still have it drained: otherwise
    // workerd fails the stream after the response and the client's connection can stall.
    if (req.body && !req.bodyUsed) await req.arrayBuffer().catch(() => undefined);
    return res;
  }

  private async serve(req: Request): Promise<Response> {
    const id = req.headers.get('x-sandbox-cluster') ?? '';
    if (!this.store) return endedClusterResponse(this.env.DB, id);
    if (Date.now() >= this.config!.expiresAt) {
      await this.end('expired');
      return endedClusterResponse(this.env.DB, id);
    }
    const limited = this.rateLimited(req);
    if (limited) return statusResponse(limited);
    const url = new URL(req.url);
    const sandboxApi = req.headers.has('x-sandbox-api');
    // The live view's socket takes its token from the query (browsers cannot set headers on a WebSocket).
    if (url.pathname === LIVE_PATH && !sandboxApi) return this.live.open(req, (t) => this.liveViewer(t));
    // dig and kdig cannot send headers: DNS over HTTPS may carry the token as its path's last segment.
    const doh = !sandboxApi && isDohPath(url.pathname);
    const started = Date.now();
    const requester = await this.authenticate(req, doh ? dohPathToken(url.pathname) : undefined);
    // Only Kubernetes API requests are audited: not the sandbox API, nor DNS over HTTPS (its path may hold a token).
    const audit = (user: string, res: Response) => (sandboxApi || doh ? res : this.audited(req, url, user, started, res));
    if (requester instanceof ApiError) return audit('', statusResponse(requester));
    const ctx: ApiContext = { ...this.apiContext(req.headers.get('x-sandbox-server') ?? '', requester.username), requester };
    if (sandboxApi) return serveSandboxApi(this, ctx, req);
    if (doh) return serveDoh(ctx, req);
    return audit(requester.username, await handleKube(ctx, req));
  }

  /** Who may open the live view: the owner or a viewer token (as the socket's tag). */
  private async liveViewer(token: string): Promise<string | undefined> {
    const hash = await hashToken(token);
    if (hash === this.config!.tokenHash) return OWNER_TAG;
    const viewer = viewerOf(this.store!, hash);
    return viewer && viewerTag(viewer);
  }

  async webSocketMessage(ws: WebSocket, msg: string | ArrayBuffer): Promise<void> {
    this.live.message(ws, msg);
  }

  async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.live.closed(ws, code);
  }

  /** Records a Kubernetes API request in the audit log (in memory; the alarm writes it to D1). */
  private audited(req: Request, url: URL, user: string, started: number, res: Response): Response {
    this.history!.audit(req, url, user, res.status, Date.now() - started, this.clock.now());
    return res;
  }

  /** The control plane: controllers, scheduler and kubelets, until quiet or out of budget. */
  async alarm(): Promise<void> {
    this.alarmAt = undefined;
    if (!this.store) return;
    if (Date.now() >= this.config!.expiresAt) return this.end('expired');
    this.runControlPlane();
    this.history!.alarm();
    // Whatever else is due, the alarm comes back by the expiry.
    this.armAlarm(this.config!.expiresAt);
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

  /**
   * The sender: the owner (sign-up token), a service account (JWT) or a named user; else a 401. `pathToken` is a
   * token given in a DNS-over-HTTPS path instead of the Authorization header.
   */
  private async authenticate(req: Request, pathToken?: string): Promise<UserInfo | ApiError> {
    const config = this.config!;
    const token = pathToken ?? /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '')?.[1];
    if (!token) return unauthorized();
    let user: UserInfo | undefined = OWNER;
    if (!this.verified.has(token)) {
      const hash = await hashToken(token);
      // Only the owner's token is remembered: other identities are checked against current state every time.
      if (hash === config.tokenHash) this.verified.add(token);
      else user = authenticateToken(this.store!, token, hash, this.clock.now());
    }
    return user ?? unauthorized();
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
      caps: this.config!.caps,
      serverAddress,
      user,
      // Writes by the controllers themselves are picked up by the running loop. A client's burst of writes
      // is handled by one run shortly after, not one run per write.
      changed: wakeControllers ? () => this.armAlarm(Date.now() + CONTROL_PLANE_DEBOUNCE_MS) : undefined,
    };
  }
}
