import fs from 'node:fs';

/**
 * The version in package.json, found by walking up from this file: it is two levels up
 * from dist/src/version.js and from the bin bundle in dist/bin/, one from src/version.ts
 * (as run by the tests).
 */
export function toolVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(fs.readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'sockaudit' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // not at this level
    }
  }
  return 'unknown';
}
