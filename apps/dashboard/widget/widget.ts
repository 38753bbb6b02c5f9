/**
 * The embeddable chat widget: `<script src="https://api.example.com/widget.js" data-key="tnt_pk_...">`.
 * Renders a chat bubble in the tenant's branding (settings.branding, read with the widget key)
 * inside a shadow root, so the host page's CSS and ours never mix, and talks to the chat API with
 * the publishable widget key, streaming the answers. It needs nothing from the host page's CSP
 * beyond connect-src to the API: no inline script, and styles go through a constructed stylesheet.
 */
interface Branding {
  display_name?: string;
  logo_url?: string;
  primary_color?: string;
  font?: string;
}

const script = document.currentScript as HTMLScriptElement | null;

function start(): void {
  if (!script) return;
  const key = script.dataset.key ?? '';
  const base = new URL(script.src).origin;
  const headers = { 'x-api-key': key };

  const host = document.createElement('div');
  host.setAttribute('data-tenantry-widget', '');
  const root = host.attachShadow({ mode: 'open' });
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    :host { all: initial; }
    .bubble { position: fixed; right: 20px; bottom: 20px; width: 56px; height: 56px; border-radius: 50%; border: 0;
      color: #fff; font-size: 24px; cursor: pointer; box-shadow: 0 4px 12px rgba(0,0,0,.25); z-index: 2147483646; }
    .panel { position: fixed; right: 20px; bottom: 88px; width: min(360px, calc(100vw - 40px)); height: min(480px, calc(100vh - 120px));
      display: none; flex-direction: column; background: #fff; border-radius: 12px; box-shadow: 0 8px 24px rgba(0,0,0,.25);
      overflow: hidden; z-index: 2147483647; font: 14px/1.4 system-ui, sans-serif; color: #222; }
    .panel.open { display: flex; }
    header { display: flex; align-items: center; gap: 8px; padding: 10px 12px; color: #fff; font-weight: 600; }
    header img { height: 24px; }
    .log { flex: 1; overflow: auto; padding: 10px; }
    .msg { margin: 6px 0; padding: 6px 10px; border-radius: 10px; max-width: 85%; white-space: pre-wrap; word-wrap: break-word; }
    .user { margin-left: auto; background: #e7ecff; }
    .assistant { background: #f1f3f5; }
    .error { background: #ffe3e3; color: #c92a2a; }
    form { display: flex; border-top: 1px solid #dee2e6; }
    input { flex: 1; border: 0; padding: 10px; font: inherit; }
    button.send { border: 0; padding: 0 14px; color: #fff; cursor: pointer; font: inherit; }
  `);
  root.adoptedStyleSheets = [sheet];

  const bubble = document.createElement('button');
  bubble.className = 'bubble';
  bubble.type = 'button';
  bubble.setAttribute('aria-label', 'Open chat');
  // A speech-bubble icon (SVG, built as DOM: no markup parsing, no emoji font needed).
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '26');
  svg.setAttribute('height', '26');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  path.setAttribute('fill', '#fff');
  svg.append(path);
  bubble.append(svg);
  const panel = document.createElement('div');
  panel.className = 'panel';
  panel.setAttribute('role', 'dialog');
  panel.setAttribute('aria-label', 'Chat');
  const header = document.createElement('header');
  const title = document.createElement('span');
  title.textContent = 'Chat with us';
  header.append(title);
  const log = document.createElement('div');
  log.className = 'log';
  log.setAttribute('role', 'log');
  log.setAttribute('aria-live', 'polite');
  const form = document.createElement('form');
  const input = document.createElement('input');
  input.setAttribute('aria-label', 'Your message');
  input.placeholder = 'Ask a question…';
  const send = document.createElement('button');
  send.className = 'send';
  send.type = 'submit';
  send.textContent = 'Send';
  form.append(input, send);
  panel.append(header, log, form);
  root.append(panel, bubble);
  document.body.append(host);

  const paint = (b: Branding) => {
    const color = b.primary_color && /^#[0-9a-f]{3,8}$/i.test(b.primary_color) ? b.primary_color : '#4c6ef5';
    bubble.style.background = color;
    header.style.background = color;
    send.style.background = color;
    if (b.font) panel.style.fontFamily = b.font;
    if (b.display_name) title.textContent = b.display_name;
    if (b.logo_url && /^https?:\/\//.test(b.logo_url)) {
      const img = document.createElement('img');
      img.src = b.logo_url;
      img.alt = '';
      header.prepend(img);
    }
  };
  paint({});
  void fetch(`${base}/api/v1/branding`, { headers })
    .then((r) => (r.ok ? (r.json() as Promise<Branding & { branding?: Branding }>) : {}))
    .then((b) => paint((b as { branding?: Branding }).branding ?? (b as Branding)))
    .catch(() => undefined);

  bubble.addEventListener('click', () => {
    panel.classList.toggle('open');
    bubble.setAttribute('aria-label', panel.classList.contains('open') ? 'Close chat' : 'Open chat');
    if (panel.classList.contains('open')) input.focus();
  });

  const line = (cls: string, text: string): HTMLDivElement => {
    const div = document.createElement('div');
    div.className = `msg ${cls}`;
    div.textContent = text;
    log.append(div);
    log.scrollTop = log.scrollHeight;
    return div;
  };
  const failure = async (r: Response): Promise<Error> => {
    const body = (await r.json().catch(() => ({}))) as { message?: string };
    return new Error(body.message ?? `${r.status} ${r.statusText}`);
  };

  let session: string | null = null;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const content = input.value.trim();
    if (!content) return;
    input.value = '';
    line('user', content);
    const answer = line('assistant', '…');
    void (async () => {
      if (!session) {
        const r = await fetch(`${base}/api/v1/chat/sessions`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{}' });
        if (!r.ok) throw await failure(r);
        session = ((await r.json()) as { id: string }).id;
      }
      const r = await fetch(`${base}/api/v1/chat/sessions/${session}/messages`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ content }),
      });
      if (!r.ok || !r.body) throw await failure(r);
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      let text = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        const events = buffer.split(/\r?\n\r?\n/);
        buffer = events.pop() ?? '';
        for (const block of events) {
          const data = block
            .split(/\r?\n/)
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).replace(/^ /, ''))
            .join('\n');
          if (!data || data === '[DONE]') continue;
          // A failure after the first piece comes as an `error` event in the error shape (nothing was stored).
          if (/^event:\s*error\s*$/m.test(block)) throw new Error((JSON.parse(data) as { message?: string }).message ?? 'The answer was cut off');
          try {
            const body = JSON.parse(data) as Record<string, unknown>;
            const final = (body.assistant_message as { content?: string } | undefined)?.content;
            const delta = ['delta', 'content', 'text', 'token'].map((k) => body[k]).find((v) => typeof v === 'string') as string | undefined;
            text = final ?? text + (delta ?? '');
          } catch {
            text += data;
          }
          answer.textContent = text || '…';
          log.scrollTop = log.scrollHeight;
        }
      }
    })().catch((error: Error) => {
      answer.className = 'msg error';
      // A network-level failure is also what a refused origin looks like (no CORS answer).
      answer.textContent = error instanceof TypeError ? 'The chat is not available on this site right now.' : error.message;
    });
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
