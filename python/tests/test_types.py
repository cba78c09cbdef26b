"""PEP 748's value types, exceptions and runtime access."""

import pytest

import unitls
from unitls import (Certificate, CipherSuite, ConfigurationError, NextProtocol, PrivateKey,
                    RaggedEOF, SigningChain, TLSClientConfiguration, TLSError,
                    TLSServerConfiguration, TLSVersion, TrustStore, WantReadError,
                    WantWriteError)

from conftest import chain, client_config, trust


def test_exception_hierarchy():
    for exc in (WantReadError, WantWriteError, RaggedEOF, ConfigurationError):
        assert issubclass(exc, TLSError)
    assert issubclass(TLSError, Exception)


def test_enums_match_the_pep():
    assert CipherSuite.TLS_AES_128_GCM_SHA256 == 0x1301
    assert CipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 == 0xCCA9
    assert len(CipherSuite) == 15
    assert NextProtocol.H2.value == b"h2" and NextProtocol.TURN.value == b"stun.turn"
    assert [v.value for v in TLSVersion] == ["MINIMUM_SUPPORTED", "TLSv1.2", "TLSv1.3",
                                             "MAXIMUM_SUPPORTED"]


def test_empty_certificate_and_key_are_refused():
    with pytest.raises(ValueError):
        Certificate()
    with pytest.raises(ValueError):
        PrivateKey()
    assert TrustStore.system() == TrustStore()


def test_configuration_defaults_follow_the_pep():
    cfg = TLSClientConfiguration()
    assert cfg.certificate_chain is None and cfg.ciphers is None
    assert list(cfg.inner_protocols) == []
    assert cfg.lowest_supported_version is None and cfg.highest_supported_version is None
    assert cfg.trust_store is None


def test_configurations_are_immutable(certs):
    cfg = client_config(certs)
    with pytest.raises(AttributeError):
        cfg.ciphers = [CipherSuite.TLS_AES_128_GCM_SHA256]
    with pytest.raises(AttributeError):
        cfg._ciphers = None
    sc = chain(certs, "localhost")
    with pytest.raises(AttributeError):
        sc.leaf = None
    sc.chain.append(Certificate.from_file(certs / "ca.pem"))
    assert sc.chain == []


def test_configurations_compare_by_content(certs, tmp_path):
    a = client_config(certs, inner_protocols=[NextProtocol.H2])
    b = client_config(certs, inner_protocols=[b"h2"])
    assert a == b and hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert a != client_config(certs, inner_protocols=[NextProtocol.HTTP1])
    # The content of a referenced file counts, as in C: the same path, rewritten, differs.
    store = tmp_path / "store.pem"
    store.write_bytes((certs / "ca.pem").read_bytes())
    before = TLSClientConfiguration(trust_store=TrustStore.from_file(store))
    same = TLSClientConfiguration(trust_store=TrustStore.from_file(store))
    assert before == same
    snapshot = hash(before)
    store.write_bytes((certs / "client-ca.pem").read_bytes())
    after = TLSClientConfiguration(trust_store=TrustStore.from_file(store))
    assert hash(after) != snapshot


def test_server_configuration_takes_a_sequence_of_chains(certs):
    cfg = TLSServerConfiguration(certificate_chain=[chain(certs, "localhost"),
                                                    chain(certs, "example.org")])
    assert len(cfg.certificate_chain) == 2


def test_sockets_and_buffers_are_not_constructed_directly():
    with pytest.raises(TypeError):
        unitls.TLSSocket()
    with pytest.raises(TypeError):
        unitls.TLSBuffer()


def test_runtime_access(impl, impl_name):
    assert impl_name in unitls.implementations()
    assert unitls.implementation(impl_name) is impl
    assert unitls.implementation().name == unitls.implementations()[0]
    assert impl.client_context.__name__.endswith("ClientContext")
    with pytest.raises(ValueError, match="no implementation"):
        unitls.implementation("no-such-tls")


def test_contexts_keep_their_configuration(impl, certs):
    cfg = client_config(certs)
    assert impl.client_context(cfg).configuration is cfg


def test_validate_config(impl, certs):
    impl.validate_config(client_config(certs))
    impl.validate_config(TLSServerConfiguration(certificate_chain=[chain(certs, "localhost")]))
    unknown_id = TLSClientConfiguration(trust_store=TrustStore.from_id(b"nosuchscheme:x"))
    with pytest.raises(ConfigurationError):
        impl.validate_config(unknown_id)


def test_server_needs_a_chain(impl):
    with pytest.raises(ConfigurationError):
        impl.server_context(TLSServerConfiguration())


def test_bad_values_name_the_cause(impl, certs):
    with pytest.raises(TypeError, match="cipher"):
        impl.client_context(TLSClientConfiguration(ciphers=["TLS_AES_128_GCM_SHA256"]))
    with pytest.raises(ValueError, match="version"):
        impl.client_context(TLSClientConfiguration(lowest_supported_version="TLSv1.0"))
    with pytest.raises(ConfigurationError, match="missing.pem"):
        impl.client_context(TLSClientConfiguration(
            trust_store=TrustStore.from_file(certs / "missing.pem")))
    with pytest.raises(TypeError, match="SigningChain"):
        impl.client_context(TLSClientConfiguration(certificate_chain="not a chain"))
