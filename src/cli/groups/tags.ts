// `whalefall tags list|create|assign|remove`: tags from the command line. Tags and instances are named by
// name (any case) or id and resolve on the write side (tag_index and the 'tag' name reservations; the
// instance streams and their names), so a tag created a moment ago can be assigned before the projections
// catch up. assign / remove run the bulk tags command (commands.bulkTags) and print its receipt, one line per
// instance; exit code 1 when an item failed. Only `list` reads the read model (src/projections/tags).
import type { Command } from 'commander';
import type { InstanceDirectory } from '../../commands/connections.js';
import type { BulkAction } from '../../commands/tags/bulk.js';
import type { BulkReceipt } from '../../commands/tags/receipt.js';
import { loadTag, TAG_NAME_SCOPE } from '../../commands/tags/tags.js';
import { nameKey } from '../../commands/streamWrites.js';
import { AppError } from '../../domain/errors.js';
import type { TagRef } from '../../domain/tags/events.js';
import { listTags, type TagApi } from '../../projections/tags/queries.js';
import type { Runtime } from '../../runtime.js';
import { CliError } from '../cliError.js';
import { cliContext, withRuntime } from '../withRuntime.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A repeatable option that also takes comma lists: `--tag prod --tag pci,eu`. */
const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

/** The refusals of a command's input (a bad name, a limit, an inactive tag): exit code 2, not a crash. */
const INPUT_CODES = new Set(['VALIDATION_ERROR', 'RESOURCE_NOT_FOUND', 'TAG_INACTIVE', 'NAME_EXISTS']);

async function refusingInput<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppError && INPUT_CODES.has(err.code)) throw new CliError(err.message);
    throw err;
  }
}

type TagLookup = Pick<Runtime, 'knex' | 'store'>;

/** Each tag reference (name in any case, or id) as a live tag, in the order given, without repeats. */
export async function resolveTags(deps: TagLookup, refs: readonly string[]): Promise<TagRef[]> {
  const found = new Map<string, TagRef>();
  for (const ref of refs) {
    const wanted = ref.trim();
    let id: string | undefined;
    if (UUID.test(wanted)) {
      const row = await deps
        .knex('tag_index')
        .where({ tag_id: wanted.toLowerCase() })
        .first<{ tag_id: string } | undefined>('tag_id');
      id = row?.tag_id;
    }
    if (!id) {
      const row = await deps
        .knex('name_reservations')
        .where({ scope: TAG_NAME_SCOPE, name_key: nameKey(wanted) })
        .first<{ owner_id: string } | undefined>('owner_id');
      id = row?.owner_id;
    }
    const state = id ? (await loadTag(deps.store, id)).state : undefined;
    if (!id || state?.lifecycle !== 'active') {
      const like = await deps
        .knex('name_reservations')
        .where({ scope: TAG_NAME_SCOPE })
        .whereRaw('strpos(name_key, ?) > 0', [nameKey(wanted)])
        .orderBy('name_key')
        .limit(5)
        .pluck<string[]>('name_key');
      throw new CliError(
        `unknown tag '${wanted}': no tag has that name or id${like.length ? ` (did you mean ${like.map((n) => `'${n}'`).join(', ')}?)` : ''}`,
      );
    }
    found.set(id, { tagId: id, name: state.name });
  }
  return [...found.values()];
}

/**
 * Each instance reference (name or id) as an instance, in the order given, without repeats. Unlike a sync,
 * an instance in the recycle bin is accepted: tags may leave it, and assigning to it fails as its own item.
 */
export async function resolveTaggedInstances(
  instances: Pick<InstanceDirectory, 'byRef' | 'namedLike'>,
  refs: readonly string[],
): Promise<{ id: string; name: string }[]> {
  const found = new Map<string, { id: string; name: string }>();
  for (const ref of refs) {
    const wanted = ref.trim();
    const instance = await instances.byRef(wanted);
    if (!instance) {
      const like = (await instances.namedLike(wanted, 5)).map((i) => i.name);
      throw new CliError(
        `unknown instance '${wanted}': no instance has that name or id${like.length ? ` (did you mean ${like.map((n) => `'${n}'`).join(', ')}?)` : ''}`,
      );
    }
    found.set(instance.id, { id: instance.id, name: instance.name });
  }
  return [...found.values()];
}

const names = (tags: readonly TagRef[]) => tags.map((t) => t.name).join(',');

/** The receipt as lines: one per instance, then the summary. */
export function receiptLines(receipt: BulkReceipt): string[] {
  const lines = receipt.items.map((i) => {
    const parts = [i.instanceName, i.status];
    if (i.added.length) parts.push(`added ${names(i.added)}`);
    if (i.removed.length) parts.push(`removed ${names(i.removed)}`);
    if (i.status === 'failed') parts.push(`${i.messageCode ?? 'TASK_EXECUTION_FAILED'}: ${i.message ?? ''}`);
    return parts.join('  ');
  });
  const { applied, unchanged, failed } = receipt.counts;
  lines.push(
    `session ${receipt.sessionId}: ${receipt.items.length} instances, ${applied} applied, ${unchanged} unchanged, ${failed} failed${receipt.ended ? '' : ' (still running: not every item has ended)'}`,
  );
  return lines;
}

