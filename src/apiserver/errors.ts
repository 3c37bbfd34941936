// metav1.Status errors with the codes, reasons and messages of apimachinery pkg/api/errors (1.35).
import { aggregateMessage, type FieldError } from './field-errors';

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: { reason?: string; message?: string; field?: string }[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** A failed request: thrown anywhere in the pipeline, answered as a Status. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  /** The Status body, keys in the order the API server writes them (details before code). */
  toStatus(): Status {
    const s: Partial<Status> = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' };
    if (this.message) s.message = this.message;
    if (this.reason) s.reason = this.reason;
    if (this.details) s.details = this.details;
    s.code = this.code;
    return s as Status;
  }
}

/** GroupResource of a resource: `pods`, `deployments.apps`. */
export interface GroupResource {
  group: string;
  resource: string;
}
export const grString = (gr: GroupResource) => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);
const grDetails = (gr: GroupResource, name: string): StatusDetails => {
  const d: StatusDetails = { name };
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  if (!name) delete d.name;
  return d;
};

export const notFound = (gr: GroupResource, name: string) =>
  new ApiError(404, 'NotFound', `${grString(gr)} "${name}" not found`, grDetails(gr, name));

export const alreadyExists = (gr: GroupResource, name: string) =>
  new ApiError(409, 'AlreadyExists', `${grString(gr)} "${name}" already exists`, grDetails(gr, name));

export const generateNameConflict = (gr: GroupResource, name: string) =>
  new ApiError(409, 'AlreadyExists', `${grString(gr)} "${name}" already exists, the server was not able to generate a unique name for the object`, {
    ...grDetails(gr, name),
    retryAfterSeconds: 1,
  });

export const conflict = (gr: GroupResource, name: string, err: string) =>
  new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${grString(gr)} "${name}": ${err}`, grDetails(gr, name));

export const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';

/** 422 Invalid: details.kind is the Kind and the message names `Kind.group`. */
export function invalid(kind: string, group: string, name: string, errors: FieldError[]): ApiError {
  const gk = group ? `${kind}.${group}` : kind;
  const details: StatusDetails = { name };
  if (group) details.group = group;
  details.kind = kind;
  details.causes = errors.map((e) => ({ reason: e.type, message: e.body, field: e.field }));
  const message = errors.length ? `${gk} "${name}" is invalid: ${aggregateMessage(errors)}` : `${gk} "${name}" is invalid`;
  return new ApiError(422, 'Invalid', message, details);
}

export function forbidden(gr: GroupResource | null, name: string, err: string): ApiError {
  if (!gr) return new ApiError(403, 'Forbidden', `forbidden: ${err}`, {});
  const msg = name ? `${grString(gr)} "${name}" is forbidden: ${err}` : `${grString(gr)} is forbidden: ${err}`;
  return new ApiError(403, 'Forbidden', msg, grDetails(gr, name));
}

export const badRequest = (message: string) => new ApiError(400, 'BadRequest', message);

export const methodNotAllowed = () => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource', {});

export const pathNotFound = () => new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});

export const expired = (message: string) => new ApiError(410, 'Expired', message);

export const entityTooLarge = (message: string) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: ${message}`);

export const unauthorized = (message = 'Unauthorized') => new ApiError(401, 'Unauthorized', message);

export const unsupportedMediaType = (contentType: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, {});

export const internalError = (err: string) =>
  new ApiError(500, 'InternalError', `Internal error occurred: ${err}`, { causes: [{ message: err }] });

export const notAcceptable = (message: string) => new ApiError(406, 'NotAcceptable', message, {});

export function statusResponse(err: ApiError, headers: Record<string, string> = {}): Response {
  // As the API server's ErrorNegotiated: a Status with retryAfterSeconds also says so in Retry-After.
  const retry = err.details?.retryAfterSeconds;
  if (retry && retry > 0) headers = { 'retry-after': String(retry), ...headers };
  return new Response(JSON.stringify(err.toStatus()), {
    status: err.code,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
