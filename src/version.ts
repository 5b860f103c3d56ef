import fs from 'node:fs';

/** The version in package.json (dist/src/version.js and src/version.ts both sit two levels down). */
export function toolVersion(): string {
  const text = fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
