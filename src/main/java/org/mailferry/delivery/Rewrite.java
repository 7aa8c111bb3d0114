package org.mailferry.delivery;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.mailferry.message.Address;
import org.mailferry.message.Envelope;
import org.mailferry.message.QueueId;
import org.mailferry.rewrite.AddressRules;
import org.mailferry.rewrite.HeaderStream;
import org.mailferry.rewrite.Role;
import org.mailferry.rewrite.SenderHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sender rewriting, once per attempt over the open session (rewrite.*): the envelope sender by
 * {@link AddressRules}, then the login when this smarthost is in rewrite.send_as_login; the body
 * streamed through {@link HeaderStream} with {@link SenderHeaders}. The message in the spool is
 * untouched; what was sent as is noted on the attempt (its history, the status API). A rewritten
 * field that a DKIM-Signature covers is logged once per message.
 */
final class Rewrite implements Step {
    private static final Logger log = LoggerFactory.getLogger("mailferry.rewrite");
    /** Messages warned about (their DKIM signature broken), most recent last; bounded. */
    private static final int WARNED_MAX = 10_000;

    private final AddressRules rules;
    private final List<String> sendAsLogin;
    private final Map<QueueId, Boolean> warned = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<QueueId, Boolean> eldest) {
            return size() > WARNED_MAX;
        }
    };

    Rewrite(AddressRules rules, List<String> sendAsLogin) {
        this.rules = rules;
        this.sendAsLogin = sendAsLogin;
    }

    @Override
    public Attempted proceed(Chain chain) throws IOException, SmtpClient.SessionRefused, SecurityFailure {
        Envelope env = chain.env();
        String sendAs = sendAs(chain.connection(), env.id());
        if (rules.isIdentity() && sendAs == null) {
            return chain.proceed();
        }
        Address sender = env.sender();
        String to = rules.rewrite(sender.value(), Role.ENVELOPE_SENDER);
        if (sendAs != null && !sender.isNull()) {
            to = sendAs;
        }
        Envelope sent = to.equals(sender.value()) ? env : env.withSender(new Address(to));
        SenderHeaders headers = new SenderHeaders(rules, sendAs);
        Attempted a = chain.withEnvelope(sent).withBody(in -> new HeaderStream(in, headers)).proceed();
        List<String> fields = headers.changed();
        if (sent == env && fields.isEmpty()) {
            return a;
        }
        String note = "sent as " + sent.sender().bracketed() + (fields.isEmpty() ? "" : ", header fields "
                + String.join(", ", fields) + " rewritten");
        log.info("{}: from={}, {}", env.id(), sender.bracketed(), note);
        warnOnce(env.id(), headers.breaksSignature());
        return a.withSentAs(note);
    }

    private void warnOnce(QueueId id, List<String> broken) {
        if (broken.isEmpty()) {
            return;
        }
        synchronized (warned) {
            if (warned.put(id, Boolean.TRUE) != null) {
                return;
            }
        }
        log.warn("{}: warning: sender rewriting changed {}, which the message's DKIM-Signature covers (h=): the "
                + "signature will fail at the receiver; sign after rewriting, or leave these fields alone "
                + "(rewrite.*_classes, rewrite.send_as_login)", id, String.join(", ", broken));
    }

    /** The login to send as over {@code c}, or null: not configured for it, or not an address. */
    private String sendAs(SmtpClient c, QueueId id) {
        if (sendAsLogin.isEmpty() || c == null || c.login() == null) {
            return null;
        }
        boolean listed = sendAsLogin.contains("*");
        for (String name : c.loginNames()) {
            listed |= sendAsLogin.contains(name.toLowerCase(Locale.ROOT));
        }
        if (!listed) {
            return null;
        }
        String user = c.login();
        int at = user.lastIndexOf('@');
        if (at <= 0 || at == user.length() - 1 || !user.matches("[!-~&&[^<>]]+")) {
            log.warn("{}: warning: rewrite.send_as_login: the login '{}' for {} is not an address; sent as is",
                    id, user.replaceAll("[^\\x21-\\x7e]", "?"), c.relay());
            return null;
        }
        return user;
    }
}
