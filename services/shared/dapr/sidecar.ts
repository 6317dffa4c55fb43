// The module object, not named imports: OpenTelemetry's HTTP instrumentation patches
// `http.request` on it, which is how the trace context reaches the sidecar.
import http from "node:http";
import { ConcurrencyError, DependencyError, InvocationError, type RemoteProblem } from "../errors.js";

export interface SidecarOptions {
  readonly httpPort: number;
  readonly apiToken?: string | undefined;
}

/** One write in a transaction. With `etag` it succeeds only if the key is unchanged since read. */
export interface Write {
  readonly key: string;
  readonly value: unknown;
  readonly etag?: string | undefined;
  readonly metadata?: Record<string, string>;
  /**
   * Set to application/json when an outbox publishes this value: the outbox reads it from here.
   * Not as `metadata.contentType`, which makes Redis use RedisJSON commands inside transactions.
   */
  readonly contentType?: "application/json";
  /**
   * Write unconditionally (last-write-wins). Otherwise first-write: with an ETag the key must be
   * unchanged, without one some stores (PostgreSQL) insert only if the key is absent.
   */
  readonly overwrite?: boolean;
}

export interface Versioned<T> {
  readonly value: T;
  readonly etag: string;
}

export const HttpMethod = { GET: "GET", POST: "POST", PUT: "PUT", DELETE: "DELETE" } as const;
export type HttpMethod = (typeof HttpMethod)[keyof typeof HttpMethod];

/** A non-2xx answer of the sidecar (or, through invocation, of the app behind it). */
export class SidecarError extends DependencyError {
  override name = "SidecarError";
  constructor(
    readonly status: number,
    readonly body: string,
    readonly headers: Readonly<Record<string, string | string[] | undefined>>,
    what: string,
  ) {
    super(`${what} answered ${status}: ${body.slice(0, 500)}`);
  }
}

/** Some keys of a bulk read could not be read: unknown, which is not absent. */
export class StateReadError extends DependencyError {
  override name = "StateReadError";
  constructor(store: string, failures: readonly string[]) {
    super(`reading ${failures.length} key(s) of ${store} failed: ${failures.slice(0, 3).join("; ").slice(0, 500)}`);
  }
}

/** State stores word an ETag conflict differently; Dapr passes their message through. */
function isConflict(err: unknown): boolean {
  return err instanceof SidecarError && /etag|failed to set key|version conflict|possible etag mismatch/i.test(err.body);
}

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The Dapr HTTP API, spoken directly: typed state reads with ETags, transactions, publishing and
 * service invocation whose errors keep their HTTP meaning.
 *
 * Not the Dapr JS SDK: the SDK loads its gRPC and protobuf stack into every service (about 35 MB
 * of resident memory each) although the services use six HTTP calls, and it turns errors into
 * strings. Requests share keep-alive sockets to the sidecar.
 */
