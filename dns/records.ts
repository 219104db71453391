// The cluster DNS data: every name k1s answers for, computed once from Services and their
// EndpointSlices (discovery.k8s.io/v1, as CoreDNS reads them).
//
// Pure: no I/O, no clock. Incremental: each Service contributes its records (serviceRecords, a pure
// function of the Service and its slices) under its own key, and the zone's own records (apex,
// namespaces) are one more contribution; a change replaces one contribution, never the whole
// index. The main thread keeps the one index and re-encodes the names a change touches into the
// shared answer table the DNS threads read (table-owner.ts, answer-table.ts). Lookups are map hits
// on a lower-cased name; the records themselves are built when contributed, not per query. Each
// name holds its records in one array grouped by type (or the lone record): a Map per name cost
// twice the memory with 10,000 Services.
//
// What is answered follows the Kubernetes DNS specification (kubernetes/dns docs/specification.md)
// and CoreDNS's kubernetes plugin where the spec is silent:
//   <svc>.<ns>.svc.<zone>                  A/AAAA  ClusterIP(s), or every ready endpoint if headless
//   <host>.<svc>.<ns>.svc.<zone>           A/AAAA  one headless endpoint (hostname, else dashed IP)
//   _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV     named ports (per endpoint if headless)
//   <svc>.<ns>.svc.<zone>                  SRV     every port (CoreDNS does this too)
//   <svc>.<ns>.svc.<zone>                  CNAME   ExternalName services
//   <d>.<c>.<b>.<a>.in-addr.arpa (ip6.arpa) PTR    ClusterIPs and headless endpoints
//   <a>-<b>-<c>-<d>.<ns>.pod.<zone>        A       synthesised ("pods insecure", spec 2.6)
//   dns-version.<zone>                     TXT     schema version
//   <zone>                                 SOA, NS
// A name that exists but has no record of the asked type is NODATA (NOERROR, empty answer); a name
// that does not exist is NXDOMAIN. Both carry the zone's SOA in the authority section so resolvers
// can cache the negative answer (RFC 2308) for the SOA minimum, which is the record TTL.
import { isIP } from 'node:net';
import type { Service } from '../src/api/types.js';
import type { EndpointSlice, SliceEndpoint } from '../src/api/kinds/endpointslice.js';

/**
 * The label naming a slice's Service (kubernetes.io/service-name, as the kind module's
 * SERVICE_NAME_LABEL; a test holds them equal). Not imported from there: this file is loaded by
 * every DNS worker, and the kind module would bring zod and the API's kinds into each of them.
 */
export const SLICE_SERVICE_LABEL = 'kubernetes.io/service-name';

interface RRBase {
  /** Owner name, lower case, without the trailing dot. */
  name: string;
  ttl: number;
  class: 'IN';
}

/** One resource record, as plain data. Names never carry the trailing dot. */
export type RR =
  | (RRBase & { type: 'A'; address: string })
  | (RRBase & { type: 'AAAA'; address: string })
  | (RRBase & { type: 'CNAME'; target: string })
  | (RRBase & { type: 'PTR'; target: string })
  | (RRBase & { type: 'NS'; target: string })
  | (RRBase & { type: 'SRV'; priority: number; weight: number; port: number; target: string })
  | (RRBase & { type: 'TXT'; text: string[] })
  | (RRBase & {
      type: 'SOA';
      mname: string;
      rname: string;
      serial: number;
      refresh: number;
      retry: number;
      expire: number;
      minimum: number;
    });

export type RRType = RR['type'];

/**
 * NOERROR and NXDOMAIN are the answers; REFUSED means "not ours" (the server forwards such names
 * and never asks the index about them).
 */
export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'REFUSED';

export interface LookupResult {
  rcode: Rcode;
  /** Shared with the index: read, never mutate. */
  answers: readonly RR[];
  authority: readonly RR[];
  additionals: readonly RR[];
  /**
   * Set when the answer ends in a CNAME that points outside the zone (an ExternalName service):
   * the name the server should resolve upstream and append, as a recursive resolver would.
   */
  chase?: string;
}

