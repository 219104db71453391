// The persistent object store: SQLite (better-sqlite3) used as a log, the way k3s's kine uses it.
// Every write is a new row in `log` with the next revision; `kv` holds the newest value of each
// live key for fast reads; watch = "log rows after revision N" followed by live fan-out.
// An update that changes nothing writes nothing: a home server's flash card must not wear out
// while the cluster idles.
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { canonicalJSON } from './canonical.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  key: string;
  revision: number;
  /** the object as stored (for DELETED: its last state, stamped with the deletion revision) */
  value: StoredValue;
}

export type StoredValue = { metadata: { resourceVersion?: string; [field: string]: unknown } } & Record<string, unknown>;

export type StoreErrorCode = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Gone';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}

type Listener = (ev: StoreEvent) => void;

export interface StoreOptions {
  /** log rows kept for watchers that resume from an old resourceVersion */
  keepRevisions?: number;
  onListenerError?: (e: unknown) => void;
}

export class Store {
  private readonly db: Database.Database;
  private readonly listeners = new Set<{ prefix: string; fn: Listener }>();
  private readonly keepRevisions: number;
  private readonly onListenerError: (e: unknown) => void;
  private rev: number;
  private compacted: number;
  /** events of the open transaction, delivered once it commits */
  private pending: StoreEvent[] = [];
  private depth = 0;
  private deliveries: StoreEvent[] = [];
  private delivering = false;

