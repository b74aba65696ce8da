// `--instance` takes names or ids. Both resolve on the write side (the instance streams and the names the
// register command reserves, case-insensitive), so an instance registered a moment ago is found before the
// projections catch up. An unknown one is refused with the names it may have meant, never with the SQL of a
// failed lookup.
import type { InstanceDirectory } from '../commands/connections.js';
import { CliError } from './cliError.js';

export interface InstanceRef {
  id: string;
  name: string;
}

type Lookup = Pick<InstanceDirectory, 'byRef' | 'namedLike'>;

async function resolveOne(instances: Lookup, ref: string): Promise<InstanceRef> {
  const wanted = ref.trim();
  const found = await instances.byRef(wanted);
  if (found?.deleted)
    throw new CliError(`instance '${found.name}' (${found.id}) is deleted: restore it before syncing it`);
  if (found) return { id: found.id, name: found.name };
  const like = (await instances.namedLike(wanted, 5)).map((i) => i.name);
  throw new CliError(
    `unknown instance '${wanted}': no instance has that name or id${like.length ? ` (did you mean ${like.map((n) => `'${n}'`).join(', ')}?)` : ''}`,
  );
}

/** Each reference as an instance, in the order given, without repeats. */
export async function resolveInstances(instances: Lookup, refs: readonly string[]): Promise<InstanceRef[]> {
  const found = new Map<string, InstanceRef>();
  for (const ref of refs) {
    const instance = await resolveOne(instances, ref);
    found.set(instance.id, instance);
  }
  return [...found.values()];
}
