// goclient ADDR SNI CAFILE VERSION ALPN [CERT KEY]: two connections (the second resumes),
// one echoed line each.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

func main() {
	a := os.Args[1:]
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(a[2])
	pool.AppendCertsFromPEM(pem)
	v := uint16(tls.VersionTLS13)
	if a[3] == "1.2" {
		v = tls.VersionTLS12
	}
	cfg := &tls.Config{ServerName: a[1], RootCAs: pool, MinVersion: v, MaxVersion: v,
		ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	if a[4] != "-" {
		cfg.NextProtos = []string{a[4]}
	}
	if len(a) > 6 {
		c, err := tls.LoadX509KeyPair(a[5], a[6])
		if err != nil {
			fmt.Println("go error", err)
			os.Exit(1)
		}
		cfg.Certificates = []tls.Certificate{c}
	}
	for i := 0; i < 2; i++ {
		c, err := tls.Dial("tcp", a[0], cfg)
		if err != nil {
			fmt.Println("go error", err)
			os.Exit(1)
		}
		c.Write([]byte("go-line\n"))
		line, _ := bufio.NewReader(c).ReadString('\n')
		st := c.ConnectionState()
		fmt.Printf("go %s %s alpn=%s subject=%s resumed=%v echo=%s", map[uint16]string{tls.VersionTLS12: "TLSv1.2", tls.VersionTLS13: "TLSv1.3"}[st.Version],
			tls.CipherSuiteName(st.CipherSuite), st.NegotiatedProtocol,
			st.PeerCertificates[0].Subject.CommonName, st.DidResume, line)
		c.Close()
	}
}
