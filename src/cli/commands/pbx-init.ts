import { openPbx } from '../../pbx/open-pbx.js';
import { EXIT_OK } from '../exit-codes.js';

export default async function pbxInit(url: string, options: { sqlDir?: string }): Promise<number> {
  const pbx = await openPbx(url, process.cwd(), { sqlDir: options.sqlDir });
  try {
    await pbx.init();
    // The URL may hold a password: name only its scheme and what follows the '@'.
    process.stderr.write(`Kamailio 5.6 tables ready in ${url.replace(/\/\/[^@/]*@/, '//')}\n`);
    return EXIT_OK;
  } finally {
    await pbx.close();
  }
}
