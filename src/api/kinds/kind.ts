// What k1s knows about one Kubernetes kind, in one place: its schema (the single source of its
// TypeScript type), defaulting, the create/update/status strategies of kube-apiserver's
// pkg/registry/*/strategy.go, subresources, printer columns, patch merge keys and discovery facts.
// The registry, discovery, OpenAPI, tables, informers, GC and the CLI iterate over the table of
// these (kinds/index.ts) instead of keeping lists of their own.
import type { z } from 'zod';
import type { FieldError } from '../field-errors.js';
import type { ObjectMeta } from '../fields.js';
import type { NameCheck } from '../meta-validation.js';

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** An object as stored and served: the server has always given it a name. */
export type Stored<T extends { metadata: unknown }> = Omit<T, 'metadata'> & { metadata: ObjectMeta };

export type Subresource = 'status' | 'log' | 'scale' | 'exec' | 'attach' | 'portforward' | 'finalize' | 'eviction';

export interface ValidateOptions {
  /** When set, Service nodePorts must lie in this range (the API server's --service-node-port-range). */
  nodePortRange?: { min: number; max: number };
}

export type { PatchFieldMeta } from '../patch/strategic.js';
import type { PatchFieldMeta } from '../patch/strategic.js';
export type { FieldType } from '../managed-fields/typed.js';
import type { FieldType } from '../managed-fields/typed.js';

/** One column of `kubectl get`, as metav1.TableColumnDefinition. */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: 'name';
  description: string;
  /** 0: always shown; 1: only with -o wide */
  priority: 0 | 1;
}

export interface Printer<T> {
  columns: readonly PrinterColumn[];
  /** The cells of one object's row, one per column; strings as kubectl prints them, integers as numbers. */
  row(obj: T, now: Date): (string | number)[];
}

/** What an admission plugin may read of the other objects (kube-apiserver's listers). */
export interface AdmissionReader {
  /** every stored object of a kind, in one namespace or (without one) in all */
  list(kind: string, namespace?: string): KubeObject[];
}

/**
 * Another version a kind is served at besides the stored one (autoscaling/v1 of the
 * HorizontalPodAutoscaler): request bodies are converted to the stored version, responses back.
 */
export interface VersionView {
  readonly version: string;
  /** a request body in this version -> the stored version (the registry then validates it) */
  toStored(body: unknown): unknown;
  /** a stored object -> this version */
  fromStored(obj: KubeObject): unknown;
}

