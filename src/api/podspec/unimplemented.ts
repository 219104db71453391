// Pod spec fields the schema knows (so they are validated and keep their Kubernetes meaning) but
// the node agent does not act on yet. Accepting them would silently drop what the user asked for
// (a probe that never runs, a volume never mounted), so they are refused, loudly, by name.
// Remove a field from this list in the change that implements it.
import type { Container, PodSpec } from './schema.js';
import { notSupportedYet, type FieldError } from '../field-errors.js';

const POD_FIELDS = [] as const;
const CONTAINER_FIELDS = [] as const;

/** The refused fields as paths below a PodSpec (`containers.resources`): the OpenAPI documents mark them. */
export const UNIMPLEMENTED_POD_SPEC_FIELDS: readonly string[] = [
  ...POD_FIELDS,
  ...CONTAINER_FIELDS.map((f) => `containers.${f}`),
];

export function unimplementedPodFields(spec: PodSpec, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const s = spec as unknown as Record<string, unknown>;
  for (const f of POD_FIELDS) if (isSet(s[f])) errs.push(notSupportedYet(`${path}.${f}`));
  const container = (c: Container, at: string) => {
    const cs = c as unknown as Record<string, unknown>;
    for (const f of CONTAINER_FIELDS) if (isSet(cs[f])) errs.push(notSupportedYet(`${at}.${f}`));
  };
  // Init containers share the Container type, so what the agent cannot do for one it cannot do for the other.
  spec.initContainers?.forEach((c, i) => container(c, `${path}.initContainers[${i}]`));
  spec.containers.forEach((c, i) => container(c, `${path}.containers[${i}]`));
  return errs;
}

/** Empty objects and lists ask for nothing, so they are not refused (`resources: {}` is common). */
function isSet(v: unknown): boolean {
  if (v === undefined || v === null || v === false) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.values(v as object).some(isSet);
  return true;
}
