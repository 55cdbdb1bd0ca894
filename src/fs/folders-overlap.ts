/** Whether one folder is the other or lies inside it (absolute paths, no symlinks resolved). */
import { relative, resolve, sep } from 'node:path';

export function foldersOverlap(a: string, b: string): boolean {
  return inside(resolve(a), resolve(b)) || inside(resolve(b), resolve(a));
}

function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep));
}
