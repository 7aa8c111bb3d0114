package org.mailferry.imports;

/**
 * An input the import cannot use: the message names the file, the line and the fix; the exit code
 * is sysexits.h's EX_NOINPUT (66) for a file that is not there, EX_CONFIG (78) for the rest.
 */
public final class ImportException extends Exception {
    public static final int EX_NOINPUT = 66;
    public static final int EX_CONFIG = 78;

    private final int exitCode;

    ImportException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    static ImportException at(Directive d, String message) {
        return new ImportException(d.where() + ": " + message, EX_CONFIG);
    }

    static ImportException missing(Directive d, String message) {
        return new ImportException(d.where() + ": " + message, EX_NOINPUT);
    }

    public int exitCode() {
        return exitCode;
    }
}
