// Reading manifests: multi-document YAML (or JSON) files as users hand them to `k1s apply -f`,
// checked completely before anything is sent, so a typo in the fifth document of a file cannot
// leave the first four applied. Also validateAndDefault(), the API server's admission step.
import { LineCounter, isMap, isPair, isScalar, isSeq, parseAllDocuments, type Document, type Node as YamlNode, type Tags } from 'yaml';
import { applyDefaults } from './defaults.js';
import { describeValue, validateObject, type FieldError, type ValidationResult } from './schema.js';
import { validateSemantics, type ValidateOptions } from './validate.js';
import type { AnyObject } from './types.js';
import { byKind } from './resources.js';

export interface ManifestProblem {
  /** the file name, or "-" for standard input */
  source: string;
  /** 0-based index of the document among the file's non-empty documents */
  index: number;
  kind?: string;
  name?: string;
  /** Kubernetes-style field path; for an item of a List it starts with items[i] */
  path?: string;
  message: string;
  /** 1-based position in the file, when known */
  line?: number;
  column?: number;
}

function sourceName(source: string): string {
  return source === '-' ? 'STDIN' : source;
}

/**
 * One line: `examples/bad.yaml: document 1 (Deployment "hello"): spec.replicas: Invalid value: -1: ... (line 12)`.
 * Documents are numbered from 1 here, for people; `index` stays 0-based.
 */
export function formatProblem(p: ManifestProblem): string {
  let what = '';
  if (p.kind && p.name !== undefined) what = ` (${p.kind} ${JSON.stringify(p.name)})`;
  else if (p.kind) what = ` (${p.kind})`;
  const head = `${sourceName(p.source)}: document ${p.index + 1}${what}`;
  if (p.column !== undefined) return `${head}: line ${p.line}, column ${p.column}: ${p.message}`;
  const field = p.path ? `${p.path}: ` : '';
  const where = p.line !== undefined ? ` (line ${p.line})` : '';
  return `${head}: ${field}${p.message}${where}`;
}

export class ManifestError extends Error {
  override name = 'ManifestError';
  constructor(readonly problems: ManifestProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export interface ParsedDoc {
  source: string;
  /** 0-based index among the non-empty documents of the source */
  index: number;
  /** the document (or, for a List, one of its items) as plain data, not yet validated */
  object: unknown;
  /** '' for a document, `items[3]` for an item of a List: prefix of every field path in it */
  pathPrefix: string;
  /** 1-based line in the source of the field at a path relative to the document (`spec.replicas`) */
  lineOf(path: string): number | undefined;
}

// YAML 1.1, as Kubernetes reads manifests (go-yaml v2): `yes`/`on` are booleans and `0644` is
// octal (file modes). But timestamps stay strings (they are strings in the API) and there is no
// base-60 `1:20`, which go-yaml never had. Binary and set types have no place in an object either.
const DROPPED_TAGS = ['timestamp', 'binary', 'omap', 'pairs', 'set'];

function yamlTags(tags: Tags): Tags {
  return tags.filter((t) => {
    if (typeof t === 'string') return !DROPPED_TAGS.includes(t);
    return t.format !== 'TIME' && !DROPPED_TAGS.some((d) => t.tag.endsWith(`:${d}`));
  });
}

/** `spec.containers[0].ports[1]` -> ["spec", "containers", "0", "ports", "1"] */
function pathSegments(path: string): string[] {
  return [...path.matchAll(/\[([^\]]*)\]|([^.[\]]+)/g)].map((m) => m[1] ?? m[2]);
}

/** The line of the deepest node of doc that the path reaches (the key's line for a map entry). */
function locate(doc: Document, lc: LineCounter, path: string): number | undefined {
  let node: unknown = doc.contents;
  let offset = (node as YamlNode | null)?.range?.[0];
  for (const seg of pathSegments(path)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === seg);
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && /^\d+$/.test(seg) && Number(seg) < node.items.length) {
      node = node.items[Number(seg)];
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lc.linePos(offset).line;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `kind: List` (what `kubectl get -o yaml` prints for several objects) or a typed list like `PodList`. */
function isListKind(kind: unknown): boolean {
  return kind === 'List' || (typeof kind === 'string' && kind.endsWith('List') && byKind(kind.slice(0, -4)) !== undefined);
}

const joinPath = (prefix: string, path: string) => (prefix && path ? `${prefix}.${path}` : prefix || path);

/**
 * Splits text into its documents, skipping empty ones and expanding Lists into their items.
 * Throws a ManifestError naming the document, line and column of every YAML syntax error.
 */
export function parseManifests(text: string, source: string): ParsedDoc[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { version: '1.1', customTags: yamlTags, lineCounter: lc });
  const out: ParsedDoc[] = [];
  const problems: ManifestProblem[] = [];
  let index = 0;
  for (const doc of docs) {
    // a document with only comments, or the nothing after a final `---`
    const empty = doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null);
    if (empty && doc.errors.length === 0) continue;
    const i = index++;
    if (doc.errors.length) {
      // the first error only: the ones after it are usually the same mistake seen again
      const err = doc.errors[0];
      const pos = lc.linePos(err.pos[0]);
      problems.push({ source, index: i, message: err.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''), line: pos.line, column: pos.col });
      continue;
    }
    let object: unknown;
    try {
      // aliases are resolved here: an unknown anchor, or an alias bomb, fails now
      object = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      const pos = lc.linePos(doc.range[0]);
      problems.push({ source, index: i, message: (e as Error).message, line: pos.line, column: pos.col });
      continue;
    }
    const lineOf = (prefix: string) => (path: string) => locate(doc, lc, joinPath(prefix, path));
    if (isPlainObject(object) && isListKind(object.kind)) {
      const extra = Object.keys(object).filter((k) => !['apiVersion', 'kind', 'metadata', 'items'].includes(k));
      for (const k of extra) problems.push({ source, index: i, kind: String(object.kind), path: k, message: `unknown field ${JSON.stringify(k)}`, line: locate(doc, lc, k) });
      const items = object.items ?? [];
      if (!Array.isArray(items)) {
        problems.push({ source, index: i, kind: String(object.kind), path: 'items', message: `expected array, got ${describeValue(items)}`, line: locate(doc, lc, 'items') });
        continue;
      }
      items.forEach((item, j) => out.push({ source, index: i, object: item, pathPrefix: `items[${j}]`, lineOf: lineOf(`items[${j}]`) }));
    } else {
      out.push({ source, index: i, object, pathPrefix: '', lineOf: lineOf('') });
    }
  }
  if (problems.length) throw new ManifestError(problems);
  return out;
}

