package org.mailferry.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the rewrite.* keys (sender rewriting at delivery) and the generic map file they name. */
final class RewriteReader {
    private static final List<String> CLASSES = List.of("envelope_sender", "header_sender", "header_recipient");
    private final ConfigLoader l;

    RewriteReader(ConfigLoader loader) {
        this.l = loader;
    }

    Config.Rewrite read(String hostname) throws ConfigException {
        String as = l.string(Key.REWRITE_MASQUERADE_AS, "").strip();
        if (!as.isEmpty() && !Key.isDomainName(as)) {
            throw l.at(Key.REWRITE_MASQUERADE_AS, "rewrite.masquerade_as must be a domain name such as "
                    + "\"example.com\"");
        }
        List<String> localNames = new ArrayList<>(domains(Key.REWRITE_LOCAL_NAMES,
                List.of("localhost", "localhost.localdomain"), false));
        if (!localNames.contains(hostname.toLowerCase(Locale.ROOT))) {
            localNames.add(hostname.toLowerCase(Locale.ROOT)); // sendmail's $j is always in class w
        }
        List<String> masqueradeDomains = domains(Key.REWRITE_MASQUERADE_DOMAINS, List.of(), true);
        List<String> exceptions = new ArrayList<>();
        for (String e : l.strings(Key.REWRITE_MASQUERADE_EXCEPTIONS, List.of())) {
            if (!e.matches("[!#-'*+\\-/-9=?A-Z^-~.]+")) {
                throw l.at(Key.REWRITE_MASQUERADE_EXCEPTIONS, "rewrite.masquerade_exceptions: '" + printable(e)
                        + "' is not a local part; write user names without @, e.g. [\"root\", \"mailer-daemon\"]");
            }
            exceptions.add(e.toLowerCase(Locale.ROOT));
        }
        return new Config.Rewrite(as.toLowerCase(Locale.ROOT), localNames, masqueradeDomains, exceptions,
                classes(Key.REWRITE_MASQUERADE_CLASSES), genericMap(), classes(Key.REWRITE_GENERIC_CLASSES),
                sendAsLogin());
    }

    private List<String> domains(Key key, List<String> fallback, boolean exclusions) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String d : l.strings(key, fallback)) {
            String name = exclusions ? d.replaceFirst("^!+", "") : d;
            if (!Key.isDomainName(name)) {
                throw l.at(key, key.name() + ": '" + printable(d) + "' is not a domain name; write e.g. [\""
                        + (exclusions ? "example.com\", \"!corp.example.com" : "localhost\", \"host.example.com")
                        + "\"]");
            }
            out.add(d.toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private List<String> classes(Key key) throws ConfigException {
        List<String> out = l.strings(key, List.of("envelope_sender", "header_sender"));
        for (String c : out) {
            if (!CLASSES.contains(c)) {
                throw l.at(key, key.name() + ": unknown class '" + printable(c) + "'; the classes are "
                        + String.join(", ", CLASSES));
            }
        }
        return out;
    }

    private GenericMap genericMap() throws ConfigException {
        String s = l.string(Key.REWRITE_GENERIC_MAP, "");
        if (s.isBlank()) {
            return GenericMap.EMPTY;
        }
        Path file = l.pathOf(Key.REWRITE_GENERIC_MAP, s.strip());
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw l.at(Key.REWRITE_GENERIC_MAP, "rewrite.generic_map: cannot read " + file + " ("
                    + e.getClass().getSimpleName() + "); create it or remove the key");
        }
        return GenericMap.parse(file.toString(), text);
    }

    private List<String> sendAsLogin() throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String h : l.strings(Key.REWRITE_SEND_AS_LOGIN, List.of())) {
            String name = h.strip().toLowerCase(Locale.ROOT);
            if (!name.equals("*") && !Key.isDomainName(name) && !name.matches("[0-9a-f:.]+")) {
                throw l.at(Key.REWRITE_SEND_AS_LOGIN, "rewrite.send_as_login: '" + printable(h) + "' is not a "
                        + "smarthost name; write the host of relay.smarthost, e.g. [\"smtp.office365.com\"], or [\"*\"]");
            }
            out.add(name);
        }
        return out;
    }

    private static String printable(String s) {
        return s.replaceAll("[^\\x20-\\x7e]", "?");
    }
}
