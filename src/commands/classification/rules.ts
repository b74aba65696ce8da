// Classification rules: create / update / delete, and the active rules auto-classify evaluates. Decisions
// fold the rule-{id} stream (evolveRule); the facts outside it come from the write-side tables, read in the
// transaction that appends, under two advisory locks taken in this order:
// - the classification's lock, shared ('classification:{id}'): a delete of the classification (exclusive)
//   cannot count the rules while one is being added or reactivated; after it, classification_index has no
//   row and the create is refused (RESOURCE_NOT_FOUND);
// - 'classification-rules:{classificationId}:{dbType}', exclusive: the other rules' canonical expressions
//   are read under it, so two writes of the same expression cannot both pass (EXPRESSION_DUPLICATED).
// classification_rule_index (the rule at its current version, canonical expression, is_active) is kept in
// the same transaction; RuleDeleted deletes its row.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore, ExpectedRevision } from '../../adapters/eventStore/port.js';
import type { ActiveRule } from '../../domain/classification/assignments.js';
import { canonicalExpression } from '../../domain/classification/canonical.js';
import type { DslRule } from '../../domain/classification/dsl.js';
import { ruleStream } from '../../domain/classification/events.js';
import {
  decideRule,
  evolveRule,
  initialRuleState,
  type RuleCommand,
  type RuleEvent,
  type RuleState,
} from '../../domain/classification/ruleDecider.js';
import type { DbType } from '../../domain/engines/model.js';
import type { Position } from '../../domain/events/envelope.js';
import { decideLifecycle } from '../../domain/lifecycle.js';
import { newEvent, type CommandContext } from '../commandContext.js';
import { appendWithRows, retryOnConflict } from '../streamWrites.js';
import { lockClassification } from './classifications.js';

export type RuleDeps = { knex: Knex; store: EventStore };

export interface RuleInput {
  classificationId: string;
  dbType: DbType;
  ruleName: string;
  expression: unknown;
}

export type RuleChanges = Extract<RuleCommand, { type: 'update' }>['changes'];

export async function loadRule(
  store: Pick<EventStore, 'readStream'>,
  id: string,
): Promise<{ state: RuleState; revision: ExpectedRevision }> {
  const events = await store.readStream(ruleStream(id));
  const state = events.reduce(
    (s, e) => evolveRule(s, { type: e.type, data: e.data } as RuleEvent),
    initialRuleState(),
  );
  const last = events[events.length - 1];
  return { state, revision: last ? last.revision : 'no_stream' };
}

async function lockRules(trx: Knex.Transaction, classificationId: string, dbType: DbType): Promise<void> {
  await lockClassification(trx, classificationId, 'shared');
  await trx.raw('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [
    `classification-rules:${classificationId}:${dbType}`,
  ]);
}

/** Canonical expressions of the classification's other live rules of this db type (call under lockRules). */
async function otherExpressions(
  trx: Knex.Transaction,
  classificationId: string,
  dbType: DbType,
  ruleId: string,
): Promise<string[]> {
  const rows = await trx('classification_rule_index')
    .where({ classification_id: classificationId, db_type: dbType })
    .whereNot({ rule_id: ruleId })
    .select<{ canonical: string }[]>('canonical');
  return rows.map((r) => r.canonical);
}

/** Keeps the rule's classification_rule_index row as the event leaves the stream. */
async function indexEvent(trx: Knex.Transaction, event: RuleEvent): Promise<void> {
  const rows = () => trx('classification_rule_index').where({ rule_id: event.data.ruleId });
  switch (event.type) {
    case 'RuleCreated': {
      const d = event.data;
      await trx('classification_rule_index')
        .insert({
          rule_id: d.ruleId,
          classification_id: d.classificationId,
          db_type: d.dbType,
          version: d.version,
          expression: JSON.stringify(d.expression),
          canonical: canonicalExpression(d.expression),
          is_active: true,
        })
        // A second create of the same id (two seeds at once) overwrites nothing that lasts: its
        // no_stream append is refused and rolls this back.
        .onConflict('rule_id')
        .merge();
      return;
    }
    case 'RuleVersioned':
      await rows().update({
        version: event.data.version,
        expression: JSON.stringify(event.data.expression),
        canonical: canonicalExpression(event.data.expression),
      });
      return;
    case 'RuleUpdated':
      if (event.data.changes.isActive !== undefined)
        await rows().update({ is_active: event.data.changes.isActive });
      return;
    case 'RuleDeleted':
      await rows().delete();
      return;
    default: {
      const never: never = event;
      throw new Error(`unknown rule event ${String(never)}`);
    }
  }
}

