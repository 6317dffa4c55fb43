/**
 * State store components, one builder per store profile. Every profile is transactional (Dapr's
 * outbox needs that) and takes the caller's ETag for first-write-wins; `stateComponent` adds the
 * outbox and the scopes a store has in platform/topology.ts.
 */
import { type StoreSpec, components, relayTopicOf } from "../topology.js";
import {
  type ComponentDoc,
  type HostPort,
  type MetadataItem,
  type Secret,
  componentDoc,
  hostPort,
  metadataItem,
  withMetadata,
} from "./resource.js";

export type StoreConnection =
  | { readonly profile: "redis"; readonly address: HostPort; readonly password?: Secret; readonly tls?: boolean }
  /** A full connection string (host, database, user, password, sslmode). */
  | { readonly profile: "postgresql"; readonly connectionString: Secret }
  /**
   * A Go MySQL DSN without a database (`user:pw@tcp(host:3306)/`); `database` is created when
   * missing and holds one table per store. MariaDB speaks the same protocol.
   */
  | { readonly profile: "mysql"; readonly connectionString: Secret; readonly database: string };

export type StateProfileName = StoreConnection["profile"];

/** Table names from component names (`orders-store` → `orders_store`): SQL identifiers take no dashes. */
const tableOf = (store: string): string => store.replace(/-/g, "_");

/** Redis: a Dapr transaction is MULTI/EXEC of Lua scripts (no rollback; see the README's limits). */
export function redisState(name: string, c: Extract<StoreConnection, { profile: "redis" }>): ComponentDoc {
  const metadata: MetadataItem[] = [
    { name: "redisHost", value: hostPort(c.address) },
    ...(c.password === undefined ? [] : [metadataItem("redisPassword", c.password)]),
    ...(c.tls === undefined ? [] : [{ name: "enableTLS", value: String(c.tls) }]),
  ];
  return componentDoc(name, { type: "state.redis", version: "v1", metadata });
}

/** PostgreSQL (component v2): real transactions, one table per store. */
export function postgresqlState(name: string, c: Extract<StoreConnection, { profile: "postgresql" }>): ComponentDoc {
  return componentDoc(name, {
    type: "state.postgresql",
    version: "v2",
    metadata: [
      metadataItem("connectionString", c.connectionString),
      { name: "tablePrefix", value: `${tableOf(name)}_` },
      { name: "metadataTableName", value: `${tableOf(name)}_metadata` },
    ],
  });
}

/** MySQL or MariaDB: real transactions, one table per store in the region's own database. */
export function mysqlState(name: string, c: Extract<StoreConnection, { profile: "mysql" }>): ComponentDoc {
  return componentDoc(name, {
    type: "state.mysql",
    version: "v1",
    metadata: [
      metadataItem("connectionString", c.connectionString),
      { name: "schemaName", value: c.database },
      { name: "tableName", value: tableOf(name) },
      { name: "metadataTableName", value: `${tableOf(name)}_metadata` },
    ],
  });
}

export function stateStoreComponent(name: string, c: StoreConnection): ComponentDoc {
  switch (c.profile) {
    case "redis":
      return redisState(name, c);
    case "postgresql":
      return postgresqlState(name, c);
    case "mysql":
      return mysqlState(name, c);
  }
}

/**
 * Dapr's outbox on a store whose transactions publish: to the relay topic of its outbox topic,
 * through the outbox's own pub/sub for the internal hop (see relayTopicOf).
 */
export function outboxMetadata(store: StoreSpec): MetadataItem[] {
  if (!store.outboxTopic) return [];
  return [
    { name: "outboxPublishPubsub", value: components.pubsub },
    { name: "outboxPublishTopic", value: relayTopicOf(store.outboxTopic) },
    { name: "outboxPubsub", value: components.outboxPubsub },
  ];
}

/** A store of the topology on a profile, with its outbox when it has one. */
export function stateComponent(store: StoreSpec, c: StoreConnection): ComponentDoc {
  return withMetadata(stateStoreComponent(store.name, c), outboxMetadata(store));
}

/**
 * The store Dapr keeps actor and workflow state in (Dapr Workflow, issue #17): a state store of
 * any profile marked `actorStateStore` (an app may load only one such store). Scopes are the caller's.
 */
export function actorStateStore(name: string, c: StoreConnection): ComponentDoc {
  return withMetadata(stateStoreComponent(name, c), [{ name: "actorStateStore", value: "true" }]);
}
