#!/usr/bin/env node
// Writes src/apiserver/protobuf-schema.ts: the wire schema src/apiserver/protobuf.ts decodes
// kubectl's protobuf request bodies with.
//
//   node scripts/gen-protobuf-schema.mjs /path/to/kubectl-v1.32 > src/apiserver/protobuf-schema.ts
//
// Why from the kubectl binary and not from generated.proto: the binary is the exact schema kubectl
// encodes with, and it holds two facts the .proto text does not. Every k8s.io/api package
// registers its compiled FileDescriptorProto (gzipped) with gogo options kept: `nullable=false`
// tells a Go value field from a pointer, and a pointer that is present must reach JSON even when
// zero (`replicas: 0`), while a zero value field is sent on the wire anyway and Go's encoder drops
// it under omitempty. And Go keeps every struct's field names and tags for reflection, so the
// `json:"name,omitempty"` of each field is read from the struct it belongs to, not guessed from
// the proto comments. Field numbers and types are the descriptors' own.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import zlib from 'node:zlib';

const FILES = [
  'k8s.io/api/core/v1/generated.proto',
  'k8s.io/api/apps/v1/generated.proto',
  'k8s.io/api/batch/v1/generated.proto',
  'k8s.io/api/autoscaling/v1/generated.proto',
  'k8s.io/api/autoscaling/v2/generated.proto',
  'k8s.io/api/policy/v1/generated.proto',
  'k8s.io/api/storage/v1/generated.proto',
  'k8s.io/api/coordination/v1/generated.proto',
  'k8s.io/api/networking/v1/generated.proto',
  'k8s.io/api/authorization/v1/generated.proto',
  'k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto',
  'k8s.io/apimachinery/pkg/util/intstr/generated.proto',
  'k8s.io/apimachinery/pkg/api/resource/generated.proto',
  'k8s.io/apimachinery/pkg/runtime/generated.proto',
  'k8s.io/apimachinery/pkg/runtime/schema/generated.proto',
];

// The kinds k1s serves or will serve, and what clients send beside them. The table is the closure
// of these over message-typed fields, so a nested type is never missing.
const ROOTS = [
  ...['Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Secret', 'Event', 'ServiceAccount', 'ResourceQuota', 'PersistentVolume', 'PersistentVolumeClaim', 'ReplicationController'].map((k) => `core.v1.${k}`),
  ...['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ControllerRevision'].map((k) => `apps.v1.${k}`),
  ...['Job', 'CronJob'].map((k) => `batch.v1.${k}`),
  'autoscaling.v1.HorizontalPodAutoscaler',
  'autoscaling.v1.Scale',
  'autoscaling.v2.HorizontalPodAutoscaler',
  'policy.v1.PodDisruptionBudget',
  'policy.v1.Eviction',
  'storage.v1.StorageClass',
  'coordination.v1.Lease',
  'networking.v1.Ingress',
  'networking.v1.IngressClass',
  // `kubectl auth can-i` (whoami's SelfSubjectReview has an empty spec: its body is not read)
  'authorization.v1.SelfSubjectAccessReview',
  'authorization.v1.SelfSubjectRulesReview',
  ...['DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions', 'GetOptions', 'ListOptions', 'Status'].map((k) => `meta.v1.${k}`),
];

// Go types with their own MarshalJSON: their JSON is not their fields, protobuf.ts decodes them by
// hand. The value is the name protobuf.ts knows them by.
const SPECIAL = {
  'meta.v1.Time': 'time',
  'meta.v1.MicroTime': 'microtime',
  'meta.v1.Duration': 'duration',
  'meta.v1.FieldsV1': 'rawjson',
  'meta.v1.Verbs': 'stringlist',
  'intstr.IntOrString': 'intorstring',
  'resource.Quantity': 'quantity',
  'runtime.RawExtension': 'rawjson',
};

const PREFIXES = [
  ['k8s.io.apimachinery.pkg.apis.meta.v1.', 'meta.v1.'],
  ['k8s.io.apimachinery.pkg.util.intstr.', 'intstr.'],
  ['k8s.io.apimachinery.pkg.api.resource.', 'resource.'],
  ['k8s.io.apimachinery.pkg.runtime.schema.', 'schema.'],
  ['k8s.io.apimachinery.pkg.runtime.', 'runtime.'],
  ['k8s.io.api.', ''],
];
const short = (full) => {
  const n = full.replace(/^\./, '');
  for (const [p, s] of PREFIXES) if (n.startsWith(p)) return s + n.slice(p.length);
  throw new Error(`no short name for ${full}`);
};

