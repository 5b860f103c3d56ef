#!/usr/bin/env node
/**
 * A process that holds TCP listeners on command, for the live review tests. It ignores its
 * own arguments, so a test can put a fake secret in them (`--password=...`).
 *
 * stdin, one command a line; stdout, one answer a line:
 *   listen NAME HOST PORT   -> "ok PORT"  (PORT "free": a free port from 20000-32000, outside
 *                                          the ephemeral range, so it is not recorded as such)
 *   close NAME              -> "ok"
 * Prints "ready" first; exits at the end of stdin. Nothing ever connects to its listeners.
 */
import net from 'node:net';
import readline from 'node:readline';

const servers = new Map();

function listenOn(host, port) {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => socket.destroy());
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

async function listenFree(host) {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    try {
      return await listenOn(host, port);
    } catch (error) {
      if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES') throw error;
    }
  }
  throw new Error('no free port in 20000-32000');
}

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  const [command, name, host, port] = line.trim().split(/\s+/);
  try {
    if (command === 'listen') {
      const server = port === 'free' ? await listenFree(host) : await listenOn(host, Number(port));
      servers.set(name, server);
      process.stdout.write(`ok ${server.address().port}\n`);
    } else if (command === 'close') {
      await new Promise((resolve) => servers.get(name).close(resolve));
      servers.delete(name);
      process.stdout.write('ok\n');
    } else {
      process.stdout.write(`error unknown command ${command}\n`);
    }
  } catch (error) {
    process.stdout.write(`error ${error.message}\n`);
  }
});
lines.on('close', () => {
  for (const server of servers.values()) server.close();
  process.exit(0);
});
process.stdout.write('ready\n');
