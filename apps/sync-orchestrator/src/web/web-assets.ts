import { Injectable, Logger } from '@nestjs/common';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** A file of the page, held in memory. */
export interface WebAsset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * The built files of the `/sync/` page (`dist/sync-web`, made by scripts/build-sync-web.js),
 * read once at boot so requests never touch the file system. Only those files are served.
 */
@Injectable()
export class WebAssets {
  private readonly logger = new Logger(WebAssets.name);
  private readonly files = new Map<string, WebAsset>();

  constructor() {
    const dir = WebAssets.locate();
    if (!dir) {
      this.logger.warn('dist/sync-web is missing (run the build): the /sync/ page answers 503');
      return;
    }
    for (const file of walk(dir)) {
      const type = TYPES[extname(file)];
      if (type)
        this.files.set(relative(dir, file).split(sep).join('/'), {
          body: readFileSync(file),
          type,
        });
    }
  }

  /** The asset at a page-relative path (`index.html`, `lib/index.js`, …). */
  get(path: string): WebAsset | undefined {
    return this.files.get(path);
  }

  get built(): boolean {
    return this.files.size > 0;
  }

  // Compiled, this file sits in dist/apps/sync-orchestrator/src/web; from sources (tests) the
  // build output is under dist/ of the repository.
  private static locate(): string | undefined {
    const candidates = [
      resolve(__dirname, '../../../../sync-web'),
      resolve(__dirname, '../../../../dist/sync-web'),
    ];
    return candidates.find((dir) => existsSync(join(dir, 'index.html')));
  }
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) yield* walk(full);
    else yield full;
  }
}
