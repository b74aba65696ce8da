// Pickers shared by the account and capacity pages: an instance (the first 100 by name, enough for a
// filter; the search of the instances page finds the rest), a classification, and a database of an
// instance. Each is a labelled <select> whose empty value means "any".
import { client, unwrap, unwrapPage } from '../api/client';
import { useApi } from '../hooks';
import { Select } from './common';

interface PickerProps {
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  label?: string;
}

const changed = (onChange: PickerProps['onChange']) => (e: Event) =>
  onChange((e.currentTarget as HTMLSelectElement).value || undefined);

export function InstancePicker({ value, onChange, label = 'Instance' }: PickerProps) {
  const { data } = useApi(
    () => unwrapPage(client.GET('/instances', { params: { query: { limit: 100 } } })),
    [],
  );
  const options = (data?.data ?? []).map((i) => ({ value: i.id, label: `${i.name} (${i.db_type})` }));
  // A shared link may name an instance not in the first page: keep it selectable.
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: value });
  return (
    <Select
      label={label}
      value={value ?? ''}
      onChange={changed(onChange)}
      options={[{ value: '', label: 'any' }, ...options]}
    />
  );
}

export function ClassificationPicker({ value, onChange, label = 'Classification' }: PickerProps) {
  const { data } = useApi(() => unwrap(client.GET('/accounts/classifications')), []);
  const options = (data ?? []).map((c) => ({ value: c.id, label: `${c.name} (${c.risk_level})` }));
  if (value && !options.some((o) => o.value === value)) options.unshift({ value, label: value });
  return (
    <Select
      label={label}
      value={value ?? ''}
      onChange={changed(onChange)}
      options={[{ value: '', label: 'any' }, ...options]}
    />
  );
}

/** The databases of one instance (by name, as the capacity aggregations name them). */
export function DatabasePicker({
  instanceId,
  value,
  onChange,
  label = 'Database',
}: PickerProps & { instanceId: string | undefined }) {
  const { data } = useApi(
    () =>
      instanceId
        ? unwrapPage(
            client.GET('/databases/ledgers', { params: { query: { instance_id: instanceId, limit: 100 } } }),
          )
        : Promise.resolve(undefined),
    [instanceId],
  );
  const names = [...new Set((data?.data ?? []).map((d) => d.database_name))].sort();
  if (value && !names.includes(value)) names.unshift(value);
  return (
    <Select
      label={label}
      value={value ?? ''}
      disabled={!instanceId}
      onChange={changed(onChange)}
      options={[
        { value: '', label: instanceId ? 'any' : 'pick an instance first' },
        ...names.map((n) => ({ value: n, label: n })),
      ]}
    />
  );
}
