// The DNS message codec (RFC 1035 with EDNS0, RFC 6891): header, questions and the A, AAAA, NS, CNAME,
// PTR, SOA, TXT, SRV and OPT records; other types keep their RDATA as bytes. Names are presentation
// text without the trailing dot ('' is the root), case kept, `.`/`\`/non-printable bytes escaped.
// Decoding follows compression pointers (only strictly backwards, so a loop cannot exist); encoding
// compresses owner names and the names inside NS/CNAME/PTR/SOA (never SRV targets, RFC 2782).
import { formatIPv4, formatIPv6, parseIPv4, parseIPv6 } from '../network/ip';

export const TYPE = {
  A: 1, NS: 2, CNAME: 5, SOA: 6, PTR: 12, HINFO: 13, MX: 15, TXT: 16, AAAA: 28, SRV: 33, NAPTR: 35, OPT: 41,
  DS: 43, RRSIG: 46, NSEC: 47, DNSKEY: 48, HTTPS: 65, SVCB: 64, IXFR: 251, AXFR: 252, ANY: 255, CAA: 257,
} as const;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, BADVERS: 16 } as const;

export const CLASS_IN = 1;

/** Bytes that are not a well-formed DNS message. */
export class DnsFormatError extends Error {}

export interface Question {
  name: string;
  type: number;
  class: number;
}

export interface SrvData {
  priority: number;
  weight: number;
  port: number;
  target: string;
}

export interface SoaData {
  mname: string;
  rname: string;
  serial: number;
  refresh: number;
  retry: number;
  expire: number;
  minimum: number;
}

/**
 * RDATA by type: A/AAAA the address text, NS/CNAME/PTR a name, TXT its character-strings, SRV and SOA
 * their fields, any other type the raw bytes.
 */
export type RData = string | string[] | SrvData | SoaData | Uint8Array;

export interface ResourceRecord {
  name: string;
  type: number;
  class: number;
  ttl: number;
  data: RData;
}

export interface EdnsOption {
  code: number;
  data: Uint8Array;
}

/** The OPT pseudo-record, kept apart from the additional section. */
export interface Edns {
  udpSize: number;
  version: number;
  dnssecOk: boolean;
  options: EdnsOption[];
}

export interface Message {
  id: number;
  qr: boolean;
  opcode: number;
  aa: boolean;
  tc: boolean;
  rd: boolean;
  ra: boolean;
  /** the reserved Z bit */
  z: boolean;
  ad: boolean;
  cd: boolean;
  /** the full response code: the header's 4 bits plus, with EDNS, the OPT record's 8 upper bits */
  rcode: number;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  edns?: Edns;
}

export const MAX_MESSAGE = 65535;
const MAX_NAME_WIRE = 255;
const MAX_LABEL = 63;

// ---------------------------------------------------------------- names

const escapeLabel = (bytes: Uint8Array): string => {
  let s = '';
  for (const b of bytes) {
    if (b === 0x2e || b === 0x5c) s += '\\' + String.fromCharCode(b);
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + String(b).padStart(3, '0');
  }
  return s;
};

/** A presentation name → its labels as bytes; throws DnsFormatError for an empty label, a label over 63 or a name over 255 bytes. */
export function nameToLabels(name: string): Uint8Array[] {
  let text = name;
  if (text.endsWith('.') && !text.endsWith('\\.')) text = text.slice(0, -1);
  if (text === '') return [];
  const labels: Uint8Array[] = [];
  let cur: number[] = [];
  const close = () => {
    if (cur.length === 0) throw new DnsFormatError(`empty label in name "${name}"`);
    if (cur.length > MAX_LABEL) throw new DnsFormatError(`label longer than ${MAX_LABEL} bytes in name "${name}"`);
    labels.push(Uint8Array.from(cur));
    cur = [];
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x2e) {
      close();
      continue;
    }
    if (c === 0x5c) {
      const d = /^\d{3}/.exec(text.slice(i + 1));
      if (d) {
        if (Number(d[0]) > 255) throw new DnsFormatError(`bad escape in name "${name}"`);
        cur.push(Number(d[0]));
        i += 3;
      } else if (i + 1 < text.length) {
        cur.push(text.charCodeAt(++i));
      } else {
        throw new DnsFormatError(`bad escape in name "${name}"`);
      }
      continue;
    }
    if (c > 0xff) throw new DnsFormatError(`name "${name}" is not ASCII`);
    cur.push(c);
  }
  close();
  if (labels.reduce((n, l) => n + l.length + 1, 1) > MAX_NAME_WIRE) throw new DnsFormatError(`name "${name}" is longer than ${MAX_NAME_WIRE} bytes`);
  return labels;
}

