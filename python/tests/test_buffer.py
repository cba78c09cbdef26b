"""TLSBuffer: in-memory handshakes between two contexts, as PEP 748 describes them."""

import pytest

from unitls import (CipherSuite, NextProtocol, RaggedEOF, TLSError, TLSVersion,
                    WantReadError)

from conftest import (assert_handshake_failure, buffer_pair, chain, client_config, handshake,
                      pump, server_config, trust)

TLS12_SUITES = [s for s in CipherSuite if s >> 8 != 0x13]
TLS13_SUITES = [s for s in CipherSuite if s >> 8 == 0x13]


def test_handshake_and_data(impl, other_impl, certs):
    client, server = buffer_pair(impl, other_impl, client_config(certs), server_config(certs))
    assert client.cipher() is None and client.negotiated_tls_version is None
    handshake(client, server)
    assert client.negotiated_tls_version is TLSVersion.TLSv1_3
    assert server.negotiated_tls_version is TLSVersion.TLSv1_3
    assert isinstance(client.cipher(), CipherSuite) and client.cipher() == server.cipher()
    assert client.getpeercert() == (certs / "localhost.der").read_bytes()
    assert server.getpeercert() is None
    assert client.negotiated_protocol() is None
    assert client.write(b"ping") == 4
    pump(client, server)
    assert server.read(100) == b"ping"
    out = bytearray(10)
    server.write(memoryview(b"pong"))
    pump(client, server)
    assert client.read(10, out) == 4 and bytes(out[:4]) == b"pong"
    assert client.context.configuration.trust_store is not None


def test_read_without_data_wants_read(impl, certs):
    client, server = buffer_pair(impl, impl, client_config(certs), server_config(certs))
    handshake(client, server)
    with pytest.raises(WantReadError):
        client.read(10)


@pytest.mark.parametrize("version", [TLSVersion.TLSv1_2, TLSVersion.TLSv1_3])
def test_each_version_pinned(impl, other_impl, certs, version):
    ccfg = client_config(certs, lowest_supported_version=version,
                         highest_supported_version=version)
    client, server = buffer_pair(impl, other_impl, ccfg, server_config(certs))
    handshake(client, server)
    assert client.negotiated_tls_version is version
    assert server.negotiated_tls_version is version


def test_open_ended_versions(impl, certs):
    ccfg = client_config(certs, lowest_supported_version=TLSVersion.MINIMUM_SUPPORTED,
                         highest_supported_version=TLSVersion.MAXIMUM_SUPPORTED)
    client, server = buffer_pair(impl, impl, ccfg, server_config(certs))
    handshake(client, server)
    assert client.negotiated_tls_version is TLSVersion.TLSv1_3


@pytest.mark.parametrize("suite", TLS12_SUITES, ids=lambda s: s.name)
def test_each_tls12_suite_pinned(impl, other_impl, certs, suite):
    leaf = "example.org-rsa" if "_RSA_" in suite.name else "localhost"
    # The server allows the suite too: CCM suites are not among the secure defaults.
    scfg = server_config(certs, names=(leaf,), ciphers=[suite])
    ccfg = client_config(certs, ciphers=[suite], highest_supported_version=TLSVersion.TLSv1_2)
    client, server = buffer_pair(impl, other_impl, ccfg, scfg,
                                 hostname="example.org" if leaf != "localhost" else "localhost")
    handshake(client, server)
    assert client.cipher() is suite and server.cipher() is suite
    assert client.negotiated_tls_version is TLSVersion.TLSv1_2


@pytest.mark.parametrize("suite", TLS13_SUITES, ids=lambda s: s.name)
def test_each_tls13_suite_pinned(impl, other_impl, certs, suite):
    # The server keeps the defaults: PEP 748's default TLS 1.3 list is all five suites.
    ccfg = client_config(certs, ciphers=[suite])
    client, server = buffer_pair(impl, other_impl, ccfg, server_config(certs))
    handshake(client, server)
    assert client.cipher() is suite and client.negotiated_tls_version is TLSVersion.TLSv1_3


def test_ciphers_without_tls13_suites_disable_tls13(impl, certs):
    ccfg = client_config(certs, ciphers=[CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256])
    client, server = buffer_pair(impl, impl, ccfg, server_config(certs))
    handshake(client, server)
    assert client.negotiated_tls_version is TLSVersion.TLSv1_2


