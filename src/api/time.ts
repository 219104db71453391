/** Kubernetes times (metav1.Time) are RFC 3339 with second precision: 2026-11-23T22:02:00Z. */
export function rfc3339(t: number | string | Date): string {
  return new Date(t).toISOString().replace(/\.\d+Z$/, 'Z');
}
