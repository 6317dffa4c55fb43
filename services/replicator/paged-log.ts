import type { KeyValueStore, Versioned, Write } from "./key-value-store.js";

/**
 * The one key of a log that changes: how many full pages precede it, and the open page.
 * `pages` is absent in heads written before logs were paged; those are all open page.
 */
export interface LogHead<T> {
  readonly pages?: number;
  readonly events: readonly T[];
}

interface Page<T> {
  readonly events: readonly T[];
}

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
  ) {}

  headKey(id: string): string {
    return `${this.name}-${id}`;
  }

  /** `<name>page-` is a prefix no head key has, so no id's page can be another id's head. */
  pageKey(id: string, page: number): string {
    return `${this.name}page-${page}-${id}`;
  }

  /** The writes that append `added` to the log `id`, whose head was read as `head` (none: a new log). */
  append(id: string, head: Versioned<LogHead<T>> | undefined, added: readonly T[]): Write[] {
    let pages = head?.value.pages ?? 0;
    let open = [...(head?.value.events ?? []), ...added];
    const writes: Write[] = [];
    while (open.length > this.pageSize) {
      // No ETag: a page is only ever created, so if another writer sealed it first, that is a conflict.
      writes.push({ key: this.pageKey(id, pages), value: { events: open.slice(0, this.pageSize) } satisfies Page<T> });
      pages++;
      open = open.slice(this.pageSize);
    }
    writes.push({ key: this.headKey(id), value: { pages, events: open } satisfies LogHead<T>, etag: head?.etag });
    return writes;
  }

  /** The entries of the logs `ids`, each log in the order it was appended to. */
  async read(kv: KeyValueStore, store: string, ids: readonly string[]): Promise<T[]> {
    const heads = await getChunked<LogHead<T>>(
      kv,
      store,
      ids.map((id) => this.headKey(id)),
    );
    const pageKeys = ids.flatMap((id) => {
      const sealed = heads.get(this.headKey(id))?.value.pages ?? 0;
      return Array.from({ length: sealed }, (_, n) => this.pageKey(id, n));
    });
    const pages = await getChunked<Page<T>>(kv, store, pageKeys);
    return ids.flatMap((id) => {
      const head = heads.get(this.headKey(id))?.value;
      if (!head) return [];
      const sealed = Array.from({ length: head.pages ?? 0 }, (_, n) => {
        const page = pages.get(this.pageKey(id, n));
        // A head is only written together with the pages it counts: a gap means the store lost data.
        if (!page) throw new Error(`page ${this.pageKey(id, n)} of ${this.headKey(id)} is missing`);
        return page.value.events;
      });
      return [...sealed, head.events].flat();
    });
  }
}

async function getChunked<T>(kv: KeyValueStore, store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
  const found = new Map<string, Versioned<T>>();
  for (let i = 0; i < keys.length; i += readChunk)
    for (const [key, value] of await kv.getMany<T>(store, keys.slice(i, i + readChunk))) found.set(key, value);
  return found;
}
