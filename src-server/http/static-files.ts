import path from 'node:path';
import { BUILD_CONTENT_TYPES } from '../../shared/content-types.js';


export function contentTypeOf(file: string): string {
  return BUILD_CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream';
}

/** The file `rel` names inside `root`, or null when it would leave it (traversal, NUL). */
export function fileInside(root: string, rel: string): string | null {
  const base = path.resolve(root);
  const file = path.resolve(base, rel);
  return file.startsWith(base + path.sep) && !rel.includes('\0') ? file : null;
}
