/**
 * A stand-in for SendGrid's v3 mail-send API on 127.0.0.1 (node:http): `POST /v3/mail/send` with
 * `Authorization: Bearer <key>`. A wrong key is answered 401 the way SendGrid does; otherwise the
 * server answers the scripted statuses in order (then 202). Every request is recorded.
 */
import { once } from 'node:events';
import http from 'node:http';

export interface SendgridRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
  readonly contentType: string | null;
  /** The parsed JSON body; null when it was not JSON. */
  readonly body: unknown;
  readonly raw: string;
  /** The status the stand-in answered. */
  readonly status: number;
}

export interface SendgridReply {
  status: number;
  /** JSON-encoded when not a string; default: SendGrid's usual body for the status. */
  body?: unknown;
}

export interface TestSendgridOptions {
  /** The key the stand-in accepts. */
  apiKey: string;
  /** Put the presented key into the 401 body (as some APIs echo what they were given). */
  echoKeyOn401?: boolean;
}

export interface TestSendgridServer {
  /** Base URL for the config's `sendgrid.endpoint` (without /v3/mail/send). */
  readonly endpoint: string;
  readonly requests: SendgridRequest[];
  /** The next requests with a valid key get these answers, one each; then 202 again. */
  script(...replies: (number | SendgridReply)[]): void;
  stop(): Promise<void>;
}

const DEFAULT_BODIES: Record<number, unknown> = {
  400: {
    errors: [
      { message: 'The from object must be provided for every email send.', field: 'from', help: null },
    ],
  },
  401: {
    errors: [
      {
        message: 'The provided authorization grant is invalid, expired, or revoked',
        field: null,
        help: null,
      },
    ],
  },
  403: { errors: [{ message: 'access forbidden', field: null, help: null }] },
  413: { errors: [{ message: 'Payload Too Large', field: null, help: null }] },
  429: { errors: [{ message: 'too many requests', field: null, help: null }] },
  500: { errors: [{ message: 'Internal server error', field: null, help: null }] },
  503: { errors: [{ message: 'Service unavailable', field: null, help: null }] },
};

export async function startSendgridServer(options: TestSendgridOptions): Promise<TestSendgridServer> {
  const requests: SendgridRequest[] = [];
  const queue: SendgridReply[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = JSON.parse(raw) as unknown;
      } catch {
        body = null;
      }
      const authorization = req.headers.authorization ?? null;
      let reply: SendgridReply;
      if (req.method !== 'POST' || req.url !== '/v3/mail/send') {
        reply = {
          status: 404,
          body: { errors: [{ message: `no route ${req.method ?? ''} ${req.url ?? ''}` }] },
        };
      } else if (authorization !== `Bearer ${options.apiKey}`) {
        const presented = authorization?.replace(/^Bearer\s+/i, '') ?? '';
        reply = options.echoKeyOn401
          ? {
              status: 401,
              body: {
                errors: [
                  {
                    message: `The provided authorization grant "${presented}" is invalid, expired, or revoked`,
                    field: null,
                    help: null,
                  },
                ],
              },
            }
          : { status: 401 };
      } else {
        reply = queue.shift() ?? { status: 202 };
      }
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        authorization,
        contentType: req.headers['content-type'] ?? null,
        body,
        raw,
        status: reply.status,
      });
      const payload = reply.status === 202 ? '' : (reply.body ?? DEFAULT_BODIES[reply.status] ?? '');
      const text = typeof payload === 'string' ? payload : JSON.stringify(payload);
      res.writeHead(reply.status, text === '' ? {} : { 'content-type': 'application/json' });
      res.end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sendgrid stand-in has no TCP port');

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    requests,
    script(...replies) {
      queue.push(...replies.map((r) => (typeof r === 'number' ? { status: r } : r)));
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      return stopping;
    },
  };
}
