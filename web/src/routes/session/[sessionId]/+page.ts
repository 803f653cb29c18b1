import type { PageLoad } from './$types';

export const load = (({ params }) => ({ sessionId: params.sessionId })) satisfies PageLoad;
