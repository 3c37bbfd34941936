// What a kubelet does to one pod, as a pure state machine over the pod's status (control-plane.md §8).
// The status is the state: every next step (sandbox ready, image pulled, container started, exited,
// restarted after back-off, stopped on deletion) follows from it, the pod spec, the simulation rules and
// the time. syncPod applies, in time order, every step due by `now` (at its own time, so a clock that
// jumps still produces the whole history), and says when the next one is due.
import { rfc3339 } from '../apiserver/context';
import type { KubeObject } from '../resources/types';
import { containerPlan, goDuration, imageID, type ContainerPlan, type Rules } from './simulation';

const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const time = (s: unknown) => {
  const t = Date.parse(String(s ?? ''));
  return Number.isNaN(t) ? undefined : t;
};

export interface KubeletEvent {
  at: number;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** spec.containers{name} for container events */
  fieldPath?: string;
}

/** What the pod's node offers the state machine. */
export interface NodeEnv {
  hostIP: string;
  /** an unused address of the node's pod CIDR; undefined when there is none (no CIDR yet, or full) */
  allocateIP(): string | undefined;
  imagePresent(normalized: string, at: number): boolean;
  imagePulled(normalized: string, at: number, sizeBytes: number): void;
  /** keys of one-off events already emitted (events that change no status, like Pulling and Killing) */
  emitted: Set<string>;
  /** exact times of the status timestamps this kubelet wrote (the API keeps whole seconds) */
  times: Map<string, number>;
  newContainerID(): string;
  /** kubelet admission: undefined, or why the node rejects the pod */
  admission(pod: KubeObject): { reason: string; message: string } | undefined;
}

export interface SyncResult {
  /** the status to write, when it changed */
  status?: any;
  events: KubeletEvent[];
  /** the deletion is complete: delete the pod with grace 0 */
  remove?: boolean;
  /** when the pod needs its kubelet again if nothing else changes */
  next?: number;
  /** how far in time the pod has been simulated */
  syncedAt?: number;
}

/** Back-off before restart number n+1 of a container that exited with restartCount n (n ≥ 1): 10s doubling to 5m. */
export const crashBackOff = (restartCount: number) => Math.min(10_000 * 2 ** Math.max(0, restartCount - 1), 300_000);
/** Image pull back-off after failure number i (0-based): 10s doubling to 5m. */
export const pullBackOff = (i: number) => Math.min(10_000 * 2 ** i, 300_000);
/** A container that ran longer than this starts its back-off afresh. */
const BACKOFF_RESET_MS = 600_000;
const MAX_STEPS = 64;

const terminalPhase = (phase: unknown) => phase === 'Succeeded' || phase === 'Failed';

// ---------------------------------------------------------------------------------------------
// Pod phase and conditions from container states (getPhase, status/generate.go)

interface Container {
  spec: any;
  plan: ContainerPlan;
  /** index into initContainerStatuses / containerStatuses */
  cs: any;
}

function podPhase(pod: KubeObject, status: any, deleting: boolean): string {
  if (terminalPhase(status.phase)) return status.phase;
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const inits = list(pod.spec?.initContainers);
  const initStatus = (name: string) => list(status.initContainerStatuses).find((s) => s?.name === name);
  let pendingInit = false;
  for (const c of inits) {
    const s = initStatus(c.name);
    if (c.restartPolicy === 'Always') {
      if (!s?.started) pendingInit = true;
      continue;
    }
    const t = s?.state?.terminated ?? s?.lastState?.terminated;
    if (s?.state?.terminated?.exitCode === 0) continue;
    if (t && t.exitCode !== 0 && policy === 'Never') return 'Failed';
    pendingInit = true;
  }
  if (pendingInit) return 'Pending';
  let running = 0;
  let stopped = 0;
  let succeeded = 0;
  let waiting = 0;
  for (const c of list(pod.spec?.containers)) {
    const s = list(status.containerStatuses).find((x) => x?.name === c.name);
    const term = s?.state?.terminated ?? (s?.state?.waiting ? s?.lastState?.terminated : undefined);
    if (s?.state?.running) running++;
    else if (term) {
      stopped++;
      if (term.exitCode === 0) succeeded++;
    } else waiting++;
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (deleting) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (policy === 'OnFailure') return stopped === succeeded ? 'Succeeded' : 'Running';
    return stopped === succeeded ? 'Succeeded' : 'Failed';
  }
  return 'Pending';
}