/** Every tag of the list (not deleted), page by page. */
async function allTags(deps: TagLookup, category: string | undefined): Promise<TagApi[]> {
  const out: TagApi[] = [];
  for (let page = 1; ; page++) {
    const { total, items } = await listTags(deps.knex, { category }, { page, limit: 500 });
    out.push(...items);
    if (items.length === 0 || out.length >= total) return out;
  }
}

const table = (rows: string[][]): string[] => {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join('  ')
      .trimEnd(),
  );
};

interface BulkOpts {
  tag?: string[];
  instance?: string[];
  all?: boolean;
  idempotencyKey?: string;
}

export function addTagCommands(program: Command): void {
  const tags = program.command('tags').description('tags: list, create, assign to and remove from instances');

  tags
    .command('list')
    .description('the tags (not deleted) with how many instances hold each (from the read model)')
    .option('--category <category>', 'only the tags of this category')
    .option('--json', 'one JSON object per line')
    .action((opts: { category?: string; json?: boolean }) =>
      withRuntime(async (runtime) => {
        const list = await allTags(runtime, opts.category);
        if (opts.json) {
          for (const t of list) console.log(JSON.stringify(t));
          return;
        }
        if (list.length === 0) {
          console.log('no tags');
          return;
        }
        const rows = [['NAME', 'DISPLAY NAME', 'CATEGORY', 'ACTIVE', 'INSTANCES']];
        for (const t of list)
          rows.push([
            t.name,
            t.display_name,
            t.category,
            t.is_active ? 'yes' : 'no',
            `${t.instance_count}${t.deleted_instance_count ? ` (+${t.deleted_instance_count} in the recycle bin)` : ''}`,
          ]);
        for (const line of table(rows)) console.log(line);
      }),
    );

  tags
    .command('create')
    .description('create a tag; prints its id')
    .argument('<name>', 'letters, digits, -, _, . and : (unique in any case)')
    .option('--display-name <text>', 'the name shown (default: the name)')
    .option('--category <category>', 'a category', '')
    .option('--color <color>', 'a color', '')
    .option('--description <text>', 'a description', '')
    .action(
      (name: string, opts: { displayName?: string; category: string; color: string; description: string }) =>
        withRuntime(async (_runtime, { commands }) => {
          const { id } = await refusingInput(() =>
            commands.createTag(
              {
                name,
                displayName: opts.displayName ?? name,
                category: opts.category,
                color: opts.color,
                description: opts.description,
              },
              cliContext(),
            ),
          );
          console.log(id);
        }),
    );

  const bulk = (action: 'assign' | 'remove', opts: BulkOpts) =>
    withRuntime(async (runtime, { commands, instances }) => {
      const kind: BulkAction = action === 'remove' && opts.all ? 'remove_all' : action;
      const tagRefs = opts.tag ?? [];
      if (kind === 'remove_all' && tagRefs.length)
        throw new CliError('tags remove: give either --tag or --all, not both');
      if (kind !== 'remove_all' && tagRefs.length === 0)
        throw new CliError(
          `tags ${action}: name at least one --tag${action === 'remove' ? ' (or --all)' : ''}`,
        );
      if (!opts.instance?.length) throw new CliError(`tags ${action}: name at least one --instance`);
      const tagList = await resolveTags(runtime, tagRefs);
      const targets = await resolveTaggedInstances(instances, opts.instance);
      const receipt = await refusingInput(() =>
        commands.bulkTags(
          { action: kind, instanceIds: targets.map((i) => i.id), tagIds: tagList.map((t) => t.tagId) },
          cliContext(),
          opts.idempotencyKey !== undefined ? { idempotencyKey: opts.idempotencyKey } : {},
        ),
      );
      for (const line of receiptLines(receipt)) console.log(line);
      process.exitCode = receipt.counts.failed > 0 || !receipt.ended ? 1 : 0;
    });

  const tagOption = [
    '--tag <name-or-id>',
    'tag names or ids (repeatable, or a comma list)',
    collect,
  ] as const;
  const instanceOption = [
    '--instance <name-or-id>',
    'instance names or ids (repeatable, or a comma list)',
    collect,
  ] as const;
  const keyOption = [
    '--idempotency-key <key>',
    'run once: the same key and request again prints the first receipt',
  ] as const;

  tags
    .command('assign')
    .description(
      'assign tags to instances as one bulk session; prints the receipt (exit code 1 if an item failed)',
    )
    .option(...tagOption)
    .option(...instanceOption)
    .option(...keyOption)
    .action((opts: BulkOpts) => bulk('assign', opts));

  tags
    .command('remove')
    .description(
      'remove tags (or --all of them) from instances as one bulk session; prints the receipt (exit code 1 if an item failed)',
    )
    .option(...tagOption)
    .option('--all', 'remove every tag the instances hold')
    .option(...instanceOption)
    .option(...keyOption)
    .action((opts: BulkOpts) => bulk('remove', opts));
}
