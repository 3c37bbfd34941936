// resource.Quantity (apimachinery pkg/api/resource): the one parser of quantity strings in the code base.
// Values are kept exactly as bigints of nano units (upstream rounds every parsed value up to 1n, so nothing
// finer exists), with the Format that decides the canonical string, and the input text when upstream keeps it.

export type Format = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** the value × 10^9, exact */
  readonly nanos: bigint;
  readonly format: Format;
  /** the text String() returns as is: an input that was already canonical (upstream's cached `s`) */
  readonly text?: string;
}

export const ERR_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const ERR_NUMERIC = 'unable to parse numeric part of quantity';
export const ERR_SUFFIX = "unable to parse quantity's suffix";

/** A string that is not a quantity; the message is upstream's error text. */
export class QuantityError extends Error {}

export const ZERO: Quantity = { nanos: 0n, format: 'DecimalSI' };

const NANO = 1_000_000_000n;
const DECIMAL_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_BY_EXPONENT = new Map(Object.entries(DECIMAL_SUFFIXES).map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const SUFFIX_CHARS = 'eEinumkKMGTP';
/** maxAllowed: BinarySI values are capped at 2^63-1. */
const MAX_BINARY_NANOS = (2n ** 63n - 1n) * NANO;
/** Bigger exponents would make enormous integers; a sandbox refuses them rather than spend the memory. */
const MAX_EXPONENT = 1000;
const INT64_MAX = 2n ** 63n - 1n;

const isDigit = (c: string) => c >= '0' && c <= '9';
const pow10 = (n: number) => 10n ** BigInt(n);

/** parseQuantityString: sign, numerator without leading zeros, denominator, suffix (or the format error). */
function scan(str: string): { positive: boolean; num: string; denom: string; suffix: string } {
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-' || str[0] === '+') {
    positive = str[0] === '+';
    pos++;
  }
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { positive, num: '0', denom: '', suffix: '' };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  const num = str.slice(pos, i) || '0';
  let denom = '';
  if (i < end && str[i] === '.') {
    const start = ++i;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(start, i);
  }
  const suffixStart = i;
  while (i < end && SUFFIX_CHARS.includes(str[i])) i++;
  if (i < end && (str[i] === '-' || str[i] === '+')) i++;
  while (i < end && isDigit(str[i])) i++;
  if (i < end) throw new QuantityError(ERR_FORMAT);
  return { positive, num, denom, suffix: str.slice(suffixStart) };
}

