package org.mailferry.imports;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.mailferry.config.AuthinfoEntry;
import org.mailferry.config.AuthinfoFile;
import org.mailferry.config.ConfigException;
import org.mailferry.config.SaslPasswdFile;
import org.mailferry.config.Smarthost;

/**
 * Reads a credentials file the way the relay will (sendmail authinfo or Postfix sasl_passwd), so
 * that a mistake in it is found at import, naming its line, and says whether it has an entry for
 * the smarthost. Never shows a password.
 */
final class Credentials {
    private Credentials() {
    }

    static List<AuthinfoEntry> authinfo(Directive d, Path file) throws ImportException {
        try {
            return AuthinfoFile.parse(file.toString(), text(d, file));
        } catch (ConfigException e) {
            throw new ImportException(e.getMessage() + " (read for " + d.where() + ")", ImportException.EX_CONFIG);
        }
    }

    static List<AuthinfoEntry> saslPasswd(Directive d, Path file) throws ImportException {
        try {
            return SaslPasswdFile.parse(file.toString(), text(d, file));
        } catch (ConfigException e) {
            throw new ImportException(e.getMessage() + " (read for " + d.where() + ")", ImportException.EX_CONFIG);
        }
    }

    private static String text(Directive d, Path file) throws ImportException {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw ImportException.at(d, file + ": cannot read it: " + e.getMessage());
        }
    }

    /** For the report: which entry the relay will use for each smarthost, or that none matches. */
    static String describe(List<AuthinfoEntry> entries, List<String> smarthosts) {
        if (smarthosts.isEmpty()) {
            return entries.size() + (entries.size() == 1 ? " entry" : " entries") + " read; no smarthost to log in to";
        }
        StringBuilder out = new StringBuilder();
        for (String spec : smarthosts) {
            Smarthost h = Smarthost.parse(spec);
            AuthinfoEntry e = AuthinfoEntry.match(entries, h.host(), h.port());
            if (e == null) {
                e = AuthinfoEntry.fallback(entries);
            }
            out.append(out.isEmpty() ? "" : "; ").append(e == null
                    ? "no entry for " + h.host() + ":" + h.port() + ", so no AUTH toward it"
                    : "AUTH toward " + h.host() + ":" + h.port() + " as " + e.user() + " (" + e.source() + ")");
        }
        return out.toString();
    }
}
