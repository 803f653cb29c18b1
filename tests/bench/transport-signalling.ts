import type { types } from 'mediasoup-client';

/** A benchmark page's request to its server (through a page function): method and data in, the answer out. */
export type SignalRequest = <T>(method: string, data: unknown) => Promise<T>;

/** Connects and produces over the page's signalling, as every mediasoup-client transport needs. */
export function wireTransport(transport: types.Transport, call: SignalRequest): void {
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    call('connect', { id: transport.id, dtlsParameters }).then(() => done(), fail);
  });
  transport.on('produce', ({ kind, rtpParameters }, done, fail) => {
    call<{ id: string }>('produce', { id: transport.id, kind, rtpParameters }).then(done, fail);
  });
}
