import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeJob {
  id: string;
  model: string;
  training_file: string;
  hyperparameters: Record<string, unknown>;
  status: 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  fine_tuned_model: string | null;
  error: { message: string } | null;
  idempotencyKey: string | undefined;
  cancels: number;
}

/**
 * A loopback OpenAI-compatible fine-tuning API: POST /v1/files, POST /v1/fine_tuning/jobs,
 * GET /v1/fine_tuning/jobs/{id}, POST /v1/fine_tuning/jobs/{id}/cancel. Jobs stay `running`
 * until the test moves them; a model named `rejected-model` is refused with a 400.
 */
export async function startFakeFineTuning(apiKey: string) {
  const files = new Map<string, string>();
  const jobs = new Map<string, FakeJob>();
  const calls: string[] = [];
  let n = 0;
  const read = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      };
      calls.push(`${req.method} ${req.url}`);
      if (req.headers.authorization !== `Bearer ${apiKey}`) return send(401, { error: { message: 'bad key' } });
      const url = req.url ?? '';
      if (req.method === 'POST' && url === '/v1/files') {
        const text = body.toString('utf8');
        if (!/name="purpose"\r\n\r\nfine-tune/.test(text)) return send(400, { error: { message: 'purpose must be fine-tune' } });
        const match = /filename="[^"]*"\r\nContent-Type: [^\r]*\r\n\r\n([\s\S]*?)\r\n--/.exec(text);
        const id = `file-${++n}`;
        files.set(id, match?.[1] ?? '');
        return send(200, { id, object: 'file', purpose: 'fine-tune', bytes: match?.[1]?.length ?? 0 });
      }
      if (req.method === 'POST' && url === '/v1/fine_tuning/jobs') {
        const params = JSON.parse(body.toString('utf8')) as { model: string; training_file: string; hyperparameters?: Record<string, unknown> };
        if (params.model === 'rejected-model') return send(400, { error: { message: `model ${params.model} does not exist` } });
        if (!files.has(params.training_file)) return send(400, { error: { message: 'unknown training_file' } });
        const job: FakeJob = {
          id: `ftjob-${++n}`,
          model: params.model,
          training_file: params.training_file,
          hyperparameters: params.hyperparameters ?? {},
          status: 'queued',
          fine_tuned_model: null,
          error: null,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          cancels: 0,
        };
        jobs.set(job.id, job);
        return send(200, { ...job, object: 'fine_tuning.job' });
      }
      const m = /^\/v1\/fine_tuning\/jobs\/([^/]+)(\/cancel)?$/.exec(url);
      const job = m ? jobs.get(decodeURIComponent(m[1]!)) : undefined;
      if (m && !job) return send(404, { error: { message: 'no such job' } });
      if (job && req.method === 'GET' && !m![2]) return send(200, { ...job, object: 'fine_tuning.job' });
      if (job && req.method === 'POST' && m![2]) {
        job.cancels++;
        if (job.status === 'succeeded' || job.status === 'failed') return send(400, { error: { message: 'job already finished' } });
        job.status = 'cancelled';
        return send(200, { ...job, object: 'fine_tuning.job' });
      }
      return send(404, { error: { message: 'not found' } });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    files,
    jobs,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
