// Label and selector text as apimachinery prints it (labels.FormatLabels, metav1.FormatLabelSelector),
// plus the matching describe needs to count a controller's pods.
import { fromLabelSelector, matches, selectorToString } from './labels.js';
import type { LabelSelector } from './fields.js';

const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** labels.FormatLabels: "a=1,b=2" sorted by key, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort(byKey);
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

/** labels.Selector.String() of metav1.LabelSelectorAsSelector: "" for an empty selector. */
export function selectorString(sel: LabelSelector | undefined): string {
  return sel ? selectorToString(fromLabelSelector(sel)) : '';
}

/** metav1.FormatLabelSelector: like selectorString, `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelector | undefined): string {
  return selectorString(sel) || '<none>';
}

/** Does a label set satisfy a LabelSelector? An empty selector matches everything; none matches nothing. */
export function selectorMatches(sel: LabelSelector | undefined, labels: Record<string, string> | undefined): boolean {
  return sel ? matches(fromLabelSelector(sel), labels) : false;
}
