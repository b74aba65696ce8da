// The rule editor: name, classification, db type, the DSL v4 expression (docs/dsl-v4.md) and whether the
// rule is enabled; "Validate" asks the server what a save would say, "Preview against live accounts" shows
// which accounts would match by their latest facts (neither stores anything); saving creates the rule or
// its next version. Read-only users can still validate and preview.
import { useState } from 'preact/hooks';
import { ApiError, client, unwrap } from '../../api/client';
import { ErrorBox, Field, Select } from '../common';
import { Check, useAction, type Item } from '../admin/shared';
import {
  PreviewResult,
  ValidationResult,
  previewOnAccounts,
  type DbType,
  type Preview,
  type Validation,
} from './ruleChecks';

export type Rule = Item<'/accounts/classifications/rules'>;
type Classification = Item<'/accounts/classifications'>;
const dbTypes: readonly DbType[] = ['mysql', 'postgresql', 'sqlserver', 'oracle'];
const example = { version: 4, expr: { fn: 'is_superuser' } };

/** The expression text as JSON, or an error with a code of its own (INVALID_JSON) when it is not JSON. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ApiError(0, 'INVALID_JSON', `the expression is not JSON: ${(err as Error).message}`);
  }
}

export function RuleEditor({
  rule,
  classifications,
  initialClassification,
  readOnly,
  onSaved,
  onCancel,
}: {
  rule?: Rule;
  classifications: readonly Classification[];
  initialClassification?: string;
  readOnly: boolean;
  onSaved: (id: string, message: string) => void;
  onCancel?: () => void;
}) {
  const [name, setName] = useState(rule?.rule_name ?? '');
  const [classification, setClassification] = useState(
    rule?.classification_id ?? initialClassification ?? classifications[0]?.id ?? '',
  );
  const [dbType, setDbType] = useState<DbType>(rule?.db_type ?? 'mysql');
  const [text, setText] = useState(JSON.stringify(rule?.expression ?? example, null, 2));
  const [enabled, setEnabled] = useState(rule?.is_active ?? true);
  const [validation, setValidation] = useState<Validation | undefined>(undefined);
  const [preview, setPreview] = useState<Preview | undefined>(undefined);
  const check = useAction();
  const save = useAction();

  const validate = () =>
    check.run(async () => {
      setPreview(undefined);
      setValidation(
        await unwrap(
          client.POST('/accounts/classifications/rules/actions/validate-expression', {
            body: { expression: parsed(text) },
          }),
        ),
      );
    });
  const tryIt = () =>
    check.run(async () => {
      setValidation(undefined);
      setPreview(await previewOnAccounts(parsed(text), dbType));
    });

  const submit = async (e: Event) => {
    e.preventDefault();
    let saved: { id: string; message: string } | undefined;
    await save.run(async () => {
      const expression = parsed(text);
      if (rule) {
        const updated = await unwrap(
          client.PUT('/accounts/classifications/rules/{id}', {
            params: { path: { id: rule.id } },
            body: { rule_name: name, expression, is_active: enabled },
          }),
        );
        const note = updated.version > rule.version ? `: version ${updated.version}` : '';
        saved = { id: rule.id, message: `rule ${name} saved${note}` };
        return;
      }
      const created = await unwrap(
        client.POST('/accounts/classifications/rules', {
          body: { classification_id: classification, db_type: dbType, rule_name: name, expression },
        }),
      );
      if (!enabled)
        await unwrap(
          client.PUT('/accounts/classifications/rules/{id}', {
            params: { path: { id: created.id } },
            body: { is_active: false },
          }),
        );
      saved = { id: created.id, message: `rule ${name} created` };
    });
    if (saved) onSaved(saved.id, saved.message);
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="rule-editor-title">
      <h2 id="rule-editor-title">{rule ? (readOnly ? 'Rule' : 'Edit rule') : 'New rule'}</h2>
      <div class="form-grid">
        <Field
          label="Rule name"
          required
          maxLength={128}
          value={name}
          readOnly={readOnly}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label="Classification"
          value={classification}
          disabled={readOnly || rule !== undefined}
          options={classifications.map((c) => ({ value: c.id, label: c.name }))}
          onChange={(e) => setClassification(e.currentTarget.value)}
        />
        <Select
          label="DB type"
          value={dbType}
          disabled={readOnly || rule !== undefined}
          options={dbTypes}
          onChange={(e) => setDbType(e.currentTarget.value as DbType)}
        />
      </div>
      <label class="field">
        <span>Expression</span>
        <textarea
          rows={12}
          spellcheck={false}
          value={text}
          readOnly={readOnly}
          aria-describedby="expression-hint"
          onInput={(e) => setText(e.currentTarget.value)}
        />
        <small class="muted" id="expression-hint">
          DSL v4 JSON: {'{"version": 4, "expr": NODE}'}; functions db_type_in, is_superuser, has_capability,
          has_role, has_privilege; operators AND, OR, NOT (docs/dsl-v4.md).
        </small>
      </label>
      <Check label="Enabled" checked={enabled} disabled={readOnly} onChange={setEnabled} />
      <div class="actions">
        <button type="button" onClick={() => void validate()} disabled={check.busy}>
          Validate
        </button>
        <button type="button" onClick={() => void tryIt()} disabled={check.busy}>
          Preview against live accounts
        </button>
        {!readOnly && (
          <button type="submit" class="primary" disabled={save.busy || !classification}>
            {save.busy ? 'Saving…' : rule ? 'Save rule' : 'Create rule'}
          </button>
        )}
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
      {check.busy && <p class="muted">Checking…</p>}
      <ErrorBox error={check.error} />
      <ErrorBox error={save.error} />
      {validation && <ValidationResult validation={validation} />}
      {preview && <PreviewResult preview={preview} />}
    </form>
  );
}
