// The DNS codec against real client bytes (dig and kdig queries captured on 127.0.0.1, see
// fixtures/dns/README.md), round trips, compression, and malformed messages.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CLASS_IN,
  DnsFormatError,
  RCODE,
  TYPE,
  decodeMessage,
  encodeMessage,
  parseType,
  rdataText,
  typeName,
  type Message,
} from '../../src/dns/wire';
import { addressFromReverse, canonicalIP } from '../../src/network/ip';

const fixture = (name: string) => Uint8Array.from(Buffer.from(readFileSync(new URL(`./fixtures/dns/${name}.hex`, import.meta.url), 'utf8').trim(), 'hex'));
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

const message = (over: Partial<Message>): Message => ({
  id: 0, qr: false, opcode: 0, aa: false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false, rcode: 0,
  questions: [], answers: [], authority: [], additional: [], ...over,
});

describe('decoding what dig sends', () => {
  it('an A query: RD+AD, EDNS UDP 1232 with a COOKIE option', () => {
    const m = decodeMessage(fixture('dig-a'));
    expect(m.id).toBe(0x1d4c);
    expect([m.qr, m.opcode, m.rd, m.ad, m.cd, m.aa, m.rcode]).toEqual([false, 0, true, true, false, false, 0]);
    expect(m.questions).toEqual([{ name: 'redis-master.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN }]);
    expect(m.answers).toEqual([]);
    expect(m.additional).toEqual([]);
    expect(m.edns).toMatchObject({ udpSize: 1232, version: 0, dnssecOk: false });
    expect(m.edns!.options.map((o) => [o.code, o.data.length])).toEqual([[10, 8]]);
  });

  it('an SRV query keeps the underscore labels', () => {
    const m = decodeMessage(fixture('dig-srv'));
    expect(m.questions).toEqual([{ name: '_redis._tcp.redis-master.default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN }]);
  });

  it('-x asks PTR for the in-addr.arpa name', () => {
    const m = decodeMessage(fixture('dig-ptr'));
    expect(m.questions).toEqual([{ name: '1.0.96.10.in-addr.arpa', type: TYPE.PTR, class: CLASS_IN }]);
    expect(addressFromReverse(m.questions[0].name)).toBe('10.96.0.1');
  });
});

describe('decoding what kdig sends', () => {
  it('A, SRV and PTR over UDP without EDNS', () => {
    const [a, srv, ptr] = ['kdig-a', 'kdig-srv', 'kdig-ptr'].map((f) => decodeMessage(fixture(f)));
    expect(a.questions[0]).toEqual({ name: 'redis-master.default.svc.cluster.local', type: TYPE.A, class: CLASS_IN });
    expect(srv.questions[0].type).toBe(TYPE.SRV);
    expect(ptr.questions[0]).toEqual({ name: '1.0.96.10.in-addr.arpa', type: TYPE.PTR, class: CLASS_IN });
    for (const m of [a, srv, ptr]) {
      expect(m.edns).toBeUndefined();
      expect([m.rd, m.ad]).toEqual([true, true]);
    }
  });

  it('with padding (as over DoH): 128 bytes, EDNS UDP 4096 and a PADDING option of zeros', () => {
    const bytes = fixture('kdig-a-padding');
    expect(bytes.length).toBe(128);
    const m = decodeMessage(bytes);
    expect(m.edns).toMatchObject({ udpSize: 4096, version: 0, dnssecOk: false });
    expect(m.edns!.options).toHaveLength(1);
    expect(m.edns!.options[0].code).toBe(12);
    expect(m.edns!.options[0].data.every((b) => b === 0)).toBe(true);
  });
});

describe('RFC 8484 §4.1.1 example', () => {
  it('decodes www.example.com A with ID 0 and RD', () => {
    const m = decodeMessage(hex('00000100000100000000000003777777076578616d706c6503636f6d0000010001'));
    expect(m).toMatchObject({ id: 0, rd: true, questions: [{ name: 'www.example.com', type: 1, class: 1 }] });
    expect(encodeMessage(m)).toEqual(hex('00000100000100000000000003777777076578616d706c6503636f6d0000010001'));
  });
});

describe('encode → decode', () => {
  const full = message({
    id: 4242, qr: true, aa: true, rd: true, cd: true, rcode: RCODE.NXDOMAIN,
    questions: [{ name: 'Svc.Default.svc.cluster.local', type: TYPE.SRV, class: CLASS_IN }],
    answers: [
      { name: 'Svc.Default.svc.cluster.local', type: TYPE.SRV, class: 1, ttl: 30, data: { priority: 0, weight: 50, port: 80, target: 'svc.default.svc.cluster.local' } },
      { name: 'svc.default.svc.cluster.local', type: TYPE.CNAME, class: 1, ttl: 30, data: 'ext.example.org' },
      { name: 'x.default.svc.cluster.local', type: TYPE.TXT, class: 1, ttl: 28800, data: ['1.1.0', 'two words', ''] },
      { name: '1.0.96.10.in-addr.arpa', type: TYPE.PTR, class: 1, ttl: 30, data: 'kubernetes.default.svc.cluster.local' },
      { name: 'v6.default.svc.cluster.local', type: TYPE.AAAA, class: 1, ttl: 30, data: '2001:db8::1' },
      { name: 'odd.example', type: 99, class: 1, ttl: 1, data: Uint8Array.of(1, 2, 3) },
    ],
    authority: [
      { name: 'cluster.local', type: TYPE.SOA, class: 1, ttl: 30, data: { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 4294967295, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 } },
    ],
    additional: [
      { name: 'svc.default.svc.cluster.local', type: TYPE.A, class: 1, ttl: 30, data: '10.96.0.7' },
      { name: 'cluster.local', type: TYPE.NS, class: 1, ttl: 30, data: 'ns.dns.cluster.local' },
    ],
    edns: { udpSize: 1232, version: 0, dnssecOk: true, options: [{ code: 10, data: Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8) }] },
  });

  it('every record type survives a round trip, case kept', () => {
    expect(decodeMessage(encodeMessage(full))).toEqual(full);
  });

  it('an extended rcode travels in the OPT record', () => {
    const m = message({ qr: true, rcode: RCODE.BADVERS, edns: { udpSize: 512, version: 0, dnssecOk: false, options: [] } });
    const bytes = encodeMessage(m);
    expect(bytes[3] & 0xf).toBe(0);
    expect(decodeMessage(bytes).rcode).toBe(RCODE.BADVERS);
    expect(() => encodeMessage({ ...m, edns: undefined })).toThrow(DnsFormatError);
  });

  it('compresses repeated names into pointers, but never an SRV target', () => {
    const q = message({ questions: [{ name: 'a.default.svc.cluster.local', type: 1, class: 1 }] });
    const plain = encodeMessage(q).length;
    const one = message({ ...q, answers: [{ name: 'a.default.svc.cluster.local', type: 1, class: 1, ttl: 30, data: '10.0.0.1' }] });
    // the owner name is a single 2-byte pointer to the question (offset 12)
    const bytes = encodeMessage(one);
    expect(bytes.length).toBe(plain + 2 + 10 + 4);
    expect([bytes[plain], bytes[plain + 1]]).toEqual([0xc0, 12]);
    const srv = message({ ...q, answers: [{ name: 'a.default.svc.cluster.local', type: TYPE.SRV, class: 1, ttl: 30, data: { priority: 0, weight: 100, port: 80, target: 'a.default.svc.cluster.local' } }] });
    expect(encodeMessage(srv).length).toBe(plain + 2 + 10 + 6 + 29);
  });

  it('escapes dots and odd bytes inside labels and reads them back', () => {
    const m = message({ questions: [{ name: 'a\\.b.c\\032d.e\\\\f', type: 1, class: 1 }] });
    const bytes = encodeMessage(m);
    expect(Array.from(bytes.slice(12, 12 + 4))).toEqual([3, 0x61, 0x2e, 0x62]);
    expect(decodeMessage(bytes).questions[0].name).toBe('a\\.b.c\\032d.e\\\\f');
  });

  it('the root name is a single zero byte', () => {
    const bytes = encodeMessage(message({ questions: [{ name: '', type: TYPE.NS, class: 1 }] }));
    expect(bytes.length).toBe(17);
    expect(decodeMessage(bytes).questions[0].name).toBe('');
  });
});

describe('decoding compression pointers', () => {
  // header (1 question, 1 answer) + question example.com A + answer whose owner is www + pointer to offset 12
  const withPointer = hex(
    '1234 8180 0001 0001 0000 0000' +
      '07 6578616d706c65 03 636f6d 00 0001 0001' +
      '03 777777 c00c 0001 0001 0000001e 0004 0a000001',
  );

  it('follows a pointer to an earlier name', () => {
    const m = decodeMessage(withPointer);
    expect(m.answers).toEqual([{ name: 'www.example.com', type: 1, class: 1, ttl: 30, data: '10.0.0.1' }]);
  });

  it('rejects a pointer to itself (a loop)', () => {
    const loop = hex('0000 0000 0001 0000 0000 0000  c00c 0001 0001');
    expect(() => decodeMessage(loop)).toThrow(/does not point backwards/);
  });

  it('rejects pointers forwards, which any longer loop needs', () => {
    const forward = hex('0000 0000 0001 0000 0000 0000  c010 0001 0001 0000');
    expect(() => decodeMessage(forward)).toThrow(DnsFormatError);
    // a label, then a pointer to the bytes after it: following it would come back here
    const twoStep = hex('0000 0000 0001 0000 0000 0000  01 61 c011 0001 0001 c00c');
    expect(() => decodeMessage(twoStep)).toThrow(DnsFormatError);
  });
});

describe('malformed messages are rejected with DnsFormatError', () => {
  const query = encodeMessage(message({ rd: true, questions: [{ name: 'kubernetes.default.svc.cluster.local', type: 1, class: 1 }] }));

  it('shorter than a header, or cut anywhere inside', () => {
    expect(() => decodeMessage(new Uint8Array(0))).toThrow(DnsFormatError);
    expect(() => decodeMessage(query.slice(0, 11))).toThrow(/header/);
    for (let n = 12; n < query.length; n++) expect(() => decodeMessage(query.slice(0, n)), `cut at ${n}`).toThrow(DnsFormatError);
    expect(decodeMessage(query).questions).toHaveLength(1);
  });

  it('bytes after the last section', () => {
    expect(() => decodeMessage(Uint8Array.of(...query, 0))).toThrow(/after the end/);
  });

  it('a label longer than 63 bytes (label type bits)', () => {
    const bad = hex('0000 0000 0001 0000 0000 0000  40' + '61'.repeat(64) + '00 0001 0001');
    expect(() => decodeMessage(bad)).toThrow(/label type/);
    expect(() => encodeMessage(message({ questions: [{ name: 'a'.repeat(64) + '.local', type: 1, class: 1 }] }))).toThrow(/longer than 63/);
  });

  it('a name longer than 255 bytes', () => {
    const label = '3f' + '61'.repeat(63);
    const bad = hex('0000 0000 0001 0000 0000 0000' + label.repeat(4) + '00 0001 0001');
    expect(() => decodeMessage(bad)).toThrow(/longer than 255/);
    expect(() => encodeMessage(message({ questions: [{ name: Array(4).fill('a'.repeat(63)).join('.'), type: 1, class: 1 }] }))).toThrow(/longer than 255/);
  });

  it('record data whose length does not match its type', () => {
    const badA = hex('0000 8000 0000 0001 0000 0000  00 0001 0001 0000001e 0003 0a0000');
    expect(() => decodeMessage(badA)).toThrow(/A record with 3 bytes/);
    const shortRdata = hex('0000 8000 0000 0001 0000 0000  00 0005 0001 0000001e 0001 00 00');
    expect(() => decodeMessage(shortRdata)).toThrow(DnsFormatError);
  });

  it('an OPT record outside the additional section', () => {
    const bad = hex('0000 0000 0000 0001 0000 0000  00 0029 1000 00000000 0000');
    expect(() => decodeMessage(bad)).toThrow(/OPT/);
  });
});

describe('presentation', () => {
  it('renders RDATA as the JSON API does', () => {
    const r = (type: number, data: any) => rdataText({ name: 'x', type, class: 1, ttl: 1, data });
    expect(r(TYPE.TXT, ['1.1.0'])).toBe('"1.1.0"');
    expect(r(TYPE.TXT, ['say "hi"\\', 'b'])).toBe('"say \\"hi\\"\\\\" "b"');
    expect(r(TYPE.SRV, { priority: 0, weight: 100, port: 6379, target: 'redis.default.svc.cluster.local' })).toBe('0 100 6379 redis.default.svc.cluster.local.');
    expect(r(TYPE.SOA, { mname: 'ns.dns.cluster.local', rname: 'hostmaster.cluster.local', serial: 1, refresh: 7200, retry: 1800, expire: 86400, minimum: 30 }))
      .toBe('ns.dns.cluster.local. hostmaster.cluster.local. 1 7200 1800 86400 30');
    expect(r(TYPE.PTR, 'a.b')).toBe('a.b.');
    expect(r(99, Uint8Array.of(0xab, 1))).toBe('\\# 2 ab01');
  });

  it('types by name (any case), number or TYPEnnn', () => {
    expect([parseType('a'), parseType('Srv'), parseType('28'), parseType('TYPE65280'), parseType('nope'), parseType('0'), parseType('70000')])
      .toEqual([1, 33, 28, 65280, undefined, undefined, undefined]);
    expect([typeName(33), typeName(65280)]).toEqual(['SRV', 'TYPE65280']);
  });

  it('IP text is canonical (RFC 5952) and strict', () => {
    expect(canonicalIP('2001:0db8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIP('1:0:0:2:0:0:0:3')).toBe('1:0:0:2::3');
    expect(canonicalIP('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(canonicalIP('::')).toBe('::');
    expect([canonicalIP('01.2.3.4'), canonicalIP('1.2.3'), canonicalIP('256.1.1.1'), canonicalIP('1::2::3'), canonicalIP('blah')]).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(addressFromReverse('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')).toBe('2001:db8::1');
    expect(addressFromReverse('0.96.10.in-addr.arpa')).toBeUndefined();
  });
});
