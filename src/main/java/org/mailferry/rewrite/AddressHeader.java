package org.mailferry.rewrite;

import java.util.function.UnaryOperator;

/**
 * Rewrites the addresses in an address header's value: qualifies bare local names ("root" →
 * "root@example.com") at submission, or maps each address at delivery ({@link #map}, sender
 * rewriting),
 * keeping comments, display names and groups, the way Postfix's cleanup does for local mail:
 * a port of its tok822 tokenizer and right-to-left parser (src/global/tok822_parse.c), the
 * append_at_myorigin step of trivial-rewrite (src/trivial-rewrite/rewrite.c) and the
 * reformatting and folding of a rewritten header (src/cleanup/cleanup_message.c). A value with
 * nothing to qualify is left byte for byte as it was (null is returned), as Postfix leaves it.
 * Not ported: the bang path and percent hack (swap_bangpath, allow_percent_hack): Mailferry never
 * routes by "!" or "%", so "a!b" and "a%b" are qualified like any other bare name.
 */
public final class AddressHeader {
    // token types: an operator is its own character; the others are above any byte value
    private static final int ATOM = 256;
    private static final int QSTRING = 257;
    private static final int COMMENT = 258;
    private static final int DOMLIT = 259;
    private static final int ADDR = 260;
    private static final int STARTGRP = 261;
    private static final String OPERATORS = "|%!()<>@,;:\\\".[]";
    /** Postfix's MAX_NONADDR_LENGTH: more phrase and comment text than this around one address is cut. */
    private static final int MAX_NONADDR_LENGTH = 250;

    private static final class Tok {
        int type;
        final StringBuilder text = new StringBuilder();
        Tok prev;
        Tok next;
        Tok head;
        Tok tail;
        Tok owner;

        Tok(int type) {
            this.type = type;
        }

        void retype(int t) {
            type = t;
        }
    }

    private AddressHeader() {
    }

    /**
     * The header field's new text ("To: root@example.com", continuation lines joined by "\n" and
     * starting with a tab), or null when no address in it needed the origin domain.
     * {@code value}: what follows the colon, continuation lines joined by "\n" (no CR).
     */
    public static String qualify(String name, String value, String originDomain) {
        return eachAddress(name, value, t -> rewrite(t, originDomain));
    }

    /**
     * The same with each address (its internal form: local part, '@', domain, unquoted) replaced
     * by what {@code mapper} gives for it, as Postfix's cleanup_map11_tree and smtp_map11_tree
     * do; display names, comments and groups kept. Null when {@code mapper} changed nothing (the
     * caller keeps the field's bytes); the empty address is not offered to it.
     */
    public static String map(String name, String value, UnaryOperator<String> mapper) {
        return eachAddress(name, value, t -> map(t, mapper));
    }

    /** The field's new text after {@code step} (true: changed) ran over each address; null if none changed. */
    private static String eachAddress(String name, String value, java.util.function.Predicate<Tok> step) {
        Tok tree = parse(value);
        boolean changed = false;
        for (Tok t = tree; t != null; t = t.next) {
            if (t.type == ADDR) {
                changed |= step.test(t);
            }
        }
        if (!changed) {
            return null;
        }
        StringBuilder sb = new StringBuilder(name).append(": ");
        externalize(sb, tree, true);
        return fold(sb.toString());
    }

    private static boolean map(Tok addr, UnaryOperator<String> mapper) {
        Tok h = addr.head;
        if (h == null || h == addr.tail && h.type == QSTRING && h.text.isEmpty()) {
            return false;
        }
        StringBuilder internal = new StringBuilder();
        internalize(internal, h);
        String before = internal.toString();
        String after = mapper.apply(before);
        if (after.equals(before)) {
            return false;
        }
        StringBuilder external = new StringBuilder();
        quoteLocal(external, after);
        Tok tokens = scan(external.toString());
        addr.head = tokens;
        for (Tok t = tokens; t != null; t = t.next) {
            addr.tail = t;
        }
        return true;
    }

