// Request bodies: size limits and decoding by Content-Type. Protobuf slots in here (next issue).
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest, entityTooLarge } from './errors';

/** The API server's request body limit (3 MiB). */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export type PatchType = 'merge' | 'json' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/merge-patch+json': 'merge',
  'application/json-patch+json': 'json',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

export const mediaType = (contentType: string | null) => (contentType ?? '').split(';')[0].trim().toLowerCase();

export function patchTypeOf(contentType: string | null): PatchType | undefined {
  return PATCH_TYPES[mediaType(contentType)];
}

/** Reads the body text, refusing more than MAX_BODY_BYTES. */
export async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const buf = await req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw tooLarge();
  return new TextDecoder().decode(buf);
}

const tooLarge = () => entityTooLarge(`limit is ${MAX_BODY_BYTES}`);

/** Decodes a JSON or YAML body (a missing Content-Type means JSON, as kubectl's PUT scale sends none). */
export function decodeBody(contentType: string | null, text: string): unknown {
  const mt = mediaType(contentType);
  if (mt === 'application/vnd.kubernetes.protobuf') {
    throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml`, {});
  }
  if (!text.trim()) throw badRequest('the body of the request was empty');
  const yaml = mt === 'application/yaml' || mt === 'application/apply-patch+yaml' || mt === 'text/yaml';
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw badRequest(yaml ? `error converting YAML to JSON: ${why}` : `couldn't get version/kind; json parse error: ${why}`);
  }
}

/** A body that must be an object (create, update). */
export function decodeObject(contentType: string | null, text: string, kindName: string, version: string): Record<string, any> {
  const v = decodeBody(contentType, text);
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest(`${kindName} in version "${version}" cannot be handled as a ${kindName}: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type struct`);
  }
  return v as Record<string, any>;
}