export class Sidecar {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 128, keepAliveMsecs: 30_000 });
  private readonly baseHeaders: Record<string, string>;

  constructor(private readonly opts: SidecarOptions) {
    this.baseHeaders = opts.apiToken ? { "dapr-api-token": opts.apiToken } : {};
  }

  /** True when daprd answers and its components are loaded. */
  async ready(): Promise<boolean> {
    const answer = await this.call("GET", "/v1.0/healthz/outbound", undefined, {}, 1000).catch(() => undefined);
    return answer !== undefined && answer.status < 300;
  }

  /**
   * True when another app answers its readiness probe through Dapr invocation: its sidecar and
   * the app behind it are up, and this sidecar can reach them (name resolution, mTLS, policy).
   */
  async canReach(appId: string): Promise<boolean> {
    const answer = await this.call("GET", `/v1.0/invoke/${enc(appId)}/method/readyz`, undefined, {}, 1000).catch(() => undefined);
    return answer !== undefined && answer.status < 300;
  }

  /** Reads one key with its ETag; undefined when absent. */
  async get<T>(store: string, key: string): Promise<Versioned<T> | undefined> {
    return (await this.getMany<T>(store, [key])).get(key);
  }

  /**
   * Reads several keys in one call; absent keys are missing from the map.
   *
   * Dapr answers a bulk read 200 even when single keys failed (a store that restarts mid-read),
   * marking each with `error` and no data. Such a key is not absent, and taking it for absent
   * makes the caller's next write start from nothing: every read-then-write in the services
   * goes through here, so a failed key fails the whole read.
   */
  async getMany<T>(store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
    const found = new Map<string, Versioned<T>>();
    if (keys.length === 0) return found;
    const items = await this.json<{ key: string; data?: T; etag?: string; error?: string }[]>(
      "POST",
      `/v1.0/state/${enc(store)}/bulk`,
      { keys, parallelism: 16 },
      `reading ${keys.length} key(s) of ${store}`,
    );
    const failed = items.filter((item) => item.error);
    if (failed.length > 0)
      throw new StateReadError(
        store,
        failed.map((item) => `${item.key}: ${item.error ?? ""}`),
      );
    for (const item of items) {
      if (item.data === undefined || item.data === null || (item.data as unknown) === "" || !item.etag) continue;
      found.set(item.key, { value: item.data, etag: item.etag });
    }
    return found;
  }

  /**
   * Upserts keys in one state transaction, by default with first-write concurrency: a write that
   * carries an ETag fails if another writer got there first.
   */
  async write(store: string, writes: readonly Write[]): Promise<void> {
    const operations = writes.map((w) => ({
      operation: "upsert",
      request: {
        key: w.key,
        value: w.value,
        ...(w.etag ? { etag: w.etag } : {}),
        ...(w.metadata ? { metadata: w.metadata } : {}),
        ...(w.contentType ? { contentType: w.contentType } : {}),
        options: { concurrency: w.overwrite ? "last-write" : "first-write", consistency: "strong" },
      },
    }));
    await this.expectOk("POST", `/v1.0/state/${enc(store)}/transaction`, { operations }, `a transaction on ${store}`).catch(
      (err: unknown) => {
        throw isConflict(err) ? new ConcurrencyError(`state changed concurrently in ${store}`) : err;
      },
    );
  }

  /**
   * Writes a key that must not exist yet, atomically on every store: outside a transaction, with
   * first-write concurrency and no ETag. PostgreSQL and MySQL then insert only; Redis writes an
   * absent key and marks it first-write in the same script, so a second create fails. A key that
   * exists is a ConcurrencyError (read it and write with its ETag). Never inside a transaction:
   * Redis's transaction script ignores first-write and writes over a key that appeared since it
   * was read. A key made here takes only writes with its ETag from then on (on Redis, a write
   * without one fails), and is never announced: for stores without an outbox.
   */
  create(store: string, key: string, value: unknown): Promise<void> {
    return this.saveUnpublished(store, key, value);
  }

  /**
   * Saves one key outside any transaction: a store's outbox publishes only what transactions
   * write, so this changes state without announcing it (restoring history that happened before).
   */
  async saveUnpublished(store: string, key: string, value: unknown, etag?: string): Promise<void> {
    const item = { key, value, ...(etag ? { etag } : {}), options: { concurrency: "first-write", consistency: "strong" } };
    await this.expectOk("POST", `/v1.0/state/${enc(store)}`, [item], `saving ${key} in ${store}`).catch((err: unknown) => {
      throw isConflict(err) ? new ConcurrencyError(`state changed concurrently in ${store}`) : err;
    });
  }

  /**
   * Dapr's distributed lock (alpha API): true when `owner` now holds `resource` for
   * `expirySeconds`, false when another owner holds it.
   */
  async tryLock(store: string, resource: string, owner: string, expirySeconds: number): Promise<boolean> {
    const body = { resourceId: resource, lockOwner: owner, expiryInSeconds: expirySeconds };
    const answer = await this.json<{ success?: boolean }>(
      "POST",
      `/v1.0-alpha1/lock/${enc(store)}`,
      body,
      `locking ${resource} in ${store}`,
    );
    return answer.success === true;
  }

  /** Releases a lock `owner` holds; one that expired (or was never held) is no error. */
  async unlock(store: string, resource: string, owner: string): Promise<void> {
    await this.json(
      "POST",
      `/v1.0-alpha1/unlock/${enc(store)}`,
      { resourceId: resource, lockOwner: owner },
      `unlocking ${resource} in ${store}`,
    );
  }

  /** Publishes one message; `contentType` application/cloudevents+json sends a CloudEvent as is. */
  async publish(pubsub: string, topic: string, data: unknown, contentType = "application/json"): Promise<void> {
    await this.expectOk("POST", `/v1.0/publish/${enc(pubsub)}/${enc(topic)}`, data, `publishing to ${pubsub}/${topic}`, {
      "content-type": contentType,
    });
  }

  /**
   * Calls another app through Dapr service invocation. A 4xx answer from the target is re-raised
   * with its status and detail so it reaches the client unchanged; anything else means the
   * target could not do the work, which the caller sees as 503.
   */
  async invoke<T>(appId: string, method: string, httpMethod: HttpMethod, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    let answer: Answer;
    try {
      answer = await this.call(httpMethod, `/v1.0/invoke/${enc(appId)}/method/${method}`, body, headers);
    } catch {
      throw new InvocationError(appId, undefined, undefined, undefined, `${appId} is not reachable through Dapr (sidecar unreachable)`);
    }
    if (answer.status < 300) return parseBody(answer) as T;
    const problem = parseProblem(answer.body);
    throw new InvocationError(
      appId,
      answer.status,
      problem,
      header(answer, "retry-after"),
      problem
        ? `${appId} answered ${answer.status}: ${problem.detail}`
        : `${appId} is not reachable through Dapr (status ${answer.status})`,
    );
  }

  private async json<T>(method: HttpMethod, path: string, body: unknown, what: string): Promise<T> {
    const answer = await this.call(method, path, body);
    if (answer.status >= 300) throw new SidecarError(answer.status, answer.body, answer.headers, what);
    return parseBody(answer) as T;
  }

  private async expectOk(
    method: HttpMethod,
    path: string,
    body: unknown,
    what: string,
    headers: Record<string, string> = {},
  ): Promise<void> {
    const answer = await this.call(method, path, body, headers);
    if (answer.status >= 300) throw new SidecarError(answer.status, answer.body, answer.headers, what);
  }

  private call(method: string, path: string, body: unknown, headers: Record<string, string> = {}, timeoutMs = 60_000): Promise<Answer> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: this.opts.httpPort,
          method,
          path,
          agent: this.agent,
          timeout: timeoutMs,
          headers: {
            ...this.baseHeaders,
            ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), headers: res.headers }));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} ${path} timed out after ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
}

const enc = encodeURIComponent;

function header(answer: Answer, name: string): string | undefined {
  const v = answer.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseBody(answer: Answer): unknown {
  if (answer.body === "") return undefined;
  try {
    return JSON.parse(answer.body);
  } catch {
    return answer.body;
  }
}

function parseProblem(body: string): RemoteProblem | undefined {
  try {
    const { type, title, status: _status, detail, instance: _instance, ...extensions } = JSON.parse(body) as Record<string, unknown>;
    if (typeof title === "string" && typeof detail === "string")
      return { ...(typeof type === "string" ? { type } : {}), title, detail, extensions };
  } catch {
    // not a problem document
  }
  return undefined;
}
