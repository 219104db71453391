// EndpointSlice (discovery.k8s.io/v1): a Service's endpoints in slices of at most 100, with
// ready/serving/terminating conditions per endpoint. Written by the EndpointSlice controller for
// Services with a selector, mirrored from hand-written Endpoints for Services without one, or
// written by hand (with neither controller's managed-by label, which both leave alone).
import { z } from 'zod';
import { age } from '../age.js';
import { duplicate, each, invalidValue, required, unsupported, type Errors } from '../field-errors.js';
import { bool, int, objectBase, protocol, str, stringMap } from '../fields.js';
import { isDNS1123Label, isIP, isIPv4, isQualifiedName } from '../names.js';
import { AGE_COLUMN, META_PATCH_KEYS, NAME_COLUMN, column, defineKind, type Stored } from './kind.js';

const endpoint = z.strictObject({
  addresses: z.array(str),
  conditions: z.strictObject({ ready: bool.optional(), serving: bool.optional(), terminating: bool.optional() }).optional(),
  hostname: str.optional(),
  targetRef: z
    .strictObject({ kind: str.optional(), namespace: str.optional(), name: str.optional(), uid: str.optional(), apiVersion: str.optional(), resourceVersion: str.optional(), fieldPath: str.optional() })
    .optional(),
  nodeName: str.optional(),
  zone: str.optional(),
  hints: z.strictObject({ forZones: z.array(z.strictObject({ name: str })).optional() }).optional(),
  deprecatedTopology: stringMap.optional(),
});

const endpointPort = z.strictObject({ name: str.optional(), protocol: protocol.optional(), port: int.optional(), appProtocol: str.optional() });

export const endpointSliceSchema = z.strictObject({
  ...objectBase('EndpointSlice'),
  addressType: str,
  endpoints: z.array(endpoint),
  ports: z.array(endpointPort).optional(),
});

export type EndpointSlice = Stored<z.output<typeof endpointSliceSchema>>;
export type SliceEndpoint = EndpointSlice['endpoints'][number];
export type SlicePort = NonNullable<EndpointSlice['ports']>[number];

/** The labels both controllers put on the slices they manage (discovery/v1 well_known_labels.go). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

/** SetDefaults_EndpointPort: an unnamed port is named "", TCP unless told. */
function defaultEndpointSlice(s: EndpointSlice): void {
  for (const p of s.ports ?? []) {
    p.name ??= '';
    p.protocol ??= 'TCP';
  }
}

/** ValidateNonSpecialIP: an endpoint (or a Service's externalIP) must be reachable from elsewhere on the network. */
export function specialIP(ip: string): string | undefined {
  if (ip === '0.0.0.0' || ip === '::') return 'may not be unspecified (0.0.0.0, ::)';
  if (ip.startsWith('127.') || ip === '::1') return 'may not be in the loopback range (127.0.0.0/8, ::1/128)';
  if (ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip)) return 'may not be in the link-local range (169.254.0.0/16, fe80::/10)';
  if (ip.startsWith('224.0.0.') || /^ff02:/i.test(ip)) return 'may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)';
  return undefined;
}

/** pkg/apis/discovery/validation ValidateEndpointSlice. */
function validateEndpointSlice(s: EndpointSlice): Errors {
  const errs: Errors = [];
  if (!s.addressType) errs.push(required('addressType'));
  else if (!ADDRESS_TYPES.includes(s.addressType)) errs.push(unsupported('addressType', s.addressType, ADDRESS_TYPES));

  if (s.endpoints.length > MAX_ENDPOINTS) errs.push({ path: 'endpoints', message: `Too many: ${s.endpoints.length}: must have at most ${MAX_ENDPOINTS} items` });
  else {
    s.endpoints.forEach((e, i) => {
      const path = `endpoints[${i}].addresses`;
      if (e.addresses.length === 0) errs.push(required(path, 'must contain at least 1 address'));
      else if (e.addresses.length > MAX_ADDRESSES) errs.push({ path, message: `Too many: ${e.addresses.length}: must have at most ${MAX_ADDRESSES} items` });
      e.addresses.forEach((a, j) => {
        const at = `${path}[${j}]`;
        if (s.addressType === 'IPv4' || s.addressType === 'IPv6') {
          const v4 = isIPv4(a);
          if (s.addressType === 'IPv4' ? !v4 : v4 || !isIP(a)) errs.push(invalidValue(at, a, `must be a valid ${s.addressType} address`));
          else {
            const special = specialIP(a);
            if (special) errs.push(invalidValue(at, a, special));
          }
        }
        if (s.addressType === 'FQDN' && !/^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(a)) {
          errs.push(invalidValue(at, a, 'should be a domain with at least two segments separated by dots'));
        }
      });
      if (e.hostname !== undefined) errs.push(...each(`endpoints[${i}].hostname`, e.hostname, isDNS1123Label(e.hostname)));
    });
  }

  const ports = s.ports ?? [];
  if (ports.length > MAX_PORTS) errs.push({ path: 'ports', message: `Too many: ${ports.length}: must have at most ${MAX_PORTS} items` });
  else {
    const names = new Set<string>();
    ports.forEach((p, i) => {
      const name = p.name ?? '';
      if (name) errs.push(...each(`ports[${i}].name`, name, isDNS1123Label(name)));
      if (names.has(name)) errs.push(duplicate(`ports[${i}].name`, name));
      names.add(name);
      if (p.appProtocol !== undefined) errs.push(...each(`ports[${i}].appProtocol`, p.appProtocol, isQualifiedName(p.appProtocol)));
    });
  }
  return errs;
}

function validateEndpointSliceUpdate(next: EndpointSlice, prev: EndpointSlice): Errors {
  return next.addressType === prev.addressType ? [] : [invalidValue('addressType', next.addressType, 'field is immutable')];
}

/** printers.go listWithMoreString: at most three, then " + N more...", or <unset>. */
function listWithMore(items: string[]): string {
  const max = 3;
  if (items.length > max) return `${items.slice(0, max).join(',')} + ${items.length - max} more...`;
  return items.length ? items.join(',') : '<unset>';
}

export const EndpointSliceKind = defineKind<EndpointSlice>({
  kind: 'EndpointSlice',
  group: 'discovery.k8s.io',
  resource: 'endpointslices',
  singular: 'endpointslice',
  namespaced: true,
  shortNames: [],
  schema: endpointSliceSchema,
  subresources: [],
  patchMergeKeys: META_PATCH_KEYS,
  defaults: defaultEndpointSlice,
  validate: validateEndpointSlice,
  validateUpdate: validateEndpointSliceUpdate,
  printer: {
    // printers.go printEndpointSlice
    columns: [
      NAME_COLUMN,
      column('AddressType', 'string', 'Type of address contained in the EndpointSlice.'),
      column('Ports', 'string', 'Ports contained in the EndpointSlice.'),
      column('Endpoints', 'string', 'Endpoints contained in the EndpointSlice.'),
      AGE_COLUMN,
    ],
    row: (s, now) => [
      s.metadata.name,
      s.addressType,
      listWithMore((s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : (p.name ?? '*')))),
      listWithMore(s.endpoints.flatMap((e) => e.addresses)),
      age(s.metadata.creationTimestamp, now),
    ],
  },
});