export interface RecordIndexOptions {
  /** Cluster domain. Default 'cluster.local'. */
  zone?: string;
  /** TTL of every record (and the SOA minimum, so negative answers are cached as long). Default 5. */
  ttl?: number;
  /** Namespaces that exist, so `<ns>.svc.<zone>` is NODATA rather than NXDOMAIN even when empty.
   *  Namespaces of the given Services are always included, and so are default/kube-system/kube-public. */
  namespaces?: string[];
  /** SOA serial. Default: the highest numeric resourceVersion among the inputs (changes with them). */
  serial?: number;
  /** Address of `ns.dns.<zone>` (the zone's NS). Default: the ClusterIP of kube-system/kube-dns. */
  nameserverIP?: string;
}

/** What one Service (or the zone itself) adds to the index: its records, and every name it makes
 * exist (the records' owners and, inside the zone, each name between them and the apex). */
export interface Contribution {
  records: RR[];
  names: string[];
}

export const DEFAULT_ZONE = 'cluster.local';
export const DEFAULT_TTL = 5;
/** Schema version published at dns-version.<zone> (what CoreDNS answers today). */
export const DNS_SCHEMA_VERSION = '1.1.0';
const SCHEMA_TTL = 28800;
const BUILTIN_NAMESPACES = ['default', 'kube-system', 'kube-public'];
const TOLERATE_UNREADY = 'service.alpha.kubernetes.io/tolerate-unready-endpoints';
const MAX_CNAME_CHAIN = 8;
const REVERSE_V4 = 'in-addr.arpa';
const REVERSE_V6 = 'ip6.arpa';

/**
 * The records at one name, grouped by type, the types in the order their first record came (the
 * order a Map<RRType, RR[]> kept, which answers to ANY follow). One record is held as itself, not
 * in an array; a name with no records (NODATA) holds NONE. Never mutated in place: a change makes
 * a new value, so an answer handed out earlier stays as it was.
 */
type RRSet = RR | readonly RR[];

const EMPTY: readonly RR[] = Object.freeze([]);
const NONE: RRSet = EMPTY;

/** Lower case, no trailing dot: the one form names are compared in (DNS names are case-insensitive). */
export function normalizeName(name: string): string {
  const n = name.endsWith('.') ? name.slice(0, -1) : name;
  return n.toLowerCase();
}

function asList(set: RRSet): readonly RR[] {
  return Array.isArray(set) ? set : [set as RR];
}

/** The records of one type (a slice of their group), EMPTY when there are none. */
function ofType(set: RRSet, type: string): readonly RR[] {
  if (!Array.isArray(set)) return (set as RR).type === type ? [set as RR] : EMPTY;
  const list = set as readonly RR[];
  let i = 0;
  while (i < list.length && list[i].type !== type) i++;
  let j = i;
  while (j < list.length && list[j].type === type) j++;
  return i === 0 && j === list.length ? list : list.slice(i, j);
}

/** A name's records as held: NONE, the lone record, or the array. */
function held(list: readonly RR[]): RRSet {
  return list.length === 0 ? NONE : list.length === 1 ? list[0] : list;
}

/**
 * `set` with `added` (in their order), each after the last record of its type, a new type at the
 * end. One pass over the name's records however many are added (a headless Service of thousands
 * of endpoints adds thousands at its name).
 */
function withRecords(set: RRSet, added: readonly RR[]): RRSet {
  if (set === NONE && added.length === 1) return added[0];
  const groups = new Map<RRType, RR[]>();
  for (const rr of [...asList(set), ...added]) {
    const group = groups.get(rr.type);
    if (group) group.push(rr);
    else groups.set(rr.type, [rr]);
  }
  const out: RR[] = [];
  for (const group of groups.values()) for (const rr of group) out.push(rr);
  return held(out.slice()); // a copy holds no spare capacity: push leaves up to 16 slots unused
}

/** `set` without the very objects in `removed` (the ones a contribution added). */
function withoutRecords(set: RRSet, removed: readonly RR[]): RRSet {
  if (!Array.isArray(set)) return removed.includes(set as RR) ? NONE : set;
  const gone = new Set(removed);
  const kept = (set as readonly RR[]).filter((rr) => !gone.has(rr));
  return held(kept.length > 1 ? kept.slice() : kept);
}

/** Records by owner name, in their order. */
function byName(records: readonly RR[]): Map<string, RR[]> {
  const out = new Map<string, RR[]>();
  for (const rr of records) {
    const list = out.get(rr.name);
    if (list) list.push(rr);
    else out.set(rr.name, [rr]);
  }
  return out;
}

