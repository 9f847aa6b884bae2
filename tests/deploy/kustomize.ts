/**
 * Renders deploy/kubernetes with the real `kubectl kustomize` and validates each rendered object
 * against the Kubernetes, Istio and Traefik JSON schemas shipped by `kubernetes-models`,
 * `@kubernetes-models/istio` and `@kubernetes-models/traefik` (generated from the projects' own
 * OpenAPI specs and CRDs). Those schemas check types, required fields and enums; like a lenient
 * API server they accept unknown fields, so the tests also assert the fields that matter by name.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as istioNetworkingV1beta1 from '@kubernetes-models/istio/networking.istio.io/v1beta1';
import * as istioSecurityV1 from '@kubernetes-models/istio/security.istio.io/v1';
import * as traefikV1alpha1 from '@kubernetes-models/traefik/traefik.io/v1alpha1';
import * as coreV1 from 'kubernetes-models/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import { parseAllDocuments } from 'yaml';

export const REPO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KUBERNETES_DIR = path.join(REPO_DIR, 'deploy/kubernetes');
/** `kubectl` on PATH (scripts/test-deps installs Debian's kubernetes-client when none is there). */
export const KUBECTL = process.env.KUBECTL ?? 'kubectl';
const KUBECTL_TIMEOUT_MS = 60_000;

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [field: string]: unknown;
}

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: object) => Validatable;

/** apiVersion → the package's models of that group version (each exported under its kind). */
const MODELS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'policy/v1': policyV1,
  'networking.k8s.io/v1': networkingV1,
  'security.istio.io/v1': istioSecurityV1,
  'networking.istio.io/v1beta1': istioNetworkingV1beta1,
  'traefik.io/v1alpha1': traefikV1alpha1,
};

/** The `kubectl --client` version line, or an error saying how to install kubectl. */
export function kubectlVersion(): string {
  const run = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8', timeout: KUBECTL_TIMEOUT_MS });
  if (run.error !== undefined || run.status !== 0)
    throw new Error(
      `kubectl is needed to render deploy/kubernetes (${run.error?.message ?? run.stderr}); ` +
        "run `bash scripts/test-deps` as root (installs Debian's kubernetes-client)",
    );
  return run.stdout.trim();
}

/** `kubectl kustomize <dir>` (relative to deploy/kubernetes), parsed into objects. */
export function render(dir: string): K8sObject[] {
  const run = spawnSync(KUBECTL, ['kustomize', path.join(KUBERNETES_DIR, dir)], {
    encoding: 'utf8',
    timeout: KUBECTL_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (run.error !== undefined)
    throw new Error(
      `${KUBECTL} kustomize ${dir}: ${run.error.message}; run \`bash scripts/test-deps\` as root (Debian's kubernetes-client)`,
    );
  if (run.status !== 0) throw new Error(`${KUBECTL} kustomize ${dir} exited ${run.status}: ${run.stderr}`);
  return parseAllDocuments(run.stdout).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${dir}: ${doc.errors[0]!.message}`);
    return doc.toJS() as K8sObject;
  });
}

/**
 * Istio's networking v1 is its v1beta1 promoted unchanged (the same protos, served side by side
 * since Istio 1.22); the Node 20 line of @kubernetes-models/istio ships the v1beta1 schemas only,
 * so v1 objects are checked against those.
 */
const SAME_SCHEMA_AS: Record<string, string> = { 'networking.istio.io/v1': 'networking.istio.io/v1beta1' };

/** Problems of `obj` against its schema; an apiVersion/kind without a schema is a problem too. */
export function schemaProblems(obj: K8sObject): string[] {
  const apiVersion = SAME_SCHEMA_AS[obj.apiVersion] ?? obj.apiVersion;
  const Model = MODELS[apiVersion]?.[obj.kind] as ModelClass | undefined;
  if (Model === undefined) return [`no schema for ${obj.apiVersion} ${obj.kind}`];
  try {
    new Model({ ...obj, apiVersion }).validate();
    return [];
  } catch (err) {
    return [(err as Error).message];
  }
}

/** The one object of `kind` named `name` (fails the test when there is not exactly one). */
export function one(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}
