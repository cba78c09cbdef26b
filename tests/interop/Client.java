// Java (JSSE) client for tests/interop/run.sh: two connections with SNI, ALPN and one forced
// version, optionally with a client certificate (PEM chain, PKCS#8 DER EC key); prints one
// line per connection.
import javax.net.ssl.*;
import java.io.*;
import java.security.KeyStore;
import java.security.cert.*;
import java.util.*;

public class Client {
    // args: host port sni cafile protocol(TLSv1.2|TLSv1.3) alpn [certpem keypk8der]
    public static void main(String[] a) throws Exception {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        KeyStore ts = KeyStore.getInstance(KeyStore.getDefaultType());
        ts.load(null, null);
        int i = 0;
        for (Certificate c : cf.generateCertificates(new FileInputStream(a[3]))) ts.setCertificateEntry("ca" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ts);
        KeyManager[] kms = null;
        if (a.length > 7) {
            Collection<? extends Certificate> chain = cf.generateCertificates(new FileInputStream(a[6]));
            byte[] der = java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(a[7]));
            java.security.PrivateKey k = java.security.KeyFactory.getInstance("EC").generatePrivate(new java.security.spec.PKCS8EncodedKeySpec(der));
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("me", k, "x".toCharArray(), chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "x".toCharArray());
            kms = kmf.getKeyManagers();
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kms, tmf.getTrustManagers(), null);
        for (int round = 0; round < 2; round++) {
            SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(a[0], Integer.parseInt(a[1]));
            SSLParameters p = s.getSSLParameters();
            p.setServerNames(List.of(new SNIHostName(a[2])));
            p.setProtocols(new String[] {a[4]});
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!a[5].equals("-")) p.setApplicationProtocols(new String[] {a[5]});
            s.setSSLParameters(p);
            s.startHandshake();
            OutputStream o = s.getOutputStream();
            o.write("java-line\n".getBytes());
            o.flush();
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream()));
            String line = r.readLine();
            X509Certificate peer = (X509Certificate) s.getSession().getPeerCertificates()[0];
            System.out.println("java " + s.getSession().getProtocol() + " " + s.getSession().getCipherSuite() + " alpn=" + s.getApplicationProtocol() + " subject=" + peer.getSubjectX500Principal().getName() + " echo=" + line);
            s.close();
        }
    }
}