/** `set` with its SOA replaced in place by `soa`, or added as a new type. */
function withSoa(set: RRSet, soa: RR): RRSet {
  const list = asList(set);
  const i = list.findIndex((rr) => rr.type === 'SOA');
  if (i < 0) return withRecords(set, [soa]);
  if (!Array.isArray(set)) return soa;
  return list.map((rr, k) => (k === i ? soa : rr));
}

export class RecordIndex {
  readonly zone: string;
  readonly ttl: number;
  /** Every name that exists, with its records. */
  private readonly names = new Map<string, RRSet>();
  /**
   * How many contributions beyond the first make a name exist (a name goes when its last one
   * does). Only shared names are here (the namespaces' and a few more): most names have one.
   */
  private readonly extraRefs = new Map<string, number>();
  private readonly contributions = new Map<string, Contribution>();
  private readonly zoneSuffix: string;
  private soa!: { zone: readonly RR[]; [REVERSE_V4]: readonly RR[]; [REVERSE_V6]: readonly RR[] };
  /** Bumped by every change: answers computed from the index are valid for one generation. */
  generation = 0;

  /** A whole index at once (tests, and the first snapshot); `set` keeps it up to date after. */
  constructor(services: readonly Service[] = [], slices: readonly EndpointSlice[] = [], opts: RecordIndexOptions = {}) {
    this.zone = normalizeName(opts.zone ?? DEFAULT_ZONE);
    this.ttl = opts.ttl ?? DEFAULT_TTL;
    this.zoneSuffix = '.' + this.zone;
    this.setSerial(opts.serial ?? serialOf(services, slices));
    const bySvc = slicesByService(slices);
    this.set(ZONE_KEY, zoneRecords(this.zone, this.ttl, namespacesOf(services, opts.namespaces), opts.nameserverIP ?? kubeDnsIP(services)));
    for (const svc of services) this.set(serviceKey(svc), serviceRecords(svc, bySvc.get(serviceKey(svc)) ?? [], this.zone, this.ttl));
  }

  /** Replaces what `key` contributes (undefined: removes it). */
  set(key: string, contribution: Contribution | undefined): void {
    this.generation++;
    const old = this.contributions.get(key);
    if (old) {
      for (const [name, rrs] of byName(old.records)) {
        const set = this.names.get(name);
        if (set !== undefined) this.names.set(name, withoutRecords(set, rrs)); // the very objects that were contributed
      }
      for (const name of old.names) {
        const extra = this.extraRefs.get(name);
        if (extra === undefined) this.names.delete(name);
        else if (extra > 1) this.extraRefs.set(name, extra - 1);
        else this.extraRefs.delete(name);
      }
      this.contributions.delete(key);
    }
    if (!contribution) return;
    this.contributions.set(key, contribution);
    for (const name of contribution.names) {
      if (!this.names.has(name)) this.names.set(name, NONE);
      else this.extraRefs.set(name, (this.extraRefs.get(name) ?? 0) + 1);
    }
    for (const [name, rrs] of byName(contribution.records)) this.names.set(name, withRecords(this.names.get(name)!, rrs));
    if (key === ZONE_KEY) this.putSoa();
  }

  /** The SOA serial of the zone and the reverse zones. */
  setSerial(serial: number): void {
    this.generation++;
    this.soa = {
      zone: [this.soaRecord(this.zone, serial)],
      [REVERSE_V4]: [this.soaRecord(REVERSE_V4, serial)],
      [REVERSE_V6]: [this.soaRecord(REVERSE_V6, serial)],
    };
    this.putSoa();
  }

  /** The apex answers its SOA (not part of any contribution: the serial changes on its own). */
  private putSoa(): void {
    const apex = this.names.get(this.zone);
    if (apex !== undefined) this.names.set(this.zone, withSoa(apex, this.soa.zone[0]));
  }

  /**
   * True when this index answers for the name: anything under the cluster zone, and reverse names
   * of addresses it knows. Everything else goes to the upstream resolvers (so reverse lookups of
   * other addresses, like the host's, still work).
   */
  isInZone(qname: string): boolean {
    return this.owns(normalizeName(qname));
  }

  lookup(qname: string, qtype: string): LookupResult {
    const name = normalizeName(qname);
    if (!this.owns(name)) return { rcode: 'REFUSED', answers: EMPTY, authority: EMPTY, additionals: EMPTY };
    return this.resolve(name, qtype.toUpperCase(), 0);
  }

  /** What `key` contributes now (the owner of a shared answer table diffs names with it). */
  contributionOf(key: string): Contribution | undefined {
    return this.contributions.get(key);
  }

