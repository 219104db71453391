// Sets of field paths, as sigs.k8s.io/structured-merge-diff v4 (fieldpath) keeps them, and their
// FieldsV1 form (`{"f:spec":{"f:replicas":{}}}`), the wire format of metadata.managedFields.
//
// A path is a list of elements: a field name (`f:spec`), the key of an item of an associative
// list (`k:{"name":"web"}`), the value of an item of a set (`v:"x"`), or a list index (`i:0`,
// which Kubernetes' own types never produce: their other lists are atomic). A set is a tree: each
// node has members (paths that end there) and children (elements below which there are members).
// A child is not a member unless it is one too, which FieldsV1 writes as `".": {}`.
//
// Everything here is pure and ordered as structured-merge-diff orders it, so the FieldsV1 text and
// the order paths are listed in (conflict messages) come out the same.

export type PathElement =
  | { readonly field: string }
  /** the key fields of an associative list's item, sorted by name */
  | { readonly key: readonly (readonly [string, unknown])[] }
  | { readonly value: unknown }
  | { readonly index: number };

export type Path = readonly PathElement[];

export const field = (name: string): PathElement => ({ field: name });

/** A key element from an item's key fields, in any order. */
export function keyElement(fields: Record<string, unknown>): PathElement {
  return { key: Object.keys(fields).sort(compareStrings).map((k) => [k, fields[k]] as const) };
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** value.Compare: numbers < strings < booleans < lists < maps < null, then by content. */
export function compareValues(a: unknown, b: unknown): number {
  const rank = (v: unknown): number => {
    if (typeof v === 'number') return 0;
    if (typeof v === 'string') return 1;
    if (typeof v === 'boolean') return 2;
    if (Array.isArray(v)) return 3;
    if (v !== null && typeof v === 'object') return 4;
    return 5;
  };
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 0:
      return (a as number) - (b as number) < 0 ? -1 : (a as number) > (b as number) ? 1 : 0;
    case 1:
      return compareStrings(a as string, b as string);
    case 2:
      return a === b ? 0 : a ? 1 : -1;
    case 3: {
      const x = a as unknown[];
      const y = b as unknown[];
      for (let i = 0; i < Math.min(x.length, y.length); i++) {
        const c = compareValues(x[i], y[i]);
        if (c) return c;
      }
      return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
    }
    case 4: {
      const x = a as Record<string, unknown>;
      const y = b as Record<string, unknown>;
      const kx = Object.keys(x).sort(compareStrings);
      const ky = Object.keys(y).sort(compareStrings);
      for (let i = 0; i < Math.min(kx.length, ky.length); i++) {
        const c = compareStrings(kx[i], ky[i]) || compareValues(x[kx[i]], y[ky[i]]);
        if (c) return c;
      }
      return kx.length - ky.length < 0 ? -1 : kx.length > ky.length ? 1 : 0;
    }
    default:
      return 0;
  }
}

/** PathElement.Compare: field names, then keys, then values, then indexes. */
export function compareElements(a: PathElement, b: PathElement): number {
  const rank = (e: PathElement) => ('field' in e ? 0 : 'key' in e ? 1 : 'value' in e ? 2 : 3);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if ('field' in a) return compareStrings(a.field, (b as { field: string }).field);
  if ('key' in a) {
    const x = a.key;
    const y = (b as { key: readonly (readonly [string, unknown])[] }).key;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareStrings(x[i][0], y[i][0]) || compareValues(x[i][1], y[i][1]);
      if (c) return c;
    }
    return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
  }
  if ('value' in a) return compareValues(a.value, (b as { value: unknown }).value);
  const d = a.index - (b as { index: number }).index;
  return d < 0 ? -1 : d > 0 ? 1 : 0;
}

/** The FieldsV1 key of an element: `f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`. */
export function serializeElement(e: PathElement): string {
  if ('field' in e) return `f:${e.field}`;
  if ('key' in e) return `k:{${e.key.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`;
  if ('value' in e) return `v:${JSON.stringify(e.value)}`;
  return `i:${e.index}`;
}

