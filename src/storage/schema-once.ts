/**
 * A small Durable Object's SQL storage with its `schema` (idempotent DDL) applied on first use, so
 * an object that is only ever asked to read creates its tables then, and once per instance.
 */
export function schemaOnce(ctx: DurableObjectState, schema: string): () => SqlStorage {
  let ready = false;
  return () => {
    if (!ready) {
      ctx.storage.sql.exec(schema);
      ready = true;
    }
    return ctx.storage.sql;
  };
}