  /** Every name that exists in the index (not the synthesised pod names). */
  allNames(): IterableIterator<string> {
    return this.names.keys();
  }

  /**
   * What a lookup at an existing `name` reads: the name, then each in-zone CNAME target in turn,
   * and the record types found along the way (so every question whose answer is not plain NODATA
   * can be prebuilt). Undefined when the name does not exist.
   */
  chainOf(name: string): { names: string[]; types: RRType[] } | undefined {
    if (!this.names.has(name)) return undefined;
    const names: string[] = [];
    const types = new Set<RRType>();
    for (let cur: string | undefined = name, depth = 0; cur !== undefined; depth++) {
      const set = this.names.get(cur) ?? this.podRecord(cur);
      if (!set) break;
      names.push(cur);
      for (const rr of asList(set)) types.add(rr.type);
      const cname = ofType(set, 'CNAME')[0] as Extract<RR, { type: 'CNAME' }> | undefined;
      cur = cname && depth < MAX_CNAME_CHAIN && this.owns(cname.target) ? cname.target : undefined;
    }
    return { names, types: [...types] };
  }

  /** Every record in the index, sorted: for debugging and for tests. */
  allRecords(): RR[] {
    const out: RR[] = [];
    for (const set of this.names.values()) out.push(...asList(set));
    return out.sort((a, b) => (a.name === b.name ? a.type.localeCompare(b.type) : a.name.localeCompare(b.name)));
  }

  // ---- lookup ----

  private owns(name: string): boolean {
    if (name === this.zone || name.endsWith(this.zoneSuffix)) return true;
    // Reverse names: only the exact ones we hold; the rest of in-addr.arpa is forwarded.
    return isReverseName(name) && this.names.has(name);
  }

  private resolve(name: string, qtype: string, depth: number): LookupResult {
    const set = this.names.get(name) ?? this.podRecord(name);
    const authority = this.soaFor(name);
    if (!set) return { rcode: 'NXDOMAIN', answers: EMPTY, authority, additionals: EMPTY };

    const cname = ofType(set, 'CNAME');
    if (cname.length > 0 && qtype !== 'CNAME' && qtype !== 'ANY') {
      const target = (cname[0] as Extract<RR, { type: 'CNAME' }>).target;
      if (!this.owns(target)) return { rcode: 'NOERROR', answers: cname, authority: EMPTY, additionals: EMPTY, chase: target };
      if (depth >= MAX_CNAME_CHAIN) return { rcode: 'NOERROR', answers: cname, authority: EMPTY, additionals: EMPTY };
      // RFC 6604: the rcode is the one of the last name in the chain.
      const rest = this.resolve(target, qtype, depth + 1);
      return { ...rest, answers: [...cname, ...rest.answers] };
    }

    const answers = qtype === 'ANY' ? asList(set) : ofType(set, qtype);
    if (answers.length === 0) return { rcode: 'NOERROR', answers: EMPTY, authority, additionals: EMPTY };
    return { rcode: 'NOERROR', answers, authority: EMPTY, additionals: this.additionalsFor(qtype, answers) };
  }

  /** The address records of SRV and NS targets, so the client needs no second query. */
  private additionalsFor(qtype: string, answers: readonly RR[]): readonly RR[] {
    if (qtype !== 'SRV' && qtype !== 'NS') return EMPTY;
    const out: RR[] = [];
    const done = new Set<string>();
    for (const rr of answers) {
      if ((rr.type !== 'SRV' && rr.type !== 'NS') || done.has(rr.target)) continue;
      done.add(rr.target);
      const set = this.names.get(rr.target);
      if (!set) continue;
      out.push(...ofType(set, 'A'), ...ofType(set, 'AAAA'));
    }
    return out;
  }

  /** `<a>-<b>-<c>-<d>.<ns>.pod.<zone>`: answered for any address in a known namespace, unverified
   *  (CoreDNS "pods insecure", the kubeadm default). IPv6 uses '-' for ':' ("fd00--5"). */
  private podRecord(name: string): RRSet | undefined {
    const pod = podAddress(name, this.zone);
    // a namespace is known when <ns>.svc.<zone> exists (a Service in it, or the Namespace object)
    if (!pod || !this.names.has(`${pod.namespace}.svc.${this.zone}`)) return undefined;
    return pod.family === 4 ? { name, ttl: this.ttl, class: 'IN', type: 'A', address: pod.ip } : { name, ttl: this.ttl, class: 'IN', type: 'AAAA', address: pod.ip };
  }