const names = (xs: string[]) => `[${xs.join(' ')}]`;

/** Initialized, ContainersReady and Ready as the kubelet generates them. */
function kubeletConditions(pod: KubeObject, status: any): Record<string, { status: string; reason?: string; message?: string }> {
  const phase = status.phase;
  const inits = list(pod.spec?.initContainers);
  const initStatus = (name: string) => list(status.initContainerStatuses).find((s) => s?.name === name);
  const mainStatus = (name: string) => list(status.containerStatuses).find((s) => s?.name === name);

  let initialized: { status: string; reason?: string; message?: string };
  const unknownInit = inits.filter((c) => !initStatus(c.name)).map((c) => c.name);
  const incomplete = inits
    .filter((c) => initStatus(c.name))
    .filter((c) => (c.restartPolicy === 'Always' ? !initStatus(c.name).started : initStatus(c.name).state?.terminated?.exitCode !== 0))
    .map((c) => c.name);
  const anyStarted = list(status.containerStatuses).some((s) => s?.state?.running || s?.state?.terminated || s?.lastState?.terminated);
  if (phase === 'Succeeded' && !unknownInit.length) initialized = { status: 'True', reason: 'PodCompleted' };
  else if (anyStarted || (!unknownInit.length && !incomplete.length)) initialized = { status: 'True' };
  else {
    const msgs = [];
    if (unknownInit.length) msgs.push(`containers with unknown status: ${names(unknownInit)}`);
    if (incomplete.length) msgs.push(`containers with incomplete status: ${names(incomplete)}`);
    initialized = { status: 'False', reason: 'ContainersNotInitialized', message: msgs.join(', ') };
  }

  let containersReady: { status: string; reason?: string; message?: string };
  if (terminalPhase(phase)) containersReady = { status: 'False', reason: phase === 'Succeeded' ? 'PodCompleted' : 'PodFailed' };
  else {
    const relevant = [...inits.filter((c) => c.restartPolicy === 'Always').map((c) => [c.name, initStatus(c.name)]), ...list(pod.spec?.containers).map((c) => [c.name, mainStatus(c.name)])];
    const unknown = relevant.filter(([, s]) => !s).map(([n]) => n);
    const unready = relevant.filter(([, s]) => s && !s.ready).map(([n]) => n);
    const msgs = [];
    if (unknown.length) msgs.push(`containers with unknown status: ${names(unknown)}`);
    if (unready.length) msgs.push(`containers with unready status: ${names(unready)}`);
    containersReady = msgs.length ? { status: 'False', reason: 'ContainersNotReady', message: msgs.join(', ') } : { status: 'True' };
  }

  let ready = containersReady;
  if (containersReady.status === 'True') {
    const conds = list(status.conditions);
    const gateMsgs = list(pod.spec?.readinessGates).flatMap((g) => {
      const c = conds.find((x) => x?.type === g?.conditionType);
      if (!c) return [`corresponding condition of pod readiness gate "${g?.conditionType}" does not exist.`];
      return c.status === 'True' ? [] : [`the status of pod readiness gate "${g?.conditionType}" is not "True", but ${c.status}`];
    });
    if (gateMsgs.length) ready = { status: 'False', reason: 'ReadinessGatesNotReady', message: gateMsgs.join(', ') };
  }
  const sandbox = !!status.podIP && !terminalPhase(phase);
  return {
    PodReadyToStartContainers: { status: sandbox ? 'True' : 'False' },
    Initialized: initialized,
    Ready: ready,
    ContainersReady: containersReady,
  };
}

const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady'];

