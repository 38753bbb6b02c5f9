import escapeHtml from 'escape-html';
import type { SendMailOptions } from 'nodemailer';
import { isPlainObject } from '../../../common/src/index.js';

export interface InvitationMailInput {
  to: string;
  role: string;
  invitationId: string;
  /** The single-use token that accepts it (never stored: only its hash is). */
  token: string;
  expiresAt: Date;
  tenant: { name: string; slug: string; settings: Record<string, unknown> };
  /** MAIL_FROM: `Name <address>` or an address. */
  from: string;
  /** PUBLIC_URL: the base of the sign-up link. */
  publicUrl: string;
  invitedBy: string | null;
}

/** A branding value that is a string without line breaks (settings are free-form JSON). */
function brand(settings: Record<string, unknown>, key: string): string | undefined {
  const branding = settings.branding;
  const value = isPlainObject(branding) ? branding[key] : undefined;
  return typeof value === 'string' && value.trim() !== '' ? value.replace(/[\r\n]+/g, ' ').trim() : undefined;
}

const COLOR = /^#[0-9a-f]{3,8}$/i;
const HTTP_URL = /^https?:\/\/[^\s"'<>]+$/i;

/** The invitation email, branded with the tenant's settings.branding (every value escaped in HTML). */
export function invitationMail(input: InvitationMailInput): SendMailOptions {
  const { settings } = input.tenant;
  const displayName = brand(settings, 'display_name') ?? input.tenant.name;
  const fromName = brand(settings, 'email_from_name') ?? displayName;
  const color = brand(settings, 'primary_color');
  const logo = brand(settings, 'logo_url');
  const address = /<([^>]+)>/.exec(input.from)?.[1] ?? input.from.trim();
  const link = `${input.publicUrl.replace(/\/+$/, '')}/app/register?invitation_token=${input.token}&email=${encodeURIComponent(input.to)}`;
  const who = input.invitedBy ? `${input.invitedBy} has invited you` : 'You have been invited';
  const subject = `You're invited to join ${displayName}`;
  const text = [
    `${who} to join ${displayName} (${input.tenant.slug}) as ${input.role}.`,
    '',
    `Create your account with this email address, or sign in if you already have one, to accept:`,
    link,
    '',
    `(Through the API: send "invitation_token": "${input.token}" with POST /api/v1/auth/register or /api/v1/auth/login, or POST it as "token" to /api/v1/auth/invitations/accept once signed in.)`,
    '',
    `Invitation ${input.invitationId}, valid until ${input.expiresAt.toISOString()}.`,
  ].join('\n');
  const accent = color && COLOR.test(color) ? color : '#1f2937';
  const html = `<!doctype html>
<html><body style="font-family: sans-serif; color: #111827">
${logo && HTTP_URL.test(logo) ? `<p><img src="${escapeHtml(logo)}" alt="${escapeHtml(displayName)}" style="max-height: 48px"></p>` : ''}
<h1 style="color: ${accent}">${escapeHtml(displayName)}</h1>
<p>${escapeHtml(who)} to join <strong>${escapeHtml(displayName)}</strong> as <strong>${escapeHtml(input.role)}</strong>.</p>
<p><a href="${escapeHtml(link)}" style="background: ${accent}; color: #ffffff; padding: 8px 16px; text-decoration: none">Accept the invitation</a></p>
<p style="color: #6b7280; font-size: 12px">Create your account with this email address, or sign in if you already have one. Invitation ${escapeHtml(input.invitationId)}, valid until ${escapeHtml(input.expiresAt.toISOString())}.</p>
</body></html>`;
  return { from: { name: fromName, address }, to: input.to, subject, text, html };
}
