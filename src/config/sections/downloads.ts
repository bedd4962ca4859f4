import { z } from 'zod';
import { bool, int, publicUrl } from '../fields.ts';

/** Ten minutes: 32 MB (the largest PDF) at about 55 KB/s. */
export const MAX_DOWNLOAD_MS = 10 * 60_000;

/** Invoice PDF download links: see src/downloads/. */
export const downloadsSection = z
  .object({
    PUBLIC_BASE_URL: publicUrl.optional(),
    TRUST_PROXY: bool.default(false),
    PDF_LINK_TTL_SECONDS: int(1, 86_400).default(300),
    PDF_LINK_MAX_TTL_SECONDS: int(1, 86_400).default(3_600),
    PDF_LINK_MAX_TICKETS: int(1, 10_000_000).default(10_000),
    PDF_MAX_CONCURRENT: int(1, 64).default(4),
  })
  .transform((e) => ({
    downloads: {
      /** The facade's public origin (and path prefix) for links, e.g. https://graph.example.com; null = from the request. */
      publicBaseUrl: e.PUBLIC_BASE_URL ?? null,
      /** Build links from X-Forwarded-Proto/-Host/-Prefix (only behind a proxy that sets them). */
      trustProxy: e.TRUST_PROXY,
      linkTtlSeconds: e.PDF_LINK_TTL_SECONDS,
      /** The largest `expiresIn` a caller may ask for. */
      maxLinkTtlSeconds: e.PDF_LINK_MAX_TTL_SECONDS,
      /** Tickets one process keeps when there is no Redis (live and recently expired). */
      maxTickets: e.PDF_LINK_MAX_TICKETS,
      /** PDF downloads fetched and sent at once per process (each streams, holding at most about 1 MiB); the rest wait. */
      maxConcurrentPdfs: e.PDF_MAX_CONCURRENT,
      /**
       * The longest one download may take, waiting for its turn included: an upstream that drips bytes
       * just fast enough to dodge its body timeout would otherwise hold a transfer slot for ever.
       */
      maxDownloadMs: MAX_DOWNLOAD_MS,
    },
  }));