/** Recomputes phase and the kubelet's conditions at time t (transition times move only on change). */
export function derivePodStatus(pod: KubeObject, status: any, t: number, deleting = false) {
  status.phase = podPhase(pod, status, deleting);
  const generation = pod.metadata.generation;
  if (generation !== undefined) status.observedGeneration = generation;
  const old = list(status.conditions);
  const wanted = kubeletConditions(pod, status);
  const made = KUBELET_CONDITIONS.map((type) => {
    const w = wanted[type];
    const prev = old.find((c) => c?.type === type);
    const c: any = { type, status: w.status };
    if (generation !== undefined) c.observedGeneration = generation;
    c.lastProbeTime = null;
    c.lastTransitionTime = prev && prev.status === w.status ? prev.lastTransitionTime : rfc3339(t);
    if (w.reason) c.reason = w.reason;
    if (w.message) c.message = w.message;
    return c;
  });
  const others = old.filter((c) => !KUBELET_CONDITIONS.includes(c?.type) && c?.type !== 'PodScheduled');
  const scheduled = old.filter((c) => c?.type === 'PodScheduled');
  status.conditions = [...others, ...made, ...scheduled];
}

// ---------------------------------------------------------------------------------------------
// Container statuses

function volumeMounts(spec: any) {
  return list(spec?.volumeMounts).map((m) => ({
    name: m.name,
    mountPath: m.mountPath,
    ...(m.readOnly ? { readOnly: true, recursiveReadOnly: 'Disabled' } : {}),
  }));
}

function waitingStatus(spec: any, reason: string, message?: string) {
  return {
    name: spec.name,
    state: { waiting: message ? { reason, message } : { reason } },
    lastState: {},
    ready: false,
    restartCount: 0,
    image: spec.image,
    imageID: '',
    started: false,
    volumeMounts: volumeMounts(spec),
  };
}

function runtimeFields(pod: KubeObject, spec: any) {
  const requests = spec?.resources?.requests;
  const sc = { ...pod.spec?.securityContext, ...spec?.securityContext };
  const gid = sc.runAsGroup ?? 0;
  return {
    ...(requests && Object.keys(requests).length ? { allocatedResources: { ...requests } } : {}),
    resources: structuredClone(spec?.resources ?? {}),
    user: { linux: { uid: sc.runAsUser ?? 0, gid, supplementalGroups: [...new Set([gid, ...list(pod.spec?.securityContext?.supplementalGroups)])] } },
  };
}

// ---------------------------------------------------------------------------------------------
// Steps

interface Step {
  at: number;
  apply(t: number): void;
  /** set for one-off steps that change no status */
  onceKey?: string;
}

class Sync {
  readonly status: any;
  readonly events: KubeletEvent[] = [];
  remove = false;
  private plans: ContainerPlan[];
  private inits: any[];
  private mains: any[];

  constructor(
    readonly pod: KubeObject,
    readonly rules: Rules,
    readonly env: NodeEnv,
  ) {
    this.status = structuredClone(pod.status ?? {});
    this.inits = list(pod.spec?.initContainers);
    this.mains = list(pod.spec?.containers);
    this.plans = [...this.inits.map((c) => containerPlan(pod, c, true, rules)), ...this.mains.map((c) => containerPlan(pod, c, false, rules))];
  }

  private get uid() {
    return this.pod.metadata.uid ?? '';
  }

  /** An RFC 3339 timestamp for the status, remembering the exact time under `key`. */
  private stamp(key: string, t: number): string {
    this.env.times.set(`${this.uid}/${key}`, t);
    return rfc3339(t);
  }

  /**
   * The exact time behind a status timestamp: remembered if this kubelet wrote it, else the end of
   * its second, so that a delay measured from it is never shortened.
   */
  private read(key: string, stamp: unknown): number | undefined {
    const t = time(stamp);
    if (t === undefined) return undefined;
    const exact = this.env.times.get(`${this.uid}/${key}`);
    return exact !== undefined && rfc3339(exact) === stamp ? exact : t + 999;
  }