  private soaFor(name: string): readonly RR[] {
    if (name === this.zone || name.endsWith(this.zoneSuffix)) return this.soa.zone;
    return name.endsWith(REVERSE_V6) ? this.soa[REVERSE_V6] : this.soa[REVERSE_V4];
  }

  private soaRecord(zone: string, serial: number): RR {
    return soaRecord(zone, this.ttl, serial);
  }
}

/** A zone's SOA, the same shape as CoreDNS's: refresh 7200, retry 1800, expire 86400, minimum = the record TTL. */
export function soaRecord(zone: string, ttl: number, serial: number): RR {
  return { name: zone, ttl, class: 'IN', type: 'SOA', mname: `ns.dns.${zone}`, rname: `hostmaster.${zone}`, serial, refresh: 7200, retry: 1800, expire: 86400, minimum: ttl };
}

/**
 * `<a>-<b>-<c>-<d>.<ns>.pod.<zone>` (lower case, no trailing dot): the namespace and the address it
 * names, or undefined for any other name. IPv6 uses '-' for ':' ("fd00--5"). Whether the namespace
 * exists is the caller's question.
 */
export function podAddress(name: string, zone: string): { namespace: string; ip: string; family: 4 | 6 } | undefined {
  const suffix = '.pod.' + zone;
  if (!name.endsWith(suffix)) return undefined;
  const labels = name.slice(0, -suffix.length).split('.');
  if (labels.length !== 2) return undefined;
  const label = labels[0];
  const ip = label.split('-').length === 4 && !label.includes('--') ? label.replace(/-/g, '.') : label.replace(/-/g, ':');
  const family = isIP(ip);
  return family === 0 ? undefined : { namespace: labels[1], ip, family: family as 4 | 6 };
}

// ---- contributions: what each Service, and the zone itself, adds (pure) ----

/** The key of the zone's own contribution (apex, nameserver, schema version, namespaces). */
export const ZONE_KEY = '';

export function serviceKey(svc: Service): string {
  return `${svc.metadata.namespace ?? 'default'}/${svc.metadata.name}`;
}

/** IPv4/IPv6 slices by the key of the Service named in their service-name label (the slices' own
 *  names are generated). FQDN slices and slices without the label give no records. */
export function slicesByService(slices: readonly EndpointSlice[]): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const owner = slice.metadata.labels?.[SLICE_SERVICE_LABEL];
    if (!owner || (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6')) continue;
    const key = `${slice.metadata.namespace ?? 'default'}/${owner}`;
    const list = out.get(key);
    if (list) list.push(slice);
    else out.set(key, [slice]);
  }
  return out;
}

/** The built-in namespaces, the given ones and those of the Services, lower case. */
export function namespacesOf(services: readonly Service[], namespaces: readonly string[] = []): string[] {
  const out = new Set<string>();
  for (const ns of [...BUILTIN_NAMESPACES, ...namespaces]) out.add(ns.toLowerCase());
  for (const svc of services) out.add((svc.metadata.namespace ?? 'default').toLowerCase());
  return [...out];
}

/** Collects one contribution: drops invalid names and records equal to one already collected. */
class Collector {
  private readonly records: RR[] = [];
  private readonly names = new Set<string>();
  private readonly seen = new Set<string>();

  constructor(
    private readonly zone: string,
    readonly ttl: number,
  ) {}

  add(rr: RR): void {
    if (!validName(rr.name)) return; // e.g. an endpoint hostname that makes the name too long
    const key = recordText(rr);
    if (this.seen.has(key)) return; // one endpoint in two slices: one record, not two alike
    this.seen.add(key);
    this.ensure(rr.name);
    this.records.push(rr);
  }

  /** Adds an A or AAAA record; false (and nothing added) when `ip` is not an address. */
  addAddress(name: string, ip: string): boolean {
    const family = isIP(ip);
    if (family === 0) return false;
    if (family === 4) this.add({ name, ttl: this.ttl, class: 'IN', type: 'A', address: ip });
    else this.add({ name, ttl: this.ttl, class: 'IN', type: 'AAAA', address: ip.toLowerCase() });
    return true;
  }

