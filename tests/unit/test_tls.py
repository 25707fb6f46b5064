"""Every client of the process shares one verifying TLS context."""

from __future__ import annotations

import ssl

from pawpado_desktop.tls import tls_context


def test_one_context_serves_every_client_and_it_verifies() -> None:
    context = tls_context()
    assert tls_context() is context
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0, "no CA certificates loaded"
