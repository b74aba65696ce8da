// The mermaid parser in Node: mermaid expects a browser, so a JSDOM window stands in for one. Imported
// once per test file (the import is most of the check's time).
type Mermaid = { parse(text: string): Promise<unknown> };
// jsdom ships no types (no @types/jsdom here): the little of it used, typed where it is used.
interface Dom {
  window: { document: unknown; navigator: unknown; close(): void };
}
type JsdomModule = { JSDOM: new (html: string, options: object) => Dom };
const jsdomName: string = 'jsdom';
let loaded: Promise<Mermaid> | undefined;
let dom: Dom | undefined;

function load(): Promise<Mermaid> {
  return (loaded ??= (async () => {
    const { JSDOM } = (await import(jsdomName)) as JsdomModule;
    dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
    const g = globalThis as Record<string, unknown>;
    g.window = dom.window;
    g.document = dom.window.document;
    // navigator is a getter on Node 20's globalThis: define it rather than assign it.
    Object.defineProperty(globalThis, 'navigator', { value: dom.window.navigator, configurable: true });
    const mod = (await import('mermaid')) as unknown as { default: Mermaid };
    return mod.default;
  })());
}

/** The parser's message when the block does not parse, else undefined. */
export async function parseMermaid(text: string): Promise<string | undefined> {
  const mermaid = await load();
  try {
    await mermaid.parse(text);
    return undefined;
  } catch (e) {
    return (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 4).join(' | ');
  }
}

export function closeMermaid(): void {
  dom?.window.close();
}
