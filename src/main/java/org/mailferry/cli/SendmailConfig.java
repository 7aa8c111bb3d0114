package org.mailferry.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.mailferry.config.ConfigException;
import org.mailferry.config.Hostname;
import org.mailferry.config.Key;
import org.mailferry.config.Toml;

/**
 * The few keys the sendmail command needs (queue.spool, sendmail.origin_domain, smtpd.hostname),
 * read with the library-free {@link Toml} reader; everything else is the daemon's business. The
 * file is -C FILE, else $MAILFERRY_CONFIG, else none (the built-in defaults, as 'mailferry serve').
 */
record SendmailConfig(Path spool, String originDomain, String hostname) {

    /** The config file named does not exist or cannot be read. */
    static final class MissingException extends Exception {
        MissingException(String message) {
            super(message);
        }
    }

    static SendmailConfig load(String file) throws MissingException, ConfigException {
        String name = file != null ? file : System.getenv("MAILFERRY_CONFIG");
        String text = null;
        if (name != null && !name.isEmpty()) {
            try {
                text = Files.readString(Path.of(name), StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                throw new MissingException(name + ": no such config file; give an existing file with -C");
            } catch (IOException e) {
                throw new MissingException(name + ": cannot read the config file: " + e.getMessage());
            }
        }
        return of(name, text);
    }

    /** The config from the text of the file {@code name}; null text: no file, the built-in defaults. */
    static SendmailConfig of(String name, String text) throws ConfigException {
        Map<String, Toml.Value> values = text == null ? Map.of() : Toml.parse(name, text);
        String spool = string(name, values, Key.QUEUE_SPOOL, Key.QUEUE_SPOOL.defaultValue());
        String hostname = string(name, values, Key.SMTPD_HOSTNAME, null);
        String origin = string(name, values, Key.SENDMAIL_ORIGIN_DOMAIN, null);
        if (hostname == null) {
            hostname = Hostname.local();
        }
        if (origin == null) {
            origin = hostname;
        }
        Toml.Value given = values.get(Key.SENDMAIL_ORIGIN_DOMAIN.name());
        if (given != null && !Key.isDomainName(origin)) {
            throw ConfigException.at(name, given.line(),
                    Key.SENDMAIL_ORIGIN_DOMAIN.name() + " must be a domain name such as \"example.com\"");
        }
        return new SendmailConfig(Path.of(spool), origin, hostname);
    }

    private static String string(String file, Map<String, Toml.Value> values, Key key, String fallback)
            throws ConfigException {
        Toml.Value v = values.get(key.name());
        if (v == null) {
            return fallback;
        }
        if (!(v.value() instanceof String s)) {
            throw ConfigException.at(file, v.line(), key.name() + " must be a string in quotes");
        }
        return s;
    }
}
