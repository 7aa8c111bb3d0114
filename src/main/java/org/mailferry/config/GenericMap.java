package org.mailferry.config;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The generic map (rewrite.generic_map): the addresses senders use inside, mapped to the ones the
 * smarthost accepts, as Postfix's smtp_generic_maps and sendmail's genericstable. The text file as
 * it is (no postmap step), one {@code pattern replacement} a line:
 * <pre>
 * # comment
 * root@host.internal   alerts@example.com     an exact address
 * www-data             web@example.com        a local name: unqualified, or at a local name (rewrite.local_names)
 * &#64;host.internal        &#64;example.com           a domain: the local part is kept
 * *                    relay@example.com      the catch-all, for any address nothing else matched
 * </pre>
 * Looked up in that order (exact, local name, domain, catch-all), case-insensitively; the local
 * part of the result keeps its case.
 */
public final class GenericMap {
    public static final GenericMap EMPTY = new GenericMap(Map.of(), "");

    private final Map<String, String> entries;
    private final String file;

    private GenericMap(Map<String, String> entries, String file) {
        this.entries = Map.copyOf(entries);
        this.file = file;
    }

    /** The map in {@code text}, read from {@code file} (named in errors). */
    public static GenericMap parse(String file, String text) throws ConfigException {
        Map<String, String> entries = new HashMap<>();
        Map<String, Integer> lineOf = new HashMap<>();
        String[] lines = text.split("\r?\n|\r", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            String content = line.strip();
            if (content.isEmpty() || content.startsWith("#")) {
                continue;
            }
            int n = i + 1;
            if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
                throw ConfigException.at(file, n, "a line may not start with a space (Postfix would join it to "
                        + "the line before); write 'pattern replacement' from the first column");
            }
            String[] cols = content.split("\\s+");
            if (cols.length != 2) {
                throw ConfigException.at(file, n, "expected 'pattern replacement', two words, not " + cols.length
                        + "; e.g. 'root@host.internal alerts@example.com'");
            }
            String key = pattern(file, n, cols[0]);
            String value = replacement(file, n, cols[1]);
            Integer earlier = lineOf.putIfAbsent(key, n);
            if (earlier != null) {
                throw ConfigException.at(file, n, "'" + cols[0] + "' is already mapped on line " + earlier
                        + "; keep one of the two lines");
            }
            entries.put(key, value);
        }
        return new GenericMap(entries, file);
    }

    private static String pattern(String file, int n, String p) throws ConfigException {
        if (p.equals("*")) {
            return p;
        }
        checkText(file, n, p, "pattern");
        int at = p.lastIndexOf('@');
        if (at == p.length() - 1) {
            throw ConfigException.at(file, n, "pattern '" + p + "' ends in '@'; write an address (user@domain), "
                    + "@domain, a local name (user) or *");
        }
        if (at > 0 && p.substring(0, at).contains("@")) {
            throw ConfigException.at(file, n, "pattern '" + p + "' has more than one '@'");
        }
        return p.toLowerCase(Locale.ROOT);
    }

    private static String replacement(String file, int n, String r) throws ConfigException {
        checkText(file, n, r, "replacement");
        int at = r.lastIndexOf('@');
        if (at < 0 || at == r.length() - 1 || r.substring(0, at).contains("@")) {
            throw ConfigException.at(file, n, "replacement '" + r + "' must be an address (user@example.com) or "
                    + "a domain (@example.com, the local part kept): the smarthost needs a qualified sender");
        }
        return r;
    }

    private static void checkText(String file, int n, String s, String what) throws ConfigException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';') {
                throw ConfigException.at(file, n, what + " '" + s.replaceAll("[^\\x21-\\x7e]", "?")
                        + "' has a character an address cannot carry here (" + (c > ' ' && c < 0x7f ? "'" + c + "'"
                        : String.format("U+%04X", (int) c)) + "); write the plain address, ASCII, without <>");
            }
        }
    }

    /**
     * The replacement for {@code address} (local part and domain, no brackets), or null when no
     * line matches. {@code local}: the domain is a local name, so a bare-name pattern applies.
     */
    public String lookup(String address, boolean local) {
        if (entries.isEmpty() || address.isEmpty()) {
            return null;
        }
        int at = address.lastIndexOf('@');
        String localPart = at < 0 ? address : address.substring(0, at);
        String domain = at < 0 ? "" : address.substring(at + 1);
        String lower = address.toLowerCase(Locale.ROOT);
        String found = at < 0 ? null : entries.get(lower);
        if (found == null && (at < 0 || local)) {
            found = entries.get(localPart.toLowerCase(Locale.ROOT));
        }
        if (found == null && !domain.isEmpty()) {
            found = entries.get("@" + domain.toLowerCase(Locale.ROOT));
        }
        if (found == null) {
            found = entries.get("*");
        }
        if (found == null) {
            return null;
        }
        return found.startsWith("@") ? localPart + found : found;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The file it was read from ("" for none). */
    public String file() {
        return file;
    }

    public int size() {
        return entries.size();
    }
}