export function parseElement(s: string): PathElement {
  const colon = s.indexOf(':');
  const [type, rest] = colon < 0 ? [s, ''] : [s.slice(0, colon), s.slice(colon + 1)];
  switch (type) {
    case 'f':
      return { field: rest };
    case 'k': {
      const v = parseJSON(rest, s);
      if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`expected key value pairs but got ${rest}`);
      return keyElement(v as Record<string, unknown>);
    }
    case 'v':
      return { value: parseJSON(rest, s) };
    case 'i': {
      if (!/^-?\d+$/.test(rest)) throw new Error(`invalid index ${JSON.stringify(rest)}`);
      return { index: Number(rest) };
    }
    default:
      throw new Error(`unknown path element type ${JSON.stringify(type)} in ${JSON.stringify(s)}`);
  }
}

function parseJSON(text: string, whole: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`invalid path element ${JSON.stringify(whole)}`);
  }
}

/** Go's %q for the strings of a path; JSON's quoting, which agrees for printable text. */
function valueString(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** Path.String(): `.spec.template.spec.containers[name="web"].image`. */
export function pathString(path: Path): string {
  return path
    .map((e) => {
      if ('field' in e) return `.${e.field}`;
      if ('key' in e) return `[${e.key.map(([k, v]) => `${k}=${valueString(v)}`).join(',')}]`;
      if ('value' in e) return `[=${valueString(e.value)}]`;
      return `[${e.index}]`;
    })
    .join('');
}

export class FieldSet {
  /** serialized element -> element */
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, { element: PathElement; set: FieldSet }>();

  static of(...paths: Path[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path; its parents do not become members. The empty path (the object) is never owned. */
  insert(path: Path): void {
    if (path.length === 0) return;
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.descend(path[i]);
    const last = path[path.length - 1];
    node.members.set(serializeElement(last), last);
  }

  has(path: Path): boolean {
    if (path.length === 0) return false;
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1 && node; i++) node = node.children.get(serializeElement(path[i]))?.set;
    return !!node && node.members.has(serializeElement(path[path.length - 1]));
  }

  hasMember(e: PathElement): boolean {
    return this.members.has(serializeElement(e));
  }

  /** The paths below an element, without it. */
  withPrefix(e: PathElement): FieldSet {
    return this.children.get(serializeElement(e))?.set ?? new FieldSet();
  }

  isEmpty(): boolean {
    if (this.members.size) return false;
    for (const c of this.children.values()) if (!c.set.isEmpty()) return false;
    return true;
  }

  union(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, e] of [...this.members, ...o.members]) out.members.set(k, e);
    for (const [k, c] of this.children) {
      const other = o.children.get(k);
      out.addChild(k, c.element, other ? c.set.union(other.set) : c.set.clone());
    }
    for (const [k, c] of o.children) if (!this.children.has(k)) out.addChild(k, c.element, c.set.clone());
    return out;
  }

  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, e] of this.members) if (o.members.has(k)) out.members.set(k, e);
    for (const [k, c] of this.children) {
      const other = o.children.get(k);
      if (other) out.addChild(k, c.element, c.set.intersection(other.set));
    }
    return out;
  }

  /** Members of this set not in o; a parent minus its child stays, a child minus its parent stays too. */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, e] of this.members) if (!o.members.has(k)) out.members.set(k, e);
    for (const [k, c] of this.children) {
      const other = o.children.get(k);
      out.addChild(k, c.element, other ? c.set.difference(other.set) : c.set.clone());
    }
    return out;
  }

  /** Like difference, but a member of o also takes away everything below it. */
  recursiveDifference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [k, e] of this.members) if (!o.members.has(k)) out.members.set(k, e);
    for (const [k, c] of this.children) {
      if (o.members.has(k)) continue;
      const other = o.children.get(k);
      out.addChild(k, c.element, other ? c.set.recursiveDifference(other.set) : c.set.clone());
    }
    return out;
  }

  equals(o: FieldSet): boolean {
    return JSON.stringify(this.toFieldsV1()) === JSON.stringify(o.toFieldsV1());
  }

  clone(): FieldSet {
    return new FieldSet().union(this);
  }

  /** Every member, depth first: a node's members before what is below its children (Set.Iterate). */
  paths(): Path[] {
    const out: Path[] = [];
    const walk = (s: FieldSet, prefix: Path) => {
      for (const e of sorted(s.members.values())) out.push([...prefix, e]);
      for (const c of sortedChildren(s.children)) walk(c.set, [...prefix, c.element]);
    };
    walk(this, []);
    return out;
  }

  /** The members of this node (not below it). */
  memberElements(): PathElement[] {
    return sorted(this.members.values());
  }

  childEntries(): { element: PathElement; set: FieldSet }[] {
    return sortedChildren(this.children);
  }

  /** A set with the same members and children, built by the caller (for schema-aware rewrites). */
  static build(members: Iterable<PathElement>, children: Iterable<{ element: PathElement; set: FieldSet }>): FieldSet {
    const out = new FieldSet();
    for (const e of members) out.members.set(serializeElement(e), e);
    for (const c of children) out.addChild(serializeElement(c.element), c.element, c.set);
    return out;
  }

  /** FieldsV1: members are `{}`, a child that is also a member carries `".": {}`. Keys in structured-merge-diff's order. */
  toFieldsV1(): Record<string, unknown> {
    return this.emit(false);
  }

  private emit(self: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (self && (this.members.size || this.children.size)) out['.'] = {};
    const entries: [PathElement, FieldSet | undefined, boolean][] = [];
    for (const [k, e] of this.members) {
      const c = this.children.get(k);
      entries.push([e, c?.set, true]);
    }
    for (const [k, c] of this.children) if (!this.members.has(k)) entries.push([c.element, c.set, false]);
    entries.sort((a, b) => compareElements(a[0], b[0]));
    for (const [e, set, member] of entries) out[serializeElement(e)] = set ? set.emit(member) : {};
    return out;
  }

  /** Reads FieldsV1; throws on anything that is not one. */
  static fromFieldsV1(v: unknown): FieldSet {
    const out = new FieldSet();
    if (v === undefined || v === null) return out;
    readInto(out, v);
    return out;
  }

  private descend(e: PathElement): FieldSet {
    const k = serializeElement(e);
    let c = this.children.get(k);
    if (!c) {
      c = { element: e, set: new FieldSet() };
      this.children.set(k, c);
    }
    return c.set;
  }

  /** Empty nodes are never kept (structured-merge-diff does not add nodes with no elements). */
  private addChild(k: string, element: PathElement, set: FieldSet): void {
    if (!set.isEmpty()) this.children.set(k, { element, set });
  }

  /** Used by readInto. */
  static attach(s: FieldSet, e: PathElement, child: FieldSet): void {
    s.addChild(serializeElement(e), e, child);
  }

  static addMember(s: FieldSet, e: PathElement): void {
    s.members.set(serializeElement(e), e);
  }
}

function readInto(s: FieldSet, v: unknown): void {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error(`expected an object, got ${JSON.stringify(v)}`);
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    if (k === '.') continue;
    const e = parseElement(k);
    if (!child || typeof child !== 'object' || Array.isArray(child)) throw new Error(`expected an object at ${JSON.stringify(k)}`);
    const entries = Object.keys(child);
    if (entries.length === 0) {
      FieldSet.addMember(s, e);
      continue;
    }
    if (entries.includes('.')) FieldSet.addMember(s, e);
    const below = new FieldSet();
    readInto(below, child);
    FieldSet.attach(s, e, below);
  }
}

function sorted(elements: Iterable<PathElement>): PathElement[] {
  return [...elements].sort(compareElements);
}

function sortedChildren(m: Map<string, { element: PathElement; set: FieldSet }>) {
  return [...m.values()].sort((a, b) => compareElements(a.element, b.element));
}
