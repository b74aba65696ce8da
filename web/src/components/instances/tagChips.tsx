// The tags an instance holds, as small labelled chips (the colour is decoration: the name is the text).
import type { InstanceTag } from './model';

export function TagChips({ tags }: { tags: readonly InstanceTag[] }) {
  if (tags.length === 0) return <span class="muted">—</span>;
  return (
    <ul class="tag-chips">
      {tags.map((t) => (
        <li key={t.id} class={t.is_active ? undefined : 'inactive'} title={t.category || undefined}>
          <span class="swatch" aria-hidden="true" style={{ background: safeColor(t.color) }} />
          {t.display_name || t.name}
        </li>
      ))}
    </ul>
  );
}

/** A tag's colour as CSS, or grey when it is not a plain colour value. */
export function safeColor(color: string): string {
  return /^(#[0-9a-f]{3,8}|[a-z]+|rgba?\([\d\s.,%]+\))$/i.test(color) ? color : '#6b7280';
}
