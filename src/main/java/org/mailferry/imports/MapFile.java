package org.mailferry.imports;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The text file behind a map (credentials, the generic map): Mailferry reads sendmail's authinfo and Postfix's
 * sasl_passwd as text, never the hashed .db (or .lmdb, .cdb) made from them by makemap or postmap.
 * So for {@code hash:/etc/postfix/sasl_passwd} (Postfix) or {@code hash -o /etc/mail/authinfo.db}
 * (sendmail's FEATURE(authinfo)) it is the source file beside the database; when only the database
 * is there, the error says how to dump it back to text.
 */
final class MapFile {
    /** Types whose source is a text file at the map's path (Postfix's indexed types; sendmail's). */
    private static final List<String> INDEXED = List.of("hash", "btree", "lmdb", "cdb", "dbm", "sdbm");

    private MapFile() {
    }

    /** A Postfix map, {@code type:/path}, e.g. {@code hash:/etc/postfix/sasl_passwd}. */
    static Path postfix(Directive d, String spec) throws ImportException {
        return postfix(d, spec, CREDENTIALS);
    }

    private static final String CREDENTIALS = "the credentials for the smarthost";

    /** The same for a map holding {@code what} (named in the error when the file is missing). */
    static Path postfix(Directive d, String spec, String what) throws ImportException {
        String s = spec.strip();
        if (s.startsWith("proxy:")) {
            s = s.substring("proxy:".length());
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            throw ImportException.at(d, "'" + spec + "' is not a Postfix map (type:/path); write e.g."
                    + " hash:/etc/postfix/sasl_passwd");
        }
        String type = s.substring(0, colon).toLowerCase(Locale.ROOT);
        Path path = Path.of(s.substring(colon + 1));
        if (type.equals("texthash")) {
            return existing(d, path, null, "", what);
        }
        if (!INDEXED.contains(type)) {
            throw ImportException.at(d, "the map type " + type + ": cannot be read by mailferry import (it reads"
                    + " the text file behind hash:, btree:, lmdb:, cdb:, dbm: and texthash: maps); export the "
                    + "credentials to a text file of '[host]:port user:password' lines (mode 600) and set "
                    + "relay.sasl_passwd to it");
        }
        return existing(d, path, database(type, path), "postmap -s " + type + ":" + path + " > " + path, what);
    }

    /** A sendmail map as FEATURE(authinfo) gives it: {@code [type] [-flags...] path}. */
    static Path sendmail(Directive d, String spec) throws ImportException {
        return sendmail(d, spec, CREDENTIALS);
    }

    /** The same for a map holding {@code what}. */
    static Path sendmail(Directive d, String spec, String what) throws ImportException {
        List<String> words = List.of(spec.strip().split("\\s+"));
        String type = words.size() > 1 ? words.get(0).toLowerCase(Locale.ROOT) : "hash";
        String last = words.get(words.size() - 1);
        if (last.isEmpty() || last.startsWith("-")) {
            throw ImportException.at(d, "no file in the map '" + spec + "'; write e.g. `hash -o /etc/mail/authinfo.db'");
        }
        Path path = Path.of(last);
        if (type.equals("text")) {
            return existing(d, path, null, "", what);
        }
        if (!List.of("hash", "btree", "dbm", "cdb").contains(type)) {
            throw ImportException.at(d, "the map type " + type + " cannot be read by mailferry import (it reads the"
                    + " text file behind hash, btree, dbm and cdb maps); put the AuthInfo: lines in a text file "
                    + "(mode 600) and set relay.authinfo to it");
        }
        String name = path.getFileName().toString();
        Path text = name.endsWith(".db") ? path.resolveSibling(name.substring(0, name.length() - 3)) : path;
        return existing(d, text, database(type, text), "makemap -u " + type + " " + text + " > " + text, what);
    }

    private static Path database(String type, Path text) {
        String suffix = switch (type) {
            case "lmdb" -> ".lmdb";
            case "cdb" -> ".cdb";
            case "dbm", "sdbm" -> ".dir";
            default -> ".db";
        };
        return text.resolveSibling(text.getFileName() + suffix);
    }

    private static Path existing(Directive d, Path text, @Nullable Path database, String dump, String what)
            throws ImportException {
        if (Files.isRegularFile(text)) {
            if (!Files.isReadable(text)) {
                throw ImportException.at(d, text + ": cannot read it (permission denied); run the import as a user"
                        + " who may read it (root)");
            }
            return text;
        }
        if (database != null && Files.exists(database)) {
            throw ImportException.at(d, "only " + database + " is there, which mailferry cannot read, and not the "
                    + "text file " + text + " it is made from; dump it to text: " + dump + " && chmod 600 " + text
                    + " (then import again)");
        }
        throw ImportException.missing(d, text + ": no such file" + (database == null ? "" : " (nor " + database + ")")
                + "; create it" + (what.equals(CREDENTIALS) ? " (mode 600)" : "") + " with " + what + ", or remove the directive");
    }

    /** The generic map's lines as Mailferry reads them (rewrite.generic_map): a bad line stops the import. */
    static void checkGeneric(Directive d, Path file) throws ImportException {
        try {
            org.mailferry.config.GenericMap.parse(file.toString(), Files.readString(file, StandardCharsets.UTF_8));
        } catch (org.mailferry.config.ConfigException e) {
            throw ImportException.at(d, String.valueOf(e.getMessage()));
        } catch (java.io.IOException e) {
            throw ImportException.at(d, file + ": cannot read it: " + e.getMessage());
        }
    }
}
