// Classification DSL v4 (docs/dsl-v4.md): `{"version": 4, "expr": NODE}`, NODE is
// `{"op": "AND"|"OR"|"NOT", "args": [NODE, ...]}` or `{"fn": NAME, "args": {...}}` (functions.ts).
// Pure: no I/O, no clock.
//
// Evaluation fails closed, and says why with the path of each bad node (`expr`, `expr.args[1]`):
// - a function node that is unknown (UNKNOWN_DSL_FUNCTION), misses arguments (MISSING_DSL_ARGS) or has
//   bad ones (INVALID_DSL_ARGS) does not match;
// - an operator node that is unknown, or whose args is not a list of nodes, or an empty AND/OR, or a NOT
//   without exactly one argument, does not match (INVALID_DSL_EXPRESSION, MISSING_DSL_ARGS when args is
//   absent, INVALID_DSL_ARGS for the wrong count); a node that is neither `op` nor `fn` likewise
//   (INVALID_DSL_EXPRESSION);
// - NOT over a child with an error does not match (no negating an unknown into a match);
// - AND/OR count a child with an error as not matched and report its error: an OR may still match through
//   another child, an AND cannot;
// - a rule that is not an object with version 4 does not match (DSL_V4_REQUIRED);
// - an account without facts does not match (PERMISSION_FACTS_MISSING).
// - a node nested deeper than maxDepth (the rule's expr is depth 1) does not match (INVALID_DSL_EXPRESSION):
//   a hostile rule cannot exhaust the stack.
// Operator names are case-insensitive; function names are exact.
//
// The validator for writes walks the same checks and refuses: DSL_V4_REQUIRED when the rule is not an
// object or its version is not 4, else INVALID_DSL_EXPRESSION with one problem per bad node.
import type { PermissionFacts } from '../engines/model.js';
import { checkArgs, factsView, isFunctionName, matchFunction, type FactsView } from './functions.js';

export type DslOp = 'AND' | 'OR' | 'NOT';
export type DslNode = { op: DslOp; args: DslNode[] } | { fn: string; args: Record<string, unknown> };
export interface DslRule {
  version: 4;
  expr: DslNode;
}

export interface DslError {
  code:
    | 'DSL_V4_REQUIRED'
    | 'INVALID_DSL_EXPRESSION'
    | 'UNKNOWN_DSL_FUNCTION'
    | 'INVALID_DSL_ARGS'
    | 'MISSING_DSL_ARGS'
    | 'PERMISSION_FACTS_MISSING';
  path: string;
  message: string;
}

export interface Evaluation {
  matched: boolean;
  errors: DslError[];
}

export type Validation =
  | { ok: true; rule: DslRule }
  | {
      ok: false;
      code: 'DSL_V4_REQUIRED' | 'INVALID_DSL_EXPRESSION';
      problems: DslProblem[];
    };

