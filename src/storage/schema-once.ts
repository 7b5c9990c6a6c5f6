/**
 * A small Durable Object's SQL storage, as a function: its `schema` (idempotent DDL) is applied on
 * first use, once per instance, so an object that is only ever asked to read creates its tables then.
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