  /**
   * Makes the name exist, and, inside the cluster zone, every name between it and the apex
   * (empty non-terminals such as `default.svc.cluster.local` answer NODATA, RFC 8020).
   */
  ensure(name: string): void {
    if (this.names.has(name)) return;
    this.names.add(name);
    const suffix = '.' + this.zone;
    if (!name.endsWith(suffix)) return;
    for (let i = name.indexOf('.'); i >= 0 && i < name.length - suffix.length; i = name.indexOf('.', i + 1)) this.names.add(name.slice(i + 1));
  }

  done(): Contribution {
    return { records: withSrvWeights(this.records), names: [...this.names] };
  }
}

/**
 * CoreDNS's SRV weights (plugin/backend_lookup.go): the records of one name share a weight of
 * 100, each floor(100 / n), so a client choosing by weight spreads evenly; a lone record keeps 100.
 */
function withSrvWeights(records: RR[]): RR[] {
  const count = new Map<string, number>();
  for (const rr of records) if (rr.type === 'SRV') count.set(rr.name, (count.get(rr.name) ?? 0) + 1);
  return records.map((rr) => (rr.type === 'SRV' && count.get(rr.name)! > 1 ? srvRecord(rr.name, rr.ttl, rr.port, rr.target, Math.floor(100 / count.get(rr.name)!)) : rr));
}

/**
 * An SRV record, always built as this one literal: records built by spreading a template each got
 * their own hidden class in V8 (tens of thousands of them, megabytes, for 10,000 Services).
 */
function srvRecord(name: string, ttl: number, port: number, target: string, weight = 100): RR {
  return { name, ttl, class: 'IN', type: 'SRV', priority: 0, weight, port, target };
}

/** The zone's own records: the apex (its SOA is the index's), NS, the nameserver's address, the
 *  schema version, and `<ns>.svc.<zone>` and `<ns>.pod.<zone>` for every known namespace. */
export function zoneRecords(zone: string, ttl: number, namespaces: readonly string[], nameserverIP: string | undefined): Contribution {
  const c = new Collector(zone, ttl);
  c.ensure(zone);
  const nsName = `ns.dns.${zone}`;
  c.add({ name: zone, ttl, class: 'IN', type: 'NS', target: nsName });
  if (nameserverIP) c.addAddress(nsName, nameserverIP);
  c.add({ name: `dns-version.${zone}`, ttl: SCHEMA_TTL, class: 'IN', type: 'TXT', text: [DNS_SCHEMA_VERSION] });
  for (const ns of namespaces) {
    c.ensure(`${ns.toLowerCase()}.svc.${zone}`);
    c.ensure(`${ns.toLowerCase()}.pod.${zone}`);
  }
  return c.done();
}

/** One Service's records, from the Service and its EndpointSlices. */
export function serviceRecords(svc: Service, slices: readonly EndpointSlice[], zone: string, ttl: number): Contribution {
  const c = new Collector(zone, ttl);
  const ns = svc.metadata.namespace ?? 'default';
  const base = `${svc.metadata.name}.${ns}.svc.${zone}`.toLowerCase();
  const spec = svc.spec ?? {};
  c.ensure(`${ns}.pod.${zone}`.toLowerCase()); // its namespace is known, for pod records

  if (spec.type === 'ExternalName') {
    if (spec.externalName) c.add({ name: base, ttl, class: 'IN', type: 'CNAME', target: normalizeName(spec.externalName) });
    else c.ensure(`${ns}.svc.${zone}`.toLowerCase());
    return c.done();
  }

  const ips = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  if (ips[0] !== 'None') {
    // ClusterIP service (or one whose IP is not allocated yet: the name exists, with no address).
    c.ensure(base);
    for (const ip of ips) {
      if (!c.addAddress(base, ip)) continue;
      c.add({ name: reverseName(ip), ttl, class: 'IN', type: 'PTR', target: base });
    }
    for (const p of spec.ports ?? []) {
      c.add(srvRecord(base, ttl, p.port, base));
      if (p.name) c.add(srvRecord(`_${p.name}._${p.protocol ?? 'TCP'}.${base}`.toLowerCase(), ttl, p.port, base));
    }
    return c.done();
  }

  // Headless: the service name answers with every ready endpoint; each endpoint also gets its
  // own name. No ready endpoint: the name does not exist (NXDOMAIN, spec 2.4.1), its namespace does.
  c.ensure(`${ns}.svc.${zone}`.toLowerCase());
  const publishNotReady = spec.publishNotReadyAddresses === true || svc.metadata.annotations?.[TOLERATE_UNREADY] === 'true';
  for (const slice of slices) {
    for (const ep of slice.endpoints) {
      if (!publishNotReady && !endpointReady(ep)) continue;
      for (const ip of ep.addresses) {
        const host = `${endpointHostname(ep, ip)}.${base}`;
        if (!c.addAddress(base, ip)) continue;
        c.addAddress(host, ip);
        c.add({ name: reverseName(ip), ttl, class: 'IN', type: 'PTR', target: host });
        for (const p of slice.ports ?? []) {
          if (p.port === undefined) continue; // "all ports" slices (no port) give no SRV
          c.add(srvRecord(base, ttl, p.port, host));
          if (p.name) c.add(srvRecord(`_${p.name}._${p.protocol ?? 'TCP'}.${base}`.toLowerCase(), ttl, p.port, host));
        }
      }
    }
  }
  return c.done();
}

