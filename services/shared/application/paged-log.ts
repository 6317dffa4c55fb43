import type { KeyValueStore, Versioned, Write } from "./key-value-store.js";

/**
 * The one key of a log that changes, as stored: how many full pages precede it, and the open
 * page's entries under the log's field name. `pages` is absent in heads written before logs were
 * paged; those are all open page.
 */
type Head<T> = { readonly pages?: number } & Readonly<Record<string, readonly T[] | number | undefined>>;

/** A sealed page, as stored: its entries under the log's field name. */
type Page<T> = Readonly<Record<string, readonly T[]>>;

/** Keys per bulk read: one request stays of a size the sidecar handles comfortably. */
const readChunk = 500;

/**
 * An append-only list under keys of bounded size. A page that fills up is sealed under a key of its
 * own and never written again; only the head, which carries the open page, is rewritten on append.
 * An append therefore costs at most a page of bytes however long the log grows, and a whole log is
 * read with the head and one bulk read of its pages.
 */
export class PagedLog<T> {
  constructor(
    private readonly name: string,
    readonly pageSize: number,
    /** The field a head and a page keep their entries under (`events` in the lake, `orderIds` in the catalogue). */
    private readonly field = "events",
  ) {}

  headKey(id: string): string {
    return `${this.name}-${id}`;
  }

  /** `<name>page-` is a prefix no head key has, so no id's page can be another id's head. */
  pageKey(id: string, page: number): string {
    return `${this.name}page-${page}-${id}`;
  }

  /** The entries of the open page of a head as read (none: a new log). */
  openPage(head: Versioned<unknown> | undefined): readonly T[] {
    return ((head?.value as Head<T> | undefined)?.[this.field] as readonly T[] | undefined) ?? [];
  }

  /** How many sealed pages precede a head as read. */
  sealedPages(head: Versioned<unknown> | undefined): number {
    return (head?.value as Head<T> | undefined)?.pages ?? 0;
  }

  /**
   * The writes that append `added` to the log `id`, whose head was read as `head` (none: a new
   * log). The head is written with its ETag; a new head has none, which a transaction on Redis
   * takes as "write over": a writer that may race another to a log's first entry creates the head
   * with `initialHead` outside a transaction instead.
   */
  append(id: string, head: Versioned<unknown> | undefined, added: readonly T[]): Write[] {
    let pages = this.sealedPages(head);
    let open = [...this.openPage(head), ...added];
    const writes: Write[] = [];
    while (open.length > this.pageSize) {
      // No ETag: a page is only ever created, and it is sealed together with its head, whose ETag
      // makes the transaction fail if another writer sealed it first.
      writes.push({ key: this.pageKey(id, pages), value: { [this.field]: open.slice(0, this.pageSize) } satisfies Page<T> });
      pages++;
      open = open.slice(this.pageSize);
    }
    writes.push({ key: this.headKey(id), value: this.headValue(pages, open), etag: head?.etag });
    return writes;
  }

  /** A new log's head holding its first entries (at most a page of them). */
  initialHead(entries: readonly T[]): unknown {
    if (entries.length > this.pageSize) throw new Error(`a new head holds at most ${this.pageSize} entries, not ${entries.length}`);
    return this.headValue(0, entries);
  }

  private headValue(pages: number, open: readonly T[]): Head<T> {
    return { pages, [this.field]: open };
  }

  /** The entries of the logs `ids`, each log in the order it was appended to. */
  async read(kv: KeyValueStore, store: string, ids: readonly string[]): Promise<T[]> {
    const heads = await getChunked<unknown>(
      kv,
      store,
      ids.map((id) => this.headKey(id)),
    );
    const pageKeys = ids.flatMap((id) => {
      const sealed = this.sealedPages(heads.get(this.headKey(id)));
      return Array.from({ length: sealed }, (_, n) => this.pageKey(id, n));
    });
    const pages = await getChunked<Page<T>>(kv, store, pageKeys);
    return ids.flatMap((id) => {
      const head = heads.get(this.headKey(id));
      if (!head) return [];
      const sealed = Array.from({ length: this.sealedPages(head) }, (_, n) => {
        const page = pages.get(this.pageKey(id, n));
        // A head is only written together with the pages it counts: a gap means the store lost data.
        if (!page) throw new Error(`page ${this.pageKey(id, n)} of ${this.headKey(id)} is missing`);
        return page.value[this.field] ?? [];
      });
      return [...sealed, this.openPage(head)].flat();
    });
  }
}

async function getChunked<T>(kv: KeyValueStore, store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
  const found = new Map<string, Versioned<T>>();
  for (let i = 0; i < keys.length; i += readChunk)
    for (const [key, value] of await kv.getMany<T>(store, keys.slice(i, i + readChunk))) found.set(key, value);
  return found;
}
