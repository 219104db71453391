// The review APIs kubectl asks before acting or when asked who it is: `kubectl auth can-i`
// (SelfSubjectAccessReview, SelfSubjectRulesReview) and `kubectl auth whoami`
// (SelfSubjectReview). k1s has one user, the holder of the kubeconfig's token, and that user is
// cluster-admin (as system:masters is on Kubernetes), so every review allows everything.
import { methodNotAllowed } from '../api/errors.js';

export interface ApiResourceFacts {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
}

export interface ExtraGroupVersion {
  group: string;
  version: string;
  resources: ApiResourceFacts[];
}

const createOnly = (name: string, kind: string): ApiResourceFacts => ({ name, singularName: name.slice(0, -1), namespaced: false, kind, verbs: ['create'] });

export const REVIEW_APIS: ExtraGroupVersion[] = [
  {
    group: 'authorization.k8s.io',
    version: 'v1',
    resources: [createOnly('selfsubjectaccessreviews', 'SelfSubjectAccessReview'), createOnly('selfsubjectrulesreviews', 'SelfSubjectRulesReview')],
  },
  { group: 'authentication.k8s.io', version: 'v1', resources: [createOnly('selfsubjectreviews', 'SelfSubjectReview')] },
];

/** Who the token's holder is, as kube-apiserver reports a member of system:masters. */
export const ADMIN_USER = { username: 'k1s-admin', groups: ['system:masters', 'system:authenticated'] };

const ALLOWED_REASON = 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"';

const REVIEW_PATH = /^\/apis\/(authorization|authentication)\.k8s\.io\/v1\/(selfsubjectaccessreviews|selfsubjectrulesreviews|selfsubjectreviews)$/;

/** Is path a review? Then `readsBody` says whether its body matters (a SelfSubjectReview's does not). */
export function reviewAt(path: string): { readsBody: boolean } | undefined {
  const m = REVIEW_PATH.exec(path);
  return m ? { readsBody: m[2] !== 'selfsubjectreviews' } : undefined;
}

/** The answer to a review POSTed at path (which reviewAt accepted), with its decoded body. */
export function answerReview(path: string, method: string, body: unknown): unknown {
  const m = REVIEW_PATH.exec(path)!;
  if (method !== 'POST') throw methodNotAllowed();
  const apiVersion = `${m[1]}.k8s.io/v1`;
  const metadata = { creationTimestamp: null };
  switch (m[2]) {
    case 'selfsubjectaccessreviews': {
      const spec = (body as { spec?: unknown })?.spec ?? {};
      return { kind: 'SelfSubjectAccessReview', apiVersion, metadata, spec, status: { allowed: true, reason: ALLOWED_REASON } };
    }
    case 'selfsubjectrulesreviews': {
      const spec = (body as { spec?: unknown })?.spec ?? {};
      return {
        kind: 'SelfSubjectRulesReview',
        apiVersion,
        metadata,
        spec,
        status: {
          resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
          nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
          incomplete: false,
        },
      };
    }
    default:
      // a SelfSubjectReview asks nothing: its body is not read
      return { kind: 'SelfSubjectReview', apiVersion, metadata, status: { userInfo: ADMIN_USER } };
  }
}