/**
 * Decides under the locks, writes the index rows and appends the events in one transaction. Returns null
 * when the decider appends nothing (an edit to the same canonical expression, same name, same flag).
 */
async function decideAndAppend(
  { knex, store }: RuleDeps,
  id: string,
  target: { classificationId: string; dbType: DbType },
  decide: (trx: Knex.Transaction) => Promise<RuleEvent[]>,
  revision: ExpectedRevision,
  ctx: CommandContext,
): Promise<Position | null> {
  return knex.transaction(async (trx) => {
    await lockRules(trx, target.classificationId, target.dbType);
    const events = await decide(trx);
    if (events.length === 0) return null;
    for (const e of events) await indexEvent(trx, e);
    const data = events.map((e) => newEvent(ctx, e.type, e.data));
    return (await appendWithRows(store, trx, ruleStream(id), data, revision)).position;
  });
}

/** Creates a rule with the id given (the seed's stable ids; users' ones are random). */
export async function createRuleWithId(
  deps: RuleDeps,
  cmd: RuleInput & { ruleId: string },
  ctx: CommandContext,
): Promise<{ id: string; position: Position }> {
  const id = cmd.ruleId;
  const { state, revision } = await loadRule(deps.store, id);
  const position = await decideAndAppend(
    deps,
    id,
    cmd,
    async (trx) => {
      const row = await trx('classification_index')
        .where({ classification_id: cmd.classificationId })
        .first<{ classification_id: string } | undefined>('classification_id');
      return decideRule({ type: 'create', ...cmd }, state, {
        classificationExists: row !== undefined,
        otherExpressions: await otherExpressions(trx, cmd.classificationId, cmd.dbType, id),
      });
    },
    revision,
    ctx,
  );
  return { id, position: position! };
}

export const makeCreateRule = (deps: RuleDeps) => (cmd: RuleInput, ctx: CommandContext) =>
  createRuleWithId(deps, { ...cmd, ruleId: randomUUID() }, ctx);

/**
 * Edits a rule: a new expression (not canonically the same) is a RuleVersioned with the whole expression
 * at version + 1; a new name or is_active is a RuleUpdated. Nothing changed: position null.
 */
export const makeUpdateRule =
  (deps: RuleDeps) =>
  async (
    cmd: { ruleId: string; changes: RuleChanges },
    ctx: CommandContext,
  ): Promise<{ id: string; position: Position | null }> => {
    const id = cmd.ruleId;
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadRule(deps.store, id);
      decideLifecycle('rule', id, state.lifecycle, 'update'); // the locks need the rule's classification
      const target = { classificationId: state.classificationId, dbType: state.dbType! };
      return decideAndAppend(
        deps,
        id,
        target,
        async (trx) =>
          decideRule({ type: 'update', ...cmd }, state, {
            otherExpressions: await otherExpressions(trx, target.classificationId, target.dbType, id),
          }),
        revision,
        ctx,
      );
    });
    return { id, position };
  };

export const makeDeleteRule =
  (deps: RuleDeps) =>
  async (cmd: { ruleId: string }, ctx: CommandContext): Promise<{ id: string; position: Position }> => {
    const id = cmd.ruleId;
    const position = await retryOnConflict(async () => {
      const { state, revision } = await loadRule(deps.store, id);
      decideLifecycle('rule', id, state.lifecycle, 'delete');
      const target = { classificationId: state.classificationId, dbType: state.dbType! };
      return decideAndAppend(
        deps,
        id,
        target,
        () => Promise.resolve(decideRule({ type: 'delete', ruleId: id }, state)),
        revision,
        ctx,
      );
    });
    return { id, position: position! };
  };

/**
 * The rules auto-classify evaluates: active ones of active, live classifications (those with an active
 * classification_index row), at their current version, ordered by rule id.
 */
export async function activeRules(knex: Knex): Promise<ActiveRule[]> {
  const rows = await knex({ r: 'classification_rule_index' })
    .join({ c: 'classification_index' }, 'c.classification_id', 'r.classification_id')
    .where({ 'r.is_active': true, 'c.is_active': true })
    .orderBy('r.rule_id')
    .select<
      { rule_id: string; classification_id: string; db_type: DbType; version: number; expression: DslRule }[]
    >('r.rule_id', 'r.classification_id', 'r.db_type', 'r.version', 'r.expression');
  return rows.map((r) => ({
    ruleId: r.rule_id,
    classificationId: r.classification_id,
    dbType: r.db_type,
    version: r.version,
    expression: r.expression,
  }));
}
