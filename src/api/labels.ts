// Label selectors, as k8s.io/apimachinery/pkg/labels: the string form users type after -l
// (`app=web,tier!=db,env in (a,b),!legacy`) and the LabelSelector objects in Deployment and
// ReplicaSet specs both become one Selector: a list of requirements that must all hold.
//
// An empty Selector matches everything. That is right for a LabelSelector ({} selects all pods)
// and for `-l ''`, but NOT for a Service: a Service without a selector selects no pods at all (its
// Endpoints are managed by hand). That distinction belongs to the endpoints controller, which must
// check `spec.selector` for emptiness before calling selectorFromSet().
import { isQualifiedName, isValidLabelValue } from './names.js';
import type { LabelSelector } from './types.js';

export type Operator = 'Equals' | 'NotEquals' | 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'GreaterThan' | 'LessThan';

export interface Requirement {
  key: string;
  operator: Operator;
  /** one value for Equals/NotEquals/GreaterThan/LessThan, one or more for In/NotIn, none otherwise */
  values: string[];
}

/** All requirements must hold; [] matches everything. */
export type Selector = readonly Requirement[];

export class SelectorParseError extends Error {
  override name = 'SelectorParseError';
}

// ---- matching ----

function holds(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'Equals':
    case 'In':
      return has && r.values.includes(value);
    case 'NotEquals':
    case 'NotIn':
      // a missing label is "not equal" to anything, as in Kubernetes
      return !has || !r.values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'GreaterThan':
    case 'LessThan': {
      if (!has || !/^-?\d+$/.test(value)) return false;
      const n = Number(value);
      const bound = Number(r.values[0]);
      return r.operator === 'GreaterThan' ? n > bound : n < bound;
    }
  }
}

export function matches(selector: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return selector.every((r) => holds(r, l));
}

// ---- conversions ----

function sortByKey(reqs: Requirement[]): Requirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** A map selector (matchLabels, a Service's spec.selector) as requirements: key=value for each entry. */
export function selectorFromSet(set: Record<string, string> | undefined): Selector {
  return sortByKey(Object.entries(set ?? {}).map(([key, value]) => ({ key, operator: 'Equals' as const, values: [value] })));
}

/**
 * A LabelSelector object (matchLabels AND matchExpressions) as a Selector. The object is expected to
 * be valid already (validate.ts checks operators and values); {} gives [] which matches everything.
 */
export function fromLabelSelector(ls: LabelSelector): Selector {
  const reqs: Requirement[] = [...selectorFromSet(ls.matchLabels)];
  for (const e of ls.matchExpressions ?? []) {
    const values = e.operator === 'In' || e.operator === 'NotIn' ? [...(e.values ?? [])].sort() : [];
    reqs.push({ key: e.key, operator: e.operator, values });
  }
  return sortByKey(reqs);
}

/** The string form, as Kubernetes prints it: `a=b,c!=d,e in (x,y),f notin (z),g,!h` */
export function selectorToString(selector: Selector): string {
  return selector
    .map((r) => {
      switch (r.operator) {
        case 'Equals':
          return `${r.key}=${r.values[0]}`;
        case 'NotEquals':
          return `${r.key}!=${r.values[0]}`;
        case 'In':
          return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'NotIn':
          return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'Exists':
          return r.key;
        case 'DoesNotExist':
          return `!${r.key}`;
        case 'GreaterThan':
          return `${r.key}>${r.values[0]}`;
        case 'LessThan':
          return `${r.key}<${r.values[0]}`;
      }
    })
    .join(',');
}

// ---- parsing the string form ----

type Token =
  | { kind: 'ident'; text: string }
  | { kind: 'op'; text: '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' }
  | { kind: 'end'; text: '' };

// Characters that end an identifier; everything else (including '/', '.', '_') is part of one.
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<']);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (/\s/.test(c)) {
      i++;
    } else if ((c === '=' || c === '!') && text[i + 1] === '=') {
      tokens.push({ kind: 'op', text: c === '=' ? '==' : '!=' });
      i += 2;
    } else if (SPECIAL.has(c)) {
      tokens.push({ kind: 'op', text: c as '=' });
      i++;
    } else {
      let j = i;
      while (j < text.length && !SPECIAL.has(text[j]) && !/\s/.test(text[j])) j++;
      tokens.push({ kind: 'ident', text: text.slice(i, j) });
      i = j;
    }
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

