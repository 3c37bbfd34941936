// Request bodies: size limits and decoding by Content-Type (JSON, YAML, Kubernetes protobuf).
import { parse as parseYaml } from 'yaml';
import { badRequest, entityTooLarge } from './errors';
import { PROTOBUF_MEDIA_TYPE, ProtobufError, decodeKubeProtobuf } from './protobuf/decode';

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

/** A request body: text, or the raw bytes when the Content-Type is Kubernetes protobuf. */
export type Body = string | Uint8Array;

/** Reads the body once, refusing more than MAX_BODY_BYTES; protobuf bodies stay bytes, others become text. */
export async function readRequestBody(req: Request): Promise<Body> {
  const buf = await readBytes(req);
  if (mediaType(req.headers.get('content-type')) === PROTOBUF_MEDIA_TYPE) return buf;
  return new TextDecoder().decode(buf);
}

/** Reads the body as text, refusing more than MAX_BODY_BYTES (for bodies that are JSON whatever the headers say). */
export async function readBody(req: Request): Promise<string> {
  return new TextDecoder().decode(await readBytes(req));
}

async function readBytes(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const buf = await req.arrayBuffer();
  if (buf.byteLength > MAX_BODY_BYTES) throw tooLarge();
  return new Uint8Array(buf);
}

export const isEmptyBody = (body: Body) => (typeof body === 'string' ? !body.trim() : body.length === 0);

const tooLarge = () => entityTooLarge(`limit is ${MAX_BODY_BYTES}`);

/** Decodes a JSON, YAML or protobuf body (a missing Content-Type means JSON, as kubectl's PUT scale sends none). */
export function decodeBody(contentType: string | null, body: Body): unknown {
  const mt = mediaType(contentType);
  if (isEmptyBody(body)) throw badRequest('the body of the request was empty');
  if (mt === PROTOBUF_MEDIA_TYPE) {
    if (typeof body === 'string') body = new TextEncoder().encode(body); // only callers that read text; readBody keeps bytes
    try {
      return decodeKubeProtobuf(body).object;
    } catch (e) {
      if (e instanceof ProtobufError) throw badRequest(`failed to decode protobuf body: ${e.message}`);
      throw e;
    }
  }
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  const yaml = mt === 'application/yaml' || mt === 'application/apply-patch+yaml' || mt === 'text/yaml';
  try {
    return yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    const why = (e as Error).message.split('\n')[0];
    throw badRequest(yaml ? `error converting YAML to JSON: ${why}` : `couldn't get version/kind; json parse error: ${why}`);
  }
}

/** A body that must be an object (create, update). */
export function decodeObject(contentType: string | null, body: Body, kindName: string, version: string): Record<string, any> {
  const v = decodeBody(contentType, body);
  if (!v || typeof v !== 'object' || Array.isArray(v)) {
    throw badRequest(`${kindName} in version "${version}" cannot be handled as a ${kindName}: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type struct`);
  }
  return v as Record<string, any>;
}