// descriptor.proto FieldDescriptorProto.Type
const SCALAR = { 1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64' };

function* wire(buf) {
  let p = 0;
  const varint = () => {
    let r = 0n;
    for (let s = 0n; ; s += 7n) {
      const b = buf[p++];
      r |= BigInt(b & 0x7f) << s;
      if (b < 0x80) return r;
    }
  };
  while (p < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    switch (key & 7) {
      case 0: yield [no, Number(varint())]; break;
      case 2: { const n = Number(varint()); yield [no, buf.subarray(p, p + n)]; p += n; break; }
      case 1: yield [no, buf.subarray(p, p + 8)]; p += 8; break;
      case 5: yield [no, buf.subarray(p, p + 4)]; p += 4; break;
      default: throw new Error(`wire type ${key & 7}`);
    }
  }
}

// ---- descriptors ----

function parseMessage(buf, prefix, out) {
  const m = { fields: [], mapEntry: false };
  const nested = [];
  for (const [no, v] of wire(buf)) {
    if (no === 1) m.name = prefix + v.toString();
    else if (no === 2) m.fields.push(v);
    else if (no === 3) nested.push(v);
    else if (no === 7) for (const [o, ov] of wire(v)) if (o === 7) m.mapEntry = ov === 1;
  }
  m.fields = m.fields.map((f) => {
    const d = { nullable: true };
    for (const [no, v] of wire(f)) {
      if (no === 1) d.name = v.toString();
      else if (no === 3) d.number = v;
      else if (no === 4) d.label = v;
      else if (no === 5) d.type = v;
      else if (no === 6) d.typeName = v.toString();
      else if (no === 8) for (const [o, ov] of wire(v)) {
        if (o === 65001) d.nullable = ov !== 0;
        if (o === 65004) d.goName = ov.toString();
      }
    }
    d.goName ??= d.name[0].toUpperCase() + d.name.slice(1);
    return d;
  });
  out.set(m.name, m);
  for (const n of nested) parseMessage(n, m.name + '.', out);
}

function descriptors(bin) {
  const messages = new Map();
  const seen = new Set();
  const magic = Buffer.from([0x1f, 0x8b, 0x08]);
  for (let i = bin.indexOf(magic); i >= 0; i = bin.indexOf(magic, i + 1)) {
    let fd;
    try {
      fd = zlib.gunzipSync(bin.subarray(i, i + (1 << 20)), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    } catch {
      continue;
    }
    let name, pkg;
    const msgs = [];
    try {
      for (const [no, v] of wire(fd)) {
        if (no === 1) name = v.toString();
        else if (no === 2) pkg = v.toString();
        else if (no === 4) msgs.push(v);
      }
    } catch {
      continue;
    }
    if (!FILES.includes(name) || seen.has(name)) continue;
    seen.add(name);
    for (const m of msgs) parseMessage(m, '.' + pkg + '.', messages);
  }
  const missing = FILES.filter((f) => !seen.has(f));
  if (missing.length) throw new Error(`descriptors not found in the binary: ${missing.join(', ')}`);
  return messages;
}

// ---- Go struct tags (runtime type information) ----

/** Every struct type of the binary with a package path: `pkgPath.Name` -> fields in declaration order. */
function goStructs(bin) {
  const phoff = Number(bin.readBigUInt64LE(0x20));
  const loads = [];
  for (let k = 0; k < bin.readUInt16LE(0x38); k++) {
    const o = phoff + k * bin.readUInt16LE(0x36);
    if (bin.readUInt32LE(o) === 1) loads.push({ off: Number(bin.readBigUInt64LE(o + 8)), vaddr: Number(bin.readBigUInt64LE(o + 16)), size: Number(bin.readBigUInt64LE(o + 32)) });
  }
  const toAddr = (off) => { for (const l of loads) if (off >= l.off && off < l.off + l.size) return off - l.off + l.vaddr; return -1; };
  const toOff = (a) => { for (const l of loads) if (a >= l.vaddr && a < l.vaddr + l.size) return a - l.vaddr + l.off; return -1; };
  // Go's nameOff/typeOff are relative to the start of the type data, which its ELF linker puts at
  // the start of .rodata
  const shoff = Number(bin.readBigUInt64LE(0x28));
  const shentsize = bin.readUInt16LE(0x3a);
  const shstr = shoff + bin.readUInt16LE(0x3e) * shentsize;
  const strtab = Number(bin.readBigUInt64LE(shstr + 0x18));
  let typesBase = -1;
  for (let k = 0; k < bin.readUInt16LE(0x3c); k++) {
    const o = shoff + k * shentsize;
    const nameAt = strtab + bin.readUInt32LE(o);
    if (bin.toString('latin1', nameAt, nameAt + 8) === '.rodata\0') typesBase = Number(bin.readBigUInt64LE(o + 0x10));
  }
  if (typesBase < 0) throw new Error('no .rodata section');

  // abi.Name: flag byte (bit 1: has a tag), varint length, name, varint length, tag
  const readName = (addr) => {
    let p = toOff(addr);
    if (p < 0) return undefined;
    const flags = bin[p++];
    const varint = () => { let n = 0; for (let s = 0; ; s += 7) { const c = bin[p++]; n |= (c & 0x7f) << s; if (c < 0x80) return n; } };
    const len = varint();
    if (len > 512) return undefined;
    const name = bin.toString('latin1', p, (p += len));
    const tagLen = flags & 2 ? varint() : 0;
    if (tagLen > 4096) return undefined;
    return { name, tag: bin.toString('latin1', p, p + tagLen) };
  };

  // abi.Name entries carrying a json tag: the fields we care about
  const tagged = new Set();
  const pat = Buffer.from('json:"');
  for (let i = bin.indexOf(pat); i >= 0; i = bin.indexOf(pat, i + 1)) {
    for (let back = 3; back < 110; back++) {
      const n = readName(toAddr(i - back));
      if (n && n.tag.startsWith('json:"') && /^[A-Za-z_][A-Za-z0-9_]*$/.test(n.name) && toAddr(i - back) + 1 + (n.name.length < 128 ? 1 : 2) + n.name.length + (n.tag.length < 128 ? 1 : 2) === toAddr(i)) {
        tagged.add(toAddr(i - back));
        break;
      }
    }
  }
  // abi.StructField{Name, Typ *abi.Type, Offset uintptr}: 24-byte entries whose Name is tagged
  const fieldAt = new Set();
  for (const l of loads) {
    for (let p = l.off; p + 8 <= l.off + l.size; p += 8) if (tagged.has(Number(bin.readBigUInt64LE(p)))) fieldAt.add(toAddr(p));
  }
  // abi.StructType{Type (48 bytes), PkgPath, Fields []StructField}: find it by its Fields slice
  const structs = new Map();
  for (const l of loads) {
    for (let p = l.off; p + 24 <= l.off + l.size; p += 8) {
      const arr = Number(bin.readBigUInt64LE(p));
      if (!fieldAt.has(arr)) continue;
      const len = Number(bin.readBigUInt64LE(p + 8));
      if (len !== Number(bin.readBigUInt64LE(p + 16)) || len < 1 || len > 1000) continue;
      const t = p - 56;
      const tflag = bin[t + 20];
      if ((bin[t + 23] & 0x1f) !== GO_STRUCT || !(tflag & 1)) continue; // a named struct has an uncommon part
      let name = readName(typesBase + bin.readInt32LE(t + 40))?.name ?? '';
      if (tflag & 2) name = name.slice(1); // tflagExtraStar
      const pkg = readName(typesBase + bin.readInt32LE(t + 80))?.name ?? '';
      const fields = [];
      for (let k = 0, e = toOff(arr); k < len; k++, e += 24) {
        const n = readName(Number(bin.readBigUInt64LE(e)));
        const typ = toOff(Number(bin.readBigUInt64LE(e + 8)));
        fields.push({ goName: n.name, goKind: typ > 0 ? bin[typ + 23] & 0x1f : -1, ...parseTag(n.tag) });
      }
      structs.set(`${pkg}.${name.slice(name.indexOf('.') + 1)}`, fields);
    }
  }
  return structs;
}

function parseTag(tag) {
  const get = (k) => new RegExp(`(?:^| )${k}:"([^"]*)"`).exec(tag)?.[1];
  const [json, ...opts] = (get('json') ?? '').split(',');
  const pb = get('protobuf')?.split(',');
  return { json, omitempty: opts.includes('omitempty'), inline: opts.includes('inline'), pbNumber: pb ? Number(pb[1]) : undefined };
}

// Go reflect.Kind
const GO_PTR = 22;
const GO_STRUCT = 25;

/** `.k8s.io.api.apps.v1.DeploymentSpec` -> `k8s.io/api/apps/v1.DeploymentSpec` */
const goTypeOf = (full) => {
  const parts = full.replace(/^\./, '').split('.');
  return `${parts.slice(0, -1).join('/').replace(/^k8s\/io/, 'k8s.io')}.${parts[parts.length - 1]}`;
};

// ---- table ----

function build(bin) {
  const messages = descriptors(bin);
  const structs = goStructs(bin);
  const byShort = new Map([...messages].map(([k, v]) => [short(k), v]));
  const table = new Map();
  const problems = [];
  const queue = [...ROOTS];
  while (queue.length) {
    const name = queue.shift();
    if (table.has(name)) continue;
    if (SPECIAL[name]) { table.set(name, `@${SPECIAL[name]}`); continue; }
    const msg = byShort.get(name);
    if (!msg) { problems.push(`${name}: not in the descriptors`); continue; }
    const goFields = structs.get(goTypeOf(msg.name));
    if (!goFields) { problems.push(`${name}: no Go struct ${goTypeOf(msg.name)}`); continue; }
    const tokens = msg.fields.map((f) => {
      const g = goFields.find((x) => x.goName === f.goName);
      if (!g || g.pbNumber !== f.number) throw new Error(`${name}.${f.name}: Go field ${f.goName} is ${g ? `protobuf ${g.pbNumber}` : 'missing'}`);
      let type;
      let repeated = f.label === 3;
      if (f.type === 11) {
        const ref = byShort.get(short(f.typeName));
        if (ref?.mapEntry) {
          const [k, v] = ref.fields;
          const vt = v.type === 11 ? short(v.typeName) : SCALAR[v.type];
          if (v.type === 11) queue.push(vt);
          type = `map<${SCALAR[k.type]},${vt}>`;
          repeated = false;
        } else {
          type = short(f.typeName);
          queue.push(type);
        }
      } else {
        type = SCALAR[f.type];
      }
      if (!type) throw new Error(`${name}.${f.name}: type ${f.type}`);
      // a scalar's pointer-ness, two ways: the descriptor's gogo option and the Go field's kind
      const pointer = !repeated && !type.startsWith('map<') && f.nullable;
      if (!repeated && !type.startsWith('map<') && f.type !== 12 && pointer !== (g.goKind === GO_PTR)) {
        problems.push(`${name}.${f.name}: nullable=${f.nullable} but Go kind ${g.goKind}`);
      }
      // the proto name may differ from the JSON one in letter case only: go-to-protobuf lowered the
      // first letter of IngressClassParametersReference's APIGroup alone (`aPIGroup`); the JSON tag is the name
      if (!g.inline && g.json.toLowerCase() !== f.name.toLowerCase()) problems.push(`${name}.${f.name}: JSON name ${g.json}`);
      const flags = (repeated ? 'r' : '') + (pointer ? 'p' : '') + (g.omitempty ? '' : 'k') + (g.inline ? 'i' : '');
      return [f.number, g.inline ? '~' : g.json, type, flags].filter(Boolean).join(' ');
    });
    table.set(name, tokens.join('|'));
  }
  if (problems.length) throw new Error(`cannot build the table:\n  ${problems.join('\n  ')}`);
  return table;
}

const bin = process.argv[2];
if (!bin) {
  console.error('usage: node scripts/gen-protobuf-schema.mjs /path/to/kubectl-v1.32 > src/apiserver/protobuf-schema.ts');
  process.exit(2);
}
const buffer = fs.readFileSync(bin);
const version = JSON.parse(execFileSync(bin, ['version', '--client', '-o', 'json'], { encoding: 'utf8' })).clientVersion.gitVersion;
// Kubernetes v1.32 is k1s's spec: another minor may have fields v1.32 lacks, or lack some it has
if (!/^v1\.32\./.test(version)) console.error(`warning: ${bin} is kubectl ${version}, not v1.32`);
const table = build(buffer);
const names = [...table.keys()].sort();
process.stdout.write(`// Generated by scripts/gen-protobuf-schema.mjs from the descriptors and Go struct tags compiled into
// kubectl ${version}. Do not edit: run the script on a kubectl binary instead.
//
// One message a line, fields separated by |, each \`number jsonName type [flags]\`:
//   type   a scalar (string, bool, int32, int64, uint32, uint64, double, float, bytes, ...), a message
//          name, or map<key,value>; \`@kind\` instead of fields marks a type with its own JSON form
//   flags  r repeated; p a Go pointer (present on the wire means present in JSON, zero or not);
//          k no omitempty (a zero or absent value still reaches JSON); i inlined into the parent
//          (\`json:",inline"\`, jsonName ~)
export const SCHEMA_SOURCE = 'kubectl ${version}';

export const MESSAGES: Readonly<Record<string, string>> = {
${names.map((n) => `  '${n}': '${table.get(n)}',`).join('\n')}
};
`);
