// Field paths as the API server prints them (`spec.template.spec.containers[0].ports[1].name`,
// `metadata.labels[app.kubernetes.io/name]`), read back into segments, and the one edit the API
// needs on them: dropping an unknown field (fieldValidation=Warn|Ignore).

export type Segment = string | number;

/** `a.b[0].c` -> ['a', 'b', 0, 'c']; a bracketed non-number is a map key: `labels[x.y]` -> ['labels', 'x.y']. */
export function parseFieldPath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
  }
  return out;
}

/** A copy of obj without the field at path (unchanged when there is no such field). */
export function withoutField<T>(obj: T, path: readonly Segment[]): T {
  if (path.length === 0 || obj === null || typeof obj !== 'object') return obj;
  const [head, ...rest] = path;
  if (Array.isArray(obj)) {
    if (typeof head !== 'number' || head >= obj.length) return obj;
    const copy = [...obj];
    copy[head] = withoutField(copy[head], rest);
    return copy as T;
  }
  const rec = obj as Record<string, unknown>;
  if (!Object.hasOwn(rec, String(head))) return obj;
  const copy = { ...rec };
  if (rest.length === 0) delete copy[String(head)];
  else copy[String(head)] = withoutField(copy[String(head)], rest);
  return copy as T;
}
