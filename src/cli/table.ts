// `kubectl get` tables: each kind's printer columns (src/api/kinds/, the column sets and cell rules
// of kubernetes/pkg/printers/internalversion, also served as server-side Tables) laid out by the
// same tabwriter settings cli-runtime uses.
import { byKind, qualifiedName } from '../api/resources.js';
import type { KubeObject } from '../api/kinds/kind.js';
import { TABLE_TABWRITER, tabwrite } from './tabwriter.js';

export interface TableOptions {
  wide?: boolean;
  allNamespaces?: boolean;
  /** prefix names with their resource ("pod/web", "deployment.apps/web"), as `kubectl get all` */
  showKind?: boolean;
  noHeaders?: boolean;
  now: Date;
}

/**
 * The `kubectl get` table for objects of one kind, one line per object, each ending in "\n".
 * An empty list gives "" (print noResourcesMessage() to stderr instead, as kubectl does).
 */
export function printTable(kind: string, items: KubeObject[], opts: TableOptions): string {
  if (items.length === 0) return '';
  const info = byKind(kind);
  if (!info) throw new Error(`k1s has no printer for kind ${kind}`);
  const printer = info.printer;
  const withNamespace = !!opts.allNamespaces && info.namespaced;
  const shown = printer.columns.map((c, i) => (opts.wide || c.priority === 0 ? i : -1)).filter((i) => i >= 0);
  // The column holding the object's name is the one showKind decorates.
  const nameColumn = printer.columns.findIndex((c) => c.format === 'name');

  const rows: string[][] = [];
  if (!opts.noHeaders) {
    const header = shown.map((i) => printer.columns[i].name.toUpperCase());
    rows.push(withNamespace ? ['NAMESPACE', ...header] : header);
  }
  for (const obj of items) {
    const cells = printer.row(obj, opts.now).map(String);
    if (opts.showKind) cells[nameColumn] = `${qualifiedName(info)}/${cells[nameColumn]}`;
    const row = shown.map((i) => cells[i]);
    rows.push(withNamespace ? [obj.metadata.namespace ?? '', ...row] : row);
  }
  return tabwrite(rows.map((r) => r.join('\t') + '\n').join(''), TABLE_TABWRITER);
}

/**
 * What kubectl prints (to stderr) for an empty list: "No resources found in default namespace."
 * for a namespaced kind in one namespace, "No resources found" otherwise.
 */
export function noResourcesMessage(namespace?: string, allNamespaces?: boolean): string {
  if (namespace && !allNamespaces) return `No resources found in ${namespace} namespace.`;
  return 'No resources found';
}
