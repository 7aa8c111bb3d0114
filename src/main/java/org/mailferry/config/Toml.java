package org.mailferry.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A reader for the part of TOML that a relay's configuration needs: tables ({@code [smtpd]}),
 * {@code key = value} with basic and literal strings, integers, booleans and arrays of those
 * (arrays may span lines), and comments. Anything else is an error that names the line.
 * Library-free on purpose: the sendmail command reads the same file and must start fast.
 */
public final class Toml {

    /** A value and the line it came from, for error messages. */
    public record Value(Object value, int line) {
    }

    private final String file;
    private final Map<String, Value> values = new LinkedHashMap<>();
    private int lineNo;
    /** Tables opened by [headers], and tables that dotted keys defined (TOML forbids a [header] for these). */
    private final java.util.Set<String> tables = new java.util.HashSet<>();
    private final java.util.Set<String> dottedTables = new java.util.HashSet<>();

    private Toml(String file) {
        this.file = file;
    }

    /** Parses {@code text}; keys in the result are "table.key" (or "key" before any table). */
    public static Map<String, Value> parse(String file, String text) throws ConfigException {
        Toml t = new Toml(file);
        t.run(text);
        return t.values;
    }

    /** [A-Za-z0-9_-]+, checked by hand: java.util.regex would cost the sendmail command its lambdas. */
    private static boolean bareKey(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-')) {
                return false;
            }
        }
        return true;
    }

    /** [A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)* */
    private static boolean dottedBareKey(String s) {
        for (String part : s.split("\\.", -1)) {
            if (!bareKey(part)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A bare or dotted key ({@code smarthost}, {@code relay.smarthost}, {@code relay . smarthost}),
     * as TOML 1.0 allows; the parts joined with '.', no blanks.
     */
    private String dottedKey(String raw) throws ConfigException {
        String[] parts = raw.split("\\.", -1);
        StringBuilder key = new StringBuilder();
        for (String part : parts) {
            String p = part.strip();
            if (!bareKey(p)) {
                throw error("bad key '" + raw.strip() + "' (keys are letters, digits, '_' and '-',"
                        + " or such names joined by '.')");
            }
            key.append(key.isEmpty() ? "" : ".").append(p);
        }
        return key.toString();
    }

    /** [+-]?[0-9](_?[0-9])* */
    private static boolean integer(String s) {
        int i = s.startsWith("+") || s.startsWith("-") ? 1 : 0;
        if (i >= s.length()) {
            return false;
        }
        boolean digitBefore = false;
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                digitBefore = true;
            } else if (c == '_' && digitBefore && i + 1 < s.length()) {
                digitBefore = false;
            } else {
                return false;
            }
        }
        return digitBefore;
    }

    private ConfigException error(String message) {
        return ConfigException.at(file, lineNo, message);
    }

    private void run(String text) throws ConfigException {
        String[] lines = text.split("\n", -1); // one-character split: no regex (sendmail's start-up)
        String table = "";
        tables.clear();
        for (int i = 0; i < lines.length; i++) {
            lineNo = i + 1;
            String line = (lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i]).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (line.startsWith("[[")) {
                    throw error("arrays of tables ([[...]]) are not used in Mailferry's configuration");
                }
                int close = line.indexOf(']');
                String rest = close < 0 ? "" : line.substring(close + 1).strip();
                if (close < 0 || !(rest.isEmpty() || rest.startsWith("#"))) {
                    throw error("a table header looks like [name]");
                }
                table = line.substring(1, close).strip();
                if (!dottedBareKey(table)) {
                    throw error("bad table name '" + table + "'");
                }
                if (!tables.add(table)) {
                    throw error("table [" + table + "] appears twice");
                }
                if (dottedTables.contains(table)) {
                    throw error("table [" + table + "] was already defined by a dotted key above"
                            + " (use either [" + table + "] or '" + table + ".key = ...', not both)");
                }
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) {
                throw error("expected 'key = value'");
            }
            String key = dottedKey(line.substring(0, eq));
            String full = table.isEmpty() ? key : table + "." + key;
            if (values.containsKey(full)) {
                throw error("key '" + full + "' is set twice (first on line " + values.get(full).line() + ")");
            }
            for (int dot = full.lastIndexOf('.'); dot > 0; dot = full.lastIndexOf('.', dot - 1)) {
                String prefix = full.substring(0, dot);
                if (values.containsKey(prefix)) {
                    throw error("'" + prefix + "' is a value (line " + values.get(prefix).line()
                            + ") and cannot also hold '" + full + "'");
                }
                if (dot > table.length()) {
                    dottedTables.add(prefix);
                }
            }
            if (dottedTables.contains(full) || tables.contains(full)) {
                throw error("'" + full + "' is a table and cannot also be a value");
            }
            int startLine = lineNo;
            StringBuilder v = new StringBuilder(line.substring(eq + 1));
            Cursor c = new Cursor(v.toString());
            // arrays may continue on the next lines until the closing bracket
            while (c.peekIsUnclosedArray() && i + 1 < lines.length) {
                i++;
                lineNo = i + 1;
                v.append('\n').append(lines[i]);
                c = new Cursor(v.toString());
            }
            lineNo = startLine;
            Object value = c.value();
            c.skipSpaceAndComment();
            if (!c.atEnd()) {
                throw error("unexpected text after the value of '" + key + "'");
            }
            values.put(full, new Value(value, startLine));
        }
    }

    private final class Cursor {
        private final String s;
        private int p;

        Cursor(String s) {
            this.s = s;
        }

        boolean atEnd() {
            return p >= s.length();
        }

        void skipSpaceAndComment() {
            while (p < s.length()) {
                char ch = s.charAt(p);
                if (ch == '#') {
                    while (p < s.length() && s.charAt(p) != '\n') {
                        p++;
                    }
                } else if (Character.isWhitespace(ch)) {
                    p++;
                } else {
                    return;
                }
            }
        }

        /** True when the text opens an array that is not closed yet (outside strings). */
        boolean peekIsUnclosedArray() {
            int depth = 0;
            char quote = 0;
            for (int k = 0; k < s.length(); k++) {
                char ch = s.charAt(k);
                if (quote != 0) {
                    if (ch == '\\' && quote == '"') {
                        k++;
                    } else if (ch == quote) {
                        quote = 0;
                    }
                } else if (ch == '"' || ch == '\'') {
                    quote = ch;
                } else if (ch == '#') {
                    while (k < s.length() && s.charAt(k) != '\n') {
                        k++;
                    }
                } else if (ch == '[') {
                    depth++;
                } else if (ch == ']') {
                    depth--;
                }
            }
            return depth > 0;
        }

        Object value() throws ConfigException {
            skipSpaceAndComment();
            if (atEnd()) {
                throw error("missing value after '='");
            }
            char ch = s.charAt(p);
            if (ch == '"') {
                return basicString();
            }
            if (ch == '\'') {
                int end = s.indexOf('\'', p + 1);
                if (end < 0 || s.substring(p, end).indexOf('\n') >= 0) {
                    throw error("unterminated string (missing ')");
                }
                String out = s.substring(p + 1, end);
                p = end + 1;
                return out;
            }
            if (ch == '[') {
                p++;
                List<Object> list = new ArrayList<>();
                while (true) {
                    skipSpaceAndComment();
                    if (atEnd()) {
                        throw error("unterminated array (missing ])");
                    }
                    if (s.charAt(p) == ']') {
                        p++;
                        return List.copyOf(list);
                    }
                    list.add(value());
                    skipSpaceAndComment();
                    if (!atEnd() && s.charAt(p) == ',') {
                        p++;
                    } else if (atEnd() || s.charAt(p) != ']') {
                        throw error("expected ',' or ']' in array");
                    }
                }
            }
            int start = p;
            while (p < s.length() && "#,] \t\n".indexOf(s.charAt(p)) < 0) {
                p++;
            }
            String word = s.substring(start, p);
            if (word.equals("true") || word.equals("false")) {
                return Boolean.parseBoolean(word);
            }
            if (integer(word)) {
                try {
                    return Long.parseLong(word.replace("_", ""));
                } catch (NumberFormatException e) {
                    throw error("number out of range: " + word);
                }
            }
            throw error("cannot read value '" + word + "' (strings need quotes: \"" + word + "\")");
        }

        private String basicString() throws ConfigException {
            StringBuilder out = new StringBuilder();
            p++;
            while (true) {
                if (p >= s.length() || s.charAt(p) == '\n') {
                    throw error("unterminated string (missing \")");
                }
                char ch = s.charAt(p++);
                if (ch == '"') {
                    return out.toString();
                }
                if (ch != '\\') {
                    out.append(ch);
                    continue;
                }
                if (p >= s.length()) {
                    throw error("unterminated string (missing \")");
                }
                char e = s.charAt(p++);
                switch (e) {
                    case '"' -> out.append('"');
                    case '\\' -> out.append('\\');
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case 'u' -> {
                        if (p + 4 > s.length()) {
                            throw error("bad \\u escape");
                        }
                        try {
                            out.append((char) Integer.parseInt(s.substring(p, p + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw error("bad \\u escape");
                        }
                        p += 4;
                    }
                    default -> throw error("unknown escape \\" + e + " in string");
                }
            }
        }
    }
}
