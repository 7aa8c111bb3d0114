package org.mailferry.submission;

import java.util.Locale;
import java.util.Map;
import org.mailferry.smtp.DsnParameters;
import org.mailferry.smtp.Reply;

/**
 * The ESMTP parameters of MAIL FROM (SIZE, BODY, SMTPUTF8, RET, ENVID) and RCPT TO (NOTIFY, ORCPT),
 * checked one by one; the first bad one is refused with its reply.
 */
final class EnvelopeParameters {
    private EnvelopeParameters() {
    }

    /** A parameter refused: the reply says why. */
    static final class Refused extends Exception {
        final transient Reply reply;

        Refused(Reply reply) {
            super(reply.toString(), null, false, false);
            this.reply = reply;
        }
    }

    /** MAIL FROM's parameters as accepted. */
    record Mail(boolean smtpUtf8, boolean eightBit, String ret, String envId) {
        /** No parameters: 7BIT, no SMTPUTF8, no DSN request. */
        static final Mail NONE = new Mail(false, false, "", "");
    }

    /** RCPT TO's parameters as accepted. */
    record Rcpt(String notifyOn, String orcpt) {
    }

    static Mail mail(Map<String, String> parameters, long maxMessageSizeBytes) throws Refused {
        boolean utf8 = false;
        boolean eightBit = false;
        String ret = "";
        String envId = "";
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "SIZE" -> {
                    long declared;
                    try {
                        declared = Long.parseLong(v);
                    } catch (NumberFormatException ex) {
                        throw new Refused(Replies.BAD_SIZE);
                    }
                    if (declared > maxMessageSizeBytes) {
                        throw new Refused(Replies.sizeOverLimit(maxMessageSizeBytes));
                    }
                }
                case "BODY" -> {
                    String body = v.toUpperCase(Locale.ROOT);
                    if (!body.equals("7BIT") && !body.equals("8BITMIME")) {
                        throw new Refused(Replies.BAD_BODY);
                    }
                    eightBit = body.equals("8BITMIME");
                }
                case "SMTPUTF8" -> {
                    if (!v.isEmpty()) {
                        throw new Refused(Replies.SMTPUTF8_TAKES_NO_VALUE);
                    }
                    utf8 = true;
                }
                case "RET" -> ret = dsn(() -> DsnParameters.ret(v));
                case "ENVID" -> envId = dsn(() -> DsnParameters.envId(v));
                default -> throw new Refused(Replies.unsupportedParameter("MAIL", e.getKey()));
            }
        }
        return new Mail(utf8, eightBit, ret, envId);
    }

    static Rcpt rcpt(Map<String, String> parameters) throws Refused {
        String notify = "";
        String orcpt = "";
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            switch (e.getKey()) {
                case "NOTIFY" -> notify = dsn(() -> DsnParameters.notify(e.getValue()));
                case "ORCPT" -> orcpt = dsn(() -> DsnParameters.orcpt(e.getValue()));
                default -> throw new Refused(Replies.unsupportedParameter("RCPT", e.getKey()));
            }
        }
        return new Rcpt(notify, orcpt);
    }

    private interface DsnValue {
        String parse() throws DsnParameters.SyntaxException;
    }

    private static String dsn(DsnValue value) throws Refused {
        try {
            return value.parse();
        } catch (DsnParameters.SyntaxException e) {
            throw new Refused(Replies.badDsnParameter(e.getMessage()));
        }
    }
}
