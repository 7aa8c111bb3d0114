package org.mailferry.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import org.mailferry.config.ConfigException;
import org.mailferry.config.DefaultSpool;
import org.mailferry.config.Environment;
import org.mailferry.config.Hostname;
import org.mailferry.config.Key;
import org.mailferry.config.Toml;

/**
 * The few keys the sendmail command needs (queue.spool, sendmail.origin_domain, smtpd.hostname),
 * read with the library-free {@link Toml} reader; everything else is the daemon's business. The
 * file is -C FILE, else $MAILFERRY_CONFIG, else none (the built-in defaults, as 'mailferry serve').
 * A file this user may not read (mode 600) is stood in for by what the daemon published of it
 * ({@link PublicConfig}). Without a spool in the file, the spool is the default one, anchored to
 * the installation ({@link DefaultSpool}), never the working directory.
 */
record SendmailConfig(Path spool, String originDomain, String hostname) {

    /** The config file named does not exist or cannot be read. */
    static final class MissingException extends Exception {
        MissingException(String message) {
            super(message);
        }
    }

    static SendmailConfig load(String file) throws MissingException, ConfigException {
        return load(file, System.getenv());
    }

    /**
     * As serve does, the MAILFERRY_* variables win over the file: MAILFERRY_QUEUE_SPOOL,
     * MAILFERRY_SMTPD_HOSTNAME, MAILFERRY_SENDMAIL_ORIGIN_DOMAIN (the native client leaves a
     * process with any of them to this command).
     */
    static SendmailConfig load(String file, Map<String, String> env) throws MissingException, ConfigException {
        SendmailConfig c = fromFile(file, env);
        Map<String, String> set = Environment.keys(env);
        String spool = set.get(Key.QUEUE_SPOOL.name());
        String hostname = set.get(Key.SMTPD_HOSTNAME.name());
        String origin = set.get(Key.SENDMAIL_ORIGIN_DOMAIN.name());
        if (origin != null && !Key.isDomainName(origin)) {
            throw new ConfigException(Environment.variable(Key.SENDMAIL_ORIGIN_DOMAIN) + ": "
                    + Key.SENDMAIL_ORIGIN_DOMAIN.name() + " must be a domain name such as \"example.com\"");
        }
        if (spool == null && hostname == null && origin == null) {
            return c;
        }
        return new SendmailConfig(spool != null ? Path.of(spool) : c.spool(),
                origin != null ? origin : hostname != null && c.originDomain().equals(c.hostname()) ? hostname
                        : c.originDomain(), hostname != null ? hostname : c.hostname());
    }

    private static SendmailConfig fromFile(String file, Map<String, String> env) throws MissingException,
            ConfigException {
        String name = file != null ? file : env.get("MAILFERRY_CONFIG");
        String text = null;
        if (name != null && !name.isEmpty()) {
            try {
                text = Files.readString(Path.of(name), StandardCharsets.UTF_8);
            } catch (AccessDeniedException e) {
                Path spool = DefaultSpool.path();
                String published = PublicConfig.read(name, spool);
                return of(PublicConfig.in(spool).toString(), published);
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
        return of(name, text, null);
    }

    /** As {@link #of(String, String)}, with the spool to use when the file names none (null: the default). */
    static SendmailConfig of(String name, String text, Path defaultSpool) throws ConfigException {
        Map<String, Toml.Value> values = text == null ? Map.of() : Toml.parse(name, text);
        String spool = string(name, values, Key.QUEUE_SPOOL, null);
        if (spool == null) {
            spool = (defaultSpool != null ? defaultSpool : DefaultSpool.path()).toString();
        }
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
