/**
 * An object's RPC methods `K` as plain promise-returning functions: workerd's generic stub type
 * recurses too deeply for the compiler on these objects' result types.
 */
export type StubSurface<T, K extends keyof T> = {
  [P in K]: T[P] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};
