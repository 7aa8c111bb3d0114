package org.mailferry.imports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an import produced: the Mailferry keys set (each with the directive it came from) and one
 * {@link Outcome} per directive read. A key set twice keeps the later value, as both Sendmail's m4
 * and Postfix's main.cf do; the report says so at the later directive.
 */
public final class Translation {
    private static final List<String> SECTIONS = List.of("smtpd", "queue", "relay", "sendmail", "rewrite");

    private final String source;
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private final List<Outcome> outcomes = new ArrayList<>();

    /** A key's TOML value as written (quoted string, list, boolean) and the directive it came from. */
    record Setting(String key, String toml, Directive from) {
    }

    Translation(String source) {
        this.source = source;
    }

    /** Sets {@code key} to a string value. */
    void set(Directive d, String key, String value, String note) {
        put(d, key, quote(value), quote(value), note);
    }

    /** Sets {@code key} to a whole number. */
    void setNumber(Directive d, String key, long value, String note) {
        put(d, key, Long.toString(value), Long.toString(value), note);
    }

    /** Sets {@code key} to true or false. */
    void setBoolean(Directive d, String key, boolean value, String note) {
        put(d, key, Boolean.toString(value), Boolean.toString(value), note);
    }

    /** Sets {@code key} to a list of strings. */
    void setList(Directive d, String key, List<String> values, String note) {
        List<String> quoted = values.stream().map(Translation::quote).toList();
        String toml = "[" + String.join(", ", quoted) + "]";
        put(d, key, toml, toml, note);
    }

    private void put(Directive d, String key, String toml, String shown, String note) {
        Setting before = settings.remove(key);
        String overrides = before == null ? "" : "replaces " + before.from().where() + (note.isEmpty() ? "" : "; ");
        settings.put(key, new Setting(key, toml, d));
        outcomes.add(new Outcome.Translated(d, key, shown, overrides + note));
    }

    void notTranslated(Directive d, String reason, String instead) {
        outcomes.add(new Outcome.NotTranslated(d, reason, instead));
    }

    void notYet(Directive d, String reason, String instead) {
        outcomes.add(new Outcome.NotYet(d, reason, instead));
    }

    void nothingToDo(Directive d, String reason) {
        outcomes.add(new Outcome.NothingToDo(d, reason));
    }

    boolean has(String key) {
        return settings.containsKey(key);
    }

    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** The complete mailferry.toml: the keys set, by section, each under a comment naming its directive. */
    public String toml() {
        StringBuilder out = new StringBuilder();
        out.append("# mailferry.toml written by 'mailferry import ").append(source).append("'.\n")
                .append("# Each key names the directive it came from; every other key keeps its default\n")
                .append("# (docs/configuration.md). What was not translated is in the import's report.\n");
        for (String section : SECTIONS) {
            List<Setting> in = settings.values().stream().filter(s -> s.key().startsWith(section + ".")).toList();
            if (in.isEmpty()) {
                continue;
            }
            out.append("\n[").append(section).append("]\n");
            for (Setting s : in) {
                out.append("# ").append(s.from().where()).append(": ").append(s.from().text()).append('\n');
                out.append(s.key().substring(section.length() + 1)).append(" = ").append(s.toml()).append('\n');
            }
        }
        return out.toString();
    }

    /** A TOML basic string: quotes and backslashes escaped, control characters as \\uXXXX. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
