import { CommunicationProtocolEnum, DaprClient, HttpMethod, LogLevel, StateConcurrencyEnum, StateConsistencyEnum } from "@dapr/dapr";
import type { IEtag } from "@dapr/dapr/types/Etag.type.js";
import { HttpProblem, unavailable } from "../http/problem.js";

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

/** Another writer changed what we read before our write (an ETag conflict). */
export class ConcurrencyError extends Error {
  override name = "ConcurrencyError";
}

/** State stores word an ETag conflict differently; Dapr passes their message through. */
function isConflict(message: string): boolean {
  return /etag|failed to set key|version conflict|possible etag mismatch/i.test(message);
}

/** What a failed call through the SDK carries: it throws `Error(JSON.stringify({status, error_msg}))`. */
interface SdkFailure {
  readonly status: number;
  readonly body: string;
}

function sdkFailure(err: unknown): SdkFailure | undefined {
  if (!(err instanceof Error)) return undefined;
  try {
    const parsed = JSON.parse(err.message) as { status?: unknown; error_msg?: unknown };
    if (typeof parsed.status === "number") return { status: parsed.status, body: String(parsed.error_msg ?? "") };
  } catch {
    // Not an HTTP answer: the sidecar itself was unreachable.
  }
  return undefined;
}

/**
 * Thin adapter over the Dapr JS SDK: typed state reads with ETags, transactions, and service
 * invocation whose errors keep their HTTP meaning instead of becoming opaque exceptions.
 */
export class Sidecar {
  readonly client: DaprClient;
  private readonly healthUrl: string;

  constructor(private readonly opts: SidecarOptions) {
    this.client = new DaprClient({
      daprHost: "127.0.0.1",
      daprPort: String(opts.httpPort),
      communicationProtocol: CommunicationProtocolEnum.HTTP,
      isKeepAlive: true,
      ...(opts.apiToken ? { daprApiToken: opts.apiToken } : {}),
      logger: { level: LogLevel.Warn },
    });
    this.healthUrl = `http://127.0.0.1:${opts.httpPort}/v1.0/healthz/outbound`;
  }

  /** True when daprd answers and its components are loaded. */
  async ready(): Promise<boolean> {
    const res = await fetch(this.healthUrl, {
      signal: AbortSignal.timeout(1000),
      headers: this.opts.apiToken ? { "dapr-api-token": this.opts.apiToken } : {},
    }).catch(() => undefined);
    return res !== undefined && res.status < 300;
  }

  /** Reads one key with its ETag; undefined when absent. */
  async get<T>(store: string, key: string): Promise<Versioned<T> | undefined> {
    return (await this.getMany<T>(store, [key])).get(key);
  }

  /** Reads several keys in one call; absent keys are missing from the map. */
  async getMany<T>(store: string, keys: readonly string[]): Promise<Map<string, Versioned<T>>> {
    const found = new Map<string, Versioned<T>>();
    if (keys.length === 0) return found;
    const items = (await this.client.state.getBulk(store, [...keys])) as { key: string; data?: T; etag?: string }[];
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
    await this.transact(store, writes).catch((err: unknown) => {
      const failure = sdkFailure(err);
      throw failure && isConflict(failure.body) ? new ConcurrencyError(`state changed concurrently in ${store}`) : err;
    });
  }

  private async transact(store: string, writes: readonly Write[]): Promise<void> {
    await this.client.state.transaction(
      store,
      writes.map((w) => ({
        operation: "upsert",
        request: {
          key: w.key,
          value: w.value,
          // The SDK types ETags as `{ value }` (its gRPC shape); over HTTP Dapr expects the plain string.
          ...(w.etag ? { etag: w.etag as unknown as IEtag } : {}),
          ...(w.metadata ? { metadata: w.metadata } : {}),
          ...(w.contentType ? { contentType: w.contentType } : {}),
          options: {
            concurrency: w.overwrite ? StateConcurrencyEnum.CONCURRENCY_LAST_WRITE : StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE,
            consistency: StateConsistencyEnum.CONSISTENCY_STRONG,
          },
        },
      })),
    );
  }

  /**
   * Saves one key outside any transaction: a store's outbox publishes only what transactions
   * write, so this changes state without announcing it (restoring history that happened before).
   */
  async saveUnpublished(store: string, key: string, value: unknown, etag?: string): Promise<void> {
    const result = await this.client.state.save(store, [
      {
        key,
        value,
        ...(etag ? { etag } : {}),
        options: { concurrency: StateConcurrencyEnum.CONCURRENCY_FIRST_WRITE, consistency: StateConsistencyEnum.CONSISTENCY_STRONG },
      },
    ]);
    if (result.error) {
      const failure = sdkFailure(result.error);
      throw failure && isConflict(failure.body) ? new ConcurrencyError(`state changed concurrently in ${store}`) : result.error;
    }
  }

  /**
   * Calls another app through Dapr service invocation. A 4xx answer from the target is re-raised
   * with its status and detail so it reaches the client unchanged; anything else means the
   * target could not do the work, which the caller sees as 503.
   */
  async invoke<T>(appId: string, method: string, httpMethod: HttpMethod, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    try {
      return (await this.client.invoker.invoke(appId, method, httpMethod, body as object | undefined, { headers })) as T;
    } catch (err) {
      const failure = sdkFailure(err);
      if (failure && failure.status >= 400 && failure.status < 500) {
        const problem = parseProblem(failure.body);
        throw new HttpProblem(failure.status, problem?.title ?? "Error", problem?.detail ?? failure.body, problem?.extensions ?? {});
      }
      if (failure?.status === 503) {
        const problem = parseProblem(failure.body);
        // The target's Retry-After header does not survive the SDK; its problem document carries it too.
        const retryAfter = problem?.extensions["retryAfterSeconds"];
        if (problem)
          throw new HttpProblem(503, problem.title, problem.detail, problem.extensions, { "Retry-After": String(retryAfter ?? 5) });
      }
      throw unavailable(`${appId} is not reachable through Dapr (${failure ? `status ${failure.status}` : "sidecar unreachable"})`);
    }
  }
}

function parseProblem(body: string): { title: string; detail: string; extensions: Record<string, unknown> } | undefined {
  try {
    const { type: _type, title, status: _status, detail, instance: _instance, ...extensions } = JSON.parse(body) as Record<string, unknown>;
    if (typeof title === "string" && typeof detail === "string") return { title, detail, extensions };
  } catch {
    // not a problem document
  }
  return undefined;
}

export { HttpMethod };
