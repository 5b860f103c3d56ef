import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, type Store } from '../../src/store/open-store.js';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'sockaudit-store-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A store on a new database file in a temporary directory. */
export async function tempStore(): Promise<{ store: Store; file: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const file = path.join(dir, 'test.db');
  const store = await openStore({ db: file, env: {} });
  return {
    store,
    file,
    cleanup: async () => {
      await store.close();
      cleanup();
    },
  };
}
