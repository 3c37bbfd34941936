// The Cluster Durable Object: one tenant cluster's store, watches and API server.
import { DurableObject } from 'cloudflare:workers';
import { handleKube } from '../apiserver/handler';
import type { ApiContext } from '../apiserver/context';
import { hashToken } from '../api/ids';
import { ApiError, statusResponse, unauthorized } from '../apiserver/errors';
import type { Env } from '../env';
import { bootstrap } from './bootstrap';
import { clusterCipher } from './cipher';
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

export class Cluster extends DurableObject<Env> {
  private store: Store | undefined;
  private config: ClusterConfig | undefined;
  private hub = new WatchHub();
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
    bootstrap(this.apiContext(''));
  }

  async fetch(req: Request): Promise<Response> {
    const store = this.store;
    const id = req.headers.get('x-sandbox-cluster') ?? '';
    if (!store) {
      return statusResponse(new ApiError(404, 'NotFound', `cluster "${id}" not found`, { name: id, kind: 'clusters' }));
    }
    const denied = await this.authenticate(req);
    if (denied) return statusResponse(denied);
    return handleKube(this.apiContext(req.headers.get('x-sandbox-server') ?? ''), req);
  }

  private async authenticate(req: Request): Promise<ApiError | undefined> {
    const config = this.config!;
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.get('authorization') ?? '');
    if (!m) return unauthorized();
    const token = m[1];
    if (!this.verified.has(token)) {
      if ((await hashToken(token)) !== config.tokenHash) return unauthorized();
      this.verified.add(token);
    }
    if (Date.now() > config.expiresAt) return unauthorized('this sandbox cluster has expired');
    return undefined;
  }

  private apiContext(serverAddress: string): ApiContext {
    return {
      store: this.store!,
      hub: this.hub,
      now: () => Date.now(),
      maxObjects: this.config!.maxObjects,
      serverAddress,
    };
  }
}
