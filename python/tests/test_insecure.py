"""unitls.insecure: PEP 748's insecure configuration, contexts and implementation, which warn
with SecurityWarning at every step."""

import pytest

import unitls
import unitls.insecure
from unitls import TLSClientConfiguration, TLSError
from unitls.insecure import InsecureConfiguration, SecurityWarning

from conftest import assert_handshake_failure, buffer_pair, chain, client_config, handshake, server_config, trust


def test_security_warning_is_a_warning():
    assert issubclass(SecurityWarning, Warning)


def test_every_step_warns(impl_name, certs):
    with pytest.warns(SecurityWarning):
        impl = unitls.insecure.implementation(impl_name)
    with pytest.warns(SecurityWarning):
        insecure = InsecureConfiguration(disable_verification=True)
    with pytest.warns(SecurityWarning):
        ctx = impl.insecure_client_context(TLSClientConfiguration(), insecure)
    with pytest.warns(SecurityWarning):
        ctx.create_buffer("localhost")
    assert ctx.insecure_configuration is insecure
    assert isinstance(ctx, unitls.insecure.InsecureClientContext)


def test_secure_use_does_not_warn(impl, certs, recwarn):
    client, server = buffer_pair(impl, impl, client_config(certs), server_config(certs))
    handshake(client, server)
    assert not [w for w in recwarn if issubclass(w.category, SecurityWarning)]


@pytest.mark.filterwarnings("ignore::unitls.insecure.SecurityWarning")
def test_disable_verification_accepts_an_unknown_server(impl_name, certs):
    impl = unitls.insecure.implementation(impl_name)
    untrusting = TLSClientConfiguration(trust_store=trust(certs, "client-ca"))
    strict = impl.client_context(untrusting).create_buffer("localhost")
    server = impl.server_context(server_config(certs)).create_buffer()
    with pytest.raises(TLSError) as failure:
        handshake(strict, server)
    assert_handshake_failure(failure)
    ctx = impl.insecure_client_context(untrusting,
                                       InsecureConfiguration(disable_verification=True))
    client = ctx.create_buffer("localhost")
    server = impl.server_context(server_config(certs)).create_buffer()
    handshake(client, server)
    assert client.getpeercert() == (certs / "localhost.der").read_bytes()


@pytest.mark.filterwarnings("ignore::unitls.insecure.SecurityWarning")
def test_disable_hostname_check_still_verifies_the_chain(impl_name, certs):
    impl = unitls.insecure.implementation(impl_name)
    ctx = impl.insecure_client_context(client_config(certs),
                                       InsecureConfiguration(disable_hostname_check=True))
    client = ctx.create_buffer("not-the-name.test")
    handshake(client, impl.server_context(server_config(certs)).create_buffer())
    ctx = impl.insecure_client_context(client_config(certs, trust_store=trust(certs, "client-ca")),
                                       InsecureConfiguration(disable_hostname_check=True))
    with pytest.raises(TLSError) as failure:
        handshake(ctx.create_buffer("localhost"),
                  impl.server_context(server_config(certs)).create_buffer())
    assert_handshake_failure(failure)


@pytest.mark.filterwarnings("ignore::unitls.insecure.SecurityWarning")
def test_insecure_server_accepts_any_client_certificate(impl_name, certs):
    impl = unitls.insecure.implementation(impl_name)
    # The server trusts only the server CA: the client's certificate is from another CA.
    scfg = server_config(certs, trust_store=trust(certs, "ca"))
    ccfg = client_config(certs, certificate_chain=chain(certs, "client"))
    server = impl.insecure_server_context(
        scfg, InsecureConfiguration(disable_verification=True)).create_buffer()
    client = impl.client_context(ccfg).create_buffer("localhost")
    handshake(client, server)
    assert server.getpeercert() == (certs / "client.der").read_bytes()


@pytest.mark.filterwarnings("ignore::unitls.insecure.SecurityWarning")
def test_insecure_server_does_not_require_a_client_certificate(impl_name, certs):
    # Verification off: a client that sends no certificate is not refused either, while the
    # same configuration without the insecure switch requires one.
    impl = unitls.insecure.implementation(impl_name)
    scfg = server_config(certs, trust_store=trust(certs, "client-ca"))
    server = impl.insecure_server_context(
        scfg, InsecureConfiguration(disable_verification=True)).create_buffer()
    client = impl.client_context(client_config(certs)).create_buffer("localhost")
    handshake(client, server)
    assert server.getpeercert() is None
    with pytest.raises(TLSError) as failure:
        handshake(impl.client_context(client_config(certs)).create_buffer("localhost"),
                  impl.server_context(scfg).create_buffer())
    assert_handshake_failure(failure)


def test_warnings_obey_filters(impl_name):
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", SecurityWarning)
        with pytest.raises(SecurityWarning):
            InsecureConfiguration(disable_verification=True)
