import { openPbx } from '../../pbx/open-pbx.js';
import { EXIT_OK } from '../exit-codes.js';

export default async function pbxInit(url: string): Promise<number> {
  const pbx = await openPbx(url, process.cwd());
  try {
    await pbx.init();
    process.stderr.write(`Kamailio 5.6 tables ready in ${url}\n`);
    return EXIT_OK;
  } finally {
    await pbx.close();
  }
}
