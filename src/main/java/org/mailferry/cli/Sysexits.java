package org.mailferry.cli;

/** Exit codes of the sendmail command, from BSD sysexits.h, as sendmail and Postfix use them. */
public final class Sysexits {
    public static final int EX_OK = 0;
    /** Bad command line: unknown option, missing value, no recipients, a line break in an argument. */
    public static final int EX_USAGE = 64;
    /** Bad input data: no recipients in the headers with -t, an unusable address, refused by the daemon. */
    public static final int EX_DATAERR = 65;
    /** An input file (the -C config file) does not exist or cannot be read. */
    public static final int EX_NOINPUT = 66;
    /** The mail system is down (-q, mailq with no access to the queue). */
    public static final int EX_UNAVAILABLE = 69;
    /** A bug: an unexpected exception. */
    public static final int EX_SOFTWARE = 70;
    /** Reading standard input failed. */
    public static final int EX_IOERR = 74;
    /** Could not hand the message over (daemon busy, maildrop not writable, disk full): try again later. */
    public static final int EX_TEMPFAIL = 75;
    /** The user may not do this: mailq outside admin.mailq_users, -q or a queue change by a non-operator. */
    public static final int EX_NOPERM = 77;
    /** The config file is malformed. */
    public static final int EX_CONFIG = 78;

    private Sysexits() {
    }
}
