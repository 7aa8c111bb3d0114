package org.mailferry.imports;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.mailferry.config.Hostname;

/**
 * Postfix's main.cf as Postfix reads it: {@code name = value} lines; a line that starts with white
 * space continues the one before; blank lines and lines whose first non-blank character is
 * {@code #} are ignored; a name set twice keeps its last value. Values expand {@code $name},
 * {@code ${name}}, {@code $(name)}, {@code ${name?text}} (text when name is not empty) and
 * {@code ${name:text}} (text when it is), with the final values and Postfix's defaults for the
 * names main.cf leaves out.
 */
final class MainCf {
    /** One parameter line: its name, its value as written, and the directive for the report. */
    record Parameter(String name, String value, Directive directive) {
    }

    private final List<Parameter> lines = new ArrayList<>();
    private final Map<String, Parameter> last = new LinkedHashMap<>();
    private final Map<String, String> defaults = new HashMap<>();

    private MainCf() {
    }

    static MainCf read(String file, String text) throws ImportException {
        MainCf cf = new MainCf();
        String[] raw = text.split("\r?\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String line = raw[i];
            if (line.isBlank() || line.stripLeading().startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                throw new ImportException(file + ":" + (i + 1) + ": a line that starts with white space continues"
                        + " the one before, and there is none; remove the leading white space",
                        ImportException.EX_CONFIG);
            }
            int first = i;
            StringBuilder logical = new StringBuilder(line.strip());
            while (i + 1 < raw.length && !raw[i + 1].isBlank() && Character.isWhitespace(raw[i + 1].charAt(0))
                    && !raw[i + 1].stripLeading().startsWith("#")) {
                logical.append(' ').append(raw[++i].strip());
            }
            int eq = logical.indexOf("=");
            String name = eq < 0 ? "" : logical.substring(0, eq).strip();
            if (!name.matches("[A-Za-z0-9_]+")) {
                throw new ImportException(file + ":" + (first + 1) + ": '" + shorten(logical.toString())
                        + "' is not 'name = value' (a main.cf line is a parameter name, '=' and its value)",
                        ImportException.EX_CONFIG);
            }
            Parameter p = new Parameter(name, logical.substring(eq + 1).strip(),
                    new Directive(file, first + 1, shorten(logical.toString())));
            cf.lines.add(p);
            cf.last.put(name, p);
        }
        cf.defaults.put("myhostname", Hostname.local());
        cf.defaults.put("mail_name", "Postfix");
        cf.defaults.put("data_directory", "/var/lib/postfix");
        cf.defaults.put("queue_directory", "/var/spool/postfix");
        cf.defaults.put("config_directory", "/etc/postfix");
        cf.defaults.put("myorigin", "$myhostname");
        return cf;
    }

    List<Parameter> lines() {
        return List.copyOf(lines);
    }

    /** The last line that sets the name, or null. */
    @Nullable Parameter parameter(String name) {
        return last.get(name);
    }

    /** The name's final value, expanded; Postfix's default (expanded) when main.cf leaves it out. */
    String value(String name) {
        return expand(raw(name), 0);
    }

    private String raw(String name) {
        Parameter p = last.get(name);
        if (p != null) {
            return p.value();
        }
        if (name.equals("mydomain")) {
            String host = value("myhostname");
            int dot = host.indexOf('.');
            return dot < 0 ? "localdomain" : host.substring(dot + 1);
        }
        return defaults.getOrDefault(name, "");
    }

    /** Expands $name, ${name}, $(name), ${name?text}, ${name:text} in a value. */
    String expand(String value, int depth) {
        if (depth > 20) {
            return value; // a loop ($a uses $b uses $a): Postfix stops too
        }
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < value.length()) {
            char c = value.charAt(i);
            if (c != '$' || i + 1 >= value.length()) {
                out.append(c);
                i++;
                continue;
            }
            char n = value.charAt(i + 1);
            if (n == '$') {
                out.append('$');
                i += 2;
            } else if (n == '{' || n == '(') {
                int close = value.indexOf(n == '{' ? '}' : ')', i + 2);
                if (close < 0) {
                    out.append(value.substring(i));
                    break;
                }
                String inner = value.substring(i + 2, close);
                int op = indexOfAny(inner, "?:");
                String name = op < 0 ? inner : inner.substring(0, op);
                String v = expand(raw(name.strip()), depth + 1);
                if (op < 0) {
                    out.append(v);
                } else if ((inner.charAt(op) == '?') == !v.isEmpty()) {
                    out.append(expand(inner.substring(op + 1), depth + 1));
                }
                i = close + 1;
            } else {
                int end = i + 1;
                while (end < value.length() && (Character.isLetterOrDigit(value.charAt(end))
                        || value.charAt(end) == '_')) {
                    end++;
                }
                if (end == i + 1) {
                    out.append('$');
                    i++;
                    continue;
                }
                out.append(expand(raw(value.substring(i + 1, end)), depth + 1));
                i = end;
            }
        }
        return out.toString();
    }

    private static int indexOfAny(String s, String chars) {
        for (int i = 0; i < s.length(); i++) {
            if (chars.indexOf(s.charAt(i)) >= 0) {
                return i;
            }
        }
        return -1;
    }

    private static String shorten(String s) {
        return s.length() > 160 ? s.substring(0, 157) + "..." : s;
    }
}