  private event(at: number, type: KubeletEvent['type'], reason: string, message: string, c?: Container) {
    const fieldPath = c ? `spec.${c.plan.init ? 'initContainers' : 'containers'}{${c.plan.name}}` : undefined;
    this.events.push({ at, type, reason, message, ...(fieldPath ? { fieldPath } : {}) });
  }

  /** The containers with their current statuses (init ones in spec order). */
  private containers(): Container[] {
    const find = (arr: unknown, name: string) => list(arr).find((s) => s?.name === name);
    return [
      ...this.inits.map((spec, i) => ({ spec, plan: this.plans[i], cs: find(this.status.initContainerStatuses, spec.name) })),
      ...this.mains.map((spec, i) => ({ spec, plan: this.plans[this.inits.length + i], cs: find(this.status.containerStatuses, spec.name) })),
    ];
  }

  private setStatus(c: Container, cs: any) {
    const key = c.plan.init ? 'initContainerStatuses' : 'containerStatuses';
    const arr = list(this.status[key]).filter((s) => s?.name !== c.plan.name);
    arr.push(cs);
    const order = (c.plan.init ? this.inits : this.mains).map((x) => x.name);
    // Init statuses keep spec order; the others are sorted by name, as the kubelet sorts them.
    this.status[key] = c.plan.init ? arr.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name)) : arr.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- pod-level steps ----

  private admitted() {
    return !!this.status.startTime || terminalPhase(this.status.phase);
  }

  private admit(t: number) {
    const reject = this.env.admission(this.pod);
    const now = this.stamp('start', t);
    if (reject) {
      Object.assign(this.status, { phase: 'Failed', reason: reject.reason, message: `Pod was rejected: ${reject.message}`, startTime: now });
      this.event(t, 'Warning', reject.reason, reject.message);
      return;
    }
    Object.assign(this.status, { hostIP: this.env.hostIP, hostIPs: [{ ip: this.env.hostIP }], startTime: now });
    const initializing = this.inits.length > 0;
    if (initializing) this.status.initContainerStatuses = this.inits.map((c) => waitingStatus(c, 'PodInitializing'));
    this.status.containerStatuses = this.mains
      .map((c) => waitingStatus(c, initializing ? 'PodInitializing' : 'ContainerCreating'))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private sandboxReady() {
    return !!this.status.podIP;
  }

  private sandboxAt(): number {
    return (this.read('start', this.status.startTime) ?? 0) + this.rules.defaults.sandboxSeconds * 1000;
  }

  private startSandbox(t: number): boolean {
    const ip = this.pod.spec?.hostNetwork ? this.env.hostIP : this.env.allocateIP();
    if (!ip) return false;
    this.stamp('sandbox', t);
    this.status.podIP = ip;
    this.status.podIPs = [{ ip }];
    return true;
  }

  /** When the sandbox became ready: the containers' clock starts there. */
  private sandboxTime(): number {
    const c = list(this.status.conditions).find((x) => x?.type === 'PodReadyToStartContainers' && x.status === 'True');
    return this.read('sandbox', c?.lastTransitionTime) ?? this.read('start', this.status.startTime) ?? 0;
  }

  // ---- container steps ----

  /** When a container's turn came: init containers one after the other, then all regular ones. */
  private anchors(cs: Container[]): (number | undefined)[] {
    let at: number | undefined = this.sandboxTime();
    return cs.map((c) => {
      const mine = at;
      if (c.plan.init && at !== undefined) {
        const s = c.cs;
        if (c.plan.sidecar) at = s?.started ? (this.read(`${s.containerID}/run`, s.state?.running?.startedAt) ?? at) : undefined;
        else at = s?.state?.terminated?.exitCode === 0 ? this.read(`${s.state.terminated.containerID}/end`, s.state.terminated.finishedAt) : undefined;
      }
      return mine;
    });
  }

  private pulledMessage(c: Container, needPull: boolean, pullMs: number) {
    return needPull
      ? `Successfully pulled image "${c.plan.image}" in ${goDuration(pullMs)} (${goDuration(pullMs)} including waiting). Image size: ${c.plan.sizeBytes} bytes.`
      : `Container image "${c.plan.image}" already present on machine and can be accessed by the pod`;
  }

  /** The container runs from t: events, status, image bookkeeping. */
  private start(c: Container, t: number, needPull: boolean, pullMs: number, previous?: any) {
    const plan = c.plan;
    if (needPull) this.env.imagePulled(plan.normalized!, t - plan.startMs, plan.sizeBytes);
    this.event(t, 'Normal', 'Pulled', this.pulledMessage(c, needPull, pullMs), c);
    this.event(t, 'Normal', 'Created', 'Container created', c);
    this.event(t, 'Normal', 'Started', 'Container started', c);
    const started = plan.startedAfterMs === 0;
    const containerID = `containerd://${this.env.newContainerID()}`;
    this.setStatus(c, {
      name: plan.name,
      state: { running: { startedAt: this.stamp(`${containerID}/run`, t) } },
      lastState: previous ? { terminated: previous } : {},
      ready: started && plan.readyAfterMs === 0 && (!plan.init || plan.sidecar),
      restartCount: (c.cs?.restartCount ?? 0) + (previous ? 1 : 0),
      image: plan.normalized,
      imageID: imageID(plan.normalized!),
      containerID,
      started,
      ...runtimeFields(this.pod, c.spec),
      volumeMounts: volumeMounts(c.spec),
    });
  }

  private waiting(c: Container, reason: string, message: string, lastState?: any) {
    const cs = { ...(c.cs ?? waitingStatus(c.spec, reason)) };
    cs.state = { waiting: message ? { reason, message } : { reason } };
    if (lastState) cs.lastState = { terminated: lastState };
    cs.ready = false;
    cs.started = false;
    this.setStatus(c, cs);
  }

  /** The first start of a container that has never run: pull (or fail to), create, start. */
  private firstStartSteps(c: Container, a: number): Step[] {
    const plan = c.plan;
    const image = plan.image;
    if (!plan.normalized) {
      return [{
        at: a,
        apply: (t) => {
          const msg = `Failed to apply default image tag "${image}": couldn't parse image name "${image}": invalid reference format`;
          this.event(t, 'Warning', 'InspectFailed', msg, c);
          this.event(t, 'Warning', 'Failed', 'Error: InvalidImageName', c);
          this.waiting(c, 'InvalidImageName', msg);
        },
      }];
    }
    const present = this.env.imagePresent(plan.normalized, a);
    if (plan.pullPolicy === 'Never' && !present) {
      return [{
        at: a,
        apply: (t) => {
          const msg = `Container image "${image}" is not present with pull policy of Never`;
          this.event(t, 'Warning', 'ErrImageNeverPull', msg, c);
          this.event(t, 'Warning', 'Failed', 'Error: ErrImageNeverPull', c);
          this.waiting(c, 'ErrImageNeverPull', msg);
        },
      }];
    }
    const needPull = plan.pullPolicy === 'Always' || !present;
    if (!needPull) return [{ at: a + plan.startMs, apply: (t) => this.start(c, t, false, 0) }];
    return [this.pullingStep(c, a, 0), this.pullOutcome(c, a + plan.pullMs)];
  }

  private pullingStep(c: Container, at: number, attempt: number): Step {
    return {
      at,
      onceKey: `${this.uid}/${c.plan.name}/${c.plan.image}/pull/${attempt}`,
      apply: (t) => this.event(t, 'Normal', 'Pulling', `Pulling image "${c.plan.image}"`, c),
    };
  }

  /** The pull that ends at `end` fails (ErrImagePull) or succeeds (then the container starts). */
  private pullOutcome(c: Container, end: number): Step {
    const plan = c.plan;
    if (!plan.pullFails) return { at: end + plan.startMs, apply: (t) => this.start(c, t, true, plan.pullMs) };
    return {
      at: end,
      apply: (t) => {
        this.event(t, 'Warning', 'Failed', `Failed to pull image "${plan.image}": ${plan.pullError}`, c);
        this.event(t, 'Warning', 'Failed', 'Error: ErrImagePull', c);
        this.waiting(c, 'ErrImagePull', plan.pullError);
      },
    };
  }

  /** A container whose pulls keep failing: back-off 10s, 20s, ... 5m between attempts, from its anchor. */
  private pullRetrySteps(c: Container, a: number, t0: number): Step[] {
    const plan = c.plan;
    const failures = [a + plan.pullMs];
    while (failures.length < 10_000) {
      const i = failures.length - 1;
      const next = failures[i] + pullBackOff(i) + plan.pullMs;
      if (next > t0) break;
      failures.push(next);
    }
    const i = failures.length - 1;
    const failedAt = failures[i];
    const retryAt = failedAt + pullBackOff(i);
    const steps: Step[] = [this.pullingStep(c, retryAt, i + 1), this.pullOutcome(c, retryAt + plan.pullMs)];
    if (c.cs.state.waiting.reason === 'ErrImagePull') {
      steps.push({
        at: failedAt + this.rules.defaults.syncSeconds * 1000,
        apply: (t) => {
          this.event(t, 'Normal', 'BackOff', `Back-off pulling image "${plan.image}"`, c);
          this.event(t, 'Warning', 'Failed', 'Error: ImagePullBackOff', c);
          this.waiting(c, 'ImagePullBackOff', `Back-off pulling image "${plan.image}": ErrImagePull: ${plan.pullError}`);
        },
      });
    }
    return steps;
  }

  /** Restart a stopped container at `at` (after its back-off, if any). */
  private restartStep(c: Container, at: number, previous: any): Step {
    const plan = c.plan;
    const needPull = plan.pullPolicy === 'Always' || !this.env.imagePresent(plan.normalized!, at);
    // A cached image re-pulls fast: only the registry round trip.
    const pullMs = needPull ? Math.min(plan.pullMs, 500) : 0;
    return {
      at: at + pullMs + plan.startMs,
      apply: (t) => {
        if (needPull) this.event(t - pullMs - plan.startMs, 'Normal', 'Pulling', `Pulling image "${plan.image}"`, c);
        this.start(c, t, needPull, pullMs, previous);
      },
    };
  }

  private runningSteps(c: Container): Step[] {
    const plan = c.plan;
    const cs = c.cs;
    const startedAt = this.read(`${cs.containerID}/run`, cs.state.running.startedAt) ?? 0;
    const steps: Step[] = [];
    if (plan.normalized && cs.image !== plan.normalized) {
      // `kubectl set image` on a bare pod: the kubelet restarts the container with the new image.
      return [{
        at: -Infinity,
        apply: (t) => {
          this.event(t, 'Normal', 'Killing', `Container ${plan.name} definition changed, will be restarted`, c);
          this.waiting(c, 'ContainerCreating', '', this.terminated(cs, 0, t));
        },
      }];
    }
    if (!cs.started) steps.push({ at: startedAt + plan.startedAfterMs, apply: () => this.setStatus(c, { ...cs, started: true }) });
    if (!cs.ready && (!plan.init || plan.sidecar)) {
      if (plan.readyAfterMs !== undefined) {
        steps.push({ at: startedAt + Math.max(plan.readyAfterMs, plan.startedAfterMs), apply: () => this.setStatus(c, { ...cs, started: true, ready: true }) });
      } else if (c.spec.readinessProbe) {
        const p = c.spec.readinessProbe;
        steps.push({
          at: startedAt + ((p.initialDelaySeconds ?? 0) + (p.periodSeconds ?? 10) * ((p.failureThreshold ?? 3) - 1)) * 1000,
          onceKey: `${this.uid}/${plan.name}/unhealthy/${cs.containerID}`,
          apply: (t) => this.event(t, 'Warning', 'Unhealthy', this.probeFailure(p), c),
        });
      }
    }
    if (plan.runMs !== undefined) {
      steps.push({
        at: startedAt + plan.runMs,
        apply: (t) => this.setStatus(c, { ...cs, state: { terminated: this.terminated(cs, plan.exitCode, t) }, ready: false, started: false }),
      });
    }
    return steps;
  }

  private probeFailure(p: any): string {
    if (p.httpGet) return 'Readiness probe failed: HTTP probe failed with statuscode: 503';
    if (p.tcpSocket) return `Readiness probe failed: dial tcp ${this.status.podIP}:${p.tcpSocket.port}: connect: connection refused`;
    if (p.grpc) return 'Readiness probe failed: service unhealthy (responded with "NOT_SERVING")';
    return 'Readiness probe failed: ';
  }

  private terminated(cs: any, exitCode: number, t: number, reason = exitCode === 0 ? 'Completed' : 'Error') {
    return { exitCode, reason, startedAt: cs.state?.running?.startedAt, finishedAt: this.stamp(`${cs.containerID}/end`, t), containerID: cs.containerID };
  }

  private willRestart(c: Container, exitCode: number): boolean {
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    if (c.plan.sidecar) return true;
    if (c.plan.init) return exitCode !== 0 && policy !== 'Never';
    return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
  }

  private containerSteps(c: Container, anchor: number | undefined, t0: number): Step[] {
    const cs = c.cs;
    if (anchor === undefined || !cs) return [];
    const waiting = cs.state?.waiting;
    const last = cs.lastState?.terminated;
    if (waiting && cs.image !== c.plan.image && !last && cs.restartCount === 0 && cs.imageID === '') {
      // The spec's image changed while the container never ran: start over with the new one.
      const reason = waiting.reason === 'PodInitializing' ? 'PodInitializing' : 'ContainerCreating';
      return [{ at: -Infinity, apply: () => this.setStatus(c, waitingStatus(c.spec, reason)) }];
    }
    if (cs.state?.running) return this.runningSteps(c);
    if (cs.state?.terminated) {
      const term = cs.state.terminated;
      if (!this.willRestart(c, term.exitCode)) return [];
      const finished = this.read(`${term.containerID}/end`, term.finishedAt) ?? anchor;
      const ranLong = finished - (this.read(`${term.containerID}/run`, term.startedAt) ?? finished) > BACKOFF_RESET_MS;
      if (cs.restartCount === 0 || ranLong) return [this.restartStep(c, finished, term)];
      return [{
        at: finished + this.rules.defaults.syncSeconds * 1000,
        apply: (t) => {
          const name = this.pod.metadata.name;
          const podRef = `${name}_${this.pod.metadata.namespace}(${this.uid})`;
          this.event(t, 'Warning', 'BackOff', `Back-off restarting failed container ${c.plan.name} in pod ${podRef}`, c);
          this.waiting(c, 'CrashLoopBackOff', `back-off ${goDuration(crashBackOff(cs.restartCount))} restarting failed container=${c.plan.name} pod=${podRef}`, term);
        },
      }];
    }
    if (!waiting) return [];
    if (last) {
      const finished = this.read(`${last.containerID}/end`, last.finishedAt) ?? anchor;
      const wait = waiting.reason === 'CrashLoopBackOff' ? crashBackOff(cs.restartCount) : 0;
      return [this.restartStep(c, finished + wait, last)];
    }
    switch (waiting.reason) {
      case 'ContainerCreating':
      case 'PodInitializing':
        return this.firstStartSteps(c, anchor);
      case 'ErrImagePull':
      case 'ImagePullBackOff':
        return this.pullRetrySteps(c, anchor, t0);
      default:
        return []; // InvalidImageName, ErrImageNeverPull: stuck until the spec changes
    }
  }

  // ---- deletion ----

  private deletionSteps(): Step[] {
    const m = this.pod.metadata;
    const deadline = time(m.deletionTimestamp)!;
    const requested = deadline - (m.deletionGracePeriodSeconds ?? 0) * 1000;
    if (!this.admitted() || terminalPhase(this.status.phase)) return [{ at: requested, apply: () => (this.remove = true) }];
    const running = this.containers().filter((c) => c.cs?.state?.running);
    const steps: Step[] = [];
    if (running.length) {
      steps.push({
        at: requested,
        onceKey: `${this.uid}/kill`,
        apply: (t) => running.forEach((c) => this.event(t, 'Normal', 'Killing', `Stopping container ${c.plan.name}`, c)),
      });
    }
    const stopMs = Math.max(0, ...running.map((c) => c.plan.stopMs));
    const killed = requested + stopMs > deadline;
    steps.push({
      at: Math.min(requested + stopMs, deadline),
      apply: (t) => {
        for (const c of this.containers()) {
          if (!c.cs) continue;
          if (c.cs.state?.running) {
            const exitCode = killed ? 137 : 0;
            this.setStatus(c, { ...c.cs, state: { terminated: this.terminated(c.cs, exitCode, t) }, ready: false, started: false });
          } else if (c.cs.state?.waiting) {
            const message = 'The container could not be located when the pod was terminated';
            this.setStatus(c, { ...c.cs, state: { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message } }, ready: false, started: false });
          }
        }
        derivePodStatus(this.pod, this.status, t, true);
        this.remove = true;
      },
    });
    return steps;
  }

  // ---- the loop ----

  steps(t0: number): Step[] {
    if (this.pod.metadata.deletionTimestamp) return this.deletionSteps();
    if (!this.admitted()) return [{ at: -Infinity, apply: (t) => this.admit(t) }];
    if (terminalPhase(this.status.phase)) return [];
    if (!this.sandboxReady()) {
      return [{
        at: this.sandboxAt(),
        apply: (t) => {
          if (!this.startSandbox(t)) throw new NoAddress();
        },
      }];
    }
    const cs = this.containers();
    const anchors = this.anchors(cs);
    return cs.flatMap((c, i) => this.containerSteps(c, anchors[i], t0));
  }
}

