package org.mailferry.testing;

import jakarta.mail.BodyPart;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetHeaders;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * A delivery status notification taken apart by an independent MIME parser (Jakarta Mail):
 * the message, its human-readable text, the per-message and per-recipient fields of the
 * message/delivery-status part and the returned message or headers.
 */
public record ParsedDsn(MimeMessage message, String reportType, String text, InternetHeaders perMessage,
                        List<InternetHeaders> perRecipient, String returnedType, byte[] returned) {

    public static ParsedDsn parse(byte[] bytes) throws MessagingException, IOException {
        MimeMessage m = new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
        if (!m.isMimeType("multipart/report")) {
            throw new AssertionError("not multipart/report: " + m.getContentType());
        }
        String reportType = new jakarta.mail.internet.ContentType(m.getContentType()).getParameter("report-type");
        MimeMultipart mp = (MimeMultipart) m.getContent();
        if (mp.getCount() != 3) {
            throw new AssertionError("a DSN has 3 parts, this one " + mp.getCount());
        }
        BodyPart text = mp.getBodyPart(0);
        BodyPart status = mp.getBodyPart(1);
        BodyPart returned = mp.getBodyPart(2);
        if (!text.isMimeType("text/plain") || !status.isMimeType("message/delivery-status")) {
            throw new AssertionError("parts: " + text.getContentType() + ", " + status.getContentType());
        }
        InternetHeaders perMessage;
        List<InternetHeaders> perRecipient = new ArrayList<>();
        try (InputStream in = status.getInputStream()) {
            perMessage = new InternetHeaders(in);
            while (true) {
                InternetHeaders h = new InternetHeaders(in);
                if (!h.getAllHeaders().hasMoreElements()) {
                    break;
                }
                perRecipient.add(h);
            }
        }
        byte[] returnedBytes;
        try (InputStream in = returned.getInputStream()) {
            returnedBytes = in.readAllBytes();
        }
        return new ParsedDsn(m, reportType, (String) text.getContent(), perMessage, perRecipient,
                returned.getContentType(), returnedBytes);
    }

    /** The per-recipient fields for {@code address} (Final-Recipient: rfc822; address). */
    public InternetHeaders recipient(String address) {
        for (InternetHeaders h : perRecipient) {
            String f = h.getHeader("Final-Recipient", null);
            if (f != null && f.replace(" ", "").equalsIgnoreCase("rfc822;" + address)) {
                return h;
            }
        }
        throw new AssertionError("no per-recipient fields for " + address);
    }
}
