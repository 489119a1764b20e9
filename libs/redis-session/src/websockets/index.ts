// nest-redis-session/websockets: sessions in WebSocket gateways (needs @nestjs/websockets). An explicit list.

export { withSessionSockets } from './with-session-sockets.js';
export { SessionWsExceptionFilter } from './session-ws-exception.filter.js';
export { SESSION_ENDED_CLOSE_CODE } from './socket-session.watcher.js';
