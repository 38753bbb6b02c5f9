/** The authenticated caller, as the JWT strategy puts it on `request.user`. */
export interface AuthUser {
  id: string;
  email: string;
  isPlatformAdmin: boolean;
}

export interface JwtClaims {
  sub: string;
  email: string;
  adm?: boolean;
}
