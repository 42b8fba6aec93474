import type { INestApplication } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_METADATA, type AccessDeclaration } from './roles.js';

export interface RouteAccess {
  controller: string;
  handler: string;
  method: string;
  path: string;
  access: AccessDeclaration | undefined;
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'ALL', 'OPTIONS', 'HEAD', 'SEARCH'];

/** Every controller route with the access it declares (used by the deny-by-default test). */
export function listRouteAccess(app: INestApplication): RouteAccess[] {
  const discovery = app.get(DiscoveryService);
  const scanner = app.get(MetadataScanner);
  const reflector = app.get(Reflector);
  const routes: RouteAccess[] = [];
  for (const wrapper of discovery.getControllers()) {
    const instance = wrapper.instance as object | undefined;
    if (!instance || !wrapper.metatype) continue;
    const prototype = Object.getPrototypeOf(instance) as object;
    const controllerPath = String(Reflect.getMetadata('path', wrapper.metatype) ?? '');
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = (prototype as Record<string, unknown>)[name] as (...args: unknown[]) => unknown;
      const path = Reflect.getMetadata('path', handler) as string | undefined;
      const method = Reflect.getMetadata('method', handler) as number | undefined;
      if (path === undefined || method === undefined) continue;
      routes.push({
        controller: wrapper.metatype.name,
        handler: name,
        method: METHODS[method] ?? String(method),
        path: `/${controllerPath}/${path}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1'),
        access: reflector.getAllAndOverride<AccessDeclaration>(ACCESS_METADATA, [handler, wrapper.metatype]),
      });
    }
  }
  return routes;
}
