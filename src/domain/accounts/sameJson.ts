// Whether two values are the same JSON once object keys are sorted, canonicalJson(a) === canonicalJson(b),
// without building either string: an inventory compares every account's attributes with the ledger's
// (docs/decisions.md, "Account attributes compared without canonical strings").
/** JSON with object keys sorted: jsonb does not keep key order, so equal values must compare equal. */
export const canonicalJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : v,
  );

type Plain = null | string | boolean | number | Plain[] | { [key: string]: Plain };

/**
 * Holds only what JSON.stringify writes as it is: strings, booleans, finite numbers, null, arrays and
 * plain objects of them (what a stored event or snapshot holds). Not a Date, undefined, a function, a
 * bigint or a non-finite number: those it converts, drops or refuses.
 */
function isPlain(v: unknown): v is Plain {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto === Array.prototype) {
    const list = v as unknown[];
    for (let i = 0; i < list.length; i++) if (!isPlain(list[i])) return false;
    return true;
  }
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key of Object.keys(v)) if (!isPlain((v as Record<string, unknown>)[key])) return false;
  return true;
}

function plainEqual(a: Plain, b: Plain): boolean {
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!plainEqual(a[i]!, b[i]!)) return false;
    return true;
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (!Object.hasOwn(b, key) || !plainEqual(a[key]!, b[key]!)) return false;
  return true;
}

/** canonicalJson(a) === canonicalJson(b); plain values are compared as they are. */
export const sameJson = (a: unknown, b: unknown): boolean =>
  isPlain(a) && isPlain(b) ? plainEqual(a, b) : canonicalJson(a) === canonicalJson(b);
