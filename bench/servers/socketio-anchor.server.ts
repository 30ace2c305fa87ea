// Anchor of the sync benchmark: a bare socket.io server on the same HTTP stack size, pushing
// one timestamped message per socket per interval. What a connection costs with no sync.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const [port, intervalMs] = process.argv.slice(2).map(Number);
// Answers any plain HTTP request: the benchmark only asks whether it is up.
const http = createServer((_req, res) => void res.writeHead(200).end('ok'));
const io = new Server(http, { transports: ['websocket'] });
const sync = io.of('/sync');
setInterval(() => sync.emit('message', { timestamp: new Date().toISOString() }), intervalMs);
http.listen(port, '127.0.0.1');
