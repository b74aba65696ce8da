// Create or change a classification: name, description, risk level, colour, priority (and, when changing,
// whether it is active). A change sends only the fields that differ (a system classification cannot be
// renamed: the API says SYSTEM_CLASSIFICATION).
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { Field, Select, FormFooter } from '../common';
import { Check, useAction, type Item } from '../admin/shared';

export type Classification = Item<'/accounts/classifications'>;
export const riskLevels = ['low', 'medium', 'high', 'critical'] as const;
type Risk = (typeof riskLevels)[number];

export function ClassificationForm({
  initial,
  onSaved,
  onCancel,
}: {
  initial?: Classification;
  onSaved: (message: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [description, setDescription] = useState(initial?.description ?? '');
  const [risk, setRisk] = useState<Risk>(initial?.risk_level ?? 'medium');
  const [color, setColor] = useState(initial?.color ?? '#6b7280');
  const [priority, setPriority] = useState(String(initial?.priority ?? 0));
  const [active, setActive] = useState(initial?.is_active ?? true);
  const { busy, error, run } = useAction();
  const title = initial ? `Edit ${initial.name}` : 'New classification';

  const submit = async (e: Event) => {
    e.preventDefault();
    const fields = { name, description, risk_level: risk, color, priority: Number(priority) };
    const ok = await run(async () => {
      if (!initial) {
        await unwrap(client.POST('/accounts/classifications', { body: fields }));
        return;
      }
      const changed = {
        ...(name !== initial.name ? { name } : {}),
        ...(description !== initial.description ? { description } : {}),
        ...(risk !== initial.risk_level ? { risk_level: risk } : {}),
        ...(color !== initial.color ? { color } : {}),
        ...(fields.priority !== initial.priority ? { priority: fields.priority } : {}),
        ...(active !== initial.is_active ? { is_active: active } : {}),
      };
      if (Object.keys(changed).length === 0) return;
      await unwrap(
        client.PUT('/accounts/classifications/{id}', { params: { path: { id: initial.id } }, body: changed }),
      );
    });
    if (ok) onSaved(initial ? `classification ${name} saved` : `classification ${name} created`);
  };

  return (
    <form class="panel" onSubmit={submit} aria-labelledby="classification-form-title">
      <h2 id="classification-form-title">{title}</h2>
      <div class="form-grid">
        <Field
          label="Name"
          required
          maxLength={128}
          value={name}
          disabled={initial?.is_system}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <Select
          label="Risk level"
          value={risk}
          options={riskLevels}
          onChange={(e) => setRisk(e.currentTarget.value as Risk)}
        />
        <Field label="Colour" type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />
        <Field
          label="Priority"
          type="number"
          min={0}
          max={1000000}
          hint="higher first"
          value={priority}
          onInput={(e) => setPriority(e.currentTarget.value)}
        />
      </div>
      <Field
        label="Description"
        maxLength={1000}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      {initial && <Check label="Active" checked={active} onChange={setActive} />}
      <FormFooter
        error={error}
        busy={busy}
        submitLabel={initial ? 'Save classification' : 'Create classification'}
        onCancel={onCancel}
      />
    </form>
  );
}
