// Generated parts of a doc sit between <!-- generated:<name> begin --> and <!-- generated:<name> end -->
// markers: a generator replaces what is between them and leaves the rest of the doc as written.
// The prose around them is the doc's own.

const begin = (name: string) => `<!-- generated:${name} begin -->`;
const end = (name: string) => `<!-- generated:${name} end -->`;

function span(text: string, name: string): { from: number; to: number } | undefined {
  const open = text.indexOf(begin(name));
  if (open < 0) return undefined;
  const from = open + begin(name).length;
  const to = text.indexOf(end(name), from);
  if (to < 0) throw new Error(`generated part '${name}' has no end marker`);
  return { from, to };
}

/** What is between the markers of `name` (without the blank lines around it), or undefined without them. */
export function readGenerated(text: string, name: string): string | undefined {
  const s = span(text, name);
  return s && text.slice(s.from, s.to).trim();
}

/** The text with the part `name` replaced by `markdown`; throws when the doc has no such markers. */
export function replaceGenerated(text: string, name: string, markdown: string): string {
  const s = span(text, name);
  if (!s) throw new Error(`no <!-- generated:${name} begin/end --> markers`);
  return `${text.slice(0, s.from)}\n\n${markdown.trim()}\n\n${text.slice(s.to)}`;
}
