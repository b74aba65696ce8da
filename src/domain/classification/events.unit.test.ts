import { describe, expect, it } from 'vitest';
import { createEventRegistry } from '../eventTypes.js';
import { classificationEventDefinitions, classificationStream, ruleStream } from './events.js';

const schemaOf = (type: string) => {
  const def = classificationEventDefinitions.find((d) => d.type === type);
  if (!def) throw new Error(`no ${type}`);
  return def.schema;
};
const ruleId = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
const classificationId = '0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const superuser = { version: 4, expr: { fn: 'is_superuser', args: {} } };

describe('classification events', () => {
  it('are registered', () => {
    const registry = createEventRegistry();
    for (const d of classificationEventDefinitions) expect(registry.has(d.type)).toBe(true);
  });

  it('name their streams', () => {
    expect(classificationStream('a')).toBe('classification-a');
    expect(ruleStream('b')).toBe('rule-b');
  });

  it('check a rule expression with the DSL v4 validator', () => {
    const rule = { ruleId, classificationId, dbType: 'mysql', ruleName: 'r', version: 1 };
    expect(schemaOf('RuleCreated').safeParse({ ...rule, expression: superuser }).success).toBe(true);
    expect(schemaOf('RuleCreated').safeParse({ ...rule, expression: { version: 3, expr: {} } }).success).toBe(
      false,
    );
    expect(schemaOf('RuleCreated').safeParse({ ...rule, expression: superuser, version: 2 }).success).toBe(
      false,
    );
    expect(
      schemaOf('RuleVersioned').safeParse({
        ruleId,
        version: 2,
        expression: { version: 4, expr: { fn: 'nope' } },
      }).success,
    ).toBe(false);
    expect(schemaOf('RuleVersioned').safeParse({ ruleId, version: 2, expression: superuser }).success).toBe(
      true,
    );
  });

  it('are strict, in camelCase', () => {
    const data = {
      classificationId,
      name: 'n',
      description: '',
      riskLevel: 'low',
      color: '#fff',
      priority: 1,
    };
    expect(schemaOf('ClassificationCreated').safeParse({ ...data, isSystem: false }).success).toBe(true);
    expect(
      schemaOf('ClassificationCreated').safeParse({ ...data, isSystem: false, is_system: 1 }).success,
    ).toBe(false);
    expect(
      schemaOf('ClassificationCreated').safeParse({ ...data, riskLevel: 'extreme', isSystem: false }).success,
    ).toBe(false);
    expect(
      schemaOf('ClassificationUpdated').safeParse({ classificationId, changes: { isActive: false } }).success,
    ).toBe(true);
    expect(schemaOf('RuleUpdated').safeParse({ ruleId, changes: { expression: superuser } }).success).toBe(
      false,
    );
  });
});
