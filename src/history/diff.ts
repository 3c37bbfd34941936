// A compact structural diff between two JSON values: what changed, where (a JSON Pointer), from what, to what.
export interface DiffOp {
  op: 'add' | 'remove' | 'replace';
  /** RFC 6901 JSON Pointer */
  path: string;
  /** the value before (remove, replace) */
  from?: unknown;
  /** the value after (add, replace) */
  value?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (path: string, key: string | number) => `${path}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** The operations that turn `a` into `b`; arrays are compared index by index. `skip` omits paths (and below). */
export function diff(a: unknown, b: unknown, skip: ReadonlySet<string> = new Set(), path = ''): DiffOp[] {
  if (skip.has(path)) return [];
  if (isObject(a) && isObject(b)) {
    const ops: DiffOp[] = [];
    for (const k of Object.keys(a)) {
      if (!(k in b)) {
        if (!skip.has(pointer(path, k))) ops.push({ op: 'remove', path: pointer(path, k), from: a[k] });
      } else ops.push(...diff(a[k], b[k], skip, pointer(path, k)));
    }
    for (const k of Object.keys(b)) if (!(k in a) && !skip.has(pointer(path, k))) ops.push({ op: 'add', path: pointer(path, k), value: b[k] });
    return ops;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const ops: DiffOp[] = [];
    const common = Math.min(a.length, b.length);
    for (let i = 0; i < common; i++) ops.push(...diff(a[i], b[i], skip, pointer(path, i)));
    // Removed from the end backwards, so each path is valid when its operation is applied in order.
    for (let i = a.length - 1; i >= common; i--) ops.push({ op: 'remove', path: pointer(path, i), from: a[i] });
    for (let i = common; i < b.length; i++) ops.push({ op: 'add', path: pointer(path, i), value: b[i] });
    return ops;
  }
  if (a === b) return [];
  return [{ op: 'replace', path, from: a, value: b }];
}
