// A minimal protobuf wire-format reader: varints, length-delimited fields, fixed32/64 skipping.
// Every read is bounds-checked and consumes at least one byte, so malformed input fails fast.

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder();

export class WireReader {
  pos: number;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  eof(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as two unsigned 32-bit halves (lo, hi), so 64-bit values need no BigInt. */
  varint(): [number, number] {
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtobufError('truncated varint');
      const b = this.buf[this.pos++];
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >> 4;
      } else hi |= (b & 0x7f) << (7 * i - 32);
      if (b < 0x80) return [lo >>> 0, hi >>> 0];
    }
    throw new ProtobufError('varint longer than 10 bytes');
  }

  uint32(): number {
    return this.varint()[0];
  }

  /** int32 values are sign-extended to 64 bits on the wire; the low half carries them. */
  int32(): number {
    return this.varint()[0] | 0;
  }

  /** int64 as a JS number (exact up to 2^53, which covers every Kubernetes value in practice). */
  int64(): number {
    const [lo, hi] = this.varint();
    return (hi | 0) * 0x100000000 + lo;
  }

  bool(): boolean {
    const [lo, hi] = this.varint();
    return lo !== 0 || hi !== 0;
  }

  /** The body of a length-delimited field, as a view into the buffer. */
  bytes(): Uint8Array {
    const n = this.uint32();
    if (n > this.end - this.pos) throw new ProtobufError(`length ${n} runs past the end of the message`);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  string(): string {
    return utf8.decode(this.bytes());
  }

  /** Field number and wire type of the next field. */
  tag(): { field: number; wire: number } {
    const t = this.uint32();
    const field = t >>> 3;
    if (field === 0) throw new ProtobufError('invalid field number 0');
    return { field, wire: t & 7 };
  }

  skip(wire: number): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint();
        return;
      case WIRE_FIXED64:
        return this.advance(8);
      case WIRE_LEN:
        this.bytes();
        return;
      case WIRE_FIXED32:
        return this.advance(4);
      default:
        throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtobufError('truncated fixed-width field');
    this.pos += n;
  }
}
