/**
 * What a reaction decides, in every domain: the event was seen before (`duplicate`), means
 * nothing at this point (`noop`), or changes something (`write`, with what to write).
 */
export type Decided<W> = { readonly kind: "duplicate" } | { readonly kind: "noop" } | ({ readonly kind: "write" } & W);

export const duplicate = { kind: "duplicate" } as const;
export const noop = { kind: "noop" } as const;
