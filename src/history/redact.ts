// Secret values never leave the Durable Object in clear: a revision of a Secret keeps its keys, each value
// replaced by a marker with its length. `kubectl apply` copies the whole manifest (values included) into
// the last-applied annotation, so that is redacted the same way.
import type { KubeObject } from '../resources/types';

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const marker = (value: unknown) => `<redacted: ${typeof value === 'string' ? value.length : 0} bytes>`;

function redactValues(map: unknown): unknown {
  if (!map || typeof map !== 'object' || Array.isArray(map)) return marker('');
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, marker(v)]));
}

/** A copy of a Secret-shaped object without its values (`data`, `stringData`); other fields are shared. */
function redactShape(o: Record<string, any>): Record<string, any> {
  const out = { ...o };
  for (const field of ['data', 'stringData']) if (field in out) out[field] = redactValues(out[field]);
  return out;
}

/** The annotation's manifest redacted; one that does not parse is replaced whole. */
function redactLastApplied(text: string): string {
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return JSON.stringify(redactShape(parsed));
  } catch {
    // not JSON: nothing of it can be kept
  }
  return marker(text);
}

/** A Secret as history may keep it. */
export function redactSecret(secret: KubeObject): KubeObject {
  const out = redactShape(secret) as KubeObject;
  const annotations = secret.metadata?.annotations;
  if (annotations && typeof annotations[LAST_APPLIED] === 'string') {
    out.metadata = { ...secret.metadata, annotations: { ...annotations, [LAST_APPLIED]: redactLastApplied(annotations[LAST_APPLIED]) } };
  }
  return out;
}
