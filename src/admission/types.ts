// What every admission plugin sees (admission.Attributes) and the Forbidden error they answer with.
import { grOf } from '../apiserver/context';
import { forbidden, type ApiError } from '../apiserver/errors';
import type { KubeObject, ResourceDef } from '../resources/types';

export type Operation = 'CREATE' | 'UPDATE';

export interface Attributes {
  operation: Operation;
  def: ResourceDef;
  /** '' for the main resource, else 'status', 'scale', 'finalize' */
  subresource: string;
  namespace: string;
  /** the object being written; mutating plugins change it in place */
  object: KubeObject;
  /** the stored object, on UPDATE */
  oldObject?: KubeObject;
  user: string;
  /** checked like any request, but nothing may be charged or written */
  dryRun: boolean;
}

/**
 * admission.NewForbidden: `<resource> "<name>" is forbidden: <err>`, the name from the object, else its
 * generateName (what mutating plugins see on create), else `Unknown`.
 */
export function admissionForbidden(a: Attributes, err: string): ApiError {
  const m = a.object.metadata;
  return forbidden(grOf(a.def), m.name || m.generateName || 'Unknown', err);
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several de-duplicated in `[a, b]`. */
export function aggregateErrors(errs: string[]): string {
  const unique = [...new Set(errs)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
