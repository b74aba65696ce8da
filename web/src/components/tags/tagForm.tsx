// Creating or editing a tag: name (letters, digits, - _ . :), display name, category, colour,
// description, and (editing) whether it is active. Editing sends only the fields that changed.
import { useState } from 'preact/hooks';
import { client, unwrap } from '../../api/client';
import { Field, FormFooter } from '../common';
import type { Tag } from '../instances/model';

export function TagForm({
  tag,
  categories,
  onSaved,
  onCancel,
}: {
  tag?: Tag | undefined;
  categories: readonly string[];
  onSaved: (t: Tag) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(tag?.name ?? '');
  const [displayName, setDisplayName] = useState(tag?.display_name ?? '');
  const [category, setCategory] = useState(tag?.category ?? '');
  const [color, setColor] = useState(tag?.color ?? '#2563eb');
  const [description, setDescription] = useState(tag?.description ?? '');
  const [active, setActive] = useState(tag?.is_active ?? true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (!tag) {
        const body = {
          name: name.trim(),
          ...(displayName.trim() ? { display_name: displayName.trim() } : {}),
          category: category.trim(),
          color,
          description,
        };
        onSaved(await unwrap(client.POST('/tags', { body })));
        return;
      }
      const body = {
        ...(name.trim() !== tag.name ? { name: name.trim() } : {}),
        ...(displayName.trim() && displayName.trim() !== tag.display_name
          ? { display_name: displayName.trim() }
          : {}),
        ...(category.trim() !== tag.category ? { category: category.trim() } : {}),
        ...(color !== tag.color ? { color } : {}),
        ...(description !== tag.description ? { description } : {}),
        ...(active !== tag.is_active ? { is_active: active } : {}),
      };
      if (Object.keys(body).length === 0) return onCancel();
      onSaved(await unwrap(client.PUT('/tags/{id}', { params: { path: { id: tag.id } }, body })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const title = tag ? `Edit tag ${tag.name}` : 'New tag';
  return (
    <form class="panel" onSubmit={submit} aria-label={title}>
      <h2>{title}</h2>
      <div class="form-grid">
        <Field
          label="Name"
          required
          maxLength={64}
          hint="letters, digits, -, _, . and :"
          value={name}
          onInput={(e) => setName(e.currentTarget.value)}
        />
        <Field
          label="Display name"
          maxLength={128}
          hint="default: the name"
          value={displayName}
          onInput={(e) => setDisplayName(e.currentTarget.value)}
        />
        <Field
          label="Category"
          maxLength={64}
          list="tag-categories"
          value={category}
          onInput={(e) => setCategory(e.currentTarget.value)}
        />
        <Field label="Colour" type="color" value={color} onInput={(e) => setColor(e.currentTarget.value)} />
      </div>
      <datalist id="tag-categories">
        {categories.map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      <label class="field">
        <span>Description</span>
        <textarea
          class="short"
          maxLength={1000}
          value={description}
          onInput={(e) => setDescription(e.currentTarget.value)}
        />
      </label>
      {tag && (
        <label class="inline">
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.currentTarget.checked)} />{' '}
          Active (an inactive tag stays where assigned but is not assigned any more)
        </label>
      )}
      <FormFooter
        error={error}
        busy={busy}
        submitLabel={tag ? 'Save tag' : 'Create tag'}
        onCancel={onCancel}
      />
    </form>
  );
}
