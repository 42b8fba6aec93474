import { SetMetadata } from '@nestjs/common';

export const ROLES = ['customer', 'operator', 'finance', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const STAFF_ROLES: readonly Role[] = ['operator', 'finance', 'admin'];

export const ACCESS_METADATA = 'hashmarket:access';

/** What a route declared: anyone (public), any signed-in user, or a list of roles. */
export type AccessDeclaration = { kind: 'public' } | { kind: 'authenticated' } | { kind: 'roles'; roles: Role[] };

/** Only these roles may call the route. Admin is not implied: list it where it belongs. */
export const Roles = (...roles: Role[]) => SetMetadata(ACCESS_METADATA, { kind: 'roles', roles } satisfies AccessDeclaration);

/** Anyone, signed in or not (register, login, health). */
export const Public = () => SetMetadata(ACCESS_METADATA, { kind: 'public' } satisfies AccessDeclaration);

/** Any signed-in user, whatever the role (GET /v1/me, TOTP enrolment). */
export const Authenticated = () => SetMetadata(ACCESS_METADATA, { kind: 'authenticated' } satisfies AccessDeclaration);
