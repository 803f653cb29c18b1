import type { PageLoad } from './$types';

export const load = (({ params }) => ({ appointmentId: params.appointmentId })) satisfies PageLoad;
