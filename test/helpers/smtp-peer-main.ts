import { startSmtpPeer } from './smtp-peer.js';

/** The SMTP peer alone in its own process (smtp-peer-process.ts): prints its URL, then one line per mail. */
const peer = await startSmtpPeer();
let seen = 0;
console.log(peer.url);
setInterval(() => {
  while (seen < peer.mails.length) {
    seen++;
    console.log('mail');
  }
}, 50);
process.on('SIGTERM', () => void peer.close().then(() => process.exit(0)));