/** Kind and name as written, for naming the document in a problem, whatever else is wrong with it. */
function identify(obj: unknown): { kind?: string; name?: string } {
  if (!isPlainObject(obj)) return {};
  const meta = obj.metadata;
  return {
    kind: typeof obj.kind === 'string' ? obj.kind : undefined,
    name: isPlainObject(meta) && typeof meta.name === 'string' ? meta.name : undefined,
  };
}

/**
 * Schema check, then semantic validation, without defaults: what the client checks before it
 * sends anything. The server defaults (see validateAndDefault).
 */
export function validateManifestObject(obj: unknown, opts: ValidateOptions = {}): ValidationResult {
  const result = validateObject(obj);
  if (!result.ok) return result;
  const errors = validateSemantics(result.object, opts);
  return errors.length ? { ok: false, errors } : result;
}

/**
 * Parses and validates every document of every input, and only then returns the objects (in input
 * order, validated, not defaulted). Any problem anywhere: a ManifestError listing all of them.
 */
export function loadManifests(inputs: { source: string; text: string }[]): { objects: AnyObject[] } {
  const problems: ManifestProblem[] = [];
  const objects: AnyObject[] = [];
  for (const { source, text } of inputs) {
    let docs: ParsedDoc[];
    try {
      docs = parseManifests(text, source);
    } catch (e) {
      if (!(e instanceof ManifestError)) throw e;
      problems.push(...e.problems);
      continue;
    }
    for (const doc of docs) {
      const result = validateManifestObject(doc.object);
      if (result.ok) {
        objects.push(result.object);
        continue;
      }
      const { kind, name } = identify(doc.object);
      for (const err of result.errors) {
        problems.push({ source, index: doc.index, kind, name, path: joinPath(doc.pathPrefix, err.path), message: err.message, line: doc.lineOf(err.path) });
      }
    }
  }
  if (problems.length) throw new ManifestError(problems);
  return { objects };
}

/**
 * The API server's admission of a create or update body: schema, then defaults, then semantic
 * validation (of the defaulted object, as Kubernetes validates what it will store).
 */
export function validateAndDefault(obj: unknown, opts: ValidateOptions = {}): ValidationResult {
  const result = validateObject(obj);
  if (!result.ok) return result;
  const object = applyDefaults(result.object);
  const errors: FieldError[] = validateSemantics(object, opts);
  return errors.length ? { ok: false, errors } : { ok: true, object };
}
