// resource.Quantity: parsing, canonical strings and arithmetic as apimachinery does them (policy.md §3).
import { describe, expect, it } from 'vitest';
import {
  ERR_FORMAT,
  ERR_NUMERIC,
  ERR_SUFFIX,
  ZERO,
  addQuantities,
  compareQuantities,
  milliValue,
  parseQuantity,
  quantityString,
  quantityValue,
  subtractQuantities,
  tryParseQuantity,
  wholeValue,
} from '../../src/admission/quantity';

const canonical = (s: string) => quantityString(parseQuantity(s));
const q = parseQuantity;

describe('canonical strings', () => {
  it.each([
    ['1000m', '1'],
    ['1.5', '1500m'],
    ['0.5', '500m'],
    ['0.1', '100m'],
    ['100m', '100m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['2000000', '2M'],
    ['1e3', '1e3'],
    ['1e4', '10e3'],
    ['12E6', '12E6'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1000Mi', '1000Mi'],
    ['2048Ki', '2Mi'],
    ['0.5Gi', '512Mi'],
    ['1.1Gi', '1181116006400m'],
    ['512', '512'],
    ['1Gi', '1Gi'],
    ['3Mi', '3Mi'],
    ['8Gi', '8Gi'],
    ['1536', '1536'],
    ['0.1n', '1n'],
    ['-1500m', '-1500m'],
    ['-0.5', '-500m'],
    ['0', '0'],
    ['00', '0'],
    ['0Ki', '0'],
    ['1.5G', '1500M'],
    ['.5', '500m'],
    ['0.0001Ki', '102400u'],
    ['1000E', '1e21'],
    ['7Ei', '7Ei'],
    ['8Ei', '9223372036854775807'],
  ])('%s → %s', (input, out) => {
    expect(canonical(input)).toBe(out);
  });

  it('keeps an input that is already canonical verbatim, as upstream caches it', () => {
    expect(canonical('+1')).toBe('+1');
    expect(canonical('0100m')).toBe('0100m');
    expect(canonical('1.G')).toBe('1.G');
  });

  it('0.1m is exactly 100u (the int64 fast path does not round to milli)', () => {
    expect(canonical('0.1m')).toBe('100u');
  });
});

describe('formats', () => {
  it.each([
    ['1Ki', 'BinarySI'],
    ['1k', 'DecimalSI'],
    ['1e3', 'DecimalExponent'],
    ['1E', 'DecimalSI'],
    ['0.0001Ki', 'DecimalSI'],
  ])('%s is %s', (input, format) => {
    expect(q(input).format).toBe(format);
  });
});

describe('errors', () => {
  it.each([
    ['', ERR_FORMAT],
    ['abc', ERR_FORMAT],
    ['1x', ERR_FORMAT],
    ['1.5.5', ERR_FORMAT],
    ['1K', ERR_SUFFIX],
    ['1mi', ERR_SUFFIX],
    ['1e', ERR_SUFFIX],
    ['1Ee3', ERR_SUFFIX],
    ['1e99999', ERR_NUMERIC],
  ])('%j fails with its upstream message', (input, message) => {
    expect(() => q(input)).toThrow(message);
  });

  it('tryParseQuantity answers undefined, trims, and takes JSON numbers', () => {
    expect(tryParseQuantity('1K')).toBeUndefined();
    expect(tryParseQuantity({})).toBeUndefined();
    expect(quantityString(tryParseQuantity(' 250m ')!)).toBe('250m');
    expect(quantityString(tryParseQuantity(0.5)!)).toBe('500m');
    expect(quantityString(tryParseQuantity(2)!)).toBe('2');
  });
});

describe('comparison and values', () => {
  it('compares exactly, whatever the format', () => {
    expect(compareQuantities(q('1Gi'), q('1073741824'))).toBe(0);
    expect(compareQuantities(q('1'), q('1000m'))).toBe(0);
    expect(compareQuantities(q('999m'), q('1'))).toBe(-1);
    expect(compareQuantities(q('1G'), q('1Gi'))).toBe(-1);
    expect(compareQuantities(q('1n'), q('0'))).toBe(1);
  });

  it('Value and MilliValue round up, away from zero', () => {
    expect(wholeValue(q('1500m').nanos)).toBe(2n);
    expect(wholeValue(q('-1500m').nanos)).toBe(-2n);
    expect(milliValue(q('1n').nanos)).toBe(1n);
    expect(milliValue(q('1Ki').nanos)).toBe(1024000n);
    expect(quantityValue('500m')).toBe(0.5);
    expect(quantityValue('1Gi')).toBe(1073741824);
    expect(quantityValue('nope')).toBeUndefined();
  });
});

describe('arithmetic', () => {
  it('keeps the receiver format; a zero receiver takes the addend format', () => {
    expect(quantityString(addQuantities(ZERO, q('128Mi')))).toBe('128Mi');
    expect(quantityString(addQuantities(q('128Mi'), q('128Mi')))).toBe('256Mi');
    expect(quantityString(addQuantities(q('500m'), q('700m')))).toBe('1200m');
    expect(quantityString(addQuantities(q('500m'), q('500m')))).toBe('1');
    expect(quantityString(subtractQuantities(q('1Ki'), q('1000')))).toBe('24');
    expect(quantityString(subtractQuantities(q('1'), q('1500m')))).toBe('-500m');
    expect(quantityString(addQuantities(q('1Gi'), q('0.5Gi')))).toBe('1536Mi');
  });
});
