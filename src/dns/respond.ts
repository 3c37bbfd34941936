// The cluster's DNS server, message in → message out, as CoreDNS writes its replies: ID, opcode, RD and
// CD copied, QR and AA set, RA clear (an authoritative server that does not recurse), the question
// echoed, EDNS answered when the query used it (version 0, the client's UDP size and DO bit, no options).
import { resolve, type DnsView } from './records';
import { RCODE, TYPE, rdataText, type Message, type ResourceRecord } from './wire';

export function respond(view: DnsView, query: Message): Message {
  const reply: Message = {
    id: query.id,
    qr: true,
    opcode: query.opcode,
    aa: false,
    tc: false,
    rd: query.rd,
    ra: false,
    z: false,
    ad: false,
    cd: query.cd,
    rcode: RCODE.NOERROR,
    questions: query.questions,
    answers: [],
    authority: [],
    additional: [],
  };
  if (query.edns) reply.edns = { udpSize: Math.max(512, query.edns.udpSize), version: 0, dnssecOk: query.edns.dnssecOk, options: [] };
  if (query.edns && query.edns.version > 0) return { ...reply, rcode: RCODE.BADVERS };
  if (query.opcode !== 0) return { ...reply, rcode: RCODE.NOTIMP };
  if (query.questions.length !== 1) return { ...reply, rcode: RCODE.FORMERR };
  const q = query.questions[0];
  const a = resolve(view, q.name, q.type);
  return { ...reply, aa: a.authoritative, rcode: a.rcode, answers: a.answers, authority: a.authority, additional: a.additional };
}

/** RFC 8484 §5.1: no longer than the smallest answer TTL, or for a negative answer the SOA's minimum. */
export function maxAge(m: Message): number {
  if (m.answers.length) return Math.min(...m.answers.map((r) => r.ttl));
  const soa = m.authority.find((r) => r.type === TYPE.SOA);
  return soa ? Math.min(soa.ttl, (soa.data as { minimum: number }).minimum) : 0;
}

export const jsonRecord = (r: ResourceRecord) => ({ name: `${r.name}.`, type: r.type, TTL: r.ttl, data: rdataText(r) });

/** The Google/Cloudflare JSON form of a reply; empty sections are left out. */
export function toJson(m: Message): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Status: m.rcode,
    TC: m.tc,
    RD: m.rd,
    RA: m.ra,
    AD: m.ad,
    CD: m.cd,
    Question: m.questions.map((q) => ({ name: `${q.name}.`, type: q.type })),
  };
  if (m.answers.length) out.Answer = m.answers.map(jsonRecord);
  if (m.authority.length) out.Authority = m.authority.map(jsonRecord);
  if (m.additional.length) out.Additional = m.additional.map(jsonRecord);
  return out;
}
