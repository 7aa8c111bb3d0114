package org.mailferry.imports;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads sendmail.mc as m4 would see it, far enough for its configuration macros: {@code dnl} (to
 * the end of the line, also inside a macro's arguments), {@code #} comments, {@code `quoted'} text
 * (nested quotes kept, the outer pair removed), and calls {@code NAME(arg, arg)} whose arguments
 * may span lines. It expands nothing: a construct that needs m4 to evaluate (ifdef, changequote,
 * raw sendmail.cf lines after LOCAL_CONFIG ...) is left to {@link SendmailMc} to refuse by name.
 */
final class McReader {
    /** One macro call, or a bare word ({@code args} null), with its line and its text for the report. */
    record Call(String name, @Nullable List<String> args, Directive directive) {
        String arg(int i) {
            return args == null || i >= args.size() ? "" : args.get(i);
        }
    }

    private final String file;
    private final String s;
    private int i;
    private int line = 1;

    private McReader(String file, String text) {
        this.file = file;
        this.s = text;
    }

    static List<Call> read(String file, String text) throws ImportException {
        return new McReader(file, text).calls();
    }

    private List<Call> calls() throws ImportException {
        List<Call> out = new ArrayList<>();
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '\n') {
                line++;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '#') {
                skipLine();
            } else if (isWordStart(c)) {
                int start = i;
                int startLine = line;
                String word = word();
                if (word.equals("dnl")) {
                    skipLine();
                    continue;
                }
                List<String> args = null;
                if (i < s.length() && s.charAt(i) == '(') {
                    args = arguments(startLine);
                }
                out.add(new Call(word, args, new Directive(file, startLine, oneLine(s.substring(start, i)))));
                if (word.startsWith("LOCAL_")) {
                    return out; // raw sendmail.cf text follows, not m4: SendmailMc refuses the call by name
                }
            } else {
                int startLine = line;
                int start = i;
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
                throw new ImportException(file + ":" + startLine + ": '" + oneLine(s.substring(start, i))
                        + "' is not a macro call mailferry import reads (m4 would copy it into sendmail.cf as it is);"
                        + " remove it, or write it as define(`NAME', `value')dnl", ImportException.EX_CONFIG);
            }
        }
        return out;
    }

    /** The arguments of a call, i at its '('; leaves i after the matching ')'. */
    private List<String> arguments(int startLine) throws ImportException {
        List<String> args = new ArrayList<>();
        StringBuilder arg = new StringBuilder();
        boolean leading = true; // m4 drops unquoted white space before an argument
        int parens = 0;
        i++;
        while (true) {
            if (i >= s.length()) {
                throw new ImportException(file + ":" + startLine + ": this macro call has no closing ')' (or a quote "
                        + "`...' is not closed); close it", ImportException.EX_CONFIG);
            }
            char c = s.charAt(i);
            if (c == '`') {
                arg.append(quoted(startLine));
                leading = false;
                continue;
            }
            if (isWordStart(c) && s.startsWith("dnl", i) && !isWordPart(i + 3)) {
                skipLine();
                continue;
            }
            if (isWordStart(c)) {
                arg.append(word());
                leading = false;
                continue;
            }
            i++;
            if (c == '\n') {
                line++;
            }
            if (c == '(') {
                parens++;
            } else if (c == ')' && parens > 0) {
                parens--;
            } else if (c == ')') {
                args.add(arg.toString());
                return args;
            } else if (c == ',' && parens == 0) {
                args.add(arg.toString());
                arg.setLength(0);
                leading = true;
                continue;
            }
            if (leading && Character.isWhitespace(c)) {
                continue;
            }
            leading = false;
            arg.append(c);
        }
    }

    /** A `quoted' string, i at its opening quote; nested quotes are kept, the outer pair removed. */
    private String quoted(int startLine) throws ImportException {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        while (i < s.length()) {
            char c = s.charAt(i++);
            if (c == '\n') {
                line++;
            }
            if (c == '`') {
                if (depth++ == 0) {
                    continue;
                }
            } else if (c == '\'') {
                if (--depth == 0) {
                    return out.toString();
                }
            }
            out.append(c);
        }
        throw new ImportException(file + ":" + startLine + ": a quote `...' is not closed (m4 quotes open with a "
                + "backquote ` and close with an apostrophe '); close it", ImportException.EX_CONFIG);
    }

    private String word() {
        int start = i;
        while (i < s.length() && isWordPart(i)) {
            i++;
        }
        return s.substring(start, i);
    }

    private void skipLine() {
        while (i < s.length() && s.charAt(i) != '\n') {
            i++;
        }
    }

    private static boolean isWordStart(char c) {
        return c == '_' || (c < 128 && Character.isLetter(c));
    }

    private boolean isWordPart(int at) {
        if (at >= s.length()) {
            return false;
        }
        char c = s.charAt(at);
        return c == '_' || (c < 128 && Character.isLetterOrDigit(c));
    }

    /** The call as written, on one line (white space runs collapsed), at most 160 characters. */
    private static String oneLine(String text) {
        String t = text.replaceAll("dnl[^\n]*\n", " ").replaceAll("\\s+", " ").strip();
        return t.length() > 160 ? t.substring(0, 157) + "..." : t;
    }
}
