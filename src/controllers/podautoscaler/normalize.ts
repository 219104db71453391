// From the replicas the metrics ask for to the replicas the HPA sets, as horizontal.go's
// normalizeDesiredReplicas (no spec.behavior: scale-down stabilization over a fixed window, a
// scale-up of at most max(2*current, 4)) and normalizeDesiredReplicasWithBehaviors
// (stabilization windows both ways, Pods/Percent policies over their periods, selectPolicy
// Max/Min/Disabled), with the conditions they set. The history of recommendations and scale
// events is passed in and returned changed, with the time: pure.
import { defaultScaleDownRules, defaultScaleUpRules, type HorizontalPodAutoscaler, type HPAScalingRules } from '../../api/kinds/horizontalpodautoscaler.js';

export interface Recommendation {
  replicas: number;
  at: number;
}

export interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** What the controller remembers of one HPA between syncs (kube keeps it in memory too). */
export interface ScalingHistory {
  recommendations: Recommendation[];
  scaleUpEvents: ScaleEvent[];
  scaleDownEvents: ScaleEvent[];
}

export const emptyHistory = (): ScalingHistory => ({ recommendations: [], scaleUpEvents: [], scaleDownEvents: [] });

export interface Condition {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export interface Normalized {
  replicas: number;
  /** the AbleToScale condition (ScaleUpStabilized, ScaleDownStabilized, ReadyForNewScale) */
  ableToScale: Condition;
  /** the ScalingLimited condition */
  scalingLimited: Condition;
}

export interface NormalizeInput {
  hpa: HorizontalPodAutoscaler;
  currentReplicas: number;
  /** what the metrics ask for */
  desiredReplicas: number;
  minReplicas: number;
  now: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization, ms (300 s) */
  downscaleStabilizationMs: number;
}

const READY: Condition = { status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size' };
const WITHIN: [string, string] = ['DesiredWithinRange', 'the desired count is within the acceptable range'];

export function normalizeDesiredReplicas(input: NormalizeInput, history: ScalingHistory): Normalized {
  return input.hpa.spec.behavior ? withBehaviors(input, history) : withoutBehaviors(input, history);
}

function limited(replicas: number, stabilized: number, [reason, message]: [string, string]): Condition {
  return { status: replicas === stabilized ? 'False' : 'True', reason, message };
}

/** Without spec.behavior: the highest recommendation of the window, then the fixed rate limit. */
function withoutBehaviors(input: NormalizeInput, history: ScalingHistory): Normalized {
  const { currentReplicas, desiredReplicas, minReplicas, now } = input;
  // stabilizeRecommendation: the highest recommendation of the window; the oldest outdated slot is reused
  const cutoff = now - input.downscaleStabilizationMs;
  let stabilized = desiredReplicas;
  let reuse = -1;
  history.recommendations.forEach((r, i) => {
    if (r.at < cutoff) reuse = i;
    else stabilized = Math.max(stabilized, r.replicas);
  });
  const rec = { replicas: desiredReplicas, at: now };
  if (reuse >= 0) history.recommendations[reuse] = rec;
  else history.recommendations.push(rec);
  const ableToScale: Condition =
    stabilized !== desiredReplicas
      ? { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' }
      : READY;

  // convertDesiredReplicasWithRules
  const scaleUpLimit = Math.max(2 * currentReplicas, 4);
  const max = input.hpa.spec.maxReplicas;
  let replicas = stabilized;
  let why: [string, string] = WITHIN;
  if (stabilized < minReplicas) {
    replicas = minReplicas;
    why = ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
  } else if (max > scaleUpLimit && stabilized > scaleUpLimit) {
    replicas = scaleUpLimit;
    why = ['ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'];
  } else if (max <= scaleUpLimit && stabilized > max) {
    replicas = max;
    why = ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
  }
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, why) };
}

function withBehaviors(input: NormalizeInput, history: ScalingHistory): Normalized {
  const { currentReplicas, desiredReplicas, minReplicas, now } = input;
  const up = defaultScaleUpRules(input.hpa.spec.behavior?.scaleUp);
  const down = defaultScaleDownRules(input.hpa.spec.behavior?.scaleDown);
  // maybeInitScaleDownStabilizationWindow: the controller's window when the HPA names none
  const downWindowMs = down.stabilizationWindowSeconds !== undefined ? down.stabilizationWindowSeconds * 1000 : input.downscaleStabilizationMs;

  // stabilizeRecommendationWithBehaviors
  const upCutoff = now - (up.stabilizationWindowSeconds ?? 0) * 1000;
  const downCutoff = now - downWindowMs;
  let upRec = desiredReplicas;
  let downRec = desiredReplicas;
  let reuse = -1;
  history.recommendations.forEach((r, i) => {
    if (r.at > upCutoff) upRec = Math.min(upRec, r.replicas);
    if (r.at > downCutoff) downRec = Math.max(downRec, r.replicas);
    if (r.at < upCutoff && r.at < downCutoff) reuse = i;
  });
  let stabilized = currentReplicas;
  if (stabilized < upRec) stabilized = upRec;
  if (stabilized > downRec) stabilized = downRec;
  const rec = { replicas: desiredReplicas, at: now };
  if (reuse >= 0) history.recommendations[reuse] = rec;
  else history.recommendations.push(rec);
  const ableToScale: Condition =
    stabilized === desiredReplicas
      ? READY
      : desiredReplicas >= currentReplicas
        ? { status: 'True', reason: 'ScaleUpStabilized', message: 'recent recommendations were lower than current one, applying the lowest recent recommendation' }
        : { status: 'True', reason: 'ScaleDownStabilized', message: 'recent recommendations were higher than current one, applying the highest recent recommendation' };

  // convertDesiredReplicasWithBehaviorRate
  const max = input.hpa.spec.maxReplicas;
  let replicas = stabilized;
  let why: [string, string] = WITHIN;
  if (stabilized > currentReplicas) {
    const limit = Math.max(scaleUpLimit(currentReplicas, history, up, now), currentReplicas);
    const allowed = Math.min(max, limit);
    why = max > limit ? ['ScaleUpLimit', 'the desired replica count is increasing faster than the maximum scale rate'] : ['TooManyReplicas', 'the desired replica count is more than the maximum replica count'];
    if (stabilized > allowed) replicas = allowed;
    else why = WITHIN;
  } else if (stabilized < currentReplicas) {
    const limit = Math.min(scaleDownLimit(currentReplicas, history, down, now), currentReplicas);
    const allowed = Math.max(minReplicas, limit);
    why = minReplicas < limit ? ['ScaleDownLimit', 'the desired replica count is decreasing faster than the maximum scale rate'] : ['TooFewReplicas', 'the desired replica count is less than the minimum replica count'];
    if (stabilized < allowed) replicas = allowed;
    else why = WITHIN;
  }
  return { replicas, ableToScale, scalingLimited: limited(replicas, stabilized, why) };
}

/** getReplicasChangePerPeriod */
function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  return events.filter((e) => e.at > cutoff).reduce((n, e) => n + e.change, 0);
}

