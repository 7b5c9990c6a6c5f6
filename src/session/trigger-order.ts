/** The highest order number of a trigger event this session journaled. Owner of `trigger_order`. */
export class TriggerOrder {
  constructor(private readonly sql: SqlStorage) {}

  last(): number {
    return this.sql.exec<{ last: number }>("SELECT last FROM trigger_order").toArray()[0]?.last ?? 0;
  }

  /** Inside a transaction: `order` was journaled (or found to be a repeat). */
  advance(order: number): void {
    this.sql.exec(
      "INSERT INTO trigger_order (id, last) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last = MAX(last, excluded.last)",
      order,
    );
  }
}
