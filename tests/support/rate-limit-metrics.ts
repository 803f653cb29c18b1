/**
 * The `care_rate_limited_total` counts /metrics shows: by family (summed over
 * what refused them) and by `family/scope`.
 */
export async function rateLimitedCounts(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const counts = new Map<string, number>();
  for (const [, labels = '', value = '0'] of text.matchAll(/^care_rate_limited_total\{([^}]*)\} (\d+)$/gm)) {
    const family = /family="([^"]*)"/.exec(labels)?.[1] ?? '';
    const scope = /scope="([^"]*)"/.exec(labels)?.[1] ?? '';
    counts.set(`${family}/${scope}`, Number(value));
    counts.set(family, (counts.get(family) ?? 0) + Number(value));
  }
  return counts;
}

/** How much each family's count grew between two readings (families that did not move are left out). */
export function growth(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [key, value] of after) {
    const delta = value - (before.get(key) ?? 0);
    if (delta > 0) grown[key] = delta;
  }
  return grown;
}
