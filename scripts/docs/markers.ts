// Generated parts of a doc sit between `<!-- generated:<name> begin -->` and `<!-- generated:<name> end -->`
// (HTML comments: invisible when rendered). The generators write only between them; the prose around is
// the doc's own.
const begin = (name: string) => `<!-- generated:${name} begin -->`;
const end = (name: string) => `<!-- generated:${name} end -->`;

function bounds(text: string, name: string): { from: number; to: number } {
  const from = text.indexOf(begin(name));
  const to = text.indexOf(end(name));
  if (from < 0 || to < from) throw new Error(`no ${begin(name)} ... ${end(name)} markers`);
  return { from: from + begin(name).length, to };
}

/** The markdown between the markers, trimmed. */
export function readGenerated(text: string, name: string): string {
  const { from, to } = bounds(text, name);
  return text.slice(from, to).trim();
}

/** The text with the part between the markers replaced by `markdown` (one blank line either side). */
export function replaceGenerated(text: string, name: string, markdown: string): string {
  const { from, to } = bounds(text, name);
  return `${text.slice(0, from)}\n\n${markdown.trim()}\n\n${text.slice(to)}`;
}
