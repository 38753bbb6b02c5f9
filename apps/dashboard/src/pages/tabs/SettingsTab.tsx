import { Box, Button, ColorInput, Fieldset, Group, Image, NumberInput, Paper, SimpleGrid, Stack, Switch, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, type Tenant } from '../../api';
import { ErrorNote } from '../../ui';
import type { TabProps } from '../TenantPage';

interface Branding {
  display_name?: string;
  logo_url?: string;
  primary_color?: string;
  font?: string;
}

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

const obj = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

/** How the tenant's assistant and widget will look: updates as the fields change. */
export function BrandingPreview({ branding }: { branding: Branding }) {
  const color = branding.primary_color || '#4c6ef5';
  return (
    <Paper withBorder p="md" aria-label="Branding preview" role="region" data-testid="branding-preview">
      <Group mb="sm">
        {branding.logo_url ? <Image src={branding.logo_url} alt="Logo preview" h={32} w="auto" fit="contain" /> : null}
        <Text fw={700} style={{ fontFamily: branding.font || undefined }}>
          {branding.display_name || 'Your assistant'}
        </Text>
      </Group>
      <Box p="xs" style={{ background: color, color: '#fff', borderRadius: 8, fontFamily: branding.font || undefined }} data-testid="branding-preview-bubble">
        Hi! How can I help you today?
      </Box>
    </Paper>
  );
}

export function SettingsTab({ tenant }: TabProps) {
  const client = useQueryClient();
  const s = tenant.settings ?? {};
  const [name, setName] = useState(tenant.name);
  const [model, setModel] = useState(String(s.default_model ?? ''));
  const [maxTokens, setMaxTokens] = useState<string | number>(typeof s.max_tokens_per_request === 'number' ? s.max_tokens_per_request : '');
  const [prompt, setPrompt] = useState(String(s.custom_system_prompt ?? ''));
  const [blocked, setBlocked] = useState(strings(obj(s.guardrails).blocked).join('\n'));
  const [redact, setRedact] = useState(obj(s.guardrails).redact_pii === true);
  const [branding, setBranding] = useState<Branding>(obj(s.branding) as Branding);
  const [domains, setDomains] = useState(strings(s.custom_domains).join('\n'));
  const [webhooks, setWebhooks] = useState(JSON.stringify(Array.isArray(s.webhooks) ? s.webhooks : [], null, 2));
  const [origins, setOrigins] = useState(strings(obj(s.widget).allowed_origins).join('\n'));
  const [localError, setLocalError] = useState<Error | null>(null);
  const save = useMutation({
    mutationFn: (settings: Record<string, unknown>) => api<Tenant>('PATCH', `/api/tenants/${tenant.id}`, { body: { name, settings } }),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['tenant'] });
      await client.invalidateQueries({ queryKey: ['tenants'] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setLocalError(null);
    let hooks: unknown;
    try {
      hooks = JSON.parse(webhooks || '[]');
    } catch (error) {
      setLocalError(new Error(`Webhooks must be a JSON list: ${(error as Error).message}`));
      return;
    }
    const settings: Record<string, unknown> = {
      default_model: model || null,
      max_tokens_per_request: maxTokens === '' ? null : Number(maxTokens),
      custom_system_prompt: prompt || null,
      guardrails: { blocked: lines(blocked), redact_pii: redact },
      branding: Object.fromEntries(Object.entries(branding).filter(([, v]) => typeof v === 'string' && v !== '')),
      custom_domains: lines(domains),
      webhooks: hooks,
      widget: { allowed_origins: lines(origins) },
    };
    save.mutate(settings);
  };
  const brand = (key: keyof Branding) => (value: string) => setBranding((b) => ({ ...b, [key]: value }));
  return (
    <form onSubmit={submit} aria-label="Tenant settings">
      <Stack>
        <TextInput label="Tenant name" value={name} onChange={(e) => setName(e.currentTarget.value)} required />
        <Fieldset legend="Assistant">
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput label="Default model" value={model} onChange={(e) => setModel(e.currentTarget.value)} />
            <NumberInput label="Max tokens per request" min={1} value={maxTokens} onChange={setMaxTokens} />
          </SimpleGrid>
          <Textarea label="System prompt (persona)" autosize minRows={2} value={prompt} onChange={(e) => setPrompt(e.currentTarget.value)} />
        </Fieldset>
        <Fieldset legend="Guardrails">
          <Textarea label="Blocked patterns or topics (one per line)" autosize minRows={2} value={blocked} onChange={(e) => setBlocked(e.currentTarget.value)} />
          <Switch mt="sm" label="Redact personal data (PII)" checked={redact} onChange={(e) => setRedact(e.currentTarget.checked)} />
        </Fieldset>
        <Fieldset legend="Branding">
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Stack gap="xs">
              <TextInput label="Display name" value={branding.display_name ?? ''} onChange={(e) => brand('display_name')(e.currentTarget.value)} />
              <TextInput label="Logo URL" value={branding.logo_url ?? ''} onChange={(e) => brand('logo_url')(e.currentTarget.value)} />
              <ColorInput label="Primary colour" format="hex" value={branding.primary_color ?? ''} onChange={brand('primary_color')} />
              <TextInput label="Font" value={branding.font ?? ''} onChange={(e) => brand('font')(e.currentTarget.value)} />
            </Stack>
            <BrandingPreview branding={branding} />
          </SimpleGrid>
        </Fieldset>
        <Fieldset legend="Domains, webhooks and widget">
          <Textarea label="Custom domains (one hostname per line)" autosize minRows={2} value={domains} onChange={(e) => setDomains(e.currentTarget.value)} />
          <Textarea
            label="Outgoing webhooks (JSON list of {url, events, secret})"
            autosize
            minRows={3}
            ff="monospace"
            value={webhooks}
            onChange={(e) => setWebhooks(e.currentTarget.value)}
          />
          <Textarea
            label="Widget allowed origins (one per line, e.g. https://shop.example.com)"
            autosize
            minRows={2}
            value={origins}
            onChange={(e) => setOrigins(e.currentTarget.value)}
          />
        </Fieldset>
        <ErrorNote error={localError ?? save.error} title="Settings not saved" />
        {save.isSuccess && !save.isPending && (
          <Text c="green" role="status">
            Saved.
          </Text>
        )}
        <Group>
          <Button type="submit" loading={save.isPending}>
            Save settings
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
