/** Yoga's CORS option from the allowlist; 'localhost' admits any local development origin. */
export function corsOptions(origins: readonly string[]) {
  return (request: Request) => {
    const origin = request.headers.get('origin');
    const allowed =
      origin !== null &&
      (origins.includes('*') ||
        origins.includes(origin) ||
        (origins.includes('localhost') && /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(origin)));
    return allowed
      ? {
          origin,
          credentials: false,
          allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'x-graphql-yoga-csrf'],
          methods: ['GET', 'POST'],
        }
      : false;
  };
}
