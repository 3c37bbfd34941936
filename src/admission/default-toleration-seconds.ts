// DefaultTolerationSeconds (plugin/pkg/admission/defaulttolerationseconds), policy.md §1.3: every pod
// tolerates a not-ready or unreachable node for 300 s (kube-apiserver's --default-*-toleration-seconds)
// unless it already says how it tolerates them; the taint eviction controller then evicts it after that.
import type { Attributes } from './types';

const NOT_READY_TAINT = 'node.kubernetes.io/not-ready';
const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
const DEFAULT_TOLERATION_SECONDS = 300;

/** A toleration covers the taint when its key is the taint's or empty, and its effect NoExecute or empty. */
const covers = (t: any, key: string) => (t?.key === key || !t?.key) && (t?.effect === 'NoExecute' || !t?.effect);

/** Appends the not-ready, then the unreachable toleration, each unless covered already (mutates). */
export function addDefaultTolerations(spec: any) {
  const tolerations: any[] = Array.isArray(spec.tolerations) ? spec.tolerations : [];
  const missing = [NOT_READY_TAINT, UNREACHABLE_TAINT].filter((key) => !tolerations.some((t) => covers(t, key)));
  if (!missing.length) return;
  spec.tolerations = [
    ...tolerations,
    ...missing.map((key) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: DEFAULT_TOLERATION_SECONDS })),
  ];
}

/** Pod creates and updates, never subresources. */
export function defaultTolerationSeconds(a: Attributes) {
  if (a.def.group !== '' || a.def.plural !== 'pods' || a.subresource) return;
  const spec = a.object.spec;
  if (spec && typeof spec === 'object' && (spec.tolerations == null || Array.isArray(spec.tolerations))) addDefaultTolerations(spec);
}
