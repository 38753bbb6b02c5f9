import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import { AppConfig } from '../../../config/src/index.js';

export type MailOutcome = { via: 'smtp'; messageId: string } | { via: 'file'; path: string };

/**
 * Outgoing mail through nodemailer: over SMTP to SMTP_URL, or without it (the embedded
 * default) rendered to an .eml file under DATA_DIR/mail, whose path is logged.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly logger = new Logger(Mailer.name);
  private readonly transport: Transporter;

  constructor(private readonly config: AppConfig) {
    this.transport = config.SMTP_URL
      ? nodemailer.createTransport(config.SMTP_URL)
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(message: SendMailOptions): Promise<MailOutcome> {
    const info = (await this.transport.sendMail(message)) as { messageId: string; message?: Buffer };
    if (this.config.SMTP_URL) return { via: 'smtp', messageId: info.messageId };
    const dir = resolve(this.config.DATA_DIR, 'mail');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`);
    await writeFile(path, info.message ?? Buffer.alloc(0), { mode: 0o600 });
    this.logger.log(`mail '${String(message.subject)}' written to ${path} (no SMTP_URL)`);
    return { via: 'file', path };
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