// ---- helpers (exported where a test or the server wants them) ----

/** `10.96.0.12` -> `12.0.96.10.in-addr.arpa`; IPv6 -> nibbles under ip6.arpa. */
export function reverseName(ip: string): string {
  if (isIP(ip) === 4) return `${ip.split('.').reverse().join('.')}.${REVERSE_V4}`;
  return `${expandIPv6(ip).split('').reverse().join('.')}.${REVERSE_V6}`;
}

/** The 32 hex digits of an IPv6 address. */
function expandIPv6(ip: string): string {
  let groups: string[];
  const [head, tail] = ip.toLowerCase().split('::');
  if (tail === undefined) groups = head.split(':');
  else {
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  }
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  const last = groups[groups.length - 1];
  if (last.includes('.')) {
    const [a, b, c, d] = last.split('.').map(Number);
    groups.splice(groups.length - 1, 1, ((a << 8) | b).toString(16), ((c << 8) | d).toString(16));
  }
  return groups.map((g) => g.padStart(4, '0')).join('');
}

function isReverseName(name: string): boolean {
  return name.endsWith('.' + REVERSE_V4) || name.endsWith('.' + REVERSE_V6);
}

/** The spec's _hostname_: the endpoint's hostname, else a name made from its IP (as CoreDNS). */
function endpointHostname(ep: SliceEndpoint, ip: string): string {
  if (ep.hostname) return ep.hostname.toLowerCase();
  return ip.toLowerCase().replace(/[.:]/g, '-');
}

/** discovery/v1: a nil `ready` is an unknown state, which consumers should take as ready. */
function endpointReady(ep: SliceEndpoint): boolean {
  return ep.conditions?.ready !== false;
}

export function kubeDnsIP(services: readonly Service[]): string | undefined {
  const svc = services.find((s) => s.metadata.name === 'kube-dns' && s.metadata.namespace === 'kube-system');
  const ip = svc?.spec?.clusterIP;
  return ip && isIP(ip) ? ip : undefined;
}

function serialOf(services: readonly Service[], slices: readonly EndpointSlice[]): number {
  let max = 1;
  for (const o of [...services, ...slices]) {
    const rv = Number(o.metadata.resourceVersion);
    if (Number.isSafeInteger(rv) && rv > max) max = rv;
  }
  return max >>> 0;
}

function validName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  for (const label of name.split('.')) if (label.length === 0 || label.length > 63) return false;
  return true;
}

// ---- zone-file text (what tests compare, and what `dig` prints) ----

function recordText(rr: RR): string {
  const head = `${rr.name}. ${rr.ttl} ${rr.class} ${rr.type}`;
  switch (rr.type) {
    case 'A':
    case 'AAAA':
      return `${head} ${rr.address}`;
    case 'CNAME':
    case 'PTR':
    case 'NS':
      return `${head} ${rr.target}.`;
    case 'SRV':
      return `${head} ${rr.priority} ${rr.weight} ${rr.port} ${rr.target}.`;
    case 'TXT':
      return `${head} ${rr.text.map((t) => JSON.stringify(t)).join(' ')}`;
    case 'SOA':
      return `${head} ${rr.mname}. ${rr.rname}. ${rr.serial} ${rr.refresh} ${rr.retry} ${rr.expire} ${rr.minimum}`;
  }
}

/** Records as zone-file lines, one per record: `web.default.svc.cluster.local. 5 IN A 10.96.0.12`. */
export function toZoneText(rrs: readonly RR[]): string {
  return rrs.map(recordText).join('\n');
}
