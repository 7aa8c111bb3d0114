package org.mailferry.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.mailferry.submission.PasswordHash;

/**
 * {@code mailferry passwd USER}: asks for a password (twice on a terminal, no echo; else one line
 * on standard input) and prints the {@code USER:$pbkdf2-sha256$...} line for {@code smtpd.users}.
 */
public final class Passwd {
    private Passwd() {
    }

    public static int run(List<String> args, Console console, InputStream stdin, PrintStream out, PrintStream err) {
        if (args.size() == 1 && args.get(0).startsWith("-")) {
            err.println("mailferry: passwd: unknown option " + args.get(0) + "; usage: mailferry passwd USER");
            return 64;
        }
        if (args.size() != 1 || args.get(0).isEmpty() || args.get(0).matches(".*[:\\s].*")) {
            err.println("mailferry: usage: mailferry passwd USER (a name without ':' or spaces); "
                    + "the password is read from the terminal or standard input");
            return 64;
        }
        char[] password;
        try {
            password = console != null ? fromConsole(console) : fromStdin(stdin);
        } catch (IOException e) {
            err.println("mailferry: cannot read the password: " + e.getMessage());
            return 74;
        }
        if (password == null) {
            err.println("mailferry: passwd: the two passwords differ; nothing written");
            return 65;
        }
        if (password.length == 0) {
            err.println("mailferry: passwd: empty password refused");
            return 65;
        }
        out.println(args.get(0) + ":" + PasswordHash.create(password, PasswordHash.DEFAULT_ITERATIONS).format());
        Arrays.fill(password, '\0');
        return 0;
    }

    private static char[] fromConsole(Console c) {
        char[] a = c.readPassword("Password: ");
        char[] b = c.readPassword("Again: ");
        if (a == null || b == null || !Arrays.equals(a, b)) {
            return null;
        }
        Arrays.fill(b, '\0');
        return a;
    }

    private static char[] fromStdin(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            line.write(c);
        }
        String s = line.toString(StandardCharsets.UTF_8);
        return (s.endsWith("\r") ? s.substring(0, s.length() - 1) : s).toCharArray();
    }
}
