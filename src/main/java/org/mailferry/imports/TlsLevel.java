package org.mailferry.imports;

/**
 * Postfix's smtp_tls_security_level as relay.tls. Mailferry has no opportunistic level: toward a
 * smarthost that is not on loopback it requires TLS and a certificate that verifies, host name
 * included (Postfix's "secure"), unless relay.tls = "none".
 */
final class TlsLevel {
    private TlsLevel() {
    }

    static void translate(Translation t, Directive d, String level, boolean wrapper) throws ImportException {
        String mode = wrapper ? "tls" : "starttls";
        switch (level.strip()) {
            case "none" -> t.set(d, "relay.tls", "none", "no TLS; AUTH then needs relay.allow_plaintext_auth = true"
                    + " (credentials in clear text)");
            case "may" -> t.notTranslated(d, "Mailferry has no opportunistic TLS: relay.tls = \"auto\", its default,"
                    + " requires TLS with a verified certificate toward a smarthost that is not on loopback "
                    + "(STARTTLS, or implicit TLS on port 465)", "nothing if the smarthost offers TLS with a valid "
                    + "certificate (Gmail, Microsoft 365 and SendGrid do); relay.tls = \"none\" for one that does not");
            case "encrypt", "verify", "secure" -> t.set(d, "relay.tls", mode, "Mailferry also verifies the "
                    + "certificate and the host name in it (as Postfix's secure)");
            case "dane", "dane-only" -> t.set(d, "relay.tls", mode, "DANE (TLSA records) is not checked: the "
                    + "certificate is verified against the CAs instead (the JDK's, or relay.ca_file)");
            case "fingerprint" -> t.set(d, "relay.tls", mode, "also set relay.tls_pin to the certificate's or key's "
                    + "\"sha256:HEX\" (smtp_tls_fingerprint_cert_match is not read); Mailferry checks the CA too");
            case "" -> t.nothingToDo(d, "empty: Postfix's older smtp_use_tls decides; Mailferry's relay.tls = "
                    + "\"auto\" requires TLS");
            default -> throw ImportException.at(d, "'" + level + "' is not a TLS security level (none, may, encrypt, "
                    + "dane, dane-only, fingerprint, verify, secure)");
        }
    }
}