/** One bad node of a refused rule; `code` is what evaluation would report for it. */
export interface DslProblem {
  path: string;
  code: DslError['code'];
  problem: string;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export const maxDepth = 32;

const ops: Record<string, DslOp> = { and: 'AND', or: 'OR', not: 'NOT' };

const fail = (code: DslError['code'], path: string, message: string): Evaluation => ({
  matched: false,
  errors: [{ code, path, message }],
});

/** Evaluates a node; with `facts` null only the checks run (the validator), every node is visited. */
function walk(node: unknown, path: string, facts: FactsView | null, depth = 1): Evaluation {
  if (depth > maxDepth) return fail('INVALID_DSL_EXPRESSION', path, `nested deeper than ${maxDepth}`);
  if (!isObject(node)) return fail('INVALID_DSL_EXPRESSION', path, 'a node must be an object');
  const hasOp = 'op' in node;
  if (hasOp === 'fn' in node) return fail('INVALID_DSL_EXPRESSION', path, 'a node has either op or fn');
  const extra = Object.keys(node).filter((k) => k !== 'args' && k !== 'op' && k !== 'fn');
  if (extra.length > 0) return fail('INVALID_DSL_EXPRESSION', path, `unknown key ${extra.join(', ')}`);

  if (!hasOp) {
    if (!isFunctionName(node.fn))
      return fail('UNKNOWN_DSL_FUNCTION', path, `unknown function ${JSON.stringify(node.fn)}`);
    const bad = checkArgs(node.fn, node.args);
    if (bad) return fail(bad.code, path, bad.problem);
    return { matched: facts !== null && matchFunction(node.fn, node.args, facts), errors: [] };
  }

  const op = typeof node.op === 'string' ? ops[node.op.toLowerCase()] : undefined;
  if (!op) return fail('INVALID_DSL_EXPRESSION', path, `unknown operator ${JSON.stringify(node.op)}`);
  if (node.args === undefined) return fail('MISSING_DSL_ARGS', path, `${op}: missing args`);
  if (!Array.isArray(node.args)) return fail('INVALID_DSL_EXPRESSION', path, `${op}: args must be a list`);
  const args: unknown[] = node.args;
  if (op === 'NOT' && args.length !== 1)
    return fail('INVALID_DSL_ARGS', path, `NOT takes exactly one argument, got ${args.length}`);
  if (args.length === 0) return fail('INVALID_DSL_ARGS', path, `${op} takes at least one argument`);

  const children = args.map((child, i) => walk(child, `${path}.args[${i}]`, facts, depth + 1));
  const errors = children.flatMap((c) => c.errors);
  const ok = (c: Evaluation) => c.matched && c.errors.length === 0;
  const matched =
    op === 'NOT'
      ? errors.length === 0 && !children[0]!.matched
      : op === 'AND'
        ? children.every(ok)
        : children.some(ok);
  return { matched: facts !== null && matched, errors };
}

function checkVersion(rule: unknown): string | null {
  if (!isObject(rule)) return 'a rule must be an object {"version": 4, "expr": ...}';
  if (rule.version !== 4) return `version must be 4, got ${JSON.stringify(rule.version) ?? 'none'}`;
  return null;
}

/**
 * evaluate() of any number of rules against one account's facts, which are read once (auto-classify judges
 * every rule of the engine against each account).
 */
export function evaluator(facts: PermissionFacts | null | undefined): (rule: unknown) => Evaluation {
  const view = facts === null || facts === undefined || !isObject(facts) ? null : factsView(facts);
  return (rule) => {
    const badVersion = checkVersion(rule);
    if (badVersion) return fail('DSL_V4_REQUIRED', 'version', badVersion);
    if (!view) return fail('PERMISSION_FACTS_MISSING', '', 'the account has no permission facts');
    return walk((rule as Record<string, unknown>).expr, 'expr', view);
  };
}

/** Whether an account's facts match a rule, and every error found on the way (path per node). */
export const evaluate = (rule: unknown, facts: PermissionFacts | null | undefined): Evaluation =>
  evaluator(facts)(rule);

/** Checks a rule before it is written: one problem per bad node. */
export function validate(rule: unknown): Validation {
  const badVersion = checkVersion(rule);
  if (badVersion)
    return {
      ok: false,
      code: 'DSL_V4_REQUIRED',
      problems: [{ path: 'version', code: 'DSL_V4_REQUIRED', problem: badVersion }],
    };
  const r = rule as Record<string, unknown>;
  const extra = Object.keys(r).filter((k) => k !== 'version' && k !== 'expr');
  const problems: DslProblem[] = extra.map((k) => ({
    path: k,
    code: 'INVALID_DSL_EXPRESSION',
    problem: `unknown key ${k}`,
  }));
  if (r.expr === undefined)
    problems.push({ path: 'expr', code: 'INVALID_DSL_EXPRESSION', problem: 'a rule needs an expr' });
  else
    problems.push(
      ...walk(r.expr, 'expr', null).errors.map((e) => ({ path: e.path, code: e.code, problem: e.message })),
    );
  return problems.length > 0
    ? { ok: false, code: 'INVALID_DSL_EXPRESSION', problems }
    : { ok: true, rule: rule as DslRule };
}