// ---------------------------------------------------------------- decode

class Reader {
  constructor(readonly buf: Uint8Array, public pos = 0) {}

  need(n: number) {
    if (this.pos + n > this.buf.length) throw new DnsFormatError('message is truncated');
  }
  u8() {
    this.need(1);
    return this.buf[this.pos++];
  }
  u16() {
    this.need(2);
    const v = (this.buf[this.pos] << 8) | this.buf[this.pos + 1];
    this.pos += 2;
    return v;
  }
  u32() {
    return this.u16() * 0x10000 + this.u16();
  }
  bytes(n: number) {
    this.need(n);
    const b = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  name(): string {
    const labels: string[] = [];
    let pos = this.pos;
    let end = -1;
    let wire = 1;
    // Each pointer must point before the previous one (or before itself): chains shrink, loops cannot form.
    let limit = pos;
    for (;;) {
      if (pos >= this.buf.length) throw new DnsFormatError('message is truncated');
      const len = this.buf[pos];
      if (len === 0) {
        pos++;
        break;
      }
      if ((len & 0xc0) === 0xc0) {
        if (pos + 1 >= this.buf.length) throw new DnsFormatError('message is truncated');
        const target = ((len & 0x3f) << 8) | this.buf[pos + 1];
        if (end < 0) end = pos + 2;
        if (target >= limit) throw new DnsFormatError('compression pointer does not point backwards');
        limit = pos = target;
        continue;
      }
      if (len & 0xc0) throw new DnsFormatError(`unsupported label type 0x${(len & 0xc0).toString(16)}`);
      if (pos + 1 + len > this.buf.length) throw new DnsFormatError('message is truncated');
      wire += len + 1;
      if (wire > MAX_NAME_WIRE) throw new DnsFormatError(`name is longer than ${MAX_NAME_WIRE} bytes`);
      labels.push(escapeLabel(this.buf.subarray(pos + 1, pos + 1 + len)));
      pos += 1 + len;
    }
    this.pos = end < 0 ? pos : end;
    return labels.join('.');
  }
}

function decodeRData(r: Reader, type: number, length: number): RData {
  const end = r.pos + length;
  r.need(length);
  let data: RData;
  switch (type) {
    case TYPE.A:
      if (length !== 4) throw new DnsFormatError(`A record with ${length} bytes of data`);
      data = formatIPv4(r.bytes(4));
      break;
    case TYPE.AAAA:
      if (length !== 16) throw new DnsFormatError(`AAAA record with ${length} bytes of data`);
      data = formatIPv6(r.bytes(16));
      break;
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
      data = r.name();
      break;
    case TYPE.SOA:
      data = { mname: r.name(), rname: r.name(), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32() };
      break;
    case TYPE.SRV:
      data = { priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name() };
      break;
    case TYPE.TXT: {
      const strings: string[] = [];
      while (r.pos < end) {
        const n = r.u8();
        if (r.pos + n > end) throw new DnsFormatError('TXT string runs past its record');
        strings.push(String.fromCharCode(...r.bytes(n)));
      }
      data = strings;
      break;
    }
    default:
      data = r.bytes(length);
  }
  if (r.pos !== end) throw new DnsFormatError(`record data length ${length} does not match its content`);
  return data;
}

function decodeOptions(bytes: Uint8Array): EdnsOption[] {
  const r = new Reader(bytes);
  const options: EdnsOption[] = [];
  while (r.pos < bytes.length) {
    const code = r.u16();
    const len = r.u16();
    options.push({ code, data: r.bytes(len) });
  }
  return options;
}

/** Decodes a whole DNS message; throws DnsFormatError for anything malformed (including trailing bytes). */
export function decodeMessage(buf: Uint8Array): Message {
  if (buf.length > MAX_MESSAGE) throw new DnsFormatError(`message is longer than ${MAX_MESSAGE} bytes`);
  const r = new Reader(buf);
  if (buf.length < 12) throw new DnsFormatError('message is shorter than its 12-byte header');
  const id = r.u16();
  const flags = r.u16();
  const counts = [r.u16(), r.u16(), r.u16(), r.u16()];
  const m: Message = {
    id,
    qr: !!(flags & 0x8000),
    opcode: (flags >> 11) & 0xf,
    aa: !!(flags & 0x0400),
    tc: !!(flags & 0x0200),
    rd: !!(flags & 0x0100),
    ra: !!(flags & 0x0080),
    z: !!(flags & 0x0040),
    ad: !!(flags & 0x0020),
    cd: !!(flags & 0x0010),
    rcode: flags & 0xf,
    questions: [],
    answers: [],
    authority: [],
    additional: [],
  };
  for (let i = 0; i < counts[0]; i++) m.questions.push({ name: r.name(), type: r.u16(), class: r.u16() });
  const sections = [m.answers, m.authority, m.additional];
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s + 1]; i++) {
      const name = r.name();
      const type = r.u16();
      const cls = r.u16();
      const ttl = r.u32();
      const length = r.u16();
      if (type === TYPE.OPT) {
        if (s !== 2 || name !== '' || m.edns) throw new DnsFormatError('misplaced or repeated OPT record');
        m.edns = { udpSize: cls, version: (ttl >>> 16) & 0xff, dnssecOk: !!(ttl & 0x8000), options: decodeOptions(r.bytes(length)) };
        m.rcode |= (ttl >>> 24) << 4;
        continue;
      }
      sections[s].push({ name, type, class: cls, ttl, data: decodeRData(r, type, length) });
    }
  }
  if (r.pos !== buf.length) throw new DnsFormatError(`${buf.length - r.pos} bytes after the end of the message`);
  return m;
}

