package org.mailferry.notify;

import java.time.Instant;
import java.util.List;

/**
 * A small JSON writer for flat objects and arrays of them (webhooks, the status API). Strings are
 * escaped per RFC 8259: quote, backslash and every control character; non-ASCII is written as is
 * (the output is UTF-8), except U+2028/U+2029, escaped for JavaScript consumers.
 */
public final class Json {
    private final StringBuilder sb = new StringBuilder(256);
    private boolean first = true;

    private Json() {
    }

    /** Starts an object: {@code Json.object().field("a", "b").end()}. */
    public static Json object() {
        Json j = new Json();
        j.sb.append('{');
        return j;
    }

    private Json name(String name) {
        if (!first) {
            sb.append(',');
        }
        first = false;
        quote(sb, name);
        sb.append(':');
        return this;
    }

    /** A string field; null is written as JSON null. */
    public Json field(String name, String value) {
        name(name);
        if (value == null) {
            sb.append("null");
        } else {
            quote(sb, value);
        }
        return this;
    }

    public Json field(String name, long value) {
        name(name).sb.append(value);
        return this;
    }

    public Json field(String name, Instant value) {
        return field(name, value == null ? null : value.toString());
    }

    /** An array of already-written JSON values (objects from {@link #end()}). */
    public Json array(String name, List<String> jsonValues) {
        name(name).sb.append('[').append(String.join(",", jsonValues)).append(']');
        return this;
    }

    /** A value already written as JSON (an object from {@link #end()}, a number, null). */
    public Json raw(String name, String json) {
        name(name).sb.append(json);
        return this;
    }

    public String end() {
        return sb.append('}').toString();
    }

    static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
