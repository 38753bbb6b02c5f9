import { isEmail } from 'class-validator';
import { NotFound, ValidationFailed } from '../../../../../libs/common/src/index.js';
import type { UserEntity } from '../../../../../libs/database/src/index.js';
import { UsersRepository } from '../../../../../libs/identity/src/index.js';

export interface CreateUserOptions {
  email: string;
  password: string;
  name?: string;
  platformAdmin?: boolean;
  json?: boolean;
}

export function passwordProblem(password: string): string | undefined {
  return password.length < 8 || password.length > 128 ? 'password must be 8 to 128 characters long' : undefined;
}

/** The same rules as POST /api/v1/auth/register (RegisterDto): email trimmed and lower-cased. */
export function validateNewUser(o: CreateUserOptions): { email: string; password: string; name: string | null } {
  const email = o.email.trim().toLowerCase();
  const problems: Array<{ field: string; message: string }> = [];
  if (!isEmail(email) || email.length > 254) problems.push({ field: 'email', message: 'email must be an email' });
  const password = passwordProblem(o.password);
  if (password) problems.push({ field: 'password', message: password });
  if (o.name !== undefined && o.name.length > 200) problems.push({ field: 'name', message: 'name must be at most 200 characters long' });
  if (problems.length > 0) throw new ValidationFailed(problems.map((p) => p.message).join('; '), problems);
  return { email, password: o.password, name: o.name ?? null };
}

export async function findUser(users: UsersRepository, email: string | undefined): Promise<UserEntity> {
  const user = email?.trim() ? await users.findByEmail(email.trim()) : null;
  if (!user) throw new NotFound('User', email ?? '');
  return user;
}