    /** cleanup_fold_header: one address per line joined with spaces while the line stays under 70. */
    private static String fold(String header) {
        String[] lines = header.split("\n", -1);
        StringBuilder out = new StringBuilder(header.length() + 8);
        int lineStart = 0;
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                int endOfThis = out.length() + 1 + lines[i].length();
                if (endOfThis - lineStart < 70) {
                    out.append(' ');
                } else {
                    out.append('\n');
                    if (!lines[i].isEmpty() && lines[i].charAt(0) != ' ' && lines[i].charAt(0) != '\t') {
                        out.append('\t'); // cleanup_out_header's, not counted by cleanup_fold_header
                    }
                    lineStart = out.length();
                }
            }
            out.append(lines[i]);
        }
        return out.toString();
    }

    /** trivial-rewrite's rewrite_tree, local context, append_at_myorigin only; true if the address changed. */
    private static boolean rewrite(Tok addr, String originDomain) {
        StringBuilder before = new StringBuilder();
        externalize(before, addr.head, false);
        Tok h = addr.head;
        if (h == null || h == addr.tail && h.type == QSTRING && h.text.isEmpty()) {
            return false; // the empty address
        }
        Tok tokens = scan(before.toString());
        Tok last = tokens;
        while (last.next != null) {
            last = last.next;
        }
        if (tokens == last && last.type == '@') {
            tokens = new Tok(QSTRING); // a lone @ is the empty address
        } else if (find(tokens, '@') == null) {
            last = append(last, new Tok('@'));
            append(last, scan(originDomain));
        }
        StringBuilder after = new StringBuilder();
        externalize(after, tokens, false);
        addr.head = tokens;
        for (Tok t = tokens; t != null; t = t.next) {
            addr.tail = t;
        }
        return !after.toString().equals(before.toString());
    }

    private static Tok find(Tok list, int type) {
        for (Tok t = list; t != null; t = t.next) {
            if (t.type == type) {
                return t;
            }
        }
        return null;
    }

    // ---- tok822_scan_limit

    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    private static Tok scan(String s) {
        Tok head = null;
        Tok tail = null;
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i++);
            if (space(c)) {
                continue;
            }
            Tok t;
            if (c == '(') {
                t = new Tok(COMMENT);
                i = comment(t, s, i);
            } else if (c == '[') {
                t = new Tok(DOMLIT);
                i = collect(t, s, i, ']', true);
            } else if (c == '"') {
                t = new Tok(QSTRING);
                i = collect(t, s, i, '"', true);
            } else if (c != '\\' && OPERATORS.indexOf(c) >= 0) {
                t = new Tok(c);
            } else {
                t = new Tok(ATOM);
                i = collect(t, s, i - 1, (char) 0, false);
                quoteAtom(t);
            }
            if (head == null) {
                head = tail = t;
            } else {
                tail = append(tail, t);
            }
        }
        return head;
    }

    /** COLLECT: up to the end character (quoted string, literal) or to a space or operator (atom). */
    private static int collect(Tok t, String s, int i, char end, boolean skipLast) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '\\') {
                if (++i >= n) {
                    break;
                }
                c = s.charAt(i);
            } else if (skipLast ? c == end : space(c) || OPERATORS.indexOf(c) >= 0) {
                break;
            }
            t.text.append(space(c) ? ' ' : c);
            i++;
        }
        return skipLast && i < n ? i + 1 : i;
    }

    private static void quoteAtom(Tok t) {
        for (int i = 0; i < t.text.length(); i++) {
            char c = t.text.charAt(i);
            if (c == ' ' || c < 0x20 || c == 0x7f || OPERATORS.indexOf(c) >= 0) {
                t.retype(QSTRING);
                return;
            }
        }
    }

    /** A comment, nested ones included, kept in its external form. */
    private static int comment(Tok t, String s, int i) {
        int level = 1;
        t.text.append('(');
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i++);
            t.text.append(c);
            if (c == '(') {
                level++;
            } else if (c == ')') {
                if (--level == 0) {
                    break;
                }
            } else if (c == '\\') {
                if (i >= n) {
                    break;
                }
                t.text.append(s.charAt(i++));
            }
        }
        return i;
    }
    // ---- tok822_parse_limit: from right to left, cluster the tokens of each address under an ADDR

    private static final int DO_WORD = 1;
    private static final int DO_GROUP = 2;

    static Tok parse(String value) {
        Tok first = scan(value);
        if (first == null) {
            return null;
        }
        Tok last = first;
        while (last.next != null) {
            last = last.next;
        }
        Tok head = new Tok(0);
        head.next = first;
        first.prev = head;
        Tok tail = new Tok(0);
        last.next = tail;
        tail.prev = last;
        int state = DO_WORD;
        Tok right = tail;
        Tok tp = tail.prev;
        while (tp.type != 0) {
            if (tp.type == COMMENT) { // moved to the side, out of the address
                Tok prev = unlink(tp);
                right = prepend(right, tp);
                tp = prev;
                continue;
            } else if (tp.type == ';') {
                right = group(tp, right, ',');
                state = DO_GROUP | DO_WORD;
            } else if (tp.type == ':' && (state & DO_GROUP) != 0) {
                tp.retype(STARTGRP);
                group(tp, right, 0);
                while (tp.type != 0 && tp.type != ',') {
                    tp = tp.prev;
                }
                right = tp;
                continue;
            } else if (tp.type == '>') {
                right = group(tp, right, ',');
                while (tp.type != 0 && tp.type != '<') {
                    if (tp.type == COMMENT) {
                        Tok prev = unlink(tp);
                        right = prepend(right, tp);
                        tp = prev;
                        continue;
                    }
                    tp = tp.prev;
                }
                group(tp, right, 0);
                while (tp.type != 0 && (tp.type > 0xff || ">;,:".indexOf(tp.type) < 0)) {
                    tp = tp.prev;
                }
                right = tp;
                state |= DO_WORD;
                continue;
            } else if (tp.type == ATOM || tp.type == QSTRING || tp.type == DOMLIT) {
                if ((state & DO_WORD) == 0) {
                    right = group(tp, right, ',').next;
                }
                state &= ~DO_WORD;
            } else if (tp.type == ',') {
                right = group(tp, right, 0);
                state |= DO_WORD;
            } else {
                state |= DO_WORD;
            }
            tp = tp.prev;
        }
        group(tp, right, 0);
        Tok result = head.next != tail ? head.next : null;
        cutBefore(head.next);
        cutBefore(tail);
        return result;
    }

    /** tok822_group: the tokens strictly between left and right become one ADDR; a comma may follow left. */
    private static Tok group(Tok left, Tok right, int sync) {
        Tok first;
        if (left != right && (first = left.next) != right) {
            cutBefore(right);
            cutBefore(first);
            Tok g = new Tok(ADDR);
            subAppend(g, first);
            append(left, g);
            append(g, right);
            if (sync != 0) {
                append(left, new Tok(sync));
            }
        }
        return left;
    }

    private static Tok append(Tok t1, Tok t2) {
        Tok next = t1.next;
        t1.next = t2;
        t2.prev = t1;
        t2.owner = t1.owner;
        while (t2.next != null) {
            t2 = t2.next;
            t2.owner = t1.owner;
        }
        t2.next = next;
        if (next != null) {
            next.prev = t2;
        }
        return t2;
    }

    private static Tok prepend(Tok t1, Tok t2) {
        Tok prev = t1.prev;
        if (prev != null) {
            prev.next = t2;
        }
        t2.prev = prev;
        t2.owner = t1.owner;
        while (t2.next != null) {
            t2 = t2.next;
            t2.owner = t1.owner;
        }
        t2.next = t1;
        t1.prev = t2;
        return t2;
    }

    private static void cutBefore(Tok tp) {
        Tok prev = tp.prev;
        if (prev != null) {
            prev.next = null;
            tp.prev = null;
        }
    }

    private static Tok unlink(Tok tp) {
        Tok prev = tp.prev;
        Tok next = tp.next;
        if (prev != null) {
            prev.next = next;
        }
        if (next != null) {
            next.prev = prev;
        }
        tp.prev = null;
        tp.next = null;
        return prev;
    }

    private static void subAppend(Tok t1, Tok t2) {
        if (t1.head != null) {
            t1.tail = append(t1.tail, t2);
            return;
        }
        t1.head = t2;
        t2.owner = t1;
        while (t2.next != null) {
            t2 = t2.next;
            t2.owner = t1;
        }
        t1.tail = t2;
    }

    // ---- tok822_externalize and tok822_internalize

    /**
     * The external form; {@code header}: TOK822_STR_HEAD (a newline after each comma, and an
     * address with too much text around it reduced to its &lt;address&gt;), else TOK822_STR_DEFL.
     */
    private static void externalize(StringBuilder vp, Tok tree, boolean header) {
        int start = vp.length();
        Tok addr = null;
        int addrLen = 0;
        for (Tok tp = tree; tp != null; tp = tp.next) {
            switch (tp.type) {
                case ',' -> {
                    if (header && addr != null && vp.length() - addrLen > start + MAX_NONADDR_LENGTH) {
                        stripAddress(vp, start, addr.head);
                    }
                    vp.append(',').append(header ? '\n' : ' ');
                    start = vp.length();
                    addr = null;
                    addrLen = 0;
                    continue;
                }
                case ADDR -> {
                    addr = tp;
                    StringBuilder tmp = new StringBuilder();
                    internalize(tmp, tp.head);
                    int before = vp.length();
                    quoteLocal(vp, tmp.toString());
                    addrLen = vp.length() - before;
                }
                case ATOM, COMMENT -> vp.append(tp.text);
                case QSTRING -> vp.append('"').append(quoted(tp.text, "\"\\\r\n")).append('"');
                case DOMLIT -> vp.append('[').append(quoted(tp.text, "\\\r\n")).append(']');
                case STARTGRP -> vp.append(':');
                case '<' -> {
                    if (tp.next != null && tp.next.type == '>') {
                        addr = tp;
                        addrLen = 0;
                    }
                    vp.append('<');
                }
                default -> vp.append((char) tp.type);
            }
            if (appendSpace(tp)) {
                vp.append(' ');
            }
        }
        if (header && addr != null && vp.length() - addrLen > start + MAX_NONADDR_LENGTH) {
            stripAddress(vp, start, addr.head);
        }
    }

    private static void stripAddress(StringBuilder vp, int start, Tok addrHead) {
        vp.setLength(start);
        vp.append('<');
        if (addrHead != null) {
            StringBuilder tmp = new StringBuilder();
            internalize(tmp, addrHead);
            quoteLocal(vp, tmp.toString());
        }
        vp.append('>');
    }

    private static void internalize(StringBuilder vp, Tok tree) {
        for (Tok tp = tree; tp != null; tp = tp.next) {
            switch (tp.type) {
                case ADDR -> internalize(vp, tp.head);
                case COMMENT, ATOM, QSTRING -> vp.append(tp.text);
                case DOMLIT -> vp.append('[').append(tp.text).append(']');
                case STARTGRP -> vp.append(':');
                default -> vp.append((char) tp.type);
            }
            if (appendSpace(tp)) {
                vp.append(' ');
            }
        }
    }

    private static String quoted(CharSequence s, String set) {
        StringBuilder b = new StringBuilder(s.length() + 2);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (set.indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    private static boolean nonOperator(Tok t) {
        return t.type == ATOM || t.type == QSTRING || t.type == COMMENT || t.type == DOMLIT || t.type == ADDR;
    }

    private static boolean appendSpace(Tok tp) {
        Tok next = tp.next;
        if (next == null || tp.owner != null) {
            return false;
        }
        if (tp.type == ',' || tp.type == STARTGRP || next.type == '<') {
            return true;
        }
        return nonOperator(tp) && nonOperator(next);
    }

    // ---- quote_822_local: the local part quoted when it is not a dot-atom (8-bit left alone)

    private static void quoteLocal(StringBuilder dst, String mbox) {
        int colon = mbox.indexOf(':');
        int start = mbox.startsWith("@") && colon >= 0 ? colon + 1 : 0;
        int at = mbox.lastIndexOf('@');
        int end = at >= start ? at : mbox.length();
        if (dotString(mbox, start, end)) {
            dst.append(mbox);
            return;
        }
        dst.append(mbox, 0, start).append('"');
        for (int i = start; i < end; i++) {
            char c = mbox.charAt(i);
            if (c == '"' || c == '\\' || c == '\r') {
                dst.append('\\');
            }
            dst.append(c);
        }
        dst.append('"').append(mbox, end, mbox.length());
    }

    private static boolean dotString(String s, int start, int end) {
        if (start == end || s.charAt(start) == '.') {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = s.charAt(i);
            if (c == '.' && i + 1 < end && s.charAt(i + 1) == '.' || c == ' ' || c < 0x20 || c == 0x7f
                    || "()<>@,;:\\\"[]".indexOf(c) >= 0) {
                return false;
            }
        }
        return s.charAt(end - 1) != '.';
    }
}
