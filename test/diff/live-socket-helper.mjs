// A child process for the live diff test: holds listeners and client connections and
// changes them on command. Reads one command per line on stdin, answers one line on stdout:
//   listen NAME HOST PORT   -> "ok NAME PORT"   (PORT 0: any free port)
//   close NAME              -> "ok NAME"
//   connect N HOST PORT     -> "ok N"           (N client connections, kept open)
//   disconnect              -> "ok"             (closes every client connection)
import net from 'node:net';
import readline from 'node:readline';

const servers = new Map();
const accepted = new Set();
let clients = [];

const reply = (text) => process.stdout.write(`${text}\n`);

async function handle(words) {
  const [command, ...args] = words;
  if (command === 'listen') {
    const [name, host, port] = args;
    const server = net.createServer((socket) => {
      accepted.add(socket);
      socket.on('close', () => accepted.delete(socket));
      socket.on('error', () => undefined);
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port), host, resolve);
    });
    servers.set(name, server);
    return `ok ${name} ${server.address().port}`;
  }
  if (command === 'close') {
    const server = servers.get(args[0]);
    servers.delete(args[0]);
    await new Promise((resolve) => server.close(resolve));
    return `ok ${args[0]}`;
  }
  if (command === 'connect') {
    const [count, host, port] = args;
    const opened = await Promise.all(
      Array.from({ length: Number(count) }, () => new Promise((resolve, reject) => {
        const socket = net.connect(Number(port), host, () => resolve(socket));
        socket.once('error', reject);
      })),
    );
    clients.push(...opened);
    return `ok ${count}`;
  }
  if (command === 'disconnect') {
    await Promise.all(clients.map((socket) => new Promise((resolve) => { socket.once('close', resolve); socket.end(); })));
    clients = [];
    return 'ok';
  }
  throw new Error(`unknown command ${command}`);
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', (line) => {
  handle(line.trim().split(/\s+/)).then(reply, (error) => reply(`error ${error.message}`));
});
lines.on('close', () => process.exit(0));
reply('ready');