function checkKey(key: string): void {
  const errs = isQualifiedName(key);
  if (errs.length) throw new SelectorParseError(`key: Invalid value: ${JSON.stringify(key)}: ${errs.join('; ')}`);
}

function checkValue(key: string, value: string): void {
  const errs = isValidLabelValue(value);
  if (errs.length) throw new SelectorParseError(`values[0][${key}]: Invalid value: ${JSON.stringify(value)}: ${errs.join('; ')}`);
}

/**
 * Parses the string form: comma-separated requirements, each one of `k=v`, `k==v`, `k!=v`,
 * `k in (v1,v2)`, `k notin (v1)`, `k` (exists), `!k` (does not exist), `k>1`, `k<1`.
 * Throws SelectorParseError with Kubernetes' wording ("found 'x', expected: '('").
 */
export function parseSelector(text: string): Selector {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const fail = (t: Token, expected: string): never => {
    const found = t.kind === 'end' ? '' : t.text;
    throw new SelectorParseError(`found '${found}', expected: ${expected}`);
  };
  const ident = (expected: string): string => {
    const t = next();
    if (t.kind !== 'ident') fail(t, expected);
    return t.text;
  };

  const reqs: Requirement[] = [];
  if (peek().kind === 'end') return reqs;
  for (;;) {
    let req: Requirement;
    if (peek().text === '!' && peek().kind === 'op') {
      next();
      const key = ident('identifier after \'!\'');
      checkKey(key);
      req = { key, operator: 'DoesNotExist', values: [] };
    } else {
      const key = ident('identifier');
      checkKey(key);
      const t = peek();
      if (t.kind === 'end' || t.text === ',') {
        req = { key, operator: 'Exists', values: [] };
      } else if (t.kind === 'op' && (t.text === '=' || t.text === '==' || t.text === '!=')) {
        next();
        // `a=` is allowed and means "a is the empty string"
        const value = peek().kind === 'ident' ? next().text : '';
        checkValue(key, value);
        req = { key, operator: t.text === '!=' ? 'NotEquals' : 'Equals', values: [value] };
      } else if (t.kind === 'op' && (t.text === '>' || t.text === '<')) {
        next();
        const value = ident('an integer');
        if (!/^-?\d+$/.test(value)) throw new SelectorParseError(`for 'Gt', 'Lt' operators, the value must be an integer: ${JSON.stringify(value)}`);
        req = { key, operator: t.text === '>' ? 'GreaterThan' : 'LessThan', values: [value] };
      } else if (t.kind === 'ident' && (t.text === 'in' || t.text === 'notin')) {
        next();
        if (peek().text !== '(' || peek().kind !== 'op') fail(peek(), "'('");
        next();
        const values: string[] = [];
        for (;;) {
          // empty values are allowed: `a in (,x)` has "" and "x"
          const value = peek().kind === 'ident' ? next().text : '';
          checkValue(key, value);
          values.push(value);
          const sep = next();
          if (sep.text === ')' && sep.kind === 'op') break;
          if (sep.text !== ',' || sep.kind !== 'op') fail(sep, "',' or ')'");
        }
        if (values.length === 1 && values[0] === '') {
          throw new SelectorParseError(`for 'in', 'notin' operators, values set can't be empty`);
        }
        req = { key, operator: t.text === 'in' ? 'In' : 'NotIn', values: values.sort() };
      } else {
        return fail(t, "'=', '!=', '==', 'in', 'notin', '>', '<', ',' or end of string");
      }
    }
    reqs.push(req);
    const t = next();
    if (t.kind === 'end') break;
    if (t.text !== ',' || t.kind !== 'op') fail(t, "',' or end of string");
  }
  return sortByKey(reqs);
}
