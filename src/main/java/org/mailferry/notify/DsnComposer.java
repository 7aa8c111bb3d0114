package org.mailferry.notify;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.mailferry.message.Address;
import org.mailferry.message.QueueId;

/**
 * Builds delivery status notifications (RFC 3464): a {@code multipart/report;
 * report-type=delivery-status} with a human-readable part, a {@code message/delivery-status} part
 * and the original message ({@code message/rfc822}) or its headers ({@code text/rfc822-headers}).
 * Output has CRLF line endings, ready for the spool. Pure: the same notice gives the same bytes.
 */
public final class DsnComposer {
    private static final DateTimeFormatter RFC5322_DATE =
            DateTimeFormatter.ofPattern("EEE, d MMM yyyy HH:mm:ss Z", Locale.ROOT);

    /** RFC 3464 2.3.3 action values. */
    public enum Action {
        FAILED, DELAYED, DELIVERED, RELAYED;

        String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One recipient's part of the report.
     *
     * @param originalRecipient stored ORCPT "addr-type;address", empty when not given
     * @param remoteMta         the smarthost's host name, empty when none was reached
     * @param diagnostic        the smarthost's reply ("550 5.1.1 ...") or our own reason
     */
    public record RecipientReport(Address recipient, String originalRecipient, Action action, String status,
                                  String remoteMta, String diagnostic, Instant lastAttempt) {
    }

    /**
     * A notice about message {@code originalId}, sent as message {@code id}.
     *
     * @param retryUntil   when delayed recipients expire (Will-Retry-Until)
     * @param eightBit     the original's body is 8BITMIME
     */
    public record Notice(QueueId id, Instant date, QueueId originalId, Address sender, Instant arrival, String envId,
                         Instant retryUntil, boolean eightBit, List<RecipientReport> recipients) {
    }

    private final String reportingMta;

    /** @param reportingMta our host name, as in the greeting */
    public DsnComposer(String reportingMta) {
        this.reportingMta = reportingMta;
    }

