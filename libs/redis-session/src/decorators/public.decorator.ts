import { SetMetadata } from '@nestjs/common';
import { PUBLIC_ROUTE_METADATA } from '../redis-session.constants.js';

/**
 * Exempts a route (or every route of a controller) from a global `AuthGuard`.
 *
 * @example
 * @Public()
 * @Post('login')
 * login(@Session() session: Session, @Body() body: LoginDto) { ... }
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ROUTE_METADATA, true);
