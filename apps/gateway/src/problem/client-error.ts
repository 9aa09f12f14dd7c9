import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problemType, titleFor } from './problem';

/** Node's parser errors (`err.code`) that have their own status; every other one is a 400. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

/**
 * Requests Node's HTTP parser refuses before any route or filter sees them
 * (header too large, conflicting Content-Length and Transfer-Encoding,
 * control bytes in a header) are answered with a problem as well, instead of
 * Node's bare status line, then the connection is closed: after a parse
 * error its byte stream cannot be trusted.
 */
export function answerClientErrorsWithProblems(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_CODE[err.code ?? ''] ?? 400;
    const body = JSON.stringify({
      type: problemType(status === 431 ? 'header-too-large' : 'malformed-request'),
      title: titleFor(status),
      status,
      detail: status === 431 ? 'request headers exceed the size limit' : 'the request is not valid HTTP/1.1',
    });
    socket.end(
      `HTTP/1.1 ${status} ${titleFor(status)}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
