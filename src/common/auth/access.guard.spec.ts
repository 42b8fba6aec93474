import { Controller, Get, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ExecutionContext } from '@nestjs/common';
import type { AccessTokenVerifier } from './access-token.verifier.js';
import { AccessGuard } from './access.guard.js';
import type { AuthenticatedUser } from './authenticated-user.js';
import { Authenticated, Public, Roles } from './roles.js';

@Controller('things')
class ThingsController {
  @Get('undeclared')
  undeclared() {}

  @Public()
  @Get('open')
  open() {}

  @Authenticated()
  @Get('mine')
  mine() {}

  @Roles('finance', 'admin')
  @Get('books')
  books() {}
}

@Roles('admin')
@Controller('admin-things')
class AdminThingsController {
  @Get()
  list() {}
}

const verifier: AccessTokenVerifier = {
  verify: async (token: string): Promise<AuthenticatedUser> => {
    const [role, userId] = token.split('-');
    if (!['customer', 'operator', 'finance', 'admin'].includes(role)) throw Object.assign(new Error('bad token'), { code: 'AUTH.INVALID_TOKEN' });
    return { userId, role: role as AuthenticatedUser['role'], email: `${userId}@example.test` };
  },
};

function contextFor(controller: Function, handler: Function, token?: string): ExecutionContext {
  const request = { headers: token ? { authorization: `Bearer ${token}` } : {} };
  return {
    getHandler: () => handler,
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe('AccessGuard (deny by default)', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn']));
  const guard = new AccessGuard(new Reflector(), verifier);
  const proto = ThingsController.prototype;

  it('denies a route that declares nothing, even to an admin', async () => {
    await expect(guard.canActivate(contextFor(ThingsController, proto.undeclared))).rejects.toMatchObject({
      code: 'AUTH.ROUTE_NOT_DECLARED',
      kind: 'forbidden',
    });
    await expect(guard.canActivate(contextFor(ThingsController, proto.undeclared, 'admin-1'))).rejects.toMatchObject({ code: 'AUTH.ROUTE_NOT_DECLARED' });
  });

  it('lets anyone call a public route', async () => {
    await expect(guard.canActivate(contextFor(ThingsController, proto.open))).resolves.toBe(true);
  });

  it('requires a token on authenticated routes, whatever the role', async () => {
    await expect(guard.canActivate(contextFor(ThingsController, proto.mine))).rejects.toMatchObject({ code: 'AUTH.UNAUTHENTICATED', kind: 'unauthorized' });
    await expect(guard.canActivate(contextFor(ThingsController, proto.mine, 'customer-7'))).resolves.toBe(true);
  });

  it('checks the role list, with no implied admin', async () => {
    await expect(guard.canActivate(contextFor(ThingsController, proto.books, 'finance-2'))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(ThingsController, proto.books, 'admin-3'))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(ThingsController, proto.books, 'operator-4'))).rejects.toMatchObject({
      code: 'AUTH.FORBIDDEN',
      kind: 'forbidden',
    });
    await expect(guard.canActivate(contextFor(ThingsController, proto.books, 'customer-5'))).rejects.toMatchObject({ code: 'AUTH.FORBIDDEN' });
  });

  it('applies a controller-level declaration to its routes', async () => {
    await expect(guard.canActivate(contextFor(AdminThingsController, AdminThingsController.prototype.list, 'admin-1'))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(AdminThingsController, AdminThingsController.prototype.list, 'finance-1'))).rejects.toMatchObject({
      code: 'AUTH.FORBIDDEN',
    });
  });
});
