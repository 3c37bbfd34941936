// Strategic-merge-patch metadata of a kind, derived from its schema (schema.json) and the field tags in
// field-meta.ts: dotted path (list elements transparent) → how that list merges.
import { fieldMeta } from '../resources/field-meta';
import type { PatchMeta, ResourceDef } from '../resources/types';
import { definitionOf, definitions, type FieldSchema } from './strict';

const cache = new Map<string, PatchMeta>();

export function patchMetaOf(def: Pick<ResourceDef, 'group' | 'version' | 'kind'>): PatchMeta {
  const root = definitionOf(def.group, def.version, def.kind);
  let meta = cache.get(root);
  if (!meta) cache.set(root, (meta = collect(root, '', new Set(), {})));
  return meta;
}

function collect(definition: string, prefix: string, seen: Set<string>, out: PatchMeta): PatchMeta {
  const props = definitions[definition]?.properties;
  if (!props || seen.has(definition)) return out; // recursive types end here
  seen.add(definition);
  for (const [field, schema] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${field}` : field;
    const tag = fieldMeta(definition, field);
    if (tag?.patchStrategy) out[path] = { strategy: tag.patchStrategy, ...(tag.patchMergeKey ? { mergeKey: tag.patchMergeKey } : {}) };
    const ref = refOf(schema);
    if (ref) collect(ref, path, seen, out);
  }
  seen.delete(definition);
  return out;
}

/** The struct a field holds, directly or as list items. */
const refOf = (s: FieldSchema): string | undefined => s.ref ?? s.items?.ref;