    /**
     * Writes the notice to {@code out}, returning {@code original} whole, or only its header
     * section when {@code headersOnly}.
     */
    public void compose(Notice n, InputStream original, boolean headersOnly, OutputStream out) throws IOException {
        String boundary = n.originalId() + "." + n.id() + "/" + reportingMta;
        StringBuilder sb = new StringBuilder(2048);
        line(sb, "Date: " + date(n.date()));
        line(sb, "From: Mail Delivery System <MAILER-DAEMON@" + reportingMta + ">");
        line(sb, "To: " + n.sender().bracketed());
        line(sb, "Subject: " + subject(n));
        line(sb, "Message-ID: <" + n.id() + "@" + reportingMta + ">");
        line(sb, "Auto-Submitted: auto-replied");
        line(sb, "MIME-Version: 1.0");
        line(sb, "Content-Type: multipart/report; report-type=delivery-status;");
        line(sb, "\tboundary=\"" + boundary + "\"");
        line(sb, "Content-Transfer-Encoding: " + (n.eightBit() || !ascii(n) ? "8bit" : "7bit"));
        line(sb, "");
        line(sb, "This is a MIME-encapsulated message.");
        line(sb, "");
        line(sb, "--" + boundary);
        line(sb, "Content-Description: Notification");
        line(sb, "Content-Type: text/plain; charset=utf-8");
        line(sb, "");
        humanReadable(sb, n);
        line(sb, "");
        line(sb, "--" + boundary);
        line(sb, "Content-Description: Delivery report");
        line(sb, "Content-Type: message/delivery-status");
        line(sb, "");
        deliveryStatus(sb, n);
        line(sb, "--" + boundary);
        line(sb, "Content-Description: " + (headersOnly ? "Message headers" : "Returned message"));
        line(sb, "Content-Type: " + (headersOnly ? "text/rfc822-headers" : "message/rfc822"));
        if (n.eightBit()) {
            line(sb, "Content-Transfer-Encoding: 8bit");
        }
        line(sb, "");
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        boolean endsWithLineBreak = headersOnly ? copyHeaders(original, out) : copyAll(original, out);
        out.write(((endsWithLineBreak ? "" : "\r\n") + "\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    }

    private static String subject(Notice n) {
        if (n.recipients().stream().anyMatch(r -> r.action() == Action.FAILED)) {
            return "Undelivered Mail Returned to Sender";
        }
        if (n.recipients().stream().anyMatch(r -> r.action() == Action.DELAYED)) {
            return "Delayed Mail (still being retried)";
        }
        return "Successful Mail Delivery Report";
    }

    private void humanReadable(StringBuilder sb, Notice n) {
        line(sb, "This is the mail system at host " + reportingMta + " (Mailferry).");
        line(sb, "");
        line(sb, "Your message of " + date(n.arrival()) + " (queue id " + n.originalId() + "):");
        for (Action a : Action.values()) {
            List<RecipientReport> rs = n.recipients().stream().filter(r -> r.action() == a).toList();
            if (rs.isEmpty()) {
                continue;
            }
            line(sb, "");
            switch (a) {
                case FAILED -> line(sb, "could NOT be delivered to these recipients; it will not be retried:");
                case DELAYED -> {
                    line(sb, "has not been delivered yet to these recipients. It stays in the queue and is");
                    line(sb, "retried until " + date(n.retryUntil()) + "; you need not send it again:");
                }
                case DELIVERED -> line(sb, "was delivered to these recipients:");
                case RELAYED -> {
                    line(sb, "was passed on to the smarthost for these recipients; the smarthost offers");
                    line(sb, "no delivery status notifications, so no further report will follow:");
                }
                default -> throw new IllegalStateException();
            }
            line(sb, "");
            for (RecipientReport r : rs) {
                line(sb, "  " + r.recipient().bracketed() + ": " + oneLine(r.diagnostic())
                        + (r.remoteMta().isEmpty() ? "" : " (smarthost " + r.remoteMta() + ")"));
            }
        }
        line(sb, "");
        line(sb, "The delivery report and the message" + (n.recipients().stream()
                .anyMatch(r -> r.action() == Action.FAILED) ? "" : "'s headers") + " follow.");
    }

    private void deliveryStatus(StringBuilder sb, Notice n) {
        line(sb, "Reporting-MTA: dns; " + reportingMta);
        line(sb, "X-Mailferry-Queue-ID: " + n.originalId());
        if (!n.envId().isEmpty()) {
            line(sb, "Original-Envelope-Id: " + oneLine(n.envId()));
        }
        line(sb, "Arrival-Date: " + date(n.arrival()));
        line(sb, "");
        for (RecipientReport r : n.recipients()) {
            line(sb, "Final-Recipient: rfc822; " + r.recipient().value());
            if (!r.originalRecipient().isEmpty()) {
                int semi = r.originalRecipient().indexOf(';');
                line(sb, "Original-Recipient: " + r.originalRecipient().substring(0, semi) + "; "
                        + oneLine(r.originalRecipient().substring(semi + 1)));
            }
            line(sb, "Action: " + r.action().word());
            line(sb, "Status: " + r.status());
            if (!r.remoteMta().isEmpty()) {
                line(sb, "Remote-MTA: dns; " + r.remoteMta());
            }
            line(sb, "Diagnostic-Code: " + (isSmtpReply(r.diagnostic()) ? "smtp; " : "X-Mailferry; ")
                    + oneLine(r.diagnostic()));
            line(sb, "Last-Attempt-Date: " + date(r.lastAttempt()));
            if (r.action() == Action.DELAYED) {
                line(sb, "Will-Retry-Until: " + date(n.retryUntil()));
            }
            line(sb, "");
        }
    }

    /** A diagnostic that starts with a reply code came from the smarthost: type "smtp" (RFC 3464 2.3.6). */
    static boolean isSmtpReply(String s) {
        return s.length() >= 4 && "245".indexOf(s.charAt(0)) >= 0 && Character.isDigit(s.charAt(1))
                && Character.isDigit(s.charAt(2)) && (s.charAt(3) == ' ' || s.charAt(3) == '-');
    }

    private static boolean ascii(Notice n) {
        return n.recipients().stream().allMatch(r -> (r.diagnostic() + r.recipient().value()
                + r.originalRecipient()).chars().allMatch(c -> c < 0x80)) && n.envId().chars().allMatch(c -> c < 0x80)
                && n.sender().value().chars().allMatch(c -> c < 0x80);
    }

    /** Keeps a value on one header line: line breaks and other controls become spaces. */
    private static String oneLine(String s) {
        return s.replaceAll("[\\x00-\\x1f\\x7f]", " ");
    }

    private static String date(Instant t) {
        return RFC5322_DATE.format(t.atZone(ZoneOffset.UTC));
    }

    private static void line(StringBuilder sb, String s) {
        sb.append(s).append("\r\n");
    }

    /** Copies the message; true when it ended with a line break. */
    private static boolean copyAll(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[65536];
        int last = '\n';
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            last = buf[n - 1];
        }
        return last == '\n';
    }

    /** Copies the header section, up to and without the empty line; true (it ends with CRLF). */
    private static boolean copyHeaders(InputStream in, OutputStream out) throws IOException {
        int prev = '\n';
        int c;
        boolean lineStart = true;
        while ((c = in.read()) >= 0) {
            if (lineStart && (c == '\r' || c == '\n')) {
                break; // the empty line that ends the headers
            }
            out.write(c);
            lineStart = c == '\n';
            prev = c;
        }
        if (prev != '\n') {
            out.write('\r');
            out.write('\n');
        }
        return true;
    }
}
