// Anchor of the sync benchmark: a bare socket.io server on the same HTTP stack size, pushing
// one timestamped message per socket per interval. What a connection costs with no sync.
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const [port, intervalMs] = process.argv.slice(2).map(Number);
const http = createServer((req, res) => {
  if (req.url !== '/mem') return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
});
const io = new Server(http, { transports: ['websocket'] });
setInterval(() => io.of('/sync').emit('message', { timestamp: new Date().toISOString() }), intervalMs);
http.listen(port, '127.0.0.1');
