// Registry of event schemas: validates data on append, upcasts old schema versions and validates on read.
import { compile, type z } from 'zod';
import { eventMetadataSchema, type EventData, type RecordedEvent } from './envelope.js';

/** Turns the data of version `from` into the shape of version `from + 1`. */
export type Upcaster = (data: unknown) => unknown;

export interface EventDefinition<Type extends string = string, Schema extends z.ZodType = z.ZodType> {
  readonly type: Type;
  readonly schemaVersion: number;
  readonly schema: Schema;
  /** upcasters[v] lifts data stored at version v to v + 1. */
  readonly upcasters?: Readonly<Record<number, Upcaster>>;
}

/** Checks that every older schema version can be lifted to the current one. */
export function defineEvent<Type extends string, Schema extends z.ZodType>(
  def: EventDefinition<Type, Schema>,
): EventDefinition<Type, Schema> {
  if (!Number.isInteger(def.schemaVersion) || def.schemaVersion < 1) {
    throw new Error(`event ${def.type}: schemaVersion must be a whole number from 1`);
  }
  for (let v = 1; v < def.schemaVersion; v++) {
    if (!def.upcasters?.[v])
      throw new Error(`event ${def.type}: no upcaster from schema version ${v} to ${v + 1}`);
  }
  return def;
}

export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? RecordedEvent<T, z.infer<S>> : never;

export class EventValidationError extends Error {
  constructor(
    readonly eventType: string,
    readonly issues: string[],
    readonly stage: 'append' | 'read',
  ) {
    super(`event ${eventType} failed validation on ${stage}: ${issues.join('; ')}`);
    this.name = 'EventValidationError';
  }
}

export class UnknownEventTypeError extends Error {
  constructor(readonly eventType: string) {
    super(`unknown event type '${eventType}': register its schema before appending or reading it`);
    this.name = 'UnknownEventTypeError';
  }
}

const describeIssues = (error: z.ZodError): string[] =>
  error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`);

// Zod's compiled parser (z.compile) answers exactly what the schema's own parser answers: a valid input
// takes generated code specialised to the schema, an invalid one falls back to the runtime parser, so
// the errors are the same too. Every append and every read of a known type is parsed: about a third of
// the runtime parser's CPU, and no intermediate objects to collect.
const compiledMetadata = compile(eventMetadataSchema);

export class EventRegistry {
  private readonly defs = new Map<string, EventDefinition>();
  /** Each definition's schema, compiled on its first parse (most types of a registry are never seen). */
  private readonly compiled = new Map<string, z.ZodType>();

  constructor(definitions: readonly EventDefinition[] = []) {
    for (const d of definitions) this.register(d);
  }

  register(def: EventDefinition): this {
    if (this.defs.has(def.type)) throw new Error(`event type ${def.type} is registered twice`);
    this.defs.set(def.type, defineEvent(def));
    return this;
  }

  has(type: string): boolean {
    return this.defs.has(type);
  }

  types(): string[] {
    return [...this.defs.keys()];
  }

  /** Checks an event before it is appended; stamps the current schema version. */
  encode<E extends EventData>(event: E): E {
    const def = this.require(event.type);
    if (event.schemaVersion !== def.schemaVersion) {
      throw new EventValidationError(
        event.type,
        [`schemaVersion ${event.schemaVersion} is not the current ${def.schemaVersion}`],
        'append',
      );
    }
    const data = this.schemaOf(def).safeParse(event.data);
    const meta = compiledMetadata.safeParse(event.metadata);
    const issues = [
      ...(data.success ? [] : describeIssues(data.error)),
      ...(meta.success ? [] : describeIssues(meta.error).map((m) => `metadata.${m}`)),
    ];
    if (issues.length) throw new EventValidationError(event.type, issues, 'append');
    return { ...event, data: data.data };
  }

  /** Upcasts an event stored at an older schema version, then validates it. Stored events are never rewritten. */
  decode<E extends RecordedEvent>(event: E): E {
    const def = this.require(event.type);
    let data = event.data;
    for (let v = event.schemaVersion; v < def.schemaVersion; v++) {
      const up = def.upcasters?.[v];
      if (!up) throw new EventValidationError(event.type, [`no upcaster from version ${v}`], 'read');
      data = up(data);
    }
    if (event.schemaVersion > def.schemaVersion) {
      throw new EventValidationError(
        event.type,
        [`stored schemaVersion ${event.schemaVersion} is newer than this build knows (${def.schemaVersion})`],
        'read',
      );
    }
    const parsed = this.schemaOf(def).safeParse(data);
    if (!parsed.success) throw new EventValidationError(event.type, describeIssues(parsed.error), 'read');
    return { ...event, data: parsed.data, schemaVersion: def.schemaVersion };
  }

  private schemaOf(def: EventDefinition): z.ZodType {
    let schema = this.compiled.get(def.type);
    if (!schema) this.compiled.set(def.type, (schema = compile(def.schema)));
    return schema;
  }

  private require(type: string): EventDefinition {
    const def = this.defs.get(type);
    if (!def) throw new UnknownEventTypeError(type);
    return def;
  }
}
