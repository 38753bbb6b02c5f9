import { Anchor, Button, Center, Divider, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, setToken } from '../api';
import { ErrorNote } from '../ui';

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Center mih="100vh" p="md" component="main">
      <Paper withBorder shadow="sm" p="xl" w="100%" maw={420}>
        <Title order={1} size="h2" mb="md">
          {title}
        </Title>
        {children}
      </Paper>
    </Center>
  );
}

/**
 * The end of a single sign-on the dashboard began (`/api/v1/auth/sso/{slug}?to=app`): the
 * callback sent the browser here (`?sso=done`, or `?sso_error=<code>`) with a one-time httpOnly
 * cookie; claiming it (same-origin POST) gives the token, or the API's refusal to show.
 */
function useSsoHandoff() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const returning = params.has('sso') || params.has('sso_error');
  const claimed = useRef(false);
  const handoff = useMutation({
    mutationFn: () => api<{ access_token: string }>('POST', '/api/v1/auth/sso/handoff'),
    onSuccess: (answer) => {
      setToken(answer.access_token);
      void navigate('/', { replace: true });
    },
    // Once claimed, the URL says nothing more: a reload shows the plain login page.
    onError: () => void navigate('/login', { replace: true }),
  });
  useEffect(() => {
    if (!returning || claimed.current) return;
    claimed.current = true;
    handoff.mutate();
  }, [returning, handoff]);
  return handoff;
}

export function LoginPage() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [slug, setSlug] = useState('');
  const login = useMutation({
    mutationFn: () => api<{ access_token: string }>('POST', '/api/v1/auth/login', { body: { email, password } }),
    onSuccess: (answer) => setToken(answer.access_token),
  });
  const sso = useSsoHandoff();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    login.mutate();
  };
  return (
    <Card title="Log in to Tenantry">
      <form onSubmit={submit} aria-label="Log in">
        <Stack>
          <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
          <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} />
          <ErrorNote error={login.error} title="Could not log in" />
          <Button type="submit" loading={login.isPending}>
            Log in
          </Button>
        </Stack>
      </form>
      <Divider my="md" label="or with your organisation's SSO" labelPosition="center" />
      <form
        aria-label="Single sign-on"
        onSubmit={(event) => {
          event.preventDefault();
          // `to=app`: the API ends the login on this dashboard instead of answering JSON.
          window.location.assign(`/api/v1/auth/sso/${encodeURIComponent(slug.trim())}?to=app`);
        }}
      >
        <Stack>
          <TextInput label="Tenant slug" required value={slug} onChange={(e) => setSlug(e.currentTarget.value)} />
          <ErrorNote error={sso.error} title="Single sign-on failed" />
          <Button type="submit" variant="light" loading={sso.isPending}>
            Continue with SSO
          </Button>
        </Stack>
      </form>
      <Text size="sm" mt="md">
        No account? <Anchor component={Link} to="/register">Register</Anchor> · Invited? <Anchor component={Link} to="/invitation">Accept the invitation</Anchor>
      </Text>
    </Card>
  );
}

function RegisterForm({ submitLabel }: { submitLabel: string }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const register = useMutation({
    mutationFn: () => api<{ access_token: string }>('POST', '/api/v1/auth/register', { body: { email, password, name: name || undefined } }),
    onSuccess: (answer) => setToken(answer.access_token),
  });
  return (
    <form
      aria-label={submitLabel}
      onSubmit={(event) => {
        event.preventDefault();
        register.mutate();
      }}
    >
      <Stack>
        <TextInput label="Name" autoComplete="name" value={name} onChange={(e) => setName(e.currentTarget.value)} />
        <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} />
        <PasswordInput
          label="Password"
          description="At least 8 characters"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
        />
        <ErrorNote error={register.error} title="Could not register" />
        <Button type="submit" loading={register.isPending}>
          {submitLabel}
        </Button>
      </Stack>
    </form>
  );
}

export function RegisterPage() {
  return (
    <Card title="Create your account">
      <RegisterForm submitLabel="Register" />
      <Text size="sm" mt="md">
        Already registered? <Anchor component={Link} to="/login">Log in</Anchor>
      </Text>
    </Card>
  );
}

/** Invitations are accepted by signing up (or in) with the invited address: the API joins you then. */
export function AcceptInvitationPage() {
  return (
    <Card title="Accept an invitation">
      <Text size="sm" mb="md">
        Create your account with the email address the invitation was sent to; you join the tenant as soon as it exists. Already have an account?{' '}
        <Anchor component={Link} to="/login">
          Log in
        </Anchor>{' '}
        and the invitation is accepted.
      </Text>
      <RegisterForm submitLabel="Accept and create account" />
    </Card>
  );
}
