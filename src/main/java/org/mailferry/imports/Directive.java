package org.mailferry.imports;

/**
 * One directive as read from the imported file: where it is ({@code file:line}) and its text as
 * written, shortened to one line (m4 quoting and continuation lines kept as the report shows them).
 * Line 0 stands for the file as a whole (a directive it lacks, a default that differs).
 */
public record Directive(String file, int line, String text) {
    public String where() {
        return line > 0 ? file + ":" + line : file;
    }
}
