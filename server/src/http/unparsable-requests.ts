import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { fail } from '@care/shared';

/**
 * Requests Node's HTTP parser refuses before Express sees them (a request
 * line or headers over its 16 kB limit, bytes that are not HTTP): answered
 * with the same typed error body as every other refusal, instead of Node's
 * bare status line, then the connection is closed.
 */
export function answerUnparsableRequests(server: http.Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request address or headers are too large.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'The request took too long to arrive.']
          : [400, 'Bad Request', 'The request is not valid HTTP.'];
    const body = JSON.stringify(fail('invalid_payload', message));
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
