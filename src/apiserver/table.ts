// Server-side printing (meta.k8s.io/v1 Table): what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`, so kubectl shows each kind's usual
// columns. The columns and cells are the kind's printer (src/api/kinds/), shared with `k1s get`.
import type { KindDef, KubeObject } from '../api/kinds/kind.js';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string };
  columnDefinitions: { name: string; type: string; format: string; description: string; priority: number }[];
  rows: { cells: (string | number)[]; object?: unknown }[];
}

/** Does this Accept header ask for a Table? (kubectl lists Table first, then plain JSON.) */
export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => {
    const params = part.split(';').map((s) => s.trim());
    return params.includes('as=Table') && params.includes('g=meta.k8s.io');
  });
}

export function parseIncludeObject(value: string | null): IncludeObject {
  if (value === 'None' || value === 'Object') return value;
  return 'Metadata';
}

function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(def: KindDef, items: KubeObject[], opts: { now: Date; include: IncludeObject; resourceVersion?: string }): Table {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion === undefined ? {} : { resourceVersion: opts.resourceVersion },
    columnDefinitions: def.printer.columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority })),
    rows: items.map((obj) => {
      const object = rowObject(obj, opts.include);
      const cells = def.printer.row(obj, opts.now);
      return object === undefined ? { cells } : { cells, object };
    }),
  };
}