/** The node has no pod address to give: the pod waits for one. */
class NoAddress extends Error {}

/** Pods the kubelet refused at admission keep the status it wrote then. */
const rejected = (status: any) => status.phase === 'Failed' && String(status.message ?? '').startsWith('Pod was rejected: ');

/**
 * Brings a pod up to `now`. `since` is how far it was simulated before (its status already shows
 * everything until then); `notBefore` bounds step times from below (the kubelet was down until then).
 * Steps that react to a change (admission, a new image, a deletion) happen at `now`.
 */
export function syncPod(pod: KubeObject, rules: Rules, env: NodeEnv, now: number, since?: number, notBefore = -Infinity): SyncResult {
  const s = new Sync(pod, rules, env);
  let t = since ?? -Infinity;
  let next: number | undefined;
  let done = true;
  for (let i = 0; !s.remove; i++) {
    const pending = s.steps(t === -Infinity ? now : t).filter((st) => !st.onceKey || !env.emitted.has(st.onceKey));
    if (!pending.length) break;
    const step = pending.reduce((a, b) => (b.at < a.at ? b : a));
    const at = step.at === -Infinity ? Math.max(now, t) : Math.max(step.at, t, notBefore);
    if (at > now || i >= MAX_STEPS) {
      next = Math.max(at, now);
      done = at > now;
      break;
    }
    t = at;
    try {
      step.apply(t);
    } catch (e) {
      if (e instanceof NoAddress) break;
      throw e;
    }
    if (step.onceKey) env.emitted.add(step.onceKey);
    else if (!s.remove && !rejected(s.status)) derivePodStatus(pod, s.status, t);
  }
  // Conditions others changed (a node controller marking the pod NotReady) are the kubelet's to restore.
  if (!s.remove && s.status.startTime && !rejected(s.status)) derivePodStatus(pod, s.status, Math.max(t, now));
  const status = JSON.stringify(s.status) !== JSON.stringify(pod.status ?? {}) ? s.status : undefined;
  return { status, events: s.events, remove: s.remove, next, syncedAt: done ? now : t };
}
