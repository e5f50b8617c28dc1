import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { removeOnExit } from './processes.js';

export interface TempDir {
  readonly path: string;
  /** Removes the dir and everything in it. */
  remove(): Promise<void>;
}

/**
 * A fresh dir under os.tmpdir(). Removed by remove(), or, should the test process exit first,
 * by the exit hook of processes.ts.
 */
export async function makeTempDir(prefix: string): Promise<TempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const forget = removeOnExit(dir);
  return {
    path: dir,
    async remove() {
      await rm(dir, { recursive: true, force: true });
      forget();
    },
  };
}
