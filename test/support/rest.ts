/** Walks a sandbox list endpoint directly over REST: the ground truth the facade is compared with. */
export type ListEndpoint = 'customers' | 'invoices' | 'subscriptions';

const ROUTES: Record<ListEndpoint, { path: string; size: string; token: string; items: string; next: string }> = {
  customers: { path: '/partner/customer', size: 'limit', token: 'queryMore', items: 'items', next: 'queryMore' },
  invoices: { path: '/partner/invoices', size: 'pageSize', token: 'cursor', items: 'invoices', next: 'nextPage' },
  subscriptions: {
    path: '/partner/objects/subscription',
    size: 'limit',
    token: 'queryMore',
    items: 'items',
    next: 'queryMore',
  },
};

export async function walkRest(
  apiUrl: string,
  token: string,
  endpoint: ListEndpoint,
  extra: Record<string, string> = {},
): Promise<string[]> {
  const route = ROUTES[endpoint];
  const ids: string[] = [];
  let next: string | undefined;
  do {
    const params = new URLSearchParams({ [route.size]: '100', ...extra, ...(next ? { [route.token]: next } : {}) });
    const res = await fetch(`${apiUrl}${route.path}?${params}`, { headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`REST walk failed: ${res.status}`);
    const body = (await res.json()) as Record<string, unknown>;
    for (const item of body[route.items] as { id: string }[]) ids.push(item.id);
    next = body[route.next] as string | undefined;
  } while (next);
  return ids;
}
