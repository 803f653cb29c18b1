import type { PageLoad } from './$types';

export const load = (({ params }) => ({ clientId: params.clientId })) satisfies PageLoad;