@pytest.mark.parametrize("offer,expect", [
    ([NextProtocol.H2, NextProtocol.HTTP1], NextProtocol.H2),
    ([b"x-unitls-test", NextProtocol.HTTP1], b"x-unitls-test"),
    ([b"h2"], NextProtocol.H2),
])
def test_alpn_by_enum_and_raw_bytes(impl, other_impl, certs, offer, expect):
    scfg = server_config(certs, inner_protocols=[b"x-unitls-test", NextProtocol.H2])
    client, server = buffer_pair(impl, other_impl, client_config(certs, inner_protocols=offer),
                                 scfg)
    handshake(client, server)
    assert client.negotiated_protocol() == expect
    assert server.negotiated_protocol() == expect


def test_client_authentication(impl, other_impl, certs):
    scfg = server_config(certs, trust_store=trust(certs, "client-ca"))
    ccfg = client_config(certs, certificate_chain=chain(certs, "client"))
    client, server = buffer_pair(impl, other_impl, ccfg, scfg)
    handshake(client, server)
    assert server.getpeercert() == (certs / "client.der").read_bytes()


def test_client_authentication_refuses_a_client_without_certificate(impl, certs):
    scfg = server_config(certs, trust_store=trust(certs, "client-ca"))
    client, server = buffer_pair(impl, impl, client_config(certs), scfg)
    with pytest.raises(TLSError) as failure:
        handshake(client, server)
    assert_handshake_failure(failure)


@pytest.mark.parametrize("name,leaf", [("example.org", "example.org"),
                                       ("default.test", "default.test"),
                                       ("unknown.test", "default.test")])
def test_sni_over_two_chains(impl, other_impl, certs, name, leaf):
    scfg = server_config(certs, names=("default.test", "example.org"))
    ccfg = client_config(certs)
    client, server = buffer_pair(impl, other_impl, ccfg, scfg, hostname=name)
    if name == "unknown.test":
        # The default chain is served, and the client refuses it: it does not name the host.
        with pytest.raises(TLSError) as failure:
            handshake(client, server)
        assert_handshake_failure(failure)
        return
    handshake(client, server)
    assert client.getpeercert() == (certs / f"{leaf}.der").read_bytes()
    assert server.server_name == name


def test_hostname_mismatch_is_refused(impl, certs):
    client, server = buffer_pair(impl, impl, client_config(certs), server_config(certs),
                                 hostname="example.org")
    with pytest.raises(TLSError) as failure:
        handshake(client, server)
    assert_handshake_failure(failure)


def test_zero_return_after_shutdown(impl, other_impl, certs):
    client, server = buffer_pair(impl, other_impl, client_config(certs), server_config(certs))
    handshake(client, server)
    with pytest.raises(WantReadError):
        server.shutdown()
    pump(client, server)
    assert client.read(10) == b""
    assert client.read(10) == b""
    client.shutdown()
    pump(client, server)
    server.shutdown()


@pytest.mark.parametrize("version", [TLSVersion.TLSv1_2, TLSVersion.TLSv1_3])
def test_ragged_eof(impl, other_impl, certs, version):
    ccfg = client_config(certs, highest_supported_version=version)
    client, server = buffer_pair(impl, other_impl, ccfg, server_config(certs))
    handshake(client, server)
    server.write(b"last words")
    pump(client, server)
    client.process_incoming_eof()
    assert client.read(100) == b"last words"
    with pytest.raises(RaggedEOF):
        client.read(10)


def test_incoming_bytes_buffered(impl, certs):
    client, server = buffer_pair(impl, impl, client_config(certs), server_config(certs))
    with pytest.raises(WantReadError):
        client.do_handshake()
    hello = client.process_outgoing(-1)
    assert hello and client.outgoing_bytes_buffered() == 0
    server.process_incoming(hello[:5])
    assert server.incoming_bytes_buffered() == 5
    with pytest.raises(WantReadError):
        server.do_handshake()


def test_version_failure_is_explained(impl, other_impl, certs):
    ccfg = client_config(certs, lowest_supported_version=TLSVersion.TLSv1_3)
    scfg = server_config(certs, highest_supported_version=TLSVersion.TLSv1_2)
    client, server = buffer_pair(impl, other_impl, ccfg, scfg)
    with pytest.raises(TLSError) as failure:
        handshake(client, server)
    assert_handshake_failure(failure)
    err = failure.value
    assert err.reason == "version", str(err)
    # The library's sentence names both sides: what the server spoke, what the client allows.
    text = str(err)
    assert "1.2" in text and "1.3" in text, text
