import type { KeyValueStore } from "../shared/application/key-value-store.js";
import type { PriceList as Prices } from "./domain.js";

/** One SKU's listed price, as the operator set it. */
export interface ListedPrice {
  readonly sku: string;
  readonly unitPrice: number;
  readonly currency: string;
  readonly updatedAt: string;
}

const priceKey = (sku: string) => `price-${sku}`;

/**
 * The region's price list: what each SKU costs, set by an operator on the admin port and read at
 * every placement, so an order's total is the server's. It lives in orders' own catalogue store
 * (orders is the only writer of orders, so the one that prices them; no extra hop per order).
 * Until the replicated product catalogue exists, each region's operator keeps its own list.
 */
export class PriceList {
  constructor(
    private readonly store: KeyValueStore,
    private readonly storeName: string,
    private readonly currency: string,
  ) {}

  async set(sku: string, unitPrice: number, now: Date): Promise<ListedPrice> {
    const listed: ListedPrice = { sku, unitPrice, currency: this.currency, updatedAt: now.toISOString() };
    // Last write wins: an operator's newer price replaces the older one outright.
    await this.store.write(this.storeName, [{ key: priceKey(sku), value: listed, overwrite: true }]);
    return listed;
  }

  async get(sku: string): Promise<ListedPrice | undefined> {
    return (await this.store.getMany<ListedPrice>(this.storeName, [priceKey(sku)])).get(priceKey(sku))?.value;
  }

  /** The listed prices of `skus` in one bulk read; a SKU without a price is left out. */
  async of(skus: readonly string[]): Promise<Prices> {
    const found = await this.store.getMany<ListedPrice>(this.storeName, [...new Set(skus)].map(priceKey));
    return new Map([...found.values()].map(({ value }) => [value.sku, value.unitPrice]));
  }
}
