// A loopback OpenAI-compatible server for chat tests: the real `openai` SDK in the API talks to it.
// Each request is recorded (headers and JSON body); what it answers is scripted per request.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeReply =
  | { kind: 'stream'; pieces: string[]; usage?: { prompt_tokens: number; completion_tokens: number }; model?: string; holdAfterFirst?: Promise<void>; failAfterFirst?: boolean }
  | { kind: 'status'; status: number }
  | { kind: 'stall' };

export interface FakeRequest {
  headers: IncomingMessage['headers'];
  body: { model: string; messages: Array<{ role: string; content: string }>; max_tokens?: number; stream?: boolean };
  raw: string;
}

export interface FakeOpenAi {
  baseUrl: string;
  requests: FakeRequest[];
  /** Replies for the next requests, in order; when none is queued: a short streamed "OK [1]". */
  script: FakeReply[];
  close(): Promise<void>;
}

const chunk = (model: string, data: Record<string, unknown>): string => `data: ${JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 0, model, ...data })}\n\n`;

async function answer(reply: FakeReply, res: ServerResponse, stalled: ServerResponse[]): Promise<void> {
  if (reply.kind === 'stall') {
    stalled.push(res); // never answered; closed with the server
    return;
  }
  if (reply.kind === 'status') {
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }));
    return;
  }
  const model = reply.model ?? 'fake-model';
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const [i, piece] of reply.pieces.entries()) {
    res.write(chunk(model, { choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] }));
    if (i === 0 && reply.holdAfterFirst) await reply.holdAfterFirst;
    if (i === 0 && reply.failAfterFirst) {
      await new Promise((resolve) => setTimeout(resolve, 300)); // the first piece reaches the client first
      res.destroy(); // then the connection drops mid-stream
      return;
    }
  }
  res.write(chunk(model, { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  if (reply.usage) res.write(chunk(model, { choices: [], usage: { ...reply.usage, total_tokens: reply.usage.prompt_tokens + reply.usage.completion_tokens } }));
  res.end('data: [DONE]\n\n');
}

export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const requests: FakeRequest[] = [];
  const script: FakeReply[] = [];
  const stalled: ServerResponse[] = [];
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
        res.writeHead(404).end();
        return;
      }
      requests.push({ headers: req.headers, body: JSON.parse(raw) as FakeRequest['body'], raw });
      void answer(script.shift() ?? { kind: 'stream', pieces: ['OK ', '[1]'] }, res, stalled);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    script,
    close: async () => {
      for (const res of stalled) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
