// Tag events (stream tag-{id}) and instance tagging events (on the instance-{id} stream: one event per
// instance per operation, listing the tags added or removed). Pure.
import { z } from 'zod';
import { defineEvent, type EventDefinition } from '../events/registry.js';

/** Letters, digits, `-`, `_`, `.`, `:`; unique in any case (name_reservations scope 'tag'). */
export const TAG_NAME_PATTERN = /^[A-Za-z0-9._:-]+$/;

export const tagFields = {
  name: z.string().min(1).max(64).regex(TAG_NAME_PATTERN, 'letters, digits, -, _, . and : only'),
  displayName: z.string().min(1).max(128),
  category: z.string().max(64),
  color: z.string().max(32),
  description: z.string().max(1000),
};

/** A tag as instance events name it: its id, and its name at the time (for the auditor reading the log). */
const tagRef = z.strictObject({ tagId: z.uuid(), name: z.string() });
export type TagRef = z.infer<typeof tagRef>;

/** Why tags left an instance. */
export const untagReasons = ['removed', 'remove_all', 'tag_deleted'] as const;

export const tagEventDefinitions: readonly EventDefinition[] = [
  defineEvent({
    type: 'TagCreated',
    schemaVersion: 1,
    schema: z.strictObject({ tagId: z.uuid(), ...tagFields }),
  }),
  defineEvent({
    type: 'TagUpdated',
    schemaVersion: 1,
    schema: z.strictObject({
      tagId: z.uuid(),
      /** isActive: true reactivates a deactivated tag; deactivation is TagDeactivated. */
      changes: z.strictObject({
        ...z.object(tagFields).partial().shape,
        isActive: z.literal(true).optional(),
      }),
    }),
  }),
  defineEvent({
    type: 'TagDeactivated',
    schemaVersion: 1,
    schema: z.strictObject({ tagId: z.uuid() }),
  }),
  defineEvent({
    type: 'TagDeleted',
    schemaVersion: 1,
    /** forced: it was in use, and was removed from every instance first (InstanceUntagged, tag_deleted). */
    schema: z.strictObject({ tagId: z.uuid(), forced: z.boolean() }),
  }),
  defineEvent({
    type: 'InstanceTagged',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      /** The bulk session that did it; absent for a single change. */
      sessionId: z.uuid().optional(),
      tags: z.array(tagRef).min(1),
    }),
  }),
  defineEvent({
    type: 'InstanceUntagged',
    schemaVersion: 1,
    schema: z.strictObject({
      instanceId: z.uuid(),
      sessionId: z.uuid().optional(),
      tags: z.array(tagRef).min(1),
      reason: z.enum(untagReasons),
    }),
  }),
];

export const tagStream = (id: string): string => `tag-${id}`;
