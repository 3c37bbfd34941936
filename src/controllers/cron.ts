// Cron schedules as the CronJob controller reads them: robfig/cron v3 ParseStandard (5 fields, names,
// ranges, steps, @descriptors, @every, TZ= prefix) and SpecSchedule.Next, with the same error texts.
// Times are milliseconds since the epoch; fields are matched on the wall clock of the schedule's zone.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DOW_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = { min: 1, max: 12, names: Object.fromEntries(MONTH_NAMES.map((n, i) => [n, i + 1])) };
const DOW: Bounds = { min: 0, max: 6, names: Object.fromEntries(DOW_NAMES.map((n, i) => [n, i])) };

/** The values a field allows; `star` when it was `*` or `?` (without a step above 1), which changes day matching. */
interface Field {
  values: Set<number>;
  star: boolean;
}

export type Schedule =
  | { kind: 'spec'; minute: Field; hour: Field; dom: Field; month: Field; dow: Field; zone?: string }
  | { kind: 'every'; delayMs: number };

export class CronError extends Error {}

const range = (lo: number, hi: number, step = 1) => {
  const s = new Set<number>();
  for (let i = lo; i <= hi; i += step) s.add(i);
  return s;
};

/** strconv.Atoi as robfig reports it. */
function parseInt10(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr)) throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: invalid syntax`);
  const n = Number(expr);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) {
    throw new CronError(`failed to parse int from ${expr}: strconv.Atoi: parsing ${JSON.stringify(expr)}: value out of range`);
  }
  if (n < 0) throw new CronError(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

const parseIntOrName = (expr: string, r: Bounds) => r.names?.[expr.toLowerCase()] ?? parseInt10(expr);

/** getRange: number | number "-" number [ "/" number ], or * and ?. */
function parseRange(expr: string, r: Bounds): Field {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    [start, end, star] = [r.min, r.max, true];
  } else {
    start = parseIntOrName(lowAndHigh[0], r);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r);
    else throw new CronError(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]);
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = r.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) throw new CronError(`too many slashes: ${expr}`);
  if (start < r.min) throw new CronError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new CronError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new CronError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new CronError(`step of range should be a positive number: ${expr}`);
  return { values: range(start, end, step), star };
}

/** getField: a comma-separated list of ranges. */
function parseField(field: string, r: Bounds): Field {
  const out: Field = { values: new Set(), star: false };
  for (const expr of field.split(',').filter(Boolean)) {
    const f = parseRange(expr, r);
    for (const v of f.values) out.values.add(v);
    out.star ||= f.star;
  }
  return out;
}

const all = (r: Bounds): Field => ({ values: range(r.min, r.max), star: true });
const only = (v: number): Field => ({ values: new Set([v]), star: false });

const DESCRIPTORS: Record<string, () => Omit<Extract<Schedule, { kind: 'spec' }>, 'kind' | 'zone'>> = {
  '@yearly': () => ({ minute: only(0), hour: only(0), dom: only(1), month: only(1), dow: all(DOW) }),
  '@monthly': () => ({ minute: only(0), hour: only(0), dom: only(1), month: all(MONTHS), dow: all(DOW) }),
  '@weekly': () => ({ minute: only(0), hour: only(0), dom: all(DOM), month: all(MONTHS), dow: only(0) }),
  '@daily': () => ({ minute: only(0), hour: only(0), dom: all(DOM), month: all(MONTHS), dow: all(DOW) }),
  '@hourly': () => ({ minute: only(0), hour: all(HOURS), dom: all(DOM), month: all(MONTHS), dow: all(DOW) }),
};
DESCRIPTORS['@annually'] = DESCRIPTORS['@yearly'];
DESCRIPTORS['@midnight'] = DESCRIPTORS['@daily'];

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** time.ParseDuration, in milliseconds. */
function parseDuration(s: string): number {
  const bad = () => new CronError(`time: invalid duration ${JSON.stringify(s)}`);
  const m = /^([+-]?)(.*)$/.exec(s)!;
  if (m[2] === '0') return 0;
  const parts = [...m[2].matchAll(/(\d+(?:\.\d*)?|\.\d+)([a-zµμ]+)/g)];
  if (!m[2] || parts.map((p) => p[0]).join('') !== m[2]) throw bad();
  let total = 0;
  for (const [, num, unit] of parts) {
    if (!(unit in UNITS)) throw new CronError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(s)}`);
    total += Number(num) * UNITS[unit];
  }
  return m[1] === '-' ? -total : total;
}

