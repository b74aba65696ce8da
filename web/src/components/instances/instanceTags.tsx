// The tags of one instance on its page: the chips, and for users who may update, a remove button per tag
// and a picker to assign another (both through the bulk tags API, one instance: a tags session each).
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { useAuth } from '../../auth';
import { useApi } from '../../hooks';
import { ErrorBox, Select } from '../common';
import { TagChips } from './tagChips';
import type { BulkReceipt, InstanceTag } from './model';

export function InstanceTags({
  instanceId,
  tags,
  deleted,
  onChanged,
}: {
  instanceId: string;
  tags: readonly InstanceTag[];
  deleted: boolean;
  onChanged: () => void;
}) {
  const { can } = useAuth();
  const editable = can('update') && !deleted;
  const options = useApi(
    () => (editable ? unwrap(client.GET('/tags/options')) : Promise.resolve([])),
    [editable],
  );
  const [pick, setPick] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [note, setNote] = useState('');

  const bulk = async (action: 'assign' | 'remove', tagId: string, label: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const body = { instance_ids: [instanceId], tag_ids: [tagId] };
      const receipt: BulkReceipt =
        action === 'assign'
          ? await unwrap(client.POST('/tags/bulk/actions/assign', { body }))
          : await unwrap(client.POST('/tags/bulk/actions/remove', { body }));
      const item = receipt.items[0];
      if (item?.status === 'failed')
        throw new Error(`${item.message_code ?? 'FAILED'}: ${item.message ?? ''}`);
      setNote(
        `${label} ${action === 'assign' ? 'assigned' : 'removed'}${item?.status === 'unchanged' ? ' (no change)' : ''}.`,
      );
      setPick('');
      onChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const held = new Set(tags.map((t) => t.id));
  const assignable = (options.data ?? []).filter((o) => !held.has(o.id));
  return (
    <section aria-labelledby="tags-title">
      <h2 id="tags-title">Tags</h2>
      <TagChips tags={tags} />
      {editable && tags.length > 0 && (
        <div class="actions">
          {tags.map((t) => (
            <button
              key={t.id}
              type="button"
              disabled={busy}
              onClick={() => bulk('remove', t.id, t.display_name || t.name)}
            >
              Remove tag {t.display_name || t.name}
            </button>
          ))}
        </div>
      )}
      {editable && (
        <form
          class="filters"
          onSubmit={(e) => {
            e.preventDefault();
            const tag = assignable.find((o) => o.id === pick);
            if (tag) void bulk('assign', tag.id, tag.display_name || tag.name);
          }}
        >
          <Select
            label="Tag to assign"
            value={pick}
            onChange={(e) => setPick(e.currentTarget.value)}
            options={[
              { value: '', label: assignable.length ? 'choose a tag' : 'no other active tag' },
              ...assignable.map((o) => ({ value: o.id, label: o.display_name || o.name })),
            ]}
          />
          <button type="submit" disabled={busy || !pick}>
            Assign tag
          </button>
          <a href="/tags">Manage tags</a>
        </form>
      )}
      <p role="status" aria-live="polite" class="muted">
        {note}
      </p>
      <ErrorBox error={error ?? options.error} />
    </section>
  );
}
