// The canonical form of a rule expression: "the same expression" does not depend on key order, on the case
// of operator names, or on a function node's absent args versus `{}`. At every level: operator names are
// upper-cased, object keys sorted, undefined keys dropped. Function names and argument values stay as written.

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

const canonicalValue = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(canonicalValue);
  if (!isRecord(value)) return value;
  const obj: Record<string, unknown> = { ...value };
  if (typeof obj.op === 'string' && Array.isArray(obj.args)) obj.op = obj.op.toUpperCase();
  if (typeof obj.fn === 'string' && obj.args === undefined) obj.args = {};
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(obj).sort()) {
    if (obj[k] !== undefined) out[k] = canonicalValue(obj[k]);
  }
  return out;
};

/** The rule as canonical JSON text: two rules are the same expression when these are equal. */
export const canonicalExpression = (rule: unknown): string => JSON.stringify(canonicalValue(rule));