  constructor(path: string, opts: StoreOptions = {}) {
    this.keepRevisions = opts.keepRevisions ?? 1000;
    this.onListenerError = opts.onListenerError ?? ((e) => console.error('k1s store: a watcher failed:', e));
    // Secrets live here: the file (and the -wal/-shm files SQLite gives the same mode) is 0600.
    closeSync(openSync(path, 'a', 0o600));
    this.db = new Database(path);
    // WAL: readers never block the writer, and a crash loses at most the last transaction.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS log (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, rev INTEGER NOT NULL, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
    `);
    const row = this.db.prepare('SELECT MAX(rev) AS rev FROM log').get() as { rev: number | null };
    const meta = this.db.prepare("SELECT value FROM meta WHERE name = 'compacted'").get() as { value: number } | undefined;
    this.compacted = meta?.value ?? 0;
    this.rev = Math.max(row.rev ?? 0, this.compacted);
  }

  get revision(): number {
    return this.rev;
  }

  close(): void {
    this.listeners.clear();
    this.db.close();
  }

  get(key: string): StoredValue | undefined {
    const row = this.db.prepare('SELECT value FROM kv WHERE key = ?').get(key) as { value: string } | undefined;
    return row ? JSON.parse(row.value) : undefined;
  }

  /** Every live object whose key starts with prefix, in key order, and the revision it was read at. */
  list(prefix: string): { items: StoredValue[]; revision: number } {
    const rows = this.db
      .prepare('SELECT value FROM kv WHERE key >= ? AND key < ? ORDER BY key')
      .all(prefix, prefixEnd(prefix)) as { value: string }[];
    return { items: rows.map((r) => JSON.parse(r.value)), revision: this.rev };
  }

  create(key: string, value: StoredValue): StoredValue {
    return this.txn(() => {
      if (this.get(key)) throw new StoreError('AlreadyExists', `${key} already exists`);
      return this.write(key, 'ADDED', value);
    });
  }

  /**
   * Replaces the value at key. With expectedRevision, fails with Conflict unless the stored
   * object is still at that revision (optimistic concurrency). A value equal to the stored one
   * is returned as stored, with no write and no event.
   */
  update(key: string, value: StoredValue, expectedRevision?: string): StoredValue {
    return this.txn(() => {
      const current = this.get(key);
      if (!current) throw new StoreError('NotFound', `${key} not found`);
      if (expectedRevision && expectedRevision !== current.metadata.resourceVersion) {
        throw new StoreError('Conflict', `${key} was modified (have ${current.metadata.resourceVersion}, got ${expectedRevision})`);
      }
      if (sameContent(current, value)) return current;
      return this.write(key, 'MODIFIED', value);
    });
  }

  delete(key: string, expectedRevision?: string): StoredValue {
    return this.txn(() => {
      const current = this.get(key);
      if (!current) throw new StoreError('NotFound', `${key} not found`);
      if (expectedRevision && expectedRevision !== current.metadata.resourceVersion) {
        throw new StoreError('Conflict', `${key} was modified`);
      }
      return this.write(key, 'DELETED', current);
    });
  }

  /**
   * Calls fn for every event on keys under prefix after fromRevision (replayed from the log),
   * then for every new one. better-sqlite3 is synchronous, so no write can slip in between the
   * replay and the subscription. Throws Gone when fromRevision is older than what the log keeps.
   */
  watch(prefix: string, fromRevision: number, fn: Listener): () => void {
    if (fromRevision < this.compacted) {
      throw new StoreError('Gone', `too old resource version: ${fromRevision} (${this.compacted})`);
    }
    const rows = this.db
      .prepare('SELECT rev, key, type, value FROM log WHERE rev > ? AND key >= ? AND key < ? ORDER BY rev')
      .all(fromRevision, prefix, prefixEnd(prefix)) as { rev: number; key: string; type: EventType; value: string }[];
    for (const r of rows) fn({ type: r.type, key: r.key, revision: r.rev, value: JSON.parse(r.value) });
    const entry = { prefix, fn };
    this.listeners.add(entry);
    return () => this.listeners.delete(entry);
  }

  /** Drops log rows that no watcher may resume from any more. */
  compact(): void {
    const upTo = this.rev - this.keepRevisions;
    if (upTo <= this.compacted) return;
    this.txn(() => {
      this.db.prepare('DELETE FROM log WHERE rev <= ?').run(upTo);
      this.db.prepare("INSERT INTO meta (name, value) VALUES ('compacted', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value").run(upTo);
    });
    this.compacted = upTo;
  }

  private write(key: string, type: EventType, value: StoredValue): StoredValue {
    const revision = this.rev + 1;
    const stamped = { ...value, metadata: { ...value.metadata, resourceVersion: String(revision) } } as StoredValue;
    const text = JSON.stringify(stamped);
    this.db.prepare('INSERT INTO log (rev, key, type, value) VALUES (?, ?, ?, ?)').run(revision, key, type, text);
    if (type === 'DELETED') this.db.prepare('DELETE FROM kv WHERE key = ?').run(key);
    else this.db.prepare('INSERT INTO kv (key, rev, value) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, value = excluded.value').run(key, revision, text);
    this.rev = revision;
    this.pending.push({ type, key, revision, value: stamped });
    return stamped;
  }

  /** Runs fn in one SQLite transaction; events are delivered only after it commits. */
  private txn<T>(fn: () => T): T {
    this.depth++;
    let result: T;
    try {
      result = this.depth === 1 ? this.db.transaction(fn)() : fn();
    } catch (e) {
      if (this.depth === 1) {
        this.pending = [];
        // the transaction rolled back: forget the revisions it took
        const row = this.db.prepare('SELECT MAX(rev) AS rev FROM log').get() as { rev: number | null };
        this.rev = Math.max(row.rev ?? 0, this.compacted);
      }
      throw e;
    } finally {
      this.depth--;
    }
    if (this.depth === 0) {
      const events = this.pending;
      this.pending = [];
      for (const ev of events) this.dispatch(ev);
      if (events.length && this.rev % 100 === 0) this.compact();
    }
    return result;
  }

  /**
   * Delivers in revision order even when a listener writes while being called: such a write's
   * events wait in the queue until the current one has reached every listener.
   */
  private dispatch(ev: StoreEvent): void {
    this.deliveries.push(ev);
    if (this.delivering) return;
    this.delivering = true;
    try {
      for (let next = this.deliveries.shift(); next; next = this.deliveries.shift()) {
        for (const l of [...this.listeners]) {
          if (!next.key.startsWith(l.prefix)) continue;
          try {
            l.fn(next);
          } catch (e) {
            this.onListenerError(e); // one broken watcher must not starve the others
          }
        }
      }
    } finally {
      this.delivering = false;
    }
  }
}

/** The smallest string greater than every string starting with prefix. */
function prefixEnd(prefix: string): string {
  return prefix + '\uffff';
}

function sameContent(a: StoredValue, b: StoredValue): boolean {
  const strip = (v: StoredValue) => ({ ...v, metadata: { ...v.metadata, resourceVersion: undefined } });
  return canonicalJSON(strip(a)) === canonicalJSON(strip(b));
}