/** calculateScaleUpLimitWithScalingRules */
export function scaleUpLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.min : Math.max;
  let result = rules.selectPolicy === 'Min' ? Infinity : -Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, history.scaleDownEvents, now);
    // rounded up, or a small percentage would never add a pod
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors */
export function scaleDownLimit(current: number, history: ScalingHistory, rules: HPAScalingRules, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const pick = rules.selectPolicy === 'Min' ? Math.max : Math.min;
  let result = rules.selectPolicy === 'Min' ? -Infinity : Infinity;
  for (const p of rules.policies ?? []) {
    const start = current - changeInPeriod(p.periodSeconds, history.scaleUpEvents, now) + changeInPeriod(p.periodSeconds, history.scaleDownEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = pick(result, proposed);
  }
  return result;
}

/** storeScaleEvent: remembered only with spec.behavior, the only user of it. */
export function recordScaleEvent(hpa: HorizontalPodAutoscaler, history: ScalingHistory, from: number, to: number, now: number): void {
  if (!hpa.spec.behavior || from === to) return;
  const upward = to > from;
  const rules = upward ? defaultScaleUpRules(hpa.spec.behavior.scaleUp) : defaultScaleDownRules(hpa.spec.behavior.scaleDown);
  const events = upward ? history.scaleUpEvents : history.scaleDownEvents;
  // markScaleEventsOutdated: older than the longest policy period
  const longest = Math.max(0, ...(rules.policies ?? []).map((p) => p.periodSeconds));
  for (const e of events) if (e.at <= now - longest * 1000) e.outdated = true;
  const event = { change: Math.abs(to - from), at: now, outdated: false };
  let reuse = -1;
  events.forEach((e, i) => {
    if (e.outdated) reuse = i;
  });
  if (reuse >= 0) events[reuse] = event;
  else events.push(event);
}
