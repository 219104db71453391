// downwardAPI volumes (pkg/volume/downwardapi, pkg/fieldpath, pkg/api/v1/resource): the pod's own
// metadata and its containers' resources as files.
import { fieldRefValue } from '../field-ref.js';
import type { Container, DownwardAPIVolumeFile, Pod } from '../../src/api/types.js';
import { parseQuantity } from '../../src/api/quantity.js';
import type { Payload } from './atomic-writer.js';
import { DEFAULT_MODE } from './configmap.js';
import { VolumeError, type NodeAllocatable } from './types.js';

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go's strconv.Quote (what fmt's %q prints): kube writes label and annotation values with it. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x80) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, '0')}`;
    else out += `\\U${cp.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** fieldpath.FormatMap: `key="value"` lines sorted by key, no newline after the last. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${goQuote(m![k])}`)
    .join('\n');
}

/** ExtractFieldPathAsString for the paths a downward API volume allows: the env's, plus whole
 * label and annotation maps. */
export function fieldValue(pod: Pod, fieldPath: string): string {
  if (fieldPath === 'metadata.labels') return formatMap(pod.metadata.labels);
  if (fieldPath === 'metadata.annotations') return formatMap(pod.metadata.annotations);
  if (/^metadata\.(name|namespace|uid|labels\[.*\]|annotations\[.*\])$/.test(fieldPath)) {
    return fieldRefValue(pod, fieldPath, { podIP: '', hostIP: '', nodeName: '' }) ?? '';
  }
  throw new VolumeError(`unsupported fieldPath: ${fieldPath}`);
}

/** Ceil that forgives float noise (0.1 core * 1000 is 100.00000000000001 milli, not 101). */
function ceil(x: number): number {
  return Math.ceil(x - 1e-9 * Math.max(1, Math.abs(x)));
}

/**
 * ExtractContainerResourceValue after MergeContainerResourceLimits: an unset limit is the node's
 * allocatable; an unset request is the limit the API server would have defaulted it to, else 0.
 * CPU rounds up in millicores, bytes round up to whole divisors.
 */
export function resourceValue(c: Container, resource: string, divisor: string | undefined, node: NodeAllocatable): string {
  const [which, name] = resource.split('.', 2) as ['limits' | 'requests', string];
  const nodeValue: Record<string, number> = { cpu: node.cpuCores, memory: node.memoryBytes, 'ephemeral-storage': node.ephemeralStorageBytes };
  if (!(name in nodeValue) || (which !== 'limits' && which !== 'requests')) throw new VolumeError(`unsupported container resource : ${resource}`);
  const limit = c.resources?.limits?.[name];
  const request = c.resources?.requests?.[name] ?? limit;
  const value = which === 'limits' ? (limit !== undefined ? parseQuantity(limit) : nodeValue[name]) : request !== undefined ? parseQuantity(request) : 0;
  const d = divisor === undefined || parseQuantity(divisor) === 0 ? 1 : parseQuantity(divisor);
  if (name === 'cpu') return String(ceil(ceil(value * 1000) / ceil(d * 1000)));
  return String(ceil(ceil(value) / ceil(d)));
}

/** CollectData: one file per item; every item's error is reported, as kube aggregates them. */
export function downwardAPIPayload(items: DownwardAPIVolumeFile[] | undefined, pod: Pod, defaultMode: number | undefined, node: NodeAllocatable): Payload {
  const payload: Payload = new Map();
  const errors: string[] = [];
  for (const it of items ?? []) {
    const mode = it.mode ?? defaultMode ?? DEFAULT_MODE;
    let text = '';
    try {
      if (it.fieldRef) text = fieldValue(pod, it.fieldRef.fieldPath);
      else if (it.resourceFieldRef) {
        const name = it.resourceFieldRef.containerName ?? '';
        const c = pod.spec.containers.find((x) => x.name === name);
        if (!c) throw new VolumeError(`container ${name} not found`);
        text = resourceValue(c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor, node);
      }
    } catch (e) {
      errors.push((e as Error).message);
    }
    payload.set(it.path, { data: Buffer.from(text, 'utf8'), mode });
  }
  if (errors.length) throw new VolumeError(aggregate(errors));
  return payload;
}

/** utilerrors.NewAggregate(...).Error(): one message as is, several as `[a, b]` (duplicates once). */
export function aggregate(messages: string[]): string {
  const unique = [...new Set(messages)];
  return unique.length === 1 ? unique[0] : `[${unique.join(', ')}]`;
}
