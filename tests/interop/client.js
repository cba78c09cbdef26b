// Node (tls) client for tests/interop/run.sh: two connections (the second resumes) with SNI,
// ALPN and one forced version, optionally with a client certificate.
// node client.js host port sni cafile minVersion alpn [cert key]
const tls = require('tls'); const fs = require('fs');
const [host, port, sni, ca, ver, alpn, cert, key] = process.argv.slice(2);
let session = null;
function once(round) {
  const opts = { host, port: +port, servername: sni, ca: fs.readFileSync(ca), minVersion: ver, maxVersion: ver };
  if (alpn !== '-') opts.ALPNProtocols = [alpn];
  if (cert) { opts.cert = fs.readFileSync(cert); opts.key = fs.readFileSync(key); }
  if (session) opts.session = session;
  const s = tls.connect(opts, () => { s.write('node-line\n'); });
  s.on('session', (sess) => { session = sess; });
  s.setEncoding('utf8');
  s.on('data', (d) => {
    console.log(`node ${s.getProtocol()} ${s.getCipher().standardName} alpn=${s.alpnProtocol} subject=${(s.getPeerCertificate().subject || {}).CN} resumed=${s.isSessionReused()} echo=${d.trim()}`);
    s.end();
  });
  s.on('close', () => { if (round < 1) setTimeout(() => once(round + 1), 100); });
  s.on('error', (e) => { console.log('node error ' + e.message); process.exitCode = 1; });
}
once(0);
