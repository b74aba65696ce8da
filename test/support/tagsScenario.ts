// The tags queries' scenario: tags prod, pci (both env/compliance), staging (deactivated), old (deleted)
// projected from events; four instances written straight into the instances table: maria and pg (not
// deleted), gone (in the recycle bin), bare (no tags). prod is on maria, pg and gone; pci on maria;
// staging on bare. The instance, account and capacity rows the filters read are inserted by the tests.
import { randomUUID } from 'node:crypto';
import { tagStream } from '../../src/domain/tags/events.js';
import type { ProjectionSpec } from './projectionSpec.js';

export function tagsScenario(spec: ProjectionSpec) {
  const tags = { prod: randomUUID(), pci: randomUUID(), staging: randomUUID(), old: randomUUID() };
  const instances = { maria: randomUUID(), pg: randomUUID(), gone: randomUUID(), bare: randomUUID() };
  const nameOf = Object.fromEntries(Object.entries(tags).map(([name, id]) => [id, name]));
  const refs = (ids: string[]) => ids.map((tagId) => ({ tagId, name: nameOf[tagId]! }));
  let n = 0;
  const append = (stream: string, type: string, data: unknown) =>
    spec.append(stream, type, data, { occurredAt: new Date(Date.UTC(2026, 11, 2, 10, n++)).toISOString() });
  const create = (name: keyof typeof tags, category: string) =>
    append(tagStream(tags[name]), 'TagCreated', {
      tagId: tags[name],
      name,
      displayName: `${name[0]!.toUpperCase()}${name.slice(1)} tier`,
      category,
      color: name === 'pci' ? 'orange' : 'green',
      description: '',
    });
  const tag = (instanceId: string, ids: string[]) =>
    append(`instance-${instanceId}`, 'InstanceTagged', { instanceId, tags: refs(ids) });

  async function run(): Promise<void> {
    await create('prod', 'env');
    await create('pci', 'compliance');
    await create('staging', 'env');
    await create('old', '');
    await append(tagStream(tags.staging), 'TagDeactivated', { tagId: tags.staging });
    await append(tagStream(tags.old), 'TagDeleted', { tagId: tags.old, forced: false });
    await tag(instances.maria, [tags.prod, tags.pci]);
    await tag(instances.pg, [tags.prod]);
    await tag(instances.gone, [tags.prod]);
    await tag(instances.bare, [tags.staging]);
    await spec.catchUp(spec.runner());
    const at = '2026-12-01T00:00:00Z';
    await spec.db.knex('instances').insert(
      Object.entries(instances).map(([name, id]) => ({
        id,
        name,
        db_type: name === 'pg' ? 'postgresql' : 'mysql',
        host: `${name}.example`,
        port: 1,
        created_at: at,
        updated_at: at,
        deleted_at: name === 'gone' ? at : null,
      })),
    );
  }

  return { tags, instances, run };
}
