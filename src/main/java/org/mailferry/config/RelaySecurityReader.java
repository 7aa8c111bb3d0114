package org.mailferry.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the relay.tls* and relay.auth* keys, and the credential files they name (checked for mode 0600). */
final class RelaySecurityReader {
    private final ConfigLoader l;

    RelaySecurityReader(ConfigLoader loader) {
        this.l = loader;
    }

    RelaySecurity read() throws ConfigException {
        TlsMode tls;
        try {
            tls = TlsMode.parse(l.string(Key.RELAY_TLS, "auto"));
        } catch (IllegalArgumentException e) {
            throw l.at(Key.RELAY_TLS, "relay.tls: " + e.getMessage());
        }
        Path caFile = path(Key.RELAY_CA_FILE);
        if (caFile != null && !Files.isReadable(caFile)) {
            throw l.at(Key.RELAY_CA_FILE, "relay.ca_file: cannot read " + caFile + "; give a PEM file of CA certificates");
        }
        List<String> pins = new ArrayList<>();
        for (String pin : l.strings(Key.RELAY_TLS_PIN, List.of())) {
            String hex = pin.strip().toLowerCase(Locale.ROOT).replace(":", "");
            if (!hex.matches("sha256[0-9a-f]{64}")) {
                throw l.at(Key.RELAY_TLS_PIN, "relay.tls_pin: '" + pin + "' is not \"sha256:\" followed by 64 hex "
                        + "digits (openssl x509 -noout -fingerprint -sha256)");
            }
            pins.add(hex.substring(6));
        }
        List<AuthinfoEntry> credentials = new ArrayList<>();
        Path authinfo = path(Key.RELAY_AUTHINFO);
        if (authinfo != null) {
            credentials.addAll(AuthinfoFile.parse(authinfo.toString(), SecretFile.read(authinfo)));
        }
        Path saslPasswd = path(Key.RELAY_SASL_PASSWD);
        if (saslPasswd != null) {
            credentials.addAll(SaslPasswdFile.parse(saslPasswd.toString(), SecretFile.read(saslPasswd)));
        }
        List<String> mechanisms = l.strings(Key.RELAY_AUTH_MECHANISMS, RelaySecurity.DEFAULT_MECHANISMS).stream()
                .map(m -> m.strip().toUpperCase(Locale.ROOT)).toList();
        String username = l.string(Key.RELAY_USERNAME, "");
        List<String> passwordCommand = l.command(Key.RELAY_PASSWORD_COMMAND);
        String passwordEnv = l.string(Key.RELAY_PASSWORD_ENV, "");
        if (username.isEmpty() && (!passwordCommand.isEmpty() || !passwordEnv.isEmpty())) {
            throw l.at(Key.RELAY_USERNAME, "relay.password_command/password_env need relay.username too");
        }
        RelaySecurity.OAuth2 oauth2 = oauth2();
        if (!username.isEmpty() && passwordCommand.isEmpty() && passwordEnv.isEmpty() && oauth2 == null) {
            throw l.at(Key.RELAY_USERNAME, "relay.username needs a secret: set relay.password_command, "
                    + "relay.password_env or relay.oauth2_* (or put the credentials in relay.authinfo instead)");
        }
        return new RelaySecurity(tls, caFile, List.copyOf(pins), List.copyOf(credentials), mechanisms,
                bool(Key.RELAY_ALLOW_PLAINTEXT_AUTH), username, passwordCommand, passwordEnv, oauth2);
    }

    private RelaySecurity.OAuth2 oauth2() throws ConfigException {
        List<String> command = l.command(Key.RELAY_OAUTH2_TOKEN_COMMAND);
        String clientId = l.string(Key.RELAY_OAUTH2_CLIENT_ID, "");
        String secret = l.string(Key.RELAY_OAUTH2_CLIENT_SECRET, "");
        String refresh = l.string(Key.RELAY_OAUTH2_REFRESH_TOKEN, "");
        String endpoint = l.string(Key.RELAY_OAUTH2_TOKEN_ENDPOINT, "");
        for (Key k : List.of(Key.RELAY_OAUTH2_CLIENT_SECRET, Key.RELAY_OAUTH2_REFRESH_TOKEN)) {
            Toml.Value v = l.values.get(k.name());
            if (v != null && v.line() > 0) {
                SecretFile.check(Path.of(l.file));
            }
        }
        if (command.isEmpty() && refresh.isEmpty()) {
            return null;
        }
        URI uri = null;
        if (!refresh.isEmpty()) {
            if (clientId.isEmpty() || endpoint.isEmpty()) {
                throw l.at(Key.RELAY_OAUTH2_REFRESH_TOKEN, "relay.oauth2_refresh_token needs relay.oauth2_client_id "
                        + "and relay.oauth2_token_endpoint too");
            }
            try {
                uri = new URI(endpoint);
            } catch (URISyntaxException e) {
                uri = null;
            }
            if (uri == null || uri.getScheme() == null || !uri.getScheme().matches("https?")) {
                throw l.at(Key.RELAY_OAUTH2_TOKEN_ENDPOINT, "relay.oauth2_token_endpoint must be an https:// URL");
            }
        }
        return new RelaySecurity.OAuth2(command, clientId, new Secret(secret), new Secret(refresh), uri);
    }

    private Path path(Key key) throws ConfigException {
        String s = l.string(key, "");
        return s.isBlank() ? null : l.pathOf(key, s.strip()); // a NUL in it is a config error, not a crash
    }

    boolean bool(Key key) throws ConfigException {
        Toml.Value v = l.values.get(key.name());
        if (v == null) {
            return Boolean.parseBoolean(key.defaultValue());
        }
        if (v.value() instanceof Boolean b) {
            return b;
        }
        String s = v.value().toString().strip();
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw l.at(key, key.name() + " must be true or false");
    }
}
