// The baseline of bench/: the broadcast server a user would write with npm
// `ws` instead of running chat-actors. Every text message goes to every open
// client, the sender included, exactly as received. No auth, no rooms, no
// storage: the load generator drives it with `--target raw`.
//
// Usage: node server.mjs [PORT]   (0 or none picks a free port)
// Prints "listening on PORT" on stdout once it accepts connections.
import { WebSocketServer, WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({
  host: '127.0.0.1',
  port,
  // Compression off: the chat server does not compress either, and deflate
  // would measure zlib rather than the server.
  perMessageDeflate: false,
  backlog: 4096, // as many pending connects as the kernel allows (somaxconn)
});

wss.on('connection', (ws) => {
  // A client that resets its socket must not take the server down.
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});

wss.on('listening', () => {
  console.log(`listening on ${wss.address().port}`);
});

wss.on('error', (err) => {
  console.error(`ws baseline: ${err.message}`);
  process.exit(1);
});

// bench/run stops the server with SIGTERM; exit at once, as the chat server does.
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