/** quantitySuffixer.interpret: decimal SI, then binary SI, then an e/E exponent. */
function interpret(suffix: string): { base: 2 | 10; exponent: number; format: Format } {
  if (suffix in DECIMAL_SUFFIXES) return { base: 10, exponent: DECIMAL_SUFFIXES[suffix], format: 'DecimalSI' };
  if (suffix in BINARY_SUFFIXES) return { base: 2, exponent: BINARY_SUFFIXES[suffix], format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const exponent = Number(suffix.slice(1));
    if (Math.abs(exponent) > MAX_EXPONENT) throw new QuantityError(ERR_NUMERIC);
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  throw new QuantityError(ERR_SUFFIX);
}

/** Whether upstream's int64 fast path keeps the input text as the canonical string. */
function keepsText(base: 2 | 10, exponent: number, num: string, denom: string, value: bigint, scaled: bigint): boolean {
  const digits = num + denom;
  if (base === 2) {
    const precision = 15 - num.length - Math.trunc((exponent * 3) / 10) - 1;
    return !denom && precision >= 0 && scaled <= INT64_MAX && exponent % 10 === 0 && (value & 7n) !== 0n;
  }
  const scale = exponent - denom.length;
  const precision = 18 - digits.length;
  return precision >= 0 && scale >= -9 && scale % 3 === 0 && !digits.endsWith('000') && digits[0] !== '0';
}

/** ParseQuantity: throws QuantityError with upstream's message. */
export function parseQuantity(str: string): Quantity {
  if (str.length === 0) throw new QuantityError(ERR_FORMAT);
  if (str === '0') return { nanos: 0n, format: 'DecimalSI', text: str };
  const { positive, num, denom, suffix } = scan(str);
  const { base, exponent, format: parsedFormat } = interpret(suffix);
  let format = parsedFormat;
  const digits = BigInt(num + denom);
  // The exact value is digits × 10^-len(denom) × base^exponent; in nanos, rounded up (away from zero).
  const numerator = digits * (base === 2 ? 2n ** BigInt(exponent) : 1n);
  const scale = 9 - denom.length + (base === 10 ? exponent : 0);
  let nanos: bigint;
  if (scale >= 0) nanos = numerator * pow10(scale);
  else {
    const d = pow10(-scale);
    nanos = (numerator + d - 1n) / d;
  }
  const text = keepsText(base, exponent, num, denom, digits, numerator) ? str : undefined;
  if (format === 'BinarySI' && !text) {
    if (nanos > MAX_BINARY_NANOS) nanos = MAX_BINARY_NANOS;
    if (nanos > 0n && nanos < NANO) format = 'DecimalSI';
  }
  return { nanos: positive ? nanos : -nanos, format, text };
}

const cache = new Map<string, Quantity>();
const CACHE_SIZE = 4096;

/**
 * A quantity from a JSON value (string or number, trimmed as UnmarshalJSON does), or undefined when it
 * does not parse. Parsed quantities are immutable, so the common strings are remembered.
 */
export function tryParseQuantity(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  let q = cache.get(s);
  if (q) return q;
  try {
    q = parseQuantity(s);
  } catch (e) {
    if (e instanceof QuantityError) return undefined;
    throw e;
  }
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(s, q);
  return q;
}

/** Removes all factors of `base` from `n` (n ≠ 0): returns the rest and how many were removed. */
function removeFactors(n: bigint, base: bigint, max = Infinity): [bigint, number] {
  let times = 0;
  while (times < max && n % base === 0n) {
    n /= base;
    times++;
  }
  return [n, times];
}

/** CanonicalizeBytes: the mantissa with an SI suffix, an exponent, or a power-of-1024 suffix. */
function canonical(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    const whole = q.nanos % NANO === 0n;
    if ((q.nanos > -1024n * NANO && q.nanos < 1024n * NANO) || !whole) format = 'DecimalSI';
    else {
      const [amount, exp] = removeFactors(q.nanos / NANO, 1024n, BINARY_BY_EXPONENT.length - 1);
      return `${amount}${BINARY_BY_EXPONENT[exp]}`;
    }
  }
  let [amount, exponent] = removeFactors(q.nanos, 10n);
  exponent -= 9;
  while (((exponent % 3) + 3) % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  const si = format === 'DecimalSI' ? DECIMAL_BY_EXPONENT.get(exponent) : undefined;
  // DecimalSI has no suffix beyond E (10^18): those fall back to exponent notation, as upstream does.
  if (si !== undefined) return `${amount}${si}`;
  return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
}

/** Quantity.String(). */
export const quantityString = (q: Quantity): string => q.text ?? canonical(q);

/** Quantity.Cmp: exact, format ignored. */
export const compareQuantities = (a: Quantity, b: Quantity): number => (a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0);

/** Quantity.Add: the receiver's format, or the addend's when the receiver is zero. */
export const addQuantities = (a: Quantity, b: Quantity): Quantity => ({ nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format });

/** Quantity.Sub, with the same format rule as Add. */
export const subtractQuantities = (a: Quantity, b: Quantity): Quantity => ({ nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format });

const ceilDiv = (n: bigint, d: bigint) => (n < 0n ? -((-n + d - 1n) / d) : (n + d - 1n) / d);

/** Quantity.Value() of a value in nanos: rounded up, away from zero. */
export const wholeValue = (nanos: bigint): bigint => ceilDiv(nanos, NANO);

/** Quantity.MilliValue() of a value in nanos: rounded up, away from zero. */
export const milliValue = (nanos: bigint): bigint => ceilDiv(nanos, 1_000_000n);

/** The exact value in nanos of a JSON quantity, or undefined when it does not parse. */
export const parseNanos = (v: unknown): bigint | undefined => tryParseQuantity(v)?.nanos;

/** The value as a float ("500m" → 0.5, "1Gi" → 1073741824), for arithmetic that needs no exactness; undefined if malformed. */
export function quantityValue(v: unknown): number | undefined {
  const q = tryParseQuantity(v);
  return q && Number(q.nanos) / 1e9;
}