// ---------------------------------------------------------------- encode

class Writer {
  private buf = new Uint8Array(512);
  len = 0;
  private names = new Map<string, number>();

  private grow(n: number) {
    if (this.len + n > MAX_MESSAGE) throw new DnsFormatError(`message would be longer than ${MAX_MESSAGE} bytes`);
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
  u8(v: number) {
    this.grow(1);
    this.buf[this.len++] = v & 0xff;
  }
  u16(v: number) {
    this.u8(v >> 8);
    this.u8(v);
  }
  u32(v: number) {
    this.u16(Math.floor(v / 0x10000) & 0xffff);
    this.u16(v & 0xffff);
  }
  bytes(b: Uint8Array) {
    this.grow(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  set16(at: number, v: number) {
    this.buf[at] = (v >> 8) & 0xff;
    this.buf[at + 1] = v & 0xff;
  }
  name(name: string, compress: boolean) {
    const labels = nameToLabels(name);
    for (let i = 0; i < labels.length; i++) {
      const key = labels.slice(i).map((l) => String.fromCharCode(...l)).join('\0');
      const at = this.names.get(key);
      if (compress && at !== undefined) {
        this.u16(0xc000 | at);
        return;
      }
      if (this.len < 0x4000) this.names.set(key, this.len);
      this.u8(labels[i].length);
      this.bytes(labels[i]);
    }
    this.u8(0);
  }
  result() {
    return this.buf.slice(0, this.len);
  }
}

const badData = (type: number) => new DnsFormatError(`record data does not fit type ${type}`);

function encodeRData(w: Writer, rr: ResourceRecord) {
  const d = rr.data;
  switch (rr.type) {
    case TYPE.A: {
      const b = typeof d === 'string' ? parseIPv4(d) : undefined;
      if (!b) throw badData(rr.type);
      return w.bytes(b);
    }
    case TYPE.AAAA: {
      const b = typeof d === 'string' ? parseIPv6(d) : undefined;
      if (!b) throw badData(rr.type);
      return w.bytes(b);
    }
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
      if (typeof d !== 'string') throw badData(rr.type);
      return w.name(d, true);
    case TYPE.SOA: {
      const s = d as SoaData;
      w.name(s.mname, true);
      w.name(s.rname, true);
      for (const v of [s.serial, s.refresh, s.retry, s.expire, s.minimum]) w.u32(v);
      return;
    }
    case TYPE.SRV: {
      const s = d as SrvData;
      w.u16(s.priority);
      w.u16(s.weight);
      w.u16(s.port);
      return w.name(s.target, false);
    }
    case TYPE.TXT:
      if (!Array.isArray(d)) throw badData(rr.type);
      for (const s of d) {
        if (s.length > 255 || /[^\x00-\xff]/.test(s)) throw new DnsFormatError('TXT string longer than 255 bytes or not 8-bit');
        w.u8(s.length);
        for (let i = 0; i < s.length; i++) w.u8(s.charCodeAt(i));
      }
      return;
    default:
      if (!(d instanceof Uint8Array)) throw badData(rr.type);
      w.bytes(d);
  }
}

function encodeRecord(w: Writer, rr: ResourceRecord) {
  w.name(rr.name, true);
  w.u16(rr.type);
  w.u16(rr.class);
  w.u32(rr.ttl);
  const at = w.len;
  w.u16(0);
  encodeRData(w, rr);
  w.set16(at, w.len - at - 2);
}

export function encodeMessage(m: Message): Uint8Array {
  if (m.rcode > 0xf && !m.edns) throw new DnsFormatError('an extended rcode needs an OPT record');
  const w = new Writer();
  w.u16(m.id);
  const bit = (b: boolean, v: number) => (b ? v : 0);
  w.u16(
    bit(m.qr, 0x8000) | ((m.opcode & 0xf) << 11) | bit(m.aa, 0x0400) | bit(m.tc, 0x0200) | bit(m.rd, 0x0100) |
      bit(m.ra, 0x0080) | bit(m.z, 0x0040) | bit(m.ad, 0x0020) | bit(m.cd, 0x0010) | (m.rcode & 0xf),
  );
  w.u16(m.questions.length);
  w.u16(m.answers.length);
  w.u16(m.authority.length);
  w.u16(m.additional.length + (m.edns ? 1 : 0));
  for (const q of m.questions) {
    w.name(q.name, true);
    w.u16(q.type);
    w.u16(q.class);
  }
  for (const rr of [...m.answers, ...m.authority, ...m.additional]) encodeRecord(w, rr);
  if (m.edns) {
    const e = m.edns;
    w.u8(0);
    w.u16(TYPE.OPT);
    w.u16(e.udpSize);
    w.u32(((m.rcode >> 4) & 0xff) * 0x1000000 + (e.version & 0xff) * 0x10000 + (e.dnssecOk ? 0x8000 : 0));
    w.u16(e.options.reduce((n, o) => n + 4 + o.data.length, 0));
    for (const o of e.options) {
      w.u16(o.code);
      w.u16(o.data.length);
      w.bytes(o.data);
    }
  }
  return w.result();
}

// ---------------------------------------------------------------- presentation

const TYPE_NAMES = new Map<number, string>(Object.entries(TYPE).map(([k, v]) => [v, k]));

/** `A`, `SRV`, … or `TYPE65280` (RFC 3597) for a type number. */
export const typeName = (type: number) => TYPE_NAMES.get(type) ?? `TYPE${type}`;

/** A type given by mnemonic (any case, or `TYPEnnn`) or number → its number, or undefined. */
export function parseType(s: string): number | undefined {
  const upper = s.trim().toUpperCase();
  const n = /^(?:TYPE)?(\d{1,5})$/.exec(upper);
  if (n) {
    const v = Number(n[1]);
    return v >= 1 && v <= 65535 ? v : undefined;
  }
  return (TYPE as Record<string, number>)[upper];
}

export const RCODE_NAMES = new Map<number, string>(Object.entries(RCODE).map(([k, v]) => [v, k]));

const quoteTxt = (s: string) =>
  '"' +
  Array.from(s, (c) => {
    const b = c.charCodeAt(0);
    if (c === '"' || c === '\\') return '\\' + c;
    return b >= 0x20 && b < 0x7f ? c : '\\' + String(b).padStart(3, '0');
  }).join('') +
  '"';

const fqdn = (name: string) => `${name}.`;

/** RDATA in presentation format, as the JSON DoH API's `data` field carries it. */
export function rdataText(rr: ResourceRecord): string {
  const d = rr.data;
  switch (rr.type) {
    case TYPE.A:
    case TYPE.AAAA:
      return d as string;
    case TYPE.NS:
    case TYPE.CNAME:
    case TYPE.PTR:
      return fqdn(d as string);
    case TYPE.SRV: {
      const s = d as SrvData;
      return `${s.priority} ${s.weight} ${s.port} ${fqdn(s.target)}`;
    }
    case TYPE.SOA: {
      const s = d as SoaData;
      return `${fqdn(s.mname)} ${fqdn(s.rname)} ${s.serial} ${s.refresh} ${s.retry} ${s.expire} ${s.minimum}`;
    }
    case TYPE.TXT:
      return (d as string[]).map(quoteTxt).join(' ');
    default: {
      const b = d as Uint8Array;
      return `\\# ${b.length}${b.length ? ' ' + Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('') : ''}`;
    }
  }
}
