/** The authenticated caller, as the JWT strategy puts it on `request.user`. */
export interface AuthUser {
  id: string;
  email: string;
  /** From the user's row (cached per process), never from the token. */
  isPlatformAdmin: boolean;
}

export interface JwtClaims {
  sub: string;
  email: string;
  /** The user's token_version when issued; absent means 0 (tokens from before it existed). */
  ver?: number;
}
