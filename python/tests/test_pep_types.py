"""Contexts accept PEP 748's value types from any module that defines them as the PEP does
(pep_types here): code written against the PEP's own types runs unchanged over unitls."""

import pytest

import unitls
from unitls import ConfigurationError, TLSError

import pep_types as pep
from conftest import assert_handshake_failure, handshake, pump, ThreadedAccept


def chain(certs, name):
    return pep.SigningChain((pep.Certificate.from_file(certs / f"{name}.pem"),
                             pep.PrivateKey.from_file(certs / f"{name}.key")))


def trust(certs, name="ca"):
    return pep.TrustStore.from_file(certs / f"{name}.pem")


def test_pep_types_are_not_unitls_types():
    assert pep.TLSClientConfiguration is not unitls.TLSClientConfiguration
    assert pep.TLSVersion is not unitls.TLSVersion


def test_buffers_from_pep_configurations(impl, other_impl, certs):
    ccfg = pep.TLSClientConfiguration(
        certificate_chain=chain(certs, "client"),
        inner_protocols=[pep.NextProtocol.HTTP1, b"x-raw"],
        lowest_supported_version=pep.TLSVersion.TLSv1_2,
        highest_supported_version=pep.TLSVersion.TLSv1_2,
        ciphers=[pep.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384],
        trust_store=trust(certs))
    scfg = pep.TLSServerConfiguration(
        certificate_chain=[chain(certs, "localhost")],
        inner_protocols=[pep.NextProtocol.HTTP1],
        trust_store=trust(certs, "client-ca"))
    client = impl.client_context(ccfg).create_buffer("localhost")
    server = other_impl.server_context(scfg).create_buffer()
    handshake(client, server)
    assert client.context.configuration is ccfg
    # Versions and protocols come back as the caller's own enum members; a CipherSuite is an
    # IntEnum and so equals the PEP's.
    assert client.cipher() == pep.CipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    assert client.negotiated_tls_version is pep.TLSVersion.TLSv1_2
    assert client.negotiated_protocol() is pep.NextProtocol.HTTP1
    assert server.negotiated_protocol() is pep.NextProtocol.HTTP1
    assert server.getpeercert() == (certs / "client.der").read_bytes()
    client.write(b"over PEP types")
    pump(client, server)
    assert server.read(100) == b"over PEP types"


def test_pep_buffer_certificates_and_trust(impl, certs):
    leaf = pep.Certificate.from_buffer((certs / "localhost.pem").read_bytes())
    key = pep.PrivateKey.from_buffer((certs / "localhost.key").read_bytes())
    scfg = pep.TLSServerConfiguration(certificate_chain=[pep.SigningChain((leaf, key))])
    ccfg = pep.TLSClientConfiguration(
        trust_store=pep.TrustStore.from_buffer((certs / "ca.pem").read_bytes()))
    client = impl.client_context(ccfg).create_buffer("localhost")
    handshake(client, impl.server_context(scfg).create_buffer())
    assert client.getpeercert() == (certs / "localhost.der").read_bytes()


def test_pep_trust_store_is_used(impl, certs):
    # The PEP's trust store naming the wrong CA must fail: it is read, not ignored.
    ccfg = pep.TLSClientConfiguration(trust_store=trust(certs, "client-ca"))
    scfg = pep.TLSServerConfiguration(certificate_chain=[chain(certs, "localhost")])
    client = impl.client_context(ccfg).create_buffer("localhost")
    with pytest.raises(TLSError) as failure:
        handshake(client, impl.server_context(scfg).create_buffer())
    assert_handshake_failure(failure)


def test_sockets_from_pep_configurations(impl, other_impl, certs):
    scfg = pep.TLSServerConfiguration(certificate_chain=[chain(certs, "localhost")],
                                      highest_supported_version=pep.TLSVersion.TLSv1_3)
    listener = other_impl.server_context(scfg).connect(("127.0.0.1", 0))
    port = listener.getsockname()[1]  # before the accepting thread owns the listener
    acceptor = ThreadedAccept(listener)
    ccfg = pep.TLSClientConfiguration(trust_store=trust(certs),
                                      lowest_supported_version=pep.TLSVersion.TLSv1_3)
    client = impl.client_context(ccfg).connect(("127.0.0.1", port))
    conn = acceptor.result()
    assert client.negotiated_tls_version is pep.TLSVersion.TLSv1_3
    assert conn.negotiated_tls_version is pep.TLSVersion.TLSv1_3
    assert conn.context.configuration is scfg
    client.close(force=True)
    conn.close(force=True)
    listener.close()


def test_validate_config_takes_pep_configurations(impl, certs):
    impl.validate_config(pep.TLSClientConfiguration(trust_store=trust(certs)))
    impl.validate_config(pep.TLSServerConfiguration(certificate_chain=[chain(certs,
                                                                             "localhost")]))
    with pytest.raises(ConfigurationError):
        impl.validate_config(pep.TLSServerConfiguration())
    with pytest.raises(ConfigurationError):
        impl.validate_config(pep.TLSClientConfiguration(
            trust_store=pep.TrustStore.from_id(b"nosuchscheme:x")))


def test_results_in_the_configuration_modules_enums(impl, certs):
    # No version or protocol enum is set on either configuration: the module that defines the
    # configuration class still decides which TLSVersion reports the result.
    ccfg = pep.TLSClientConfiguration(trust_store=trust(certs), inner_protocols=[b"h2"])
    scfg = pep.TLSServerConfiguration(certificate_chain=[chain(certs, "localhost")],
                                      inner_protocols=[b"h2"])
    client = impl.client_context(ccfg).create_buffer("localhost")
    server = impl.server_context(scfg).create_buffer()
    assert client.negotiated_tls_version is None and client.negotiated_protocol() is None
    handshake(client, server)
    assert client.negotiated_tls_version is pep.TLSVersion.TLSv1_3
    assert server.negotiated_tls_version == pep.TLSVersion.TLSv1_3
    assert client.negotiated_protocol() is pep.NextProtocol.H2


def test_unitls_configurations_still_report_unitls_enums(impl, certs):
    ccfg = unitls.TLSClientConfiguration(trust_store=unitls.TrustStore.from_file(certs / "ca.pem"))
    scfg = unitls.TLSServerConfiguration(certificate_chain=[unitls.SigningChain((
        unitls.Certificate.from_file(certs / "localhost.pem"),
        unitls.PrivateKey.from_file(certs / "localhost.key")))])
    client = impl.client_context(ccfg).create_buffer("localhost")
    handshake(client, impl.server_context(scfg).create_buffer())
    assert client.negotiated_tls_version is unitls.TLSVersion.TLSv1_3


def test_emptied_pep_certificate_is_a_configuration_error(impl, certs):
    # The PEP's constructors refuse an empty Certificate, but its slots stay assignable: one
    # emptied afterwards is a configuration the implementation cannot use, for validate_config
    # and for a context alike.
    leaf = pep.Certificate.from_id(b"x")
    leaf._id = None
    scfg = pep.TLSServerConfiguration(certificate_chain=[pep.SigningChain((leaf, None))])
    with pytest.raises(ConfigurationError, match="empty"):
        impl.validate_config(scfg)
    with pytest.raises(ConfigurationError, match="empty"):
        impl.server_context(scfg)
