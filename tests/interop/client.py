# Python (ssl) client for tests/interop/run.sh: two connections (the second resumes) with SNI,
# ALPN and one forced version, optionally with a client certificate.
# python3 client.py host port sni cafile version alpn [cert key]
import socket, ssl, sys
host, port, sni, ca, ver, alpn = sys.argv[1:7]
ctx = ssl.create_default_context(cafile=ca)
v = ssl.TLSVersion.TLSv1_3 if ver == "1.3" else ssl.TLSVersion.TLSv1_2
ctx.minimum_version = ctx.maximum_version = v
if alpn != "-": ctx.set_alpn_protocols([alpn])
if len(sys.argv) > 8: ctx.load_cert_chain(sys.argv[7], sys.argv[8])
sess = None
for rnd in range(2):
    with socket.create_connection((host, int(port))) as raw:
        with ctx.wrap_socket(raw, server_hostname=sni, session=sess) as s:
            s.sendall(b"python-line\n")
            data = s.recv(100)
            print("python", s.version(), s.cipher()[0], "alpn=%s" % s.selected_alpn_protocol(), "subject=%s" % dict(x[0] for x in s.getpeercert()["subject"]).get("commonName"), "resumed=%s" % s.session_reused, "echo=%s" % data.decode().strip())
            sess = s.session
