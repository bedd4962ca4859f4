/**
 * A value built on first use and shared after, for modules that are loaded only by a process that
 * needs them (the Redis client library, say). A failure is reported by the first call that awaits
 * it, never as an unhandled rejection.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => {
    if (!value) {
      value = build();
      value.catch(() => undefined);
    }
    return value;
  };
}
