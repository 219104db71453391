// -o yaml / -o json as kubectl prints them, and the one-line results of apply/delete/scale.
//
// kubectl prints through Go maps, so keys come out sorted; YAML is go-yaml v2's dialect (sequences
// flush with their key, "double quotes" for strings that would read as another type, 'single
// quotes' for other strings that cannot be plain); JSON is indented by four spaces with <, > and &
// escaped as Go's encoder does.
import { Document, Scalar, visit } from 'yaml';
import type { ResourceInfo } from '../api/resources.js';
import { qualifiedName } from '../api/resources.js';

/** A single object prints as itself; an array (a list request) as a kind List. */
export function toYAML(obj: object | object[]): string {
  const doc = new Document(sortKeys(asPrintable(obj), goYamlKeyLess), { version: '1.1' });
  visit(doc, {
    Scalar(key, node) {
      if (typeof node.value !== 'string') return;
      if (node.value.includes('\n') && key !== 'key') node.type = Scalar.BLOCK_LITERAL;
      else if (resolvesToNonString(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  return doc.toString({ indentSeq: false, singleQuote: true, lineWidth: 80 });
}

export function toJSON(obj: object | object[]): string {
  const text = JSON.stringify(sortKeys(asPrintable(obj), (a, b) => (a < b ? -1 : a > b ? 1 : 0)), null, 4);
  return (
    text
      .replace(/</g, '\\u003c')
      .replace(/>/g, '\\u003e')
      .replace(/&/g, '\\u0026')
      .replace(/\u2028/g, '\\u2028')
      .replace(/\u2029/g, '\\u2029') + '\n'
  );
}

function asPrintable(obj: object | object[]): unknown {
  if (!Array.isArray(obj)) return obj;
  return { apiVersion: 'v1', items: obj, kind: 'List', metadata: { resourceVersion: '' } };
}

export type ResultAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'scaled' | 'restarted' | 'pruned';

/**
 * The line kubectl prints for one object: "deployment.apps/hello created"; a deletion is
 * printed the way `kubectl delete` does: `deployment.apps "hello" deleted`.
 */
export function printApplyResult(r: ResourceInfo, name: string, action: ResultAction): string {
  if (action === 'deleted') return `${qualifiedName(r)} "${name}" deleted`;
  return `${qualifiedName(r)}/${name} ${action}`;
}

function sortKeys(v: unknown, less: (a: string, b: string) => number): unknown {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x, less));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort(less)) {
      if (o[k] !== undefined) out[k] = sortKeys(o[k], less);
    }
    return out;
  }
  return v;
}

const isLetter = (c: string) => /\p{L}/u.test(c);
const isDigit = (c: string) => c >= '0' && c <= '9';

/** go-yaml v2's key order (keyList.Less): non-letters first, digit runs compared as numbers. */
function goYamlKeyLess(a: string, b: string): number {
  const ar = [...a];
  const br = [...b];
  for (let i = 0; i < ar.length && i < br.length; i++) {
    if (ar[i] === br[i]) continue;
    const al = isLetter(ar[i]);
    const bl = isLetter(br[i]);
    if (al && bl) return ar[i] < br[i] ? -1 : 1;
    if (al || bl) return bl ? -1 : 1;
    let an = 0;
    let bn = 0;
    if (ar[i] === '0' || br[i] === '0') {
      for (let j = i - 1; j >= 0 && isDigit(ar[j]); j--) {
        if (ar[j] !== '0') {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    let bi = i;
    for (; ai < ar.length && isDigit(ar[ai]); ai++) an = an * 10 + Number(ar[ai]);
    for (; bi < br.length && isDigit(br[bi]); bi++) bn = bn * 10 + Number(br[bi]);
    if (an !== bn) return an < bn ? -1 : 1;
    if (ai !== bi) return ai < bi ? -1 : 1;
    return ar[i] < br[i] ? -1 : 1;
  }
  return ar.length - br.length;
}

/** Would go-yaml v2 read this plain scalar as something other than a string (YAML 1.1)? */
function resolvesToNonString(s: string): boolean {
  return (
    s === '' ||
    s === '<<' ||
    /^(~|null|Null|NULL)$/.test(s) ||
    /^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/.test(s) ||
    /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s) || // int, float
    /^[-+]?0b[01_]+$/.test(s) ||
    /^[-+]?0x[0-9a-fA-F_]+$/.test(s) ||
    /^[-+]?0o?[0-7_]+$/.test(s) ||
    /^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$/.test(s) || // base 60
    /^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/.test(s) ||
    /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ][0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?(Z|[-+][0-9]{1,2}(:[0-9]{2})?)?)?$/.test(s) // timestamp
  );
}
