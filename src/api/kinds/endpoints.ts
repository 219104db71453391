// Endpoints (core/v1): written by the endpoints controller for Services with a selector, or by
// hand for a Service without one.
import { z } from 'zod';
import { age } from '../age.js';
import { each, invalidValue, portNumber, required, type Errors } from '../field-errors.js';
import { int, objectBase, protocol, str } from '../fields.js';
import { isDNS1123Label, isIP } from '../names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const endpointAddress = z.strictObject({
  ip: str,
  hostname: str.optional(),
  nodeName: str.optional(),
  targetRef: z
    .strictObject({ kind: str, namespace: str.optional(), name: str, uid: str.optional() })
    .optional(),
});

export const endpointsSchema = z.strictObject({
  ...objectBase('Endpoints'),
  subsets: z
    .array(
      z.strictObject({
        addresses: z.array(endpointAddress).optional(),
        notReadyAddresses: z.array(endpointAddress).optional(),
        ports: z
          .array(z.strictObject({ name: str.optional(), port: int, protocol: protocol.optional(), appProtocol: str.optional() }))
          .optional(),
      }),
    )
    .optional(),
});

export type Endpoints = Stored<z.output<typeof endpointsSchema>>;
export type EndpointSubset = NonNullable<Endpoints['subsets']>[number];
export type EndpointAddress = NonNullable<EndpointSubset['addresses']>[number];
export type EndpointPort = NonNullable<EndpointSubset['ports']>[number];

function defaultEndpoints(ep: Endpoints): void {
  for (const subset of ep.subsets ?? []) for (const p of subset.ports ?? []) p.protocol ??= 'TCP';
}

function validateEndpoints(ep: Endpoints): Errors {
  const errs: Errors = [];
  (ep.subsets ?? []).forEach((s, i) => {
    const sp = `subsets[${i}]`;
    for (const which of ['addresses', 'notReadyAddresses'] as const) {
      (s[which] ?? []).forEach((a, j) => {
        if (!isIP(a.ip)) errs.push(invalidValue(`${sp}.${which}[${j}].ip`, a.ip, 'must be a valid IP address'));
        if (a.hostname) errs.push(...each(`${sp}.${which}[${j}].hostname`, a.hostname, isDNS1123Label(a.hostname)));
      });
    }
    const ports = s.ports ?? [];
    ports.forEach((p, j) => {
      const pp = `${sp}.ports[${j}]`;
      if (ports.length > 1 && !p.name) errs.push(required(`${pp}.name`));
      if (p.name) errs.push(...each(`${pp}.name`, p.name, isDNS1123Label(p.name)));
      portNumber(errs, `${pp}.port`, p.port);
    });
  });
  return errs;
}

/** At most three "ip:port" entries, then " + N more...", as printers.formatEndpoints. */
export function formatEndpoints(ep: Endpoints, portNames?: Set<string>): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      // headless services may have no ports
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const port of ss.ports) {
      if (portNames && !portNames.has(port.name ?? '')) continue;
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(joinHostPort(a.ip, port.port));
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}

export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export const EndpointsKind = defineKind<Endpoints>({
  kind: 'Endpoints',
  group: '',
  resource: 'endpoints',
  singular: 'endpoints',
  namespaced: true,
  shortNames: ['ep'],
  schema: endpointsSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  defaults: defaultEndpoints,
  validate: validateEndpoints,
  printer: {
    columns: [NAME_COLUMN, column('Endpoints', 'string', 'Endpoints of the service.'), AGE_COLUMN],
    row: (ep, now) => [ep.metadata.name, formatEndpoints(ep), age(ep.metadata.creationTimestamp, now)],
  },
});