export interface KindDef<T extends KubeObject = KubeObject> {
  readonly kind: string;
  readonly group: string;
  readonly version: string;
  /** plural, lower case: the URL segment ("pods") */
  readonly resource: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  /** `kubectl get all` lists the kinds in category "all" */
  readonly categories: readonly string[];
  /** the strict structural check; its output type (with metadata.name made required) is T */
  readonly schema: z.ZodType;
  readonly subresources: readonly Subresource[];
  /** has a /status subresource: the main resource ignores .status and /status everything else */
  readonly hasStatus: boolean;
  /** metadata.generation counts changes of spec, as the strategies of workloads do */
  readonly generation: boolean;
  /** fields a list may be filtered by besides metadata.name and metadata.namespace */
  readonly fieldSelectors: readonly string[];
  /** other versions served, converted (discovery lists them after `version`, the preferred one) */
  readonly otherVersions?: readonly VersionView[];
  /** the rule for metadata.name (DNS-1123 subdomain unless said otherwise) */
  readonly nameCheck?: NameCheck;
  readonly printer: Printer<T>;
  /** strategic merge patch facts, keyed by dot-joined field path ('spec.template.spec.containers') */
  readonly patchMergeKeys: Readonly<Record<string, PatchFieldMeta>>;
  /**
   * Server-side apply's view of a field where it differs from what patchMergeKeys imply
   * (x-kubernetes-list-type/-list-map-keys/-map-type), same keys: a container's ports are keyed by
   * containerPort and protocol, a LabelSelector is atomic.
   */
  readonly fieldTypes: Readonly<Record<string, FieldType>>;
  /** SetDefaults_<Kind>: fills absent fields, in place */
  defaults?(obj: T): void;
  /** Validate: the semantic rules of a create or update (metadata is checked by the registry) */
  validate?(obj: T, opts: ValidateOptions): FieldError[];
  /** ValidateUpdate: what may not change once created */
  validateUpdate?(next: T, prev: T): FieldError[];
  /** PrepareForCreate beyond the generic (status reset, generation 1) */
  prepareForCreate?(obj: T): void;
  /** PrepareForUpdate beyond the generic (status kept from the stored object) */
  prepareForUpdate?(next: T, prev: T): void;
  /**
   * The part of PrepareForUpdate that must see a main-resource update's body before it is
   * defaulted and validated (kube validates after PrepareForUpdate; k1s validates at decode):
   * returns the body to admit, e.g. without fields the new Service type no longer uses.
   */
  prepareBodyForUpdate?(body: unknown, prev: T): unknown;
  /**
   * The admission plugins of kube-apiserver that read other objects (DefaultStorageClass,
   * PersistentVolumeClaimResize), after defaulting and validation of a create (old undefined) or
   * main-resource update: mutates obj, or throws an ApiError to refuse the write.
   */
  admit?(obj: T, read: AdmissionReader, old?: T): void;
  /**
   * WarningsOnCreate/WarningsOnUpdate: what a create (old undefined) or main-resource update of obj
   * answers with besides the object, as Warning headers kubectl prints ("Warning: ...").
   */
  warnings?(obj: T, old?: T): string[];
  /**
   * CheckGracefulDelete, for kinds deleted gracefully (pods): the grace period, in seconds, a
   * DELETE of obj gets, given the one the request asked for (DeleteOptions.gracePeriodSeconds,
   * never negative here). 0 removes the object at once; more keeps it, marked with
   * deletionTimestamp, until a later DELETE with 0 (the node agent's, once its containers have
   * stopped). Kinds without it are removed at once unless finalizers hold them.
   */
  gracefulDelete?(obj: T, requestedSeconds: number | undefined): number;
  /** the status strategy's PrepareForUpdate beyond the generic (everything but status kept from the stored object) */
  prepareForStatusUpdate?(next: T, prev: T): void;
  /** the status strategy's ValidateUpdate: what a /status write may not change */
  validateStatusUpdate?(next: T, prev: T): FieldError[];
}

type Defaulted = 'version' | 'categories' | 'generation' | 'patchMergeKeys' | 'fieldTypes' | 'fieldSelectors';
type KindSpec<T extends KubeObject> = Omit<KindDef<T>, 'hasStatus' | Defaulted> & Partial<Pick<KindDef<T>, Defaulted>>;

export function defineKind<T extends KubeObject>(spec: KindSpec<T>): KindDef<T> {
  return {
    version: 'v1',
    categories: [],
    generation: false,
    patchMergeKeys: {},
    fieldTypes: {},
    fieldSelectors: [],
    ...spec,
    hasStatus: spec.subresources.includes('status'),
  };
}

/** Patch facts every kind shares: ObjectMeta's lists. */
export const META_PATCH_KEYS: Readonly<Record<string, PatchFieldMeta>> = {
  'metadata.ownerReferences': { strategy: 'merge', mergeKey: 'uid' },
  'metadata.finalizers': { strategy: 'merge' },
};

/** A column as pkg/printers/internalversion defines it. */
export function column(name: string, type: PrinterColumn['type'], description: string, priority: 0 | 1 = 0): PrinterColumn {
  return { name, type, description, priority };
}

export const NAME_COLUMN: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically.',
  priority: 0,
};

export const AGE_COLUMN = column(
  'Age',
  'string',
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value.',
);
