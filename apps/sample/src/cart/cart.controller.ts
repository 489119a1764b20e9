import { Body, Controller, Delete, Get, Param, Post } from '@nestjs/common';
import { Session } from 'nest-redis-session';
import type { ShopSession } from '../shop-session.interface.js';
import { parseCartItem } from './cart-item.input.js';
import { CartService, type CartView } from './cart.service.js';

/** The shopping cart, kept in the session. Signed-in users only (the app-wide `AuthGuard`). */
@Controller('api/cart')
export class CartController {
  constructor(private readonly cart: CartService) {}

  /** `GET /api/cart` → the cart with names, prices and total. */
  @Get()
  read(@Session() session: Session<ShopSession>): CartView {
    return this.cart.view(session.data);
  }

  /** `POST /api/cart` `{ sku, quantity }` → 201 with the cart; 400 for an unknown product or a bad quantity. */
  @Post()
  add(@Session() session: Session<ShopSession>, @Body() body: unknown): CartView {
    this.cart.add(session.data, parseCartItem(body));
    return this.cart.view(session.data);
  }

  /** `DELETE /api/cart/:sku` → 200 with the cart; 404 for a product the shop does not sell. */
  @Delete(':sku')
  remove(@Session() session: Session<ShopSession>, @Param('sku') sku: string): CartView {
    this.cart.remove(session.data, sku);
    return this.cart.view(session.data);
  }
}
