// Event (core/v1): what controllers and the node agent record; expired after an hour.
import { z } from 'zod';
import { age } from '../age.js';
import { int, objectBase, str } from '../fields.js';
import { META_PATCH_KEYS, column, defineKind, type Stored } from './kind.js';

export const eventSchema = z.strictObject({
  ...objectBase('Event'),
  involvedObject: z.strictObject({
    kind: str,
    namespace: str.optional(),
    name: str,
    uid: str.optional(),
    apiVersion: str.optional(),
    fieldPath: str.optional(),
    resourceVersion: str.optional(),
  }),
  reason: str,
  message: str,
  type: z.enum(['Normal', 'Warning']),
  source: z.strictObject({ component: str.optional(), host: str.optional() }).optional(),
  firstTimestamp: str.optional(),
  lastTimestamp: str.optional(),
  count: int.optional(),
});

export type Event = Stored<z.output<typeof eventSchema>>;

export const EventKind = defineKind<Event>({
  kind: 'Event',
  group: '',
  resource: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  schema: eventSchema,
  subresources: [],
  fieldSelectors: [
    'involvedObject.kind',
    'involvedObject.namespace',
    'involvedObject.name',
    'involvedObject.uid',
    'involvedObject.apiVersion',
    'involvedObject.resourceVersion',
    'involvedObject.fieldPath',
    'reason',
    'source',
    'type',
  ],
  patchMergeKeys: META_PATCH_KEYS,
  printer: {
    columns: [
      column('Last Seen', 'string', 'Time when this Event was last seen.'),
      column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future.'),
      column('Reason', 'string', 'A short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      column('Object', 'string', 'The object that this event is about.'),
      column('Subobject', 'string', 'The subobject that this event is about.', 1),
      column('Source', 'string', 'The component reporting this event.', 1),
      column('Message', 'string', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'string', 'The time at which the event was first recorded.', 1),
      column('Count', 'string', 'The number of times this event has occurred.', 1),
      { ...column('Name', 'string', 'Name must be unique within a namespace.', 1), format: 'name' },
    ],
    row(e, now) {
      const first = age(e.firstTimestamp, now);
      const last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
      const kind = e.involvedObject.kind.toLowerCase();
      const target = e.involvedObject.name ? `${kind}/${e.involvedObject.name}` : kind;
      const source = e.source?.host ? `${e.source.component ?? ''}, ${e.source.host}` : (e.source?.component ?? '');
      return [
        last,
        e.type,
        e.reason,
        target,
        e.involvedObject.fieldPath ?? '',
        source,
        e.message.trim(),
        first,
        String(e.count || 1),
        e.metadata.name,
      ];
    },
  },
});