/** True when `zone` is a time zone the runtime knows (time.LoadLocation). */
export function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** cron.ParseStandard: throws CronError with robfig's message. */
export function parseSchedule(spec: string): Schedule {
  if (!spec) throw new CronError('empty spec string');
  let zone: string | undefined;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const name = spec.slice(spec.indexOf('=') + 1, i < 0 ? undefined : i);
    if (!knownZone(name)) throw new CronError(`provided bad location ${name}: unknown time zone ${name}`);
    zone = name === 'UTC' ? undefined : name;
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) {
    const d = DESCRIPTORS[spec];
    if (d) return { kind: 'spec', ...d(), zone };
    if (spec.startsWith('@every ')) {
      let ms: number;
      try {
        ms = parseDuration(spec.slice('@every '.length));
      } catch (e) {
        throw new CronError(`failed to parse duration ${spec}: ${(e as Error).message}`);
      }
      // cron.Every: at least one second, whole seconds.
      return { kind: 'every', delayMs: Math.max(1000, ms - (ms % 1000)) };
    }
    throw new CronError(`unrecognized descriptor: ${spec}`);
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new CronError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return {
    kind: 'spec',
    minute: parseField(fields[0], MINUTES),
    hour: parseField(fields[1], HOURS),
    dom: parseField(fields[2], DOM),
    month: parseField(fields[3], MONTHS),
    dow: parseField(fields[4], DOW),
    zone,
  };
}

// ---------------------------------------------------------------------------------------------
// Wall clock of a zone: fields are read and stepped in "wall time" (a UTC Date holding local fields).

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset from UTC at `instant`, in milliseconds. */
function zoneOffset(instant: number, zone: string): number {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(instant).map((x) => [x.type, x.value]));
  const wall = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

const toWall = (instant: number, zone?: string) => (zone ? instant + zoneOffset(instant, zone) : instant);

function fromWall(wall: number, zone?: string): number {
  if (!zone) return wall;
  const guess = wall - zoneOffset(wall, zone);
  return wall - zoneOffset(guess, zone);
}

/** dayMatches: with a * in day-of-month or day-of-week both must match, else either. */
function dayMatches(s: Extract<Schedule, { kind: 'spec' }>, d: Date): boolean {
  const domMatch = s.dom.values.has(d.getUTCDate());
  const dowMatch = s.dow.values.has(d.getUTCDay());
  return s.dom.star || s.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
}

const MINUTE = 60_000;
/** SpecSchedule.Next gives up after five years (an impossible date such as Feb 31). */
const YEARS_TO_SEARCH = 5;

/** The first activation strictly after `t`, or undefined when the schedule never fires. */
export function nextTime(s: Schedule, t: number): number | undefined {
  if (s.kind === 'every') return Math.floor(t / 1000) * 1000 + s.delayMs;
  let c = Math.floor(toWall(t, s.zone) / MINUTE) * MINUTE + MINUTE;
  const limit = new Date(c).getUTCFullYear() + YEARS_TO_SEARCH;
  for (;;) {
    const d = new Date(c);
    if (d.getUTCFullYear() > limit) return undefined;
    if (!s.month.values.has(d.getUTCMonth() + 1)) {
      c = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    } else if (!dayMatches(s, d)) {
      c = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
    } else if (!s.hour.values.has(d.getUTCHours())) {
      c = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
    } else if (!s.minute.values.has(d.getUTCMinutes())) {
      c += MINUTE;
    } else {
      return fromWall(c, s.zone);
    }
  }
}

/** RFC3339 of an instant in a zone, as Go's time.Format(time.RFC3339) writes it (`Z` for UTC). */
export function rfc3339In(instant: number, zone?: string): string {
  const wall = new Date(toWall(instant, zone)).toISOString().replace(/\.\d{3}Z$/, '');
  const off = zone ? zoneOffset(instant, zone) / MINUTE : 0;
  if (!off) return `${wall}Z`;
  const abs = Math.abs(off);
  return `${wall}${off < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS_SHORT = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** time.RFC1123Z in UTC: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function rfc1123z(instant: number): string {
  const d = new Date(instant);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MONTHS_SHORT[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}
