// fieldValidation=Strict|Warn|Ignore on create, update and patch (Warn is the server default).
import { badRequest } from './errors';
import { definitionOf, goQuote, pruneUnknownFields, strictDecodingMessage, unknownFieldWarning } from './strict';
import type { ResourceDef } from '../resources/types';

/**
 * Checks a decoded body against the kind's schema and drops unknown fields (they are never stored).
 * Strict → 400 naming every unknown field; Warn → the `Warning` header values to send; Ignore → nothing.
 */
export function validateFields(def: ResourceDef, body: unknown, q: URLSearchParams, kind = def.kind, sortKeys = false): string[] {
  const mode = q.get('fieldValidation') ?? 'Warn';
  if (mode !== 'Strict' && mode !== 'Warn' && mode !== 'Ignore') {
    throw badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got ${JSON.stringify(mode)}`);
  }
  const definition = kind === 'Scale' ? definitionOf('autoscaling', 'v1', kind) : definitionOf(def.group, def.version, kind);
  const paths = pruneUnknownFields(body, definition, sortKeys);
  if (!paths.length || mode === 'Ignore') return [];
  if (mode === 'Strict') throw badRequest(strictDecodingMessage(kind, def.version, paths));
  return paths.map((p) => `299 - ${goQuote(unknownFieldWarning(p))}`);
}

export function withWarnings(res: Response, warnings: string[]): Response {
  for (const w of warnings) res.headers.append('warning', w);
  return res;
}
